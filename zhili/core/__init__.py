"""The small in-house framework every domain app builds on.

- scope: the one mechanism that restricts every queryset to what a user may reach.
- context: who is acting, from where, and why, for the audit log.
- pii: masking of personal data.
- api / views / exports: base classes that apply the scope for the REST API, pages and exports.
"""
