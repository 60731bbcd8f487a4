"""Document readers: each kind of real file gives headings, lists, tables and text; each
bad kind is refused with the reason a person can act on."""

from __future__ import annotations

import pytest

from ai.documents import DocumentRefused, parse_document
from tests.ai.documents import (
    SAMPLE_MARKDOWN,
    docx_document,
    encrypted_pdf,
    pdf_document,
    scanned_pdf,
)
from tests.ai.word97 import compound_file, word97_doc

GUIDE_PAGES = [
    ["Billing guide", "Invoices are sent monthly", "on the first day.", "Refunds"],
    ["Refunds take 5 days to reach", "your card.", "Chargebacks", "We answer within 2 days."],
    ["Taxes", "Prices include VAT where it applies."],
]


def test_multi_page_pdf_gives_title_headings_and_paragraphs() -> None:
    parsed = parse_document(pdf_document(GUIDE_PAGES), "billing.pdf")

    assert parsed.pages == 3
    assert parsed.title == "Billing guide"
    assert "<p>Invoices are sent monthly on the first day.</p>" in parsed.html
    assert [s.title for s in parsed.sections()] == ["Refunds", "Chargebacks", "Taxes"]


def test_docx_keeps_headings_lists_and_tables() -> None:
    parsed = parse_document(docx_document(), "guide.docx")

    assert parsed.title == "Getting started with Acme Cloud"
    html = parsed.html
    assert "<h2>Install the app</h2>" in html
    assert "<ol><li>Download the installer.</li><li>Run it and sign in.</li></ol>" in html
    assert "<ul><li>Version history</li><li>Priority support</li></ul>" in html
    assert "<tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>5 USD</td></tr>" in html
    assert [s.title for s in parsed.sections()] == ["Install the app", "Plans"]


def test_word97_doc_text_comes_from_the_piece_table() -> None:
    data = word97_doc(
        [
            "Resetting your password",
            "Open Settings and choose Security.",
            'See \x13 HYPERLINK "https://acme.test" \x14the help centre\x15 for more.',
        ]
    )

    parsed = parse_document(data, "password.doc")

    assert parsed.title == "Resetting your password"
    assert parsed.text.split("\n\n") == [
        "Resetting your password",
        "Open Settings and choose Security.",
        "See the help centre for more.",
    ]


def test_markdown_escapes_raw_html_and_splits_at_its_top_headings() -> None:
    parsed = parse_document(SAMPLE_MARKDOWN.encode(), "2fa.md")

    assert parsed.title == "Two-factor authentication"
    assert "<script>" not in parsed.html
    assert "&lt;script&gt;" in parsed.html
    assert "<strong>Settings &gt; Security</strong>" in parsed.html
    assert [s.title for s in parsed.sections()] == ["Authenticator apps", "Recovery codes"]


def test_plain_text_paragraphs() -> None:
    parsed = parse_document(b"Opening hours\n\nWe answer 9 to 5.\nWeekdays only.", "hours.txt")

    assert parsed.title == "Opening hours"
    assert parsed.html == "<p>Opening hours</p>\n<p>We answer 9 to 5.<br>Weekdays only.</p>"


@pytest.mark.parametrize(
    ("data", "name", "reason", "says"),
    [
        (scanned_pdf(), "scan.pdf", "scanned", "no text layer"),
        (encrypted_pdf(), "secret.pdf", "encrypted", "encrypted"),
        (word97_doc(["Secret"], encrypted=True), "secret.doc", "encrypted", "encrypted"),
        (
            compound_file({"EncryptionInfo": b"x", "EncryptedPackage": b"y"}),
            "secret.docx",
            "encrypted",
            "encrypted",
        ),
        (pdf_document([["Hello"]])[:150], "cut.pdf", "corrupt", "damaged"),
        (docx_document()[:2000], "cut.docx", "corrupt", "damaged"),
        (b"", "empty.txt", "empty", "empty"),
        (b"   \n\n ", "blank.md", "empty", "empty"),
        (b"just text", "report.pdf", "mislabelled", "named .pdf"),
        (pdf_document([["Hello"]]), "notes.docx", "mislabelled", "named .docx"),
        (compound_file({"Workbook": b"x"}), "sheet.doc", "mislabelled", "not a Word"),
        (b"\x00\x01\x02binary", "data.txt", "mislabelled", "binary"),
        (b"MZ\x90\x00", "setup.exe", "unsupported", ".exe"),
    ],
)
def test_bad_files_are_refused_with_a_reason(
    data: bytes, name: str, reason: str, says: str
) -> None:
    with pytest.raises(DocumentRefused) as refused:
        parse_document(data, name)

    assert refused.value.reason == reason
    assert says in str(refused.value)
