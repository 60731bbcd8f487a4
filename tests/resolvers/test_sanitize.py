"""The message sanitiser against OWASP's filter-evasion payloads, and what it must keep."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from resolvers.sanitize import html_to_text, sanitize_body, sanitize_html

PAYLOAD_FILE = Path(__file__).parent / "xss_payloads.txt"
PAYLOADS = [
    line
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
REL = 'rel="noopener noreferrer nofollow"'


ALLOWED_TAGS = {
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


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would parse the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def test_payload_file_has_at_least_fifty_payloads() -> None:
    assert len(PAYLOADS) >= 50


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_leaves_no_script_handler_or_dangerous_url(payload: str) -> None:
    # when
    html = sanitize_html(payload)

    # then: nothing executable survives. Text that merely *mentions* "javascript:" is
    # escaped text, so the URL checks look at attribute values, where a browser acts on it.
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name not in {"style", "class", "id", "background", "dynsrc", "lowsrc"}
            lowered = (value or "").strip().lower()
            assert not lowered.startswith(("javascript:", "data:", "vbscript:", "livescript:"))
            if name == "href":
                assert lowered.startswith(("http://", "https://", "mailto:")), html
            if name == "src":
                assert tag == "img", html
                assert lowered.startswith("https://"), html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "<p>Hello <b>bold</b> <strong>strong</strong></p>",
            "<p>Hello <b>bold</b> <strong>strong</strong></p>",
        ),
        (
            "<p><i>i</i> <em>em</em> <u>u</u> <s>s</s></p>",
            "<p><i>i</i> <em>em</em> <u>u</u> <s>s</s></p>",
        ),
        ("line one<br>line two", "line one<br>line two"),
        (
            "<ul><li>one</li></ul><ol><li>two</li></ol>",
            "<ul><li>one</li></ul><ol><li>two</li></ol>",
        ),
        ("<blockquote>quoted</blockquote>", "<blockquote>quoted</blockquote>"),
        ("<pre><code>x = 1</code></pre>", "<pre><code>x = 1</code></pre>"),
        ("<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4>", "<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4>"),
        (
            '<table><tr><th>k</th><td colspan="2">v</td></tr></table>',
            '<table><tbody><tr><th>k</th><td colspan="2">v</td></tr></tbody></table>',
        ),
        (
            '<a href="https://example.com/docs" title="Docs">docs</a>',
            f'<a href="https://example.com/docs" title="Docs" {REL}>docs</a>',
        ),
        (
            '<a href="mailto:help@example.com">mail us</a>',
            f'<a href="mailto:help@example.com" {REL}>mail us</a>',
        ),
        (
            '<img src="https://cdn.example.com/logo.png" alt="logo">',
            '<img src="https://cdn.example.com/logo.png" alt="logo">',
        ),
    ],
)
def test_harmless_formatting_survives(raw: str, expected: str) -> None:
    assert sanitize_html(raw) == expected


def test_link_rel_is_forced_even_when_the_author_sets_one() -> None:
    html = sanitize_html('<a href="https://example.com" rel="opener" target="_blank">x</a>')

    assert html == '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>'


@pytest.mark.parametrize(
    "raw",
    [
        '<img src="http://example.com/x.png">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="//example.com/x.png">',
        '<img src="/relative.png">',
    ],
)
def test_images_other_than_https_are_dropped(raw: str) -> None:
    assert sanitize_html(raw) == ""


def test_script_and_style_content_is_dropped_not_shown_as_text() -> None:
    assert sanitize_html("<script>alert(1)</script><style>p{}</style>ok") == "ok"


def test_plain_text_keeps_paragraphs_list_items_and_link_targets() -> None:
    html = sanitize_html(
        "<p>Hello <b>there</b>,</p><ul><li>one</li><li>two</li></ul>"
        '<p>See <a href="https://example.com/a">the docs</a>.</p>'
    )

    assert (
        html_to_text(html)
        == "Hello there,\n\n- one\n- two\n\nSee the docs <https://example.com/a>."
    )


def test_plain_text_unescapes_entities() -> None:
    assert html_to_text(sanitize_html("a &amp; b &lt;c&gt;")) == "a & b <c>"


def test_body_with_only_removed_markup_is_empty() -> None:
    assert sanitize_body("<script>alert(1)</script><p> </p>").is_empty
    assert not sanitize_body('<img src="https://example.com/a.png">').is_empty
