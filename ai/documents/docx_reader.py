"""DOCX through python-docx: headings (Heading n / Title styles), lists and tables kept."""

from __future__ import annotations

import io
import re

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from ai.documents.blocks import Block, ParsedDocument, heading, list_block, paragraph, table

__all__ = ["read_docx"]

_CHARS_PER_PAGE = 3000
_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def _heading_level(style: str) -> int | None:
    if style.lower() == "title":
        return 1
    match = _HEADING.match(style)
    return int(match.group(1)) if match else None


def _list_kind(par: Paragraph, style: str) -> str | None:
    """'ol' / 'ul' for list paragraphs (List styles or numbering properties), else None."""
    lowered = style.lower()
    if lowered.startswith("list number"):
        return "ol"
    if lowered.startswith(("list bullet", "list paragraph", "list")):
        return "ul"
    ppr = par._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return "ul"
    return None


def _style_names(document: Document) -> dict[str, str]:
    """styleId -> name, read once: python-docx's per-paragraph `style` walks every style
    to find the default each time (80 % of the time on a 100-page document)."""
    names: dict[str, str] = {}
    for style in document.styles.element.style_lst:
        name = style.name_val
        if style.styleId and name:
            names[style.styleId] = name
    return names


def _style_of(par: Paragraph, names: dict[str, str]) -> str:
    ppr = par._p.pPr
    style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
    return names.get(style_id, "") if style_id else ""


def _body_items(document: Document) -> list[Paragraph | Table]:
    items: list[Paragraph | Table] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            items.append(Paragraph(child, document))
        elif tag == "tbl":
            items.append(Table(child, document))
    return items


def read_docx(data: bytes) -> ParsedDocument:
    document = docx.Document(io.BytesIO(data))
    names = _style_names(document)
    blocks: list[Block] = []
    pending: list[str] = []
    pending_kind = "ul"
    chars = 0

    def flush() -> None:
        if pending:
            blocks.append(list_block(list(pending), ordered=pending_kind == "ol"))
            pending.clear()

    for item in _body_items(document):
        if isinstance(item, Table):
            flush()
            rows = [[cell.text.strip() for cell in row.cells] for row in item.rows]
            if any(any(cell for cell in row) for row in rows):
                blocks.append(table(rows))
                chars += sum(len(c) for row in rows for c in row)
            continue
        text = item.text.strip()
        style = _style_of(item, names)
        chars += len(text)
        kind = _list_kind(item, style)
        if kind is not None and text:
            if pending and kind != pending_kind:
                flush()
            pending_kind = kind
            pending.append(text)
            continue
        flush()
        if not text:
            continue
        level = _heading_level(style)
        blocks.append(heading(text, level) if level is not None else paragraph(text))
    flush()
    return ParsedDocument(kind="docx", blocks=blocks, pages=max(1, -(-chars // _CHARS_PER_PAGE)))
