"""Rich-text bodies: an allowlist HTML sanitiser (nh3/ammonia) and a plain-text rendering.

Everything a person types into a message is untrusted and shown to other people, so it is
stored only after sanitising; the plain text feeds full-text search and AI prompts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

__all__ = ["MAX_BODY_BYTES", "SanitizedBody", "html_to_text", "sanitize_body", "sanitize_html"]

MAX_BODY_BYTES = 100 * 1024

_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "del",
        "ins",
        "sub",
        "sup",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "img",
        "span",
        "div",
    }
)
# Elements whose *content* is dropped as well: code, or UI that makes no sense in a message.
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "noscript",
        "template",
        "object",
        "embed",
        "svg",
        "math",
        "textarea",
        "select",
        "title",
        "xmp",
        "noembed",
        "noframes",
        "frameset",
        "applet",
    }
)
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_LINK_REL = "noopener noreferrer nofollow"


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Images load without a click, so they are limited to https (no mixed content, no
    # data: or file: tricks); links may also be http or mailto (checked by url_schemes).
    if tag == "img" and attribute == "src":
        return value if value[:8].lower() == "https://" else None
    if attribute in {"width", "height", "colspan", "rowspan", "start"}:
        return value if value.isdigit() and len(value) <= 4 else None
    if attribute == "scope":
        return value if value in {"row", "col", "rowgroup", "colgroup"} else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=_LINK_REL,
    url_schemes=set(_URL_SCHEMES),
    # Relative and protocol-relative URLs mean nothing in an e-mail or a widget: drop them.
    url_relative="deny",
)


def sanitize_html(html: str) -> str:
    """Untrusted HTML → HTML with only harmless formatting left (no scripts, handlers,
    styles, or URLs other than http(s)/mailto links and https images)."""
    # An image whose source was refused would only show a broken-image icon.
    return _CLEANER.clean(html).replace("<img>", "").strip()


_BLOCKS = frozenset(
    {
        "p",
        "div",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "table",
        "tr",
        "caption",
        "hr",
        "thead",
        "tbody",
        "tfoot",
    }
)


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _BLOCKS:
            self.parts.append("\n\n" if tag != "tr" else "\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in {"td", "th"}:
            self.parts.append("\t")
        elif tag == "img" and values.get("alt"):
            self.parts.append(f"[{values['alt']}]")
        if tag == "a":
            self.links.append(values.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                target = href.removeprefix("mailto:")
                if target not in self._current_line():
                    self.parts.append(f" <{target}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def _current_line(self) -> str:
        return "".join(self.parts[-20:]).rsplit("\n", 1)[-1]


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Sanitised HTML → readable plain text (paragraphs, list dashes, link targets)."""
    renderer = _TextRenderer()
    renderer.feed(html)
    renderer.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(renderer.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True, slots=True)
class SanitizedBody:
    html: str
    text: str

    @property
    def is_empty(self) -> bool:
        """Nothing a reader would see: no text and no image."""
        return not self.text and "<img src=" not in self.html


def sanitize_body(raw_html: str) -> SanitizedBody:
    html = sanitize_html(raw_html)
    return SanitizedBody(html=html, text=html_to_text(html))
