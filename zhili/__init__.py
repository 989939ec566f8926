"""Zhili (治理): the working platform of grassroots social-governance centres."""

__version__ = "0.1.0"
