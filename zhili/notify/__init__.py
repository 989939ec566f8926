"""Notices (通知) to residents and staff by SMS and e-mail, through an outbox.

Owns the outbox (`Notification`), the sending backends, and the worker tasks that deliver
notices and retry failed ones. Other apps call `zhili.notify.services.enqueue` inside their own
transaction; nothing is sent unless that transaction commits, and nothing committed is lost.
See docs/notifications.md.
"""
