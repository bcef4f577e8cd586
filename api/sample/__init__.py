"""Deterministic sample data for a 历城区-style district.

``generate_district`` and ``generate_history`` are pure; ``load_sample`` and ``load_history`` write them.
"""

from api.sample.generate import DEMO_PASSWORD, demo_logins, generate_district
from api.sample.history import generate_history
from api.sample.history_records import SampleHistory
from api.sample.records import SampleDistrict

__all__ = ["DEMO_PASSWORD", "SampleDistrict", "SampleHistory", "demo_logins", "generate_district", "generate_history"]
