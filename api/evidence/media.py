"""What an evidence file is (by its bytes, never its name) and making images safe to keep.

Images (JPEG, PNG, WebP, recognised by Pillow from their magic bytes) are decoded and re-encoded:
the orientation is applied to the pixels, every metadata block (EXIF with GPS, make and model, XMP,
ICC profile, comments, text chunks) is dropped, and only the capture time (EXIF DateTimeOriginal) is
written back. A JPEG thumbnail of at most 320 px is made from the clean image.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from api.clock import LOCAL_TZ
from api.errors import DomainError, RuleViolation
from api.i18n import tr

THUMBNAIL_PX = 320
# Refused by the size in the header, before any pixel is decoded (Image.open reads only the header): a
# 225 KB PNG can claim 59 megapixels. Decoding needs about 4 bytes per pixel, a few copies at once, per
# image being processed (at most RUQI_HEAVY_WORK_CONCURRENCY at a time).
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SAVE_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXIF_TIME = "%Y:%m:%d %H:%M:%S"
# ISO BMFF brands of image containers whose metadata we cannot strip (HEIC/HEIF/AVIF).
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


class UnsupportedMedia(DomainError):
    status = 415
    code = "unsupported_media_type"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    media_type: str
    thumbnail: bytes
    captured_at: dt.datetime | None


def sniff(head: bytes) -> str:
    """The media type of a file that is not a JPEG, PNG or WebP image, from its first bytes.

    Other image formats are refused: they could carry location data we do not strip.
    """
    if head.startswith((b"II*\x00", b"MM\x00*")):
        raise UnsupportedMedia(tr("TIFF images are not accepted; send JPEG, PNG or WebP."), code="unsupported_image")
    if head.startswith((b"GIF87a", b"GIF89a")):
        raise UnsupportedMedia(tr("GIF images are not accepted; send JPEG, PNG or WebP."), code="unsupported_image")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            raise UnsupportedMedia(
                tr("HEIC/AVIF images are not accepted; send JPEG, PNG or WebP."), code="unsupported_image"
            )
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return "application/octet-stream"


def _capture_time(image: Image.Image) -> dt.datetime | None:
    """EXIF DateTimeOriginal (local time of the camera; OffsetTimeOriginal if given, else Asia/Shanghai)."""
    sub = image.getexif().get_ifd(ExifTags.IFD.Exif)
    raw = sub.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    try:
        naive = dt.datetime.strptime(raw.strip("\x00 "), EXIF_TIME)
    except ValueError:
        return None
    offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str) and (m := re.fullmatch(r"([+-])(\d\d):(\d\d)", offset.strip("\x00 "))):
        delta = dt.timedelta(hours=int(m[2]), minutes=int(m[3]))
        return naive.replace(tzinfo=dt.timezone(delta if m[1] == "+" else -delta))
    return naive.replace(tzinfo=LOCAL_TZ)


def _clean_exif(original: dt.datetime | None) -> bytes:
    if original is None:
        return b""
    exif = Image.Exif()
    # Re-written from the parsed value, so nothing else can ride along in the field.
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: original.strftime(EXIF_TIME)}
    return exif.tobytes()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    if _has_alpha(thumb):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, (255, 255, 255))
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def _pixels(image: Image.Image, media_type: str) -> Image.Image:
    """The oriented pixels in a mode the format can store, with no metadata attached."""
    oriented = ImageOps.exif_transpose(image) or image.copy()
    if oriented.mode == "P":
        oriented = oriented.convert("RGBA" if _has_alpha(oriented) else "RGB")
    if media_type == "image/jpeg" and oriented.mode not in ("RGB", "L", "CMYK"):
        oriented = oriented.convert("RGB")
    if media_type == "image/webp" and oriented.mode not in ("RGB", "RGBA"):
        oriented = oriented.convert("RGBA" if _has_alpha(oriented) else "RGB")
    oriented.info.clear()
    return oriented


def _decode(path: Path) -> tuple[str, Image.Image, dt.datetime | None] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path, formats=["JPEG", "PNG", "WEBP"]) as image:
            media_type = IMAGE_TYPES.get(image.format or "")
            if media_type is None:
                return None
            if image.width * image.height > MAX_PIXELS:
                raise RuleViolation(
                    tr("The image has more than {count} pixels.", count=MAX_PIXELS),
                    code="image_too_large",
                    field="file",
                )
            image.load()
            return media_type, _pixels(image, media_type), _capture_time(image)


def clean_image(path: Path) -> CleanImage | None:
    """Re-encode a JPEG, PNG or WebP image without its metadata; ``None`` if the file is not one."""
    try:
        decoded = _decode(path)
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RuleViolation(tr("The image is too large to process."), code="image_too_large", field="file") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise RuleViolation(
            tr(
                "The file is a JPEG, PNG or WebP image by its first bytes but cannot be decoded (damaged or truncated)."
            ),
            code="image_unreadable",
            field="file",
        ) from exc
    if decoded is None:
        return None
    media_type, pixels, captured_at = decoded
    out = io.BytesIO()
    fmt = SAVE_FORMAT[media_type]
    options: dict[str, object] = {"quality": 92} if fmt == "JPEG" else {"quality": 90} if fmt == "WEBP" else {}
    pixels.save(out, fmt, exif=_clean_exif(captured_at), **options)
    return CleanImage(data=out.getvalue(), media_type=media_type, thumbnail=_thumbnail(pixels), captured_at=captured_at)


_UNSAFE = re.compile(r'[<>:"|?*\\/]')


def sanitize_filename(raw: str | None, max_length: int = 200) -> str:
    """A display name only (files are stored by hash): last path segment, no control or reserved characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: max_length - len(ext) - 1] + "." + ext if ext else name[:max_length]
    return name or "file"
