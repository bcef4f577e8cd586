"""The OpenAPI document as committed in ``docs/openapi.json``: ``make openapi`` rewrites it from the app.

``tests/integration/test_openapi_document.py`` fails while the app's document and the committed one differ,
so a change to the HTTP interface shows up in review as a diff of that file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import time_machine
from litestar.serialization import encode_json

from api.app import create_app
from api.settings import Settings
from tests.support.clock import WORLD_INSTANT

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


# Litestar generates examples for some responses (``ResponseSpec(generate_examples=True)``) with datetimes
# relative to the clock, in local time: the document is rendered with the clock stopped at the tests' instant
# (a Beijing-time ZoneInfo, which time-machine also makes the local zone).
RENDERED_AT = WORLD_INSTANT


def render() -> str:
    """The app's OpenAPI document, keys sorted, one stable text for any machine and run."""
    with tempfile.TemporaryDirectory() as tmp, time_machine.travel(RENDERED_AT, tick=False):
        root = Path(tmp)
        app = create_app(Settings(database_url=f"sqlite:///{root / 'db.sqlite3'}", data_dir=root, jwt_secret="s" * 40))
        schema = json.loads(encode_json(app.openapi_schema.to_schema()))  # as /schema/openapi.json serves it
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_in_a_fresh_process() -> str:
    """``render()`` in a new interpreter: Litestar draws the examples from one seeded random sequence per
    process, so an app built earlier in the same process (another test's) would shift them."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.openapi_document", "-"],
        cwd=COMMITTED.parents[1],
        capture_output=True,
        check=True,  # no timeout: with one, subprocess polls with time.sleep, which fails under faketime
    )
    return result.stdout.decode("utf-8")


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else str(COMMITTED)
    if target == "-":
        sys.stdout.buffer.write(render().encode("utf-8"))
        return
    Path(target).write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
