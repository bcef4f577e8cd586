"""Integration tests of the feedback domain, on SQLite and on PostgreSQL + Redis."""
