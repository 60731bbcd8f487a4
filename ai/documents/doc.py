"""Word 97-2003 `.doc`: the main text from the WordDocument stream's FIB and the piece
table in the CLX of the 0Table/1Table stream ([MS-DOC] 2.5.1, 2.9.38, 2.8.35), read with
olefile. Paragraphs become blocks; styles (so headings) are not read: the first line is
the title. Encrypted or obfuscated files are refused.
"""

from __future__ import annotations

import io
import struct

import olefile

from ai.documents.blocks import Block, ParsedDocument, paragraph
from ai.documents.detect import DocumentRefused

__all__ = ["read_doc", "word_text"]

_WIDENT = 0xA5EC
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
_CLX_INDEX = 33  # fcClx/lcbClx: the 34th pair of FibRgFcLcb97
_CHARS_PER_PAGE = 3000
# Characters with a meaning in Word's text stream: cell/row end, line/page break, objects.
_REPLACE = {
    "\x07": "\t",
    "\x0b": "\n",
    "\x0c": "\n",
    "\x01": "",
    "\x08": "",
    "\x1e": "-",
    "\x1f": "",
    "\xa0": " ",
}


def _corrupt(why: str) -> DocumentRefused:
    return DocumentRefused("corrupt", f"This Word document is damaged and cannot be read ({why}).")


def _fib(word: bytes) -> tuple[int, int, int, int]:
    """(flags, ccpText, fcClx, lcbClx) from the File Information Block."""
    if len(word) < 34:
        raise _corrupt("the WordDocument stream is too short")
    ident, _nfib = struct.unpack_from("<HH", word, 0)
    if ident != _WIDENT:
        raise _corrupt("no Word signature in its FIB")
    (flags,) = struct.unpack_from("<H", word, 0x0A)
    pos = 32
    (csw,) = struct.unpack_from("<H", word, pos)
    pos += 2 + csw * 2
    (cslw,) = struct.unpack_from("<H", word, pos)
    lw = pos + 2
    (ccp_text,) = struct.unpack_from("<i", word, lw + 3 * 4)
    pos = lw + cslw * 4
    (cb_rg_fc_lcb,) = struct.unpack_from("<H", word, pos)
    if cb_rg_fc_lcb <= _CLX_INDEX:
        raise _corrupt("its FIB has no piece table entry")
    fc_clx, lcb_clx = struct.unpack_from("<II", word, pos + 2 + _CLX_INDEX * 8)
    return flags, ccp_text, fc_clx, lcb_clx


def _pieces(table: bytes, fc_clx: int, lcb_clx: int) -> list[tuple[int, int, int, bool]]:
    """(cp_start, cp_end, fc, compressed) per piece of the CLX's PlcPcd."""
    clx = table[fc_clx : fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers, skipped
        (cb,) = struct.unpack_from("<h", clx, pos + 1)
        pos += 3 + cb
    if pos >= len(clx) or clx[pos] != 0x02:
        raise _corrupt("no piece table in its CLX")
    (lcb,) = struct.unpack_from("<I", clx, pos + 1)
    plc = clx[pos + 5 : pos + 5 + lcb]
    if len(plc) != lcb or (lcb - 4) % 12:
        raise _corrupt("a truncated piece table")
    count = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}i", plc, 0)
    pieces = []
    for i in range(count):
        _flags, fc_raw, _prm = struct.unpack_from("<HIH", plc, (count + 1) * 4 + i * 8)
        compressed = bool(fc_raw & 0x40000000)
        fc = fc_raw & 0x3FFFFFFF
        pieces.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return pieces


def _drop_field_codes(text: str) -> str:
    """Keep a field's result, drop its instruction (0x13 instruction 0x14 result 0x15)."""
    out: list[str] = []
    stack: list[bool] = []  # per open field: still in its instruction?
    for ch in text:
        if ch == "\x13":
            stack.append(True)
        elif ch == "\x14":
            if stack:
                stack[-1] = False
        elif ch == "\x15":
            if stack:
                stack.pop()
        elif not any(stack):
            out.append(ch)
    return "".join(out)


def word_text(data: bytes) -> str:
    """The main document text of a Word 97-2003 file, paragraphs ending in \\r."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError as exc:
        raise _corrupt(str(exc)) from exc
    with ole:
        if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
            raise DocumentRefused(
                "encrypted",
                "This document is encrypted (password-protected): save an unprotected copy.",
            )
        if not ole.exists("WordDocument"):
            raise DocumentRefused(
                "mislabelled",
                "This Office file is not a Word document (no WordDocument stream): "
                "only Word files can be imported.",
            )
        word = ole.openstream("WordDocument").read()
        flags, ccp_text, fc_clx, lcb_clx = _fib(word)
        if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
            raise DocumentRefused(
                "encrypted",
                "This Word document is encrypted (password-protected): save an unprotected copy.",
            )
        table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
        if not ole.exists(table_name):
            raise _corrupt(f"its {table_name} stream is missing")
        table = ole.openstream(table_name).read()
    parts: list[str] = []
    for cp_start, cp_end, fc, compressed in _pieces(table, fc_clx, lcb_clx):
        if cp_start >= ccp_text:
            break
        count = min(cp_end, ccp_text) - cp_start
        if compressed:
            raw = word[fc : fc + count]
            parts.append(raw.decode("cp1252", errors="replace"))
        else:
            raw = word[fc : fc + 2 * count]
            parts.append(raw.decode("utf-16-le", errors="replace"))
        if len(raw) < (count if compressed else 2 * count):
            raise _corrupt("a piece points past the end of the text")
    text = _drop_field_codes("".join(parts))
    return "".join(_REPLACE.get(ch, ch) for ch in text)


def read_doc(data: bytes) -> ParsedDocument:
    text = word_text(data)
    blocks: list[Block] = [paragraph(p) for p in text.split("\r") if p.strip()]
    return ParsedDocument(kind="doc", blocks=blocks, pages=max(1, -(-len(text) // _CHARS_PER_PAGE)))
