"""How ``NotoSansSC-GB2312.otf`` was made (run once by hand; the service never imports this).

apt-get install fonts-noto-cjk && pip install fonttools
python qr/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc qr/fonts/NotoSansSC-GB2312.otf
"""

from __future__ import annotations

import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

PUNCTUATION = "（）【】《》、，。：；！？“”‘’·—…－％＋／０１２３４５６７８９"


def gb2312() -> set[str]:
    """Every character of GB 2312 (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def main(source: str, target: str) -> None:
    chars = gb2312() | {chr(c) for c in range(0x20, 0x7F)} | set(PUNCTUATION)
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if str(f["name"].getDebugName(4)).endswith(" SC"))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    font.save(target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
