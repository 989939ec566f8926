"""Search (检索): the full-text index of matters and what a typed query means.

This app owns:

- the index of each matter's text (title, description, address) and of its people's names and
  phones (models.MatterIndex): Chinese cut into character bigrams (tokens.py), held by SQLite's
  FTS5 or PostgreSQL's tsvector with a GIN index (migrations/0001, ADR-style notes in
  services.py), kept current by every path that writes a matter's text (`add` from
  actions.receive and the bulk import, `index_matters` for anything else) and rebuilt by
  `zhili search-reindex`;
- the meaning of the search box (lookup.py): a matter number or its beginning, a phone, a name,
  or words; looking up a person's matters by phone or name is recorded in the audit log;
- relevance ranking and highlighting for the search page (ranking.py, highlight.py).

The page itself is matters' (zhili/matters/views_search.py), and the filters it shares with the
inbox, the API and the exports are MatterFilterSet's.
"""
