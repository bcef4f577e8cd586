"""Integration tests of the plans domain, on SQLite and on PostgreSQL + Redis."""
