"""Writes small but valid Word 97 `.doc` files for the import tests.

No PyPI package writes `.doc` and LibreOffice is not installed here, so this builds one
by the specifications: a Compound File Binary (MS-CFB v3, 512-byte sectors) holding a
`WordDocument` stream (a Word 97 FIB, nFib 0x00C1, with ccpText and fcClx/lcbClx) and a
`1Table` stream whose CLX holds a one-piece table of compressed (cp1252) text, as Word 97
saves it. olefile (the reader's library) opens the result like a Word-saved file.
"""

from __future__ import annotations

import struct

__all__ = ["compound_file", "word97_doc"]

_SECTOR = 512
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MIN_STREAM = 4096  # below this a stream belongs in the mini stream: pad instead


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (-len(data) % size)


def _dir_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NOSTREAM, right, child)
        + b"\x00" * 16
        + struct.pack("<I", 0)
        + b"\x00" * 16
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A CFB file with these streams in its root storage (each padded to ≥ 4096 bytes)."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    body = b""
    fat: list[int] = []
    starts: dict[str, int] = {}
    for name in names:
        data = _pad(streams[name].ljust(_MIN_STREAM, b"\x00"), _SECTOR)
        first = len(fat)
        count = len(data) // _SECTOR
        starts[name] = first
        fat.extend(range(first + 1, first + count))
        fat.append(_END)
        body += data
    entries = [_dir_entry("Root Entry", 5, 1 if names else _NOSTREAM, _NOSTREAM, _END, 0)]
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else _NOSTREAM
        size = max(len(streams[name]), _MIN_STREAM)
        entries.append(_dir_entry(name, 2, _NOSTREAM, right, starts[name], size))
    directory = _pad(b"".join(entries), _SECTOR)
    dir_start = len(fat)
    dir_count = len(directory) // _SECTOR
    fat.extend(range(dir_start + 1, dir_start + dir_count))
    fat.append(_END)
    fat_sector = len(fat)
    fat.append(_FATSECT)
    assert len(fat) <= _SECTOR // 4, "test documents fit one FAT sector"
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(_SECTOR, b"\xff")
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, _MIN_STREAM, _END, 0, _END, 0)
        + struct.pack("<I", fat_sector)
        + struct.pack("<108I", *([_FREE] * 108))
    )
    assert len(header) == _SECTOR
    return header + body + directory + fat_bytes


def word97_doc(paragraphs: list[str], *, encrypted: bool = False) -> bytes:
    """A Word 97 document whose main text is these paragraphs (cp1252 text)."""
    text = "".join(p + "\r" for p in paragraphs).encode("cp1252")
    csw, cslw, cb_rg_fc_lcb = 14, 22, 93
    fib_size = 32 + 2 + csw * 2 + 2 + cslw * 4 + 2 + cb_rg_fc_lcb * 8 + 2
    text_at = 0x800
    assert fib_size < text_at
    flags = 0x0200 | (0x0100 if encrypted else 0)  # fWhichTblStm = 1Table
    fib = bytearray(text_at)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x0409, 0)
    struct.pack_into("<H", fib, 0x0A, flags)
    pos = 32
    struct.pack_into("<H", fib, pos, csw)
    pos += 2 + csw * 2
    struct.pack_into("<H", fib, pos, cslw)
    lw = pos + 2
    struct.pack_into("<ii", fib, lw, text_at + len(text), 0)  # cbMac
    struct.pack_into("<i", fib, lw + 3 * 4, len(text))  # ccpText
    pos = lw + cslw * 4
    struct.pack_into("<H", fib, pos, cb_rg_fc_lcb)
    plc = struct.pack("<ii", 0, len(text)) + struct.pack("<HIH", 0, (text_at * 2) | 0x40000000, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", fib, pos + 2 + 33 * 8, 0, len(clx))  # fcClx, lcbClx
    word = bytes(fib) + text
    return compound_file({"WordDocument": word, "1Table": clx})
