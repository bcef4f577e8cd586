"""Integration tests of the health domain, on SQLite and on PostgreSQL + Redis."""
