"""Integration tests of the nonsite domain, on SQLite and on PostgreSQL + Redis."""
