"""/app/ serves the phone app: content types, revalidation, the service worker's scope, the policy, 404s."""

from __future__ import annotations

from tests.support.api import Api


def test_app_shell_and_its_headers(api: Api) -> None:
    redirect = api.client.get("/app", follow_redirects=False)
    assert redirect.status_code == 308 and redirect.headers["location"] == "/app/"
    page = api.get("/app/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="zh-CN">' in page.text and "manifest.webmanifest" in page.text
    assert page.headers["cache-control"] == "no-cache" and page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "http" not in policy
    again = api.client.get("/app/", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_service_worker_manifest_and_scripts(api: Api) -> None:
    worker = api.get("/app/sw.js")
    assert worker.headers["content-type"] == "text/javascript; charset=utf-8"
    assert worker.headers["service-worker-allowed"] == "/app/" and worker.headers["cache-control"] == "no-cache"
    assert '"assets": ["./"' in worker.text
    manifest = api.get("/app/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json" and manifest.json()["scope"] == "/app/"
    script = api.client.get("/app/vendor/jsqr/jsQR.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["content-encoding"] == "gzip" and "jsQR" in script.text  # httpx decodes it
    assert api.get("/app/icons/icon-512.png").headers["content-type"] == "image/png"
    assert api.get("/app/vendor/jsqr/LICENSE").text.strip().startswith("Apache License")


def test_unknown_files_are_404_in_chinese_and_paths_cannot_escape(api: Api) -> None:
    missing = api.get("/app/nope.js")
    assert missing.status_code == 404 and missing.json()["code"] == "app_file_not_found"
    assert missing.json()["detail"] == "手机应用没有文件 nope.js。"
    for path in ("/app/../api/v1/items", "/app/%2e%2e/pyproject.toml", "/app/js/../../api/app.py", "/app/%2e%2e%2fapi"):
        response = api.get(path)  # served from the table of files only: nothing outside static/ is reachable
        assert response.status_code in (401, 404), (path, response.status_code)
        assert "[project]" not in response.text and "create_app" not in response.text
    english = api.client.get("/app/nope.js", headers={"Accept-Language": "en"})
    assert english.json()["detail"] == "The phone app has no file nope.js."
