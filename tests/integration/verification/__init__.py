"""Integration tests of the verification domain, on SQLite and on PostgreSQL + Redis."""
