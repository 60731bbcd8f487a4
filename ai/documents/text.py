"""Plain text and Markdown (CommonMark with tables; raw HTML in it is shown as text)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from ai.documents.blocks import Block, ParsedDocument, paragraph

__all__ = ["decode", "front_matter_of", "read_markdown", "read_text", "split_front_matter"]

_CHARS_PER_PAGE = 3000
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which decodes any byte string."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _pages(text: str) -> int:
    return max(1, -(-len(text) // _CHARS_PER_PAGE))


def read_text(text: str) -> ParsedDocument:
    """Paragraphs split at blank lines; line breaks inside a paragraph are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [paragraph(part) for part in re.split(r"\n\s*\n", text) if part.strip()]
    return ParsedDocument(kind="text", blocks=blocks, pages=_pages(text))


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """`---` … `---` at the top: its `key: value` lines (values as written) and the rest."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip():
            fields[key.strip().lower()] = value.strip()
    return fields, text[match.end() :]


def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a Markdown file is escaped, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def read_markdown(text: str) -> ParsedDocument:
    """One block per top-level Markdown element (so headings can split sections); the
    front matter, if any, is left to the caller (`split_front_matter`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _, body = split_front_matter(text)
    md = _markdown()
    tokens = md.parse(body)
    lines = body.split("\n")
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        source = "\n".join(lines[start:end])
        rendered = md.render(source).strip()
        if token.type == "heading_open":
            inline = tokens[index + 1]
            level = int(token.tag[1:])
            blocks.append(Block(rendered, inline.content.strip(), level))
        else:
            plain = _plain(md, source)
            blocks.append(Block(rendered, plain))
    return ParsedDocument(kind="markdown", blocks=blocks, pages=_pages(body))


def _plain(md: MarkdownIt, source: str) -> str:
    parts: list[str] = []
    for token in md.parse(source):
        if token.type == "inline":
            parts.append(token.content)
        elif token.type in ("fence", "code_block"):
            parts.append(token.content.rstrip("\n"))
    return "\n".join(part for part in parts if part.strip())


def front_matter_of(data: bytes) -> dict[str, str]:
    """The front matter of a Markdown file's bytes ({} when it has none)."""
    fields, _ = split_front_matter(decode(data).replace("\r\n", "\n"))
    return fields
