"""The pieces of bench/make_data.py, by concern.

- shape: what the data set looks like (constants: categories, report text, the mix of
  states in the open cycle);
- writer: bulk rows per table (COPY on PostgreSQL, executemany on SQLite);
- people: the org tree, accounts and role grants;
- cycles: the cycles, one worker process per cycle on PostgreSQL;
- assessments: one assessment's history (steps, reviews, votes, notifications);
- audit: hash-chained audit entries and chain heads (`flask verify-audit` holds);
- builder: the Builder that puts them together.
"""
