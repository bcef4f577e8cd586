"""Finding the enterprises a plan entry targets without scanning the registry once per entry.

Enterprises are bucketed by industry code, then by (risk grade, above scale). A selector's industry
prefixes become a range lookup in the sorted list of codes (bisect), and the other criteria are checked
once per bucket, not once per enterprise, and matching buckets are concatenated whole. ``select_keys``
returns (uscc, ``spread.enterprise_hash(uscc)``) pairs, so the spreading loop needs no lookup per pair.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable

from schedules.model import EnterpriseInfo, TargetSelector
from schedules.spread import enterprise_hash


def selector_matches(selector: TargetSelector, enterprise: EnterpriseInfo) -> bool:
    """Every criterion the selector gives holds for the enterprise (the reference definition)."""
    return (
        (not selector.usccs or enterprise.uscc in selector.usccs)
        and (not selector.industry_prefixes or enterprise.industry_code.startswith(selector.industry_prefixes))
        and (not selector.risk_grades or enterprise.risk_grade in selector.risk_grades)
        and (not selector.above_scale_only or enterprise.above_scale)
    )


class EnterpriseIndex:
    """The registry indexed for ``select``; enterprises come back in a deterministic order."""

    def __init__(self, enterprises: Iterable[EnterpriseInfo]) -> None:
        self.by_uscc: dict[str, EnterpriseInfo] = {}
        for enterprise in enterprises:
            self.by_uscc[enterprise.uscc] = enterprise
        buckets: dict[str, dict[tuple[str, bool], list[tuple[str, int]]]] = defaultdict(lambda: defaultdict(list))
        for uscc in sorted(self.by_uscc):
            enterprise = self.by_uscc[uscc]
            key = (enterprise.risk_grade, enterprise.above_scale)
            buckets[enterprise.industry_code][key].append((uscc, enterprise_hash(uscc)))
        self._buckets = {code: sorted(groups.items()) for code, groups in buckets.items()}
        self._codes = sorted(self._buckets)

    def get(self, uscc: str) -> EnterpriseInfo | None:
        return self.by_uscc.get(uscc)

    def industry_codes(self, prefixes: tuple[str, ...]) -> list[str]:
        """The registry's industry codes starting with any of the prefixes (all codes for none)."""
        if not prefixes:
            return self._codes
        found: set[str] = set()
        for prefix in prefixes:
            position = bisect_left(self._codes, prefix)
            while position < len(self._codes) and self._codes[position].startswith(prefix):
                found.add(self._codes[position])
                position += 1
        return sorted(found)

    def select(self, selector: TargetSelector) -> list[EnterpriseInfo]:
        """The enterprises the selector targets, in a deterministic order."""
        return [self.by_uscc[uscc] for uscc, _ in self.select_keys(selector)]

    def select_keys(self, selector: TargetSelector) -> list[tuple[str, int]]:
        """(uscc, spread.enterprise_hash(uscc)) of the enterprises the selector targets."""
        return [pair for _, pairs in self.select_by_industry(selector) for pair in pairs]

    def select_by_industry(self, selector: TargetSelector) -> list[tuple[str, list[tuple[str, int]]]]:
        """The selected (uscc, hash) pairs per industry code, codes in order."""
        if selector.usccs:
            named = [self.by_uscc.get(uscc) for uscc in sorted(set(selector.usccs))]
            by_code: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for e in named:
                if e is not None and selector_matches(selector, e):
                    by_code[e.industry_code].append((e.uscc, enterprise_hash(e.uscc)))
            return sorted(by_code.items())
        result: list[tuple[str, list[tuple[str, int]]]] = []
        for code in self.industry_codes(selector.industry_prefixes):
            pairs: list[tuple[str, int]] = []
            for (risk_grade, above_scale), group in self._buckets[code]:
                if selector.risk_grades and risk_grade not in selector.risk_grades:
                    continue
                if selector.above_scale_only and not above_scale:
                    continue
                pairs.extend(group)
            if pairs:
                result.append((code, pairs))
        return result
