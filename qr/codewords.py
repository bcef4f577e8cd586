"""QR data codewords (segments, padding, Reed–Solomon, interleaving) computed quickly.

This replaces only ``qrcode.util.create_data``, which writes bit by bit and divides polynomials by
copying lists: about two thirds of qrcode's time for a version-11 code. Everything else (version
tables, segment choice, Reed–Solomon generator polynomials, module placement, masking, format
information) stays qrcode's. ``tests/unit/test_qr_render.py`` checks that the output equals
``create_data``'s for many payloads.
"""

from __future__ import annotations

from qrcode import base, util
from qrcode.LUT import rsPoly_LUT

EXP, LOG = base.EXP_TABLE, base.LOG_TABLE
PAD_BYTES = (util.PAD0, util.PAD1)
_ALNUM_VALUE = {c: i for i, c in enumerate(util.ALPHA_NUM)}


Part = tuple[util.QRData, int, int]  # segment, its payload bits as an int, their number


def parts_for(text: str) -> list[Part]:
    """qrcode's own segmentation (as its add_data(optimize=20)), each segment with its payload bits."""
    return [(seg, *_data_bits(seg)) for seg in util.optimal_data_chunks(text, minimum=20)]


def _data_bits(segment: util.QRData) -> tuple[int, int]:
    """The segment's payload as (value, bit length), without mode and length headers."""
    data: bytes = segment.data
    value, length = 0, 0
    if segment.mode == util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            chunk = data[i : i + 3]
            width = util.NUMBER_LENGTH[len(chunk)]
            value, length = (value << width) | int(chunk), length + width
    elif segment.mode == util.MODE_ALPHA_NUM:
        for i in range(0, len(data) - 1, 2):
            value, length = (value << 11) | (_ALNUM_VALUE[data[i]] * 45 + _ALNUM_VALUE[data[i + 1]]), length + 11
        if len(data) % 2:
            value, length = (value << 6) | _ALNUM_VALUE[data[-1]], length + 6
    else:
        value, length = int.from_bytes(data, "big"), 8 * len(data)
    return value, length


def bits_needed(parts: list[Part], version: int) -> int:
    return sum(4 + util.length_in_bits(seg.mode, version) + length for seg, _, length in parts)


def smallest_version(parts: list[Part], error_correction: int) -> int | None:
    for version in range(1, 41):
        if bits_needed(parts, version) <= util.BIT_LIMIT_TABLE[error_correction][version]:
            return version
    return None


def codewords(parts: list[Part], version: int, error_correction: int) -> list[int]:
    """The final interleaved data + EC codewords, as ``util.create_data`` would return them."""
    blocks = base.rs_blocks(version, error_correction)
    capacity = sum(b.data_count for b in blocks)
    value, length = 0, 0
    for seg, bits, width in parts:
        count_width = util.length_in_bits(seg.mode, version)
        value = (((((value << 4) | seg.mode) << count_width) | len(seg.data)) << width) | bits
        length += 4 + count_width + width
    if length > capacity * 8:
        raise ValueError("data does not fit this version")
    terminator = min(capacity * 8 - length, 4)
    pad = terminator + (-(length + terminator) % 8)  # up to four 0 bits, then 0s to a byte boundary
    value, length = value << pad, length + pad
    data = list(value.to_bytes(length // 8, "big"))
    data += [PAD_BYTES[i % 2] for i in range(capacity - len(data))]

    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_reed_solomon(chunk, block.total_count - block.data_count))
    return _interleave(data_blocks) + _interleave(ec_blocks)


def _reed_solomon(data: list[int], ec_count: int) -> list[int]:
    """Remainder of data·x^n divided by the generator polynomial (an LFSR over GF(256))."""
    generator_logs = [LOG[c] for c in rsPoly_LUT[ec_count][1:]]
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder.pop(0)
        remainder.append(0)
        if factor:
            factor_log = LOG[factor]
            for i, g_log in enumerate(generator_logs):
                remainder[i] ^= EXP[(g_log + factor_log) % 255]
    return remainder


def _interleave(blocks: list[list[int]]) -> list[int]:
    longest = max(len(b) for b in blocks)
    return [b[i] for i in range(longest) for b in blocks if i < len(b)]
