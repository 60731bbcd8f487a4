"""Documents → article content: PDF, DOCX, Word 97 `.doc`, Markdown and plain text.

Each reader turns a file's bytes into `Block`s (headings, paragraphs, lists, tables) whose
HTML is built here with every piece of text escaped; the knowledge base then sanitises it
once more and renders the plain text. A file that cannot give text fails with a
`DocumentRefused` saying why (corrupt, encrypted, empty, scanned, not what its name says).
"""

from __future__ import annotations

from ai.documents.blocks import Block, ParsedDocument, Section, split_sections
from ai.documents.detect import DocumentKind, DocumentRefused, detect_kind, parse_document

__all__ = [
    "Block",
    "DocumentKind",
    "DocumentRefused",
    "ParsedDocument",
    "Section",
    "detect_kind",
    "parse_document",
    "split_sections",
]
