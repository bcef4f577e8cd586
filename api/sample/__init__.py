"""Deterministic sample data for a 历城区-style district: ``generate_district`` (pure) and ``load_sample``."""

from api.sample.generate import DEMO_PASSWORD, demo_logins, generate_district
from api.sample.records import SampleDistrict

__all__ = ["DEMO_PASSWORD", "SampleDistrict", "demo_logins", "generate_district"]
