"""What a person sees in the browser: horizontal scrolling, characters drawn without a font (tofu), screenshots.

Tofu: Chromium reports, per element, the platform fonts it used for the element's own text
(DevTools ``CSS.getPlatformFontsForNode``); a character that none of those fonts has a glyph for is drawn
as an empty box. The fonts' files come from fontconfig (``fc-match``), their character maps from fontTools.
"""

from __future__ import annotations

import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTCollection, TTFont

SCREENSHOTS = Path(os.environ.get("RUQI_SCREENSHOTS", "var/screenshots"))

# Every element's own text (its direct text nodes), with a CSS path DevTools can find again.
_OWN_TEXTS = """() => {
  const out = [];
  let n = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'svg'].includes(el.tagName)) continue;
    const own = [...el.childNodes].filter(c => c.nodeType === 3).map(c => c.textContent).join('').trim();
    if (!own || el.getClientRects().length === 0) continue;
    el.setAttribute('data-seen', String(++n));
    out.push([n, own]);
  }
  return out;
}"""


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def tofu(page: Any) -> list[str]:
    """The visible characters no font used for their element can draw, as "char (element text)" strings."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        texts = page.evaluate(_OWN_TEXTS)
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        missing: list[str] = []
        for number, text in texts:
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-seen="{number}"]'})["nodeId"]
            if not node:
                continue
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            if not fonts:
                continue  # laid out but no text drawn (e.g. inside a closed <details>)
            covered: set[int] = set()
            for font in fonts:
                covered |= _codepoints(font["postScriptName"], font["familyName"])
            for char in set(text):
                if not char.isspace() and ord(char) not in covered and not _invisible(char):
                    missing.append(f"{char!r} in {text[:40]!r} ({', '.join(f['familyName'] for f in fonts)})")
        return sorted(set(missing))
    finally:
        cdp.detach()


def screenshot(page: Any, name: str) -> Path:
    """Save the full page under ``var/screenshots`` (or ``$RUQI_SCREENSHOTS``) for a person to look at."""
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "-", part) for part in name.split("/") if part.strip(".")]
    path = SCREENSHOTS.joinpath(*parts).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def _fontconfig(command: list[str]) -> list[Any]:
    """(file, index) of the first font fontconfig lists for a pattern, or []."""
    out = subprocess.run([*command, "--format=%{file}\t%{index}\n"], capture_output=True, text=True, check=False)
    first = out.stdout.split("\n", 1)[0]
    if "\t" not in first:
        return []
    path, index = first.split("\t")
    return [path, int(index or 0)]


def _invisible(char: str) -> bool:
    return char in "\u200b\u200c\u200d\u2060\ufeff"


@lru_cache(maxsize=64)
def _codepoints(postscript_name: str, family: str) -> frozenset[int]:
    """The characters the installed font has glyphs for (found by its PostScript name, else its family)."""
    found = _fontconfig(["fc-list", f":postscriptname={postscript_name}"]) if postscript_name else []
    found = found or _fontconfig(["fc-match", family])
    if not found:
        return frozenset()
    path, index = found
    font = TTCollection(path).fonts[index] if path.endswith((".ttc", ".otc")) else TTFont(path, lazy=True)
    return frozenset(font.getBestCmap() or {})
