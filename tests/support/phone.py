"""The phone app in headless Chromium: a fake camera fed with a real code image, a pinned clock, screenshots.

Chromium reads its fake camera from a Y4M file (``--use-file-for-fake-video-capture``), one per browser
process: each camera scene launches its own browser. The page's clock is set to the test's pinned instant
(Playwright's clock), so the phone and the server agree on what "now" is.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
SCREENSHOTS = Path(os.environ.get("RUQI_SCREENSHOTS", "var/screenshots/app"))
FRAME = (640, 480)


def y4m_of_png(png: bytes, path: Path, frames: int = 6) -> Path:
    """A still video (YUV 4:2:0) of the code image on white, as a phone camera would see it held in front."""
    code = Image.open(io.BytesIO(png)).convert("L")
    side = min(FRAME) - 60
    code = code.resize((side, side), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", FRAME, (255, 255, 255))
    canvas.paste(code.convert("RGB"), ((FRAME[0] - side) // 2, (FRAME[1] - side) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(b"FRAME\n" + planes for _ in range(frames)))
    return path


def launch(playwright: Any, executable: str, args: list[str], video: Path | None = None) -> Any:
    extra = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if video is not None:
        extra.append(f"--use-file-for-fake-video-capture={video}")
    return playwright.chromium.launch(executable_path=executable, args=[*args, *extra], headless=True)


@contextmanager
def phone(browser: Any, base_url: str, *, geolocation: dict[str, float] | None = None) -> Iterator[Any]:
    """A 360-px phone page at the pinned instant, camera and location allowed; errors collected in ``page.errors``."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation=geolocation,
        permissions=["camera", "geolocation"] if geolocation else ["camera"],
        base_url=base_url,
        bypass_csp=True,  # for the test's own evaluate() calls; the app's CSP is checked on the HTTP header
    )
    context.clock.install(time=dt.datetime.now(dt.UTC))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((base_url, "data:", "blob:")) else None)
    page.errors = errors
    page.foreign_requests = foreign
    try:
        yield page
    finally:
        context.close()


def login(page: Any, username: str, password: str) -> None:
    page.goto("/app/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.locator("#nav a").first.wait_for()  # the tabs of the role: logged in
    page.locator("#login-form").wait_for(state="detached")


def wait_for_service_worker(page: Any) -> None:
    """The worker is installed and controls the page (it claims clients on activation)."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000)


# Draws each distinct character of the page and compares it with the drawing of an unassigned code point:
# the same pixels mean no font had the glyph (a "tofu" box).
_TOFU = """(extra) => {
  const text = document.body.innerText + [...document.querySelectorAll('input, textarea')]
    .map((e) => e.placeholder || '').join('') + extra;
  const font = getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d');
  const draw = (ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = `32px ${font}`;
    ctx.fillText(ch, 4, 36);
    return canvas.toDataURL();
  };
  const tofu = draw('\\u0378');
  return [...new Set([...text])].filter((ch) => ch.trim() && draw(ch) === tofu);
}"""


def tofu(page: Any, extra: str = "") -> list[str]:
    return list(page.evaluate(_TOFU, extra))


def check_screen(page: Any, name: str) -> None:
    """No horizontal scrolling at 360 px, no tofu, and screenshots of the screen (360 px, then 1280 px) for people
    to look at."""
    page.wait_for_timeout(150)  # let the screen finish painting
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide, scrolls sideways at 360px"
    missing = tofu(page)
    assert not missing, f"{name}: characters without a glyph: {missing}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    # The same screen on a desk screen (an enterprise at its office computer): no tofu there either.
    page.set_viewport_size(DESK)
    try:
        page.wait_for_timeout(150)
        missing = tofu(page)
        assert not missing, f"{name} at {DESK['width']}px: characters without a glyph: {missing}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{DESK['width']}.png"), full_page=True)
    finally:
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(150)
