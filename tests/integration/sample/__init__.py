"""Integration tests of the sample domain, on SQLite and on PostgreSQL + Redis."""
