"""A cancelled visit: the online verdict changes at once; the offline verifier learns it from the revocation
list when it refreshes — and only when HTTP caching says it should ask again (or the user forces it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from clients.sample_mobile import offline
from clients.sample_mobile.api_client import ApiClient
from clients.sample_mobile.store import open_db, utcnow
from tests.e2e.servers import Server
from tests.e2e.world import PLANNER, Phone, World

pytestmark = pytest.mark.e2e


def test_the_offline_verifier_learns_a_cancellation_when_it_refreshes(
    server: Server, world: World, phone: Callable[[str], Phone]
) -> None:
    visit = world.approved_visit(world.enterprise().uscc)
    with world.client("inspector-1") as inspector:
        url = inspector.visit_code(visit.id).url

    # Phone A through the Python API, with its own clock so that cache ages are exact.
    cli_phone = phone("enterprise-cli")
    db = open_db(phone("enterprise-api").state_dir)
    t0 = utcnow()
    with ApiClient(server.url) as api:
        first = offline.refresh(db, api, now=t0)
        assert (first.jwks, first.revocations) == ("fetched", "fetched")
        assert offline.verify_offline(db, url, now=t0).message.startswith("verified offline, status as of ")
        cli_phone.run("refresh")  # phone B, through the CLI, before the cancellation

        with world.client(PLANNER) as planner:
            assert planner.cancel(visit.id, "企业停产，检查取消").status == "cancelled"
        assert cli_phone.run("verify", url, expect=1)[-1]["outcome"] == "cancelled"  # online: at once

        # Within max-age (jwks 300 s, revocations 60 s) nothing is asked: the cache answers, "as of" t0.
        cached = offline.refresh(db, api, now=t0 + dt.timedelta(seconds=10))
        assert (cached.jwks, cached.revocations, cached.new_revocations) == ("fresh in cache", "fresh in cache", 0)
        still = offline.verify_offline(db, url, now=t0 + dt.timedelta(seconds=10))
        assert still.valid and still.as_of == t0

        # Past a configured limit the same cache no longer vouches for the code.
        stale = offline.verify_offline(db, url, max_age=dt.timedelta(seconds=30), now=t0 + dt.timedelta(seconds=61))
        assert (stale.outcome, stale.needs_online_check) == ("valid", True)
        assert stale.message.startswith("needs an online check")

        # Revocations expired from the cache (60 s) are revalidated; the keys (300 s) are not yet.
        later = t0 + dt.timedelta(seconds=61)
        learned = offline.refresh(db, api, now=later)
        assert (learned.jwks, learned.revocations) == ("fresh in cache", "fetched") and learned.new_revocations >= 1
        verdict = offline.verify_offline(db, url, now=later)
        assert (verdict.outcome, verdict.revocation_reason) == ("cancelled", "cancelled")
        assert verdict.message.startswith("cancelled: the visit was cancelled")

        # Keys past their max-age are revalidated with If-None-Match: 304, no body.
        assert offline.refresh(db, api, now=t0 + dt.timedelta(seconds=301)).jwks == "not modified"

    # Phone B: an explicit refresh (--force) revalidates at once and learns the cancellation.
    forced = cli_phone.run("refresh", "--force")[-1]
    assert forced["new_revocations"] >= 1
    cancelled = cli_phone.run("verify", url, "--offline", expect=1)[-1]
    assert cancelled["outcome"] == "cancelled" and cancelled["visit_id"] == visit.id
