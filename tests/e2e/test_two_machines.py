"""Two app machines on one PostgreSQL + Redis: ``ruqi run`` A and B, each with its own data directory.

Nothing is shared through the file system: keys (sealed under the key-encryption key), the JWT secret (from
the environment) and evidence (in PostgreSQL) are what let one machine honour what the other issued.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial

import httpx
import pytest
from PIL import Image

from clients.sample_mobile.schemas import ScanRequest
from tests.e2e.servers import Deployment, Server, fresh_deployment, launch_server, wait_for, wait_ready
from tests.e2e.world import PASSWORD, PLANNER, World

pytestmark = pytest.mark.e2e

REFRESH_S = "1"  # RUQI_KEY_REFRESH_SECONDS: how soon a rotation on one machine reaches the other
ROTATION_TIMEOUT_S = 60.0


@dataclass
class Machine(Deployment):
    """One app machine of the deployment: the shared database and Redis, a data directory of its own."""

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(RUQI_KEY_REFRESH_SECONDS=REFRESH_S, **extra)


@dataclass
class TwoMachines:
    a: Server
    b: Server
    machine_a: Machine
    machine_b: Machine
    world: World  # logged in through A


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoMachines]:
    root = tmp_path_factory.mktemp("two-machines")
    with fresh_deployment(root / "data-a") as shared:
        machine_a = Machine(**vars(shared))
        machine_b = replace(machine_a, data_dir=root / "data-b")
        machine_b.data_dir.mkdir()
        machine_a.run("migrate")
        machine_a.run("seed", "--enterprises", "50", "--no-history")
        a = launch_server(machine_a, root, port=machine_a.main_port)
        b = launch_server(machine_b, root)
        wait_ready(a, b)
        try:
            yield TwoMachines(a, b, machine_a, machine_b, World.load(a.url))
        finally:
            b.stop()
            a.stop()


def bearer(server: Server, username: str) -> dict[str, str]:
    answer = httpx.post(f"{server.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def jwks_kids(server: Server) -> list[str]:
    answer = httpx.get(f"{server.url}/.well-known/jwks.json")
    assert answer.status_code == 200, answer.text
    return [key["kid"] for key in answer.json()["keys"]]


def verify_on(server: Server, token: str) -> dict[str, object]:
    answer = httpx.get(f"{server.url}/api/v1/public/verify/{token}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def visit_token(two: TwoMachines, visit_id: int) -> tuple[str, str]:
    with two.world.client(PLANNER) as planner:
        code = planner.visit_code(visit_id)
    return code.token, code.kid


def test_a_code_approved_through_a_verifies_on_b(machines: TwoMachines) -> None:
    visit = machines.world.approved_visit(machines.world.enterprise().uscc)
    token, kid = visit_token(machines, visit.id)
    verdict = verify_on(machines.b, token)
    assert (verdict["outcome"], verdict["valid"]) == ("valid", True)
    assert kid in jwks_kids(machines.b)
    assert jwks_kids(machines.b) == jwks_kids(machines.a)  # one key set, published by both


def test_a_login_token_from_a_works_on_b(machines: TwoMachines) -> None:
    headers = bearer(machines.a, PLANNER)
    answer = httpx.get(f"{machines.b.url}/api/v1/visits", headers=headers, params={"limit": 1})
    assert answer.status_code == 200, answer.text
    forged = {"Authorization": headers["Authorization"][:-2] + "xx"}
    assert httpx.get(f"{machines.b.url}/api/v1/visits", headers=forged).status_code == 401


def test_evidence_uploaded_through_a_downloads_through_b(machines: TwoMachines) -> None:
    world = machines.world
    firm = world.enterprise()
    visit = world.approved_visit(firm.uscc)
    with world.client("supervisor", machines.a.url) as supervisor:
        firm_code = supervisor.enterprise_code(firm.uscc)
    with world.client("inspector-1", machines.a.url) as inspector:
        inspector.scan(
            ScanRequest(
                content=firm_code.url,
                client_event_id=str(uuid.uuid4()),
                latitude=firm.latitude or 36.68,
                longitude=firm.longitude or 117.02,
                accuracy_m=8,
            )
        )
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "JPEG")
    sent = photo.getvalue()
    digest = hashlib.sha256(sent).hexdigest()
    upload = httpx.post(
        f"{machines.a.url}/api/v1/visits/{visit.id}/evidence",
        headers=bearer(machines.a, "inspector-1"),
        files={"file": ("site.jpg", sent, "image/jpeg")},
        data={"sha256": digest},
    )
    assert upload.status_code == 201, upload.text
    stored_sha256 = upload.json()["stored_sha256"]

    cached = machines.machine_b.data_dir / "evidence" / stored_sha256[:2] / stored_sha256
    assert not cached.exists()  # B never saw the upload: its directory cannot serve it
    headers = bearer(machines.b, PLANNER)
    kept = httpx.get(f"{machines.b.url}/api/v1/visits/{visit.id}/evidence/{digest}", headers=headers)
    assert kept.status_code == 200, kept.text
    assert hashlib.sha256(kept.content).hexdigest() == stored_sha256  # the kept (cleaned) bytes, from PostgreSQL
    assert cached.read_bytes() == kept.content  # now cached on B
    thumb = httpx.get(f"{machines.b.url}/api/v1/visits/{visit.id}/evidence/{digest}/thumbnail", headers=headers)
    assert thumb.status_code == 200 and thumb.content.startswith(b"\xff\xd8")


def test_a_rotation_through_a_reaches_b(machines: TwoMachines) -> None:
    before = jwks_kids(machines.b)[0]
    old_visit = machines.world.approved_visit(machines.world.enterprise().uscc)
    old_token, old_kid = visit_token(machines, old_visit.id)
    assert old_kid == before

    said = machines.machine_a.run("rotate-keys", "--keep-days", "30")
    new = re.split("[;；]", said.split("→")[1])[0].strip()  # "签名密钥 OLD → NEW；…" (or the English line)
    assert new != before

    def leads_with_new_key(server: Server) -> bool:
        return jwks_kids(server)[0] == new

    for server in (machines.a, machines.b):
        wait_for(
            f"the new key on port {server.port}",
            partial(leads_with_new_key, server),
            ROTATION_TIMEOUT_S,
            server.log_tail,
        )
    assert before in jwks_kids(machines.b)  # the old key still verifies
    assert verify_on(machines.b, old_token)["valid"] is True

    fresh_visit = machines.world.approved_visit(machines.world.enterprise().uscc)
    fresh_token, fresh_kid = visit_token(machines, fresh_visit.id)
    assert fresh_kid == new  # A signs with the new key
    assert verify_on(machines.b, fresh_token)["valid"] is True


def test_data_directories_hold_no_shared_secret(machines: TwoMachines) -> None:
    for data_dir in (machines.machine_a.data_dir, machines.machine_b.data_dir):
        assert not (data_dir / "jwt_secret").exists()
        assert not (data_dir / "keys").exists() and not (data_dir / "enterprise_keys").exists()
