"""Integration tests of the metrics domain, on SQLite and on PostgreSQL + Redis."""
