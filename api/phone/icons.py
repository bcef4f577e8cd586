"""Draws the phone app's icons with Pillow (shapes only, no font): ``python -m api.phone.icons`` rewrites the
PNGs under ``static/icons/``, which are committed. A blue tile, the three finder squares of a QR code and a
check mark: "scan the code, checked"."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICON_DIR = Path(__file__).parent / "static" / "icons"
BLUE = (11, 92, 173, 255)
WHITE = (255, 255, 255, 255)
GREEN = (48, 190, 110, 255)
SIZES = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True),
         "apple-touch-icon.png": (180, True)}  # fmt: skip


def draw(size: int, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliasing support in ImageDraw
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:  # full bleed; the content stays inside the 80 % safe zone
        pen.rectangle((0, 0, big, big), fill=BLUE)
        inset = big * 0.2
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BLUE)
        inset = big * 0.16
    area = big - 2 * inset
    cell = area / 7

    def finder(x: float, y: float) -> None:
        pen.rectangle((x, y, x + 3 * cell, y + 3 * cell), fill=WHITE)
        pen.rectangle((x + 0.5 * cell, y + 0.5 * cell, x + 2.5 * cell, y + 2.5 * cell), fill=BLUE)
        pen.rectangle((x + cell, y + cell, x + 2 * cell, y + 2 * cell), fill=WHITE)

    finder(inset, inset)
    finder(inset + 4 * cell, inset)
    finder(inset, inset + 4 * cell)
    tick = [
        (inset + 4.1 * cell, inset + 5.4 * cell),
        (inset + 5.1 * cell, inset + 6.4 * cell),
        (inset + 6.9 * cell, inset + 4.3 * cell),
    ]
    pen.line(tick, fill=GREEN, width=round(0.75 * cell), joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in SIZES.items():
        icon = draw(size, maskable)
        if name == "apple-touch-icon.png":  # iOS shows transparency as black
            icon = icon.convert("RGB")
        icon.save(ICON_DIR / name, optimize=True)


if __name__ == "__main__":
    main()
