"""Taxonomy (分类体系): kinds of matter, categories, unit types, risk levels, co-handling rules.

Ships the reference taxonomy (data/taxonomy.json, equal to shared/contracts) as the default
configuration. Administrators may add terms and rules and edit labels; shipped codes and codes in
use are never deleted.
"""
