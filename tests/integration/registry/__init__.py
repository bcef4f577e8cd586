"""Integration tests of the registry domain, on SQLite and on PostgreSQL + Redis."""
