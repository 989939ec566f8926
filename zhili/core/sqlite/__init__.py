"""Zhili's SQLite database backend: Django's, with writers that queue without sleeping (base.py)."""
