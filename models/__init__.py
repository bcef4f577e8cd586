"""Piccolo tables of ruqi and the engine wiring."""
