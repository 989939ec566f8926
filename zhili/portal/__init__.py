"""The resident portal (群众端): report a matter, get its number, track it by number and phone
with a one-time code sent by SMS, read the answer, rate it, reopen it within the window.

It holds no accounts: a resident proves, matter by matter, that they hold the phone the matter
was reported with (`services.request_code` / `verify_code`), and the session then carries that
proof for a while. Every step goes through `zhili.matters.actions` like the staff's.
"""
