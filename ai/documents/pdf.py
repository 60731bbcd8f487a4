"""PDF through pypdf: the text layer, page by page. A PDF with pages but no text is a scan."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ai.documents.blocks import Block, ParsedDocument, paragraph
from ai.documents.detect import DocumentRefused

__all__ = ["read_pdf"]


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
    blocks: list[Block] = []
    for page in pages:
        text = page.extract_text() or ""
        for part in re.split(r"\n\s*\n", text):
            # pypdf breaks lines where the page did: join them into one paragraph.
            joined = " ".join(line.strip() for line in part.splitlines() if line.strip())
            if joined:
                blocks.append(paragraph(joined))
    if not blocks:
        raise DocumentRefused(
            "scanned",
            f"This PDF has {count} page(s) but no text layer (a scan or images only): "
            "run it through OCR first.",
        )
    return ParsedDocument(kind="pdf", blocks=blocks, pages=count)
