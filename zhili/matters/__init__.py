"""Matters (事项): every dispute, request, petition and legal-service application, from intake to
the resident's rating.

A matter's history is a list of typed events (`events.py`); its current state is derived from
them by the pure functions of `lifecycle.py` and stored on the row for fast queries. Every state
change is one function in `actions.py`: atomic, locks the matter, checks the transition and the
actor's role, appends its event and updates the row. Views, the API, the CLI and the worker call
these; nothing else writes a matter.
"""
