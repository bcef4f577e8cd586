"""Helpers shared by the test suites: the hand-made world, throw-away databases, request helpers."""
