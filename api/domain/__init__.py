"""Pure domain rules (no Litestar, no database)."""
