"""Links from one article to another, as they appear in sanitised article bodies.

The sanitiser keeps only absolute http(s) and mailto links (relative URLs and other
schemes such as `kb://` are dropped when a body is saved), so an article link is an
http(s) URL whose path has an `articles/` or `kb/` segment followed by the article's
reference: its UUID (optionally followed by `-slug`) or its GraphQL global ID
(`Article:<uuid>` base64, percent-encoded or not). For example
`https://help.example.com/articles/8a1c…-reset-your-password` or
`https://app.example.com/kb/QXJ0aWNsZTo…`.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from strawberry import relay

__all__ = ["ArticleLink", "article_links"]

_SEGMENT = re.compile(r"/(?:articles|kb)/([^/?#]+)")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

ArticleLink = tuple[str, uuid.UUID | None]


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _reference(segment: str) -> uuid.UUID | None:
    """The article a path segment names, or None when it names none we can read."""
    match = _UUID.match(segment)
    if match:
        return uuid.UUID(match.group(0))
    try:
        gid = relay.GlobalID.from_id(segment)
        return uuid.UUID(gid.node_id) if gid.type_name == "Article" else None
    except (ValueError, TypeError, relay.GlobalIDValueError):
        return None


def article_links(body_html: str) -> list[ArticleLink]:
    """Each link to an article in the body, in order, once: (href, article id or None for
    a link in the article pattern whose reference is not an article ID)."""
    parser = _Hrefs()
    parser.feed(body_html)
    found: dict[str, uuid.UUID | None] = {}
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme.lower() not in {"http", "https"} or href in found:
            continue
        match = _SEGMENT.search(parts.path)
        if match:
            found[href] = _reference(unquote(match.group(1)))
    return list(found.items())
