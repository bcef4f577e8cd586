"""The phone app's files: every reference resolves to a served file of ruqi, the vendored libraries are the
pinned releases, and the service worker precaches a version derived from the files."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

from PIL import Image

from api.phone import assets
from api.phone.icons import SIZES, draw

STATIC = assets.STATIC_DIR
TABLE = assets.load()
_IMPORTS = re.compile(
    r"""(?:import\s[^"']*?from\s|import\s*\(\s*|new Worker\(\s*|importScripts\(\s*)["']([^"']+)["']"""
)
_HTML_REFS = re.compile(r"""(?:href|src)="([^"]+)\"""")


def _resolve(base: str, reference: str) -> str:
    """A reference relative to the file ``base`` (both relative to /app/), as the browser resolves it."""
    parts = base.split("/")[:-1]
    for part in reference.split("/"):
        if part == "..":
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def test_every_reference_is_a_file_of_the_app_and_nothing_comes_from_another_host() -> None:
    references: list[tuple[str, str]] = []
    for name in TABLE:
        if name.endswith(".js") and not name.startswith("vendor/"):
            text = (STATIC / name).read_text()
            # Workers are created relative to the document (/app/), modules and importScripts relative to the file.
            for ref in _IMPORTS.findall(text):
                base = "index.html" if f'new Worker("{ref}"' in text else name
                references.append((name, _resolve(base, ref)))
    for ref in _HTML_REFS.findall((STATIC / "index.html").read_text()):
        references.append(("index.html", _resolve("index.html", ref)))
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    references += [("manifest.webmanifest", icon["src"]) for icon in manifest["icons"]]
    assert len(references) > 20
    missing = [(where, ref) for where, ref in references if ref not in TABLE]
    assert not missing, missing
    for name in TABLE:
        if name.endswith((".js", ".html", ".css")) and not name.startswith("vendor/"):
            assert not re.search(r"https?://(?!scanned\.invalid|x/)", (STATIC / name).read_text()), name


def test_vendored_files_are_the_pinned_releases() -> None:
    notes = (STATIC / "vendor" / "README.md").read_text()
    pinned = dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", notes, re.MULTILINE))
    vendored = {p.relative_to(STATIC / "vendor").as_posix() for p in (STATIC / "vendor").rglob("*") if p.is_file()}
    assert set(pinned) == vendored - {"README.md"}
    for name, digest in pinned.items():
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest, name
    for library in ("jsqr", "noble-ed25519", "tiny-cbor"):
        assert (STATIC / "vendor" / library / "LICENSE").is_file()


def test_service_worker_precaches_the_shell_under_a_content_version(tmp_path: Path) -> None:
    worker = assets.load()["sw.js"].body.decode()
    build = json.loads(re.search(r"^const BUILD = (.*); //", worker, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert build["assets"][0] == "./" and "index.html" not in build["assets"]
    assert {"app.css", "js/app.js", "js/qr-worker.js", "vendor/jsqr/jsQR.js", "icons/icon-192.png"} <= set(
        build["assets"]
    )
    assert not [a for a in build["assets"] if a.endswith(("LICENSE", ".md"))]
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    assert json.loads(re.search(r"const BUILD = (.*); //", assets.load(copy)["sw.js"].body.decode()).group(1)) == build  # type: ignore[union-attr]
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* changed */\n")
    changed = re.search(r"const BUILD = (.*); //", assets.load(copy)["sw.js"].body.decode()).group(1)  # type: ignore[union-attr]
    assert json.loads(changed)["version"] != build["version"]


def test_text_files_go_gzipped_and_images_as_they_are() -> None:
    script = TABLE["vendor/jsqr/jsQR.js"]
    body, etag, encoding = script.encoded(accepts_gzip=True)
    assert encoding == "gzip" and gzip.decompress(body) == script.body and etag != script.etag
    assert len(body) < len(script.body) / 3
    assert TABLE["icons/icon-192.png"].encoded(accepts_gzip=True)[2] is None
    assert TABLE["js/app.js"].media_type == "text/javascript"
    assert TABLE["manifest.webmanifest"].media_type == "application/manifest+json"


def test_committed_icons_are_what_the_script_draws() -> None:
    for name, (size, maskable) in SIZES.items():
        committed = Image.open(STATIC / "icons" / name)
        assert committed.size == (size, size)
        drawn = draw(size, maskable).convert(committed.mode)
        difference = sum(abs(a - b) for a, b in zip(committed.tobytes(), drawn.tobytes(), strict=True))
        assert difference / len(drawn.tobytes()) < 1.0, name  # the same picture (Pillow versions may round apart)
