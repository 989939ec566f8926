"""Audit log (审计日志): every change of a domain object, every login, permission change and
reveal of personal data, with who, when, from where, what changed and why.

Append-only through the application: AuditEvent refuses updates and deletes, and the database
refuses UPDATE through a trigger. Models opt in by inheriting AuditedModel; recording happens in
signal handlers so that no code path (service, admin, shell) can change a row unseen.
"""
