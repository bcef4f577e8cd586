"""The HTTP interface changes only on purpose: the app's OpenAPI document equals ``docs/openapi.json``.

After an intended change run ``make openapi`` and commit the rewritten file with the change.
"""

from __future__ import annotations

import difflib

from tests.support.openapi_document import COMMITTED, render_in_a_fresh_process


def test_the_openapi_document_is_the_committed_one() -> None:
    current = render_in_a_fresh_process()
    committed = COMMITTED.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(committed.splitlines(True), current.splitlines(True), "docs/openapi.json", "app", n=2)
    )
    assert not diff, "the OpenAPI document changed; if on purpose, run `make openapi` and commit it:\n" + diff[:6000]
