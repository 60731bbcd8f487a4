"""The structure every reader produces, and its split into top-level sections."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = [
    "Block",
    "ParsedDocument",
    "Section",
    "heading",
    "list_block",
    "paragraph",
    "split_sections",
    "table",
]

# The knowledge base's sanitiser keeps h1-h4: deeper headings are shown as h4.
_MAX_HEADING = 4


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a document as HTML; `level` is set for headings (1 = top)."""

    html: str
    text: str
    level: int | None = None


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: list[Block]

    @property
    def html(self) -> str:
        return "\n".join(block.html for block in self.blocks)


@dataclass(slots=True)
class ParsedDocument:
    kind: str
    blocks: list[Block]
    # Pages of a PDF; for other kinds an estimate (3,000 characters a page) for figures.
    pages: int = 1
    fallback_title: str = "Untitled"
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The first heading's text, else the first line of text, else the file's name."""
        for block in self.blocks:
            if block.level is not None and block.text.strip():
                return block.text.strip()
        for block in self.blocks:
            line = block.text.strip().split("\n", 1)[0].strip()
            if line:
                return line[:300]
        return self.fallback_title

    @property
    def html(self) -> str:
        return "\n".join(block.html for block in self.blocks)

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks if block.text.strip())

    def sections(self) -> list[Section]:
        return split_sections(self.blocks, self.title)


def _inline(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def heading(text: str, level: int) -> Block:
    level = max(1, level)
    tag = f"h{min(level, _MAX_HEADING)}"
    return Block(f"<{tag}>{_inline(text.strip())}</{tag}>", text.strip(), level)


def paragraph(text: str) -> Block:
    return Block(f"<p>{_inline(text.strip())}</p>", text.strip())


def list_block(items: list[str], *, ordered: bool) -> Block:
    tag = "ol" if ordered else "ul"
    inner = "".join(f"<li>{_inline(item.strip())}</li>" for item in items)
    return Block(f"<{tag}>{inner}</{tag}>", "\n".join(f"- {item.strip()}" for item in items))


def table(rows: list[list[str]], *, header: bool = True) -> Block:
    parts = ["<table>"]
    for index, row in enumerate(rows):
        cell = "th" if header and index == 0 else "td"
        parts.append("<tr>" + "".join(f"<{cell}>{_inline(c)}</{cell}>" for c in row) + "</tr>")
    parts.append("</table>")
    return Block("".join(parts), "\n".join("\t".join(row) for row in rows))


def split_sections(blocks: list[Block], title: str) -> list[Section]:
    """One section per heading of the top level that repeats: a single h1 naming the whole
    document is its title, and its h2s are then the sections. Text before the first such
    heading belongs to the first section; a document without headings is one section."""
    levels = sorted({b.level for b in blocks if b.level is not None})
    top: int | None = None
    for level in levels:
        if sum(1 for b in blocks if b.level == level) > 1:
            top = level
            break
    if top is None:
        return [Section(title, list(blocks))]
    sections: list[Section] = []
    preamble: list[Block] = []
    for block in blocks:
        if block.level == top:
            sections.append(Section(block.text, [block]))
        elif sections:
            sections[-1].blocks.append(block)
        elif block.level is None or block.level > top:
            preamble.append(block)
    if preamble and sections:
        first = sections[0]
        sections[0] = Section(first.title, [first.blocks[0], *preamble, *first.blocks[1:]])
    return sections
