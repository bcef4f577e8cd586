"""A real server (uvicorn in a thread, SQLite) and headless Debian Chromium driven by Playwright.

Chromium comes from Debian (``apt-get install chromium``), never from ``playwright install``. With
CI=true a missing browser or Playwright fails these tests; elsewhere they are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from tests.support.live_server import LiveServer
from tests.support.world import World

CHROMIUM = os.environ.get("RUQI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; the browser tests need it in CI.", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(sqlite_template: tuple[Path, World], tmp_path: Path) -> Iterator[LiveServer]:
    template, world = sqlite_template
    db_file = tmp_path / "db.sqlite3"
    shutil.copy(template, db_file)
    (tmp_path / "data").mkdir()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{db_file}",
        data_dir=tmp_path / "data",
        jwt_secret="browser-secret-" + "x" * 32,
        public_base_url=base_url,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            yield LiveServer(base_url=base_url, world=world, http=http)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per module: Playwright's sync API holds an event loop in this thread while it runs, so
    it must be gone before other modules' fixtures call ``asyncio.run``."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip extra for the browser tests)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
