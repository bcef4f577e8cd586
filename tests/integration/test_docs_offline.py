"""The API docs work on a network with no internet: every file the page loads comes from ruqi itself."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.support.api import Api


def _referenced(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


def test_swagger_ui_loads_nothing_from_another_host(api: Api) -> None:
    page = api.get("/schema/swagger")
    assert page.status_code == 200
    urls = _referenced(page.text)
    assert len(urls) >= 4  # bundle, preset, css, favicon
    assert [u for u in urls if urlsplit(u).netloc] == []
    for url in urls:
        asset = api.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    scripts = [u for u in urls if u.endswith(".js")]
    assert all(
        api.get(u).headers["content-type"].startswith(("text/javascript", "application/javascript")) for u in scripts
    )


def test_static_files_do_not_escape_their_directory(api: Api) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/swagger-ui/../../settings.py"):
        assert api.get(path).status_code in (400, 404), path
