"""Integration tests of the accounts domain, on SQLite and on PostgreSQL + Redis."""
