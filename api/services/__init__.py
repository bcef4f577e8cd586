"""Use cases over the Piccolo tables. They own their transactions and raise domain errors only."""
