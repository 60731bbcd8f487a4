"""Migration 0008 turns every customer's `notes` string into their first note entry,
keeping every value exactly, and its downgrade puts them back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database

# Whatever people typed into the old free-text field, markup and line breaks included.
NOTES = {
    "plain": "Prefers e-mail.",
    "lines": "Line one\nLine two\r\nLine three",
    "markup": "<b>not bold</b> & <script>alert('x')</script> \"quoted\"",
    "unicode": "Zoë — 日本語 ✓",
    "spaces": "   padded   ",
    "long": "x" * 10_000,
}
UPDATED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


async def columns(conn: Any, table: str) -> set[str]:
    rows = await conn.execute(
        text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
        {"t": table},
    )
    return set(rows.scalars())


async def test_every_notes_value_becomes_a_first_entry_and_comes_back(db: Database) -> None:
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "0005"))
                for name, value in NOTES.items():
                    await conn.execute(
                        text(
                            "INSERT INTO customers (id, name, notes, created_at, updated_at)"
                            " VALUES (gen_random_uuid(), :n, :v, :t, :t)"
                        ),
                        {"n": name, "v": value, "t": UPDATED},
                    )
                await conn.execute(
                    text("INSERT INTO customers (id, name) VALUES (gen_random_uuid(), 'none')")
                )

                await conn.run_sync(migrate_steps(url, "0008"))

                entries = (
                    await conn.execute(
                        text(
                            "SELECT c.name, n.body_text, n.body_html, n.author_id, n.created_at,"
                            " n.pinned, n.deleted_at FROM customer_notes n"
                            " JOIN customers c ON c.id = n.customer_id"
                        )
                    )
                ).all()
                assert "notes" not in await columns(conn, "customers")
                assert {name: body for name, body, *_ in entries} == NOTES
                assert {e.author_id for e in entries} == {None}
                assert {e.created_at for e in entries} == {UPDATED}
                assert not any(e.pinned or e.deleted_at for e in entries)
                html = {e.name: e.body_html for e in entries}
                assert html["lines"] == "<p>Line one<br>Line two<br>Line three</p>"
                assert "<script>" not in html["markup"]
                assert html["markup"].startswith("<p>&lt;b&gt;not bold&lt;/b&gt; &amp; ")

                await conn.run_sync(migrate_steps(url, "-0005"))

                restored = (await conn.execute(text("SELECT name, notes FROM customers"))).all()
                by_name: dict[str, str] = {n: v for n, v in restored}
                assert by_name == {**NOTES, "none": ""}

                await conn.run_sync(migrate_steps(url, "head"))
                again = (
                    await conn.execute(text("SELECT count(*) FROM customer_notes"))
                ).scalar_one()
                assert again == len(NOTES)
        finally:
            await engine.dispose()
