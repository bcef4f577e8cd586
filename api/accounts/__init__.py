"""Accounts: logging in and out, creating users; one role and its binding per account."""
