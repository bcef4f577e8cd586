"""Integration tests of the visits domain, on SQLite and on PostgreSQL + Redis."""
