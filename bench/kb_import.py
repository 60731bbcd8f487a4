"""Knowledge-base import throughput, pages per second, for PDF and DOCX.

Generates a multi-page help manual as a PDF (a real text layer, headings and paragraphs)
and as a DOCX (headings, lists, tables; a page taken as ~3,000 characters, how the reader
counts), then measures

  parse   bytes -> blocks (the reader alone, one thread)
  import  parse + sanitise + write the draft article(s) in one transaction, against a
          fresh embedded PostgreSQL (whole file as one article, and one per section)

Not a test: run it by hand and read the figures.

    python bench/kb_import.py [--pages 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from ai.documents import ParsedDocument, parse_document
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database
from db.migrate import upgrade
from resolvers.kb.importing import ImportOptions, write_import
from resolvers.kb.writer import Source
from tests.ai.documents import pdf_document

SENTENCES = [
    "Open the Billing page from the account menu in the top right corner.",
    "Invoices are issued on the first day of every month and sent by e-mail.",
    "A refund reaches your card within five working days after we approve it.",
    "You can change the plan at any time; the difference is charged pro rata.",
    "Contact support from the help widget if a payment fails more than twice.",
]


def manual_pages(pages: int) -> list[list[str]]:
    out = []
    for n in range(pages):
        lines = [f"Section {n + 1} billing questions"]
        for k in range(8):
            lines.append(SENTENCES[(n + k) % len(SENTENCES)])
        out.append(lines)
    return out


def manual_docx(pages: int) -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_heading("Billing manual", level=1)
    for n in range(pages):
        document.add_heading(f"Section {n + 1} billing questions", level=2)
        for k in range(6):
            document.add_paragraph(" ".join(SENTENCES[(n + k + j) % 5] for j in range(5)))
        document.add_paragraph("Check the invoice date.", style="List Bullet")
        document.add_paragraph("Check the card on file.", style="List Bullet")
        table = document.add_table(rows=2, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Plan", "Price"
        table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Pro", "12 USD"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def time_parse(data: bytes, name: str, rounds: int) -> tuple[float, ParsedDocument]:
    times = []
    parsed = parse_document(data, name)
    for _ in range(rounds):
        start = time.perf_counter()
        parsed = parse_document(data, name)
        times.append(time.perf_counter() - start)
    return statistics.median(times), parsed


async def time_import(
    db: Database, data: bytes, name: str, rounds: int, split: bool
) -> tuple[float, int]:
    times = []
    made = 0
    for _ in range(rounds):
        async with db.engine.begin() as conn:
            await conn.execute(text("TRUNCATE kb_articles, kb_article_versions CASCADE"))
        start = time.perf_counter()
        parsed = await asyncio.to_thread(parse_document, data, name)
        async with db.transaction() as session:
            results = await write_import(
                session,
                parsed,
                {},
                Source(hashlib.sha256(data).hexdigest(), name, "kb-sources/bench"),
                ImportOptions(split_sections=split),
                None,
            )
        times.append(time.perf_counter() - start)
        made = len(results)
    return statistics.median(times), made


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    pdf = pdf_document(manual_pages(args.pages))
    docx_bytes = manual_docx(args.pages)
    folder = Path(tempfile.mkdtemp(prefix="bench-kb-"))
    url = embedded_database_url(folder)
    db = Database(url)
    try:
        await upgrade(db.engine)
        print(f"{'file':<6}{'pages':>7}{'size':>10}  {'what':<22}{'seconds':>9}{'pages/s':>10}")
        for label, data, name in (("PDF", pdf, "manual.pdf"), ("DOCX", docx_bytes, "manual.docx")):
            seconds, parsed = time_parse(data, name, args.rounds)
            pages = parsed.pages
            size = f"{len(data) / 1024:.0f} KB"
            row = f"{label:<6}{pages:>7}{size:>10}  "
            print(f"{row}{'parse':<22}{seconds:>9.3f}{pages / seconds:>10.1f}")
            for split in (False, True):
                seconds, made = await time_import(db, data, name, args.rounds, split)
                what = f"import -> {made} article(s)"
                print(f"{row}{what:<22}{seconds:>9.3f}{pages / seconds:>10.1f}")
    finally:
        await db.dispose()
        stop_embedded(folder)


if __name__ == "__main__":
    asyncio.run(main())
