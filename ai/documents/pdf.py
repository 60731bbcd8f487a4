"""PDF through pypdf: the text layer, page by page. A PDF with pages but no text is a scan."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ai.documents.blocks import Block, ParsedDocument, heading, paragraph
from ai.documents.detect import DocumentRefused

__all__ = ["read_pdf"]

_END = (".", "?", "!", ":", ";", ",")
_MAX_HEADING = 80


def _starts_sentence(line: str) -> bool:
    return line[0].isupper() or line[0].isdigit()


def _heading_like(line: str, following: str | None) -> bool:
    """A short line without closing punctuation, starting with a capital or digit, with a
    new sentence after it (not a wrapped line): how titles and section headings come out
    of a PDF's text layer."""
    return (
        following is not None
        and _starts_sentence(following)
        and len(line) <= _MAX_HEADING
        and not line.endswith(_END)
        and _starts_sentence(line)
    )


def _blocks(page_texts: list[str]) -> list[Block]:
    """Lines joined into paragraphs (a line ending a sentence ends one); heading-like
    lines that start a paragraph become headings (the first one level 1, then level 2)."""
    lines = [line.strip() for text in page_texts for line in text.splitlines() if line.strip()]
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            blocks.append(paragraph(" ".join(buffer)))
            buffer.clear()

    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if not buffer and _heading_like(line, following):
            level = 1 if not any(b.level for b in blocks) else 2
            blocks.append(heading(line, level))
            continue
        buffer.append(line)
        if line.endswith(_END[:4]):
            flush()
    flush()
    return blocks


def read_pdf(data: bytes, *, max_pages: int) -> ParsedDocument:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRefused(
                "encrypted",
                "This PDF is encrypted (password-protected): save an unprotected copy first.",
            )
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, FileNotDecryptedError) as exc:
        raise DocumentRefused(
            "corrupt", f"This PDF is damaged and cannot be read ({exc})."
        ) from exc
    if count == 0:
        raise DocumentRefused("empty", "This PDF has no pages.")
    if count > max_pages:
        raise DocumentRefused(
            "too_large", f"This PDF has {count} pages; at most {max_pages} can be imported."
        )
    blocks = _blocks([page.extract_text() or "" for page in pages])
    if not blocks:
        raise DocumentRefused(
            "scanned",
            f"This PDF has {count} page(s) but no text layer (a scan or images only): "
            "run it through OCR first.",
        )
    return ParsedDocument(kind="pdf", blocks=blocks, pages=count)
