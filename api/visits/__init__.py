"""Visits: filing (备案), approval, per-visit codes (检查码), scan-in, check-out and unfiled attempts."""
