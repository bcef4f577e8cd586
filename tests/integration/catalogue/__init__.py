"""Integration tests of the catalogue domain, on SQLite and on PostgreSQL + Redis."""
