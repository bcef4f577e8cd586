"""Thin HTTP controllers: parse → call a service → return a schema."""
