"""Sanitised article HTML → Markdown-shaped plain text that keeps the structure chunking
needs: headings become `#` lines, blocks are separated by blank lines, list items and
table rows stay on their own lines. Inline markup is dropped (the text is what matters)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_outline"]

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {"p", "div", "section", "article", "blockquote", "pre", "ul", "ol", "table", "hr"}
_LINES = {"li", "tr", "br", "dt", "dd"}
_SKIP = {"script", "style", "template"}


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._line: list[str] = []
        self._lines: list[str] = []
        self._skip = 0
        self._pre = 0

    def _end_line(self) -> None:
        text = "".join(self._line)
        text = text.strip() if self._pre else re.sub(r"\s+", " ", text).strip()
        if text:
            self._lines.append(text)
        self._line = []

    def _end_block(self) -> None:
        self._end_line()
        if self._lines:
            self.blocks.append("\n".join(self._lines))
        self._lines = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._end_block()
            if tag == "pre":
                self._pre += 1
        elif tag in _LINES:
            self._end_line()
            if tag == "li":
                self._line.append("- ")
        elif tag in ("td", "th") and self._line:
            self._line.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _HEADINGS:
            self._end_line()
            if self._lines:
                title = " ".join(self._lines)
                self.blocks.append("#" * _HEADINGS[tag] + " " + title)
            self._lines = []
        elif tag in _BLOCKS:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._end_block()
        elif tag in _LINES:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data)


def html_to_outline(html: str) -> str:
    parser = _Outline()
    parser.feed(html)
    parser.close()
    parser._end_block()
    return "\n\n".join(parser.blocks)
