"""Files of a case: uploaded into the evidence store by the supervisor or the unit, named by later steps."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.support.api import Api
from tests.support.cases import CASES, act, ok, open_case
from tests.support.supervision import problem

PDF = b"%PDF-1.4\n% ruqi test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(api: Api, case_id: int, data: bytes, as_: str = "supervisor", sha: str | None = None) -> Any:
    form = {"sha256": sha or hashlib.sha256(data).hexdigest()}
    files = {"file": ("询问笔录.pdf", data, "application/pdf")}
    return api.post(f"{CASES}/{case_id}/attachments", as_=as_, data=form, files=files)


def test_a_file_is_kept_recorded_on_the_case_and_named_by_a_step(api: Api) -> None:
    case = open_case(api, inspector_ids=[api.world.inspector_ids["MKT-C1"]])
    sha = hashlib.sha256(PDF).hexdigest()
    problem(upload(api, case["id"], PDF, sha="0" * 64), 422, "hash_mismatch")
    stored = upload(api, case["id"], PDF)
    assert stored.status_code == 201, stored.text
    detail = ok(api.get(f"{CASES}/{case['id']}", as_="planner-mkt"))
    assert detail["events"][-1]["action"] == "attachment" and detail["events"][-1]["attachments"] == [sha]
    statement: dict[str, Any] = {
        "inspector_id": api.world.inspector_ids["MKT-C1"],
        "statement": "见笔录",
        "attachments": [sha],
    }
    heard = ok(act(api, case["id"], "statements", **statement))
    assert heard["events"][-1]["attachments"] == [sha]
    fetched = api.get(f"{CASES}/{case['id']}/attachments/{sha}", as_="approver-mkt")
    assert fetched.status_code == 200 and fetched.content == PDF
    problem(api.get(f"{CASES}/{case['id']}/attachments/{sha}", as_="planner-fire"), 404, "case_not_found")
    problem(upload(api, case["id"], PDF, as_="planner-fire"), 404, "case_not_found")
    other = open_case(api)
    problem(api.get(f"{CASES}/{other['id']}/attachments/{sha}", as_="supervisor"), 404, "attachment_not_found")
    by_unit = upload(api, case["id"], PDF + b"%unit\n", as_="planner-mkt")
    assert by_unit.status_code == 201
