"""Integration tests of the audit domain, on SQLite and on PostgreSQL + Redis."""
