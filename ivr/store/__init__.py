"""The only code that names a SQL dialect or tunes SQLAlchemy (LAYOUT.md rule 4).

models/: the tables, one module per area, one Base. db: engines, the request's connection and
session. calls: a call's row read, locked, saved if unchanged, its journey. sqlite: SQLite's single
writer and pragmas. missing: rows added only when missing, safe beside another process adding them.
schema and migrations/: Alembic. archive: stored versions of the flows.
"""
