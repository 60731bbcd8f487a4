"""Our pg_trgm-style trigrams, the fuzzy-word probes built from them, and the stored
name_trigrams column they must always match."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from db.customer_search import fuzzy_condition
from db.engine import Database
from db.models import Customer
from db.trigrams import (
    WORD_COVERAGE,
    coverage,
    fuzzy_words,
    similarity,
    trigrams,
    word_trigrams,
    words,
)
from db.typos import edit_distance, typo_match


def test_trigrams_match_pg_trgm_show_trgm() -> None:
    # pg_trgm documentation: show_trgm('cat') = {"  c"," ca","at ","cat"}
    assert trigrams("cat") == ["  c", " ca", "at ", "cat"]
    assert trigrams("John Smith") == [
        "  j",
        "  s",
        " jo",
        " sm",
        "hn ",
        "ith",
        "joh",
        "mit",
        "ohn",
        "smi",
        "th ",
    ]


def test_words_are_lower_case_alphanumerics_split_on_anything_else() -> None:
    assert words("O'Brien-Smith, JR_2") == ["o", "brien", "smith", "jr", "2"]
    assert words("Zoë Ångström") == ["zoë", "ångström"]
    assert words("'; DROP TABLE --") == ["drop", "table"]
    assert trigrams("%_\\:*&|!()") == []


def test_repeated_trigrams_count_once() -> None:
    assert word_trigrams("aaaa") == ["  a", " aa", "aa ", "aaa"]
    assert trigrams("ann ann") == trigrams("ann")


def test_similarity_is_shared_over_all_distinct_trigrams() -> None:
    assert similarity(trigrams("John Smith"), trigrams("John Smith")) == 1.0
    assert similarity(trigrams("Jonh Smiht"), trigrams("John Smith")) == pytest.approx(5 / 17)
    assert similarity([], []) == 0.0


def test_coverage_is_the_share_of_a_words_trigrams_found_in_the_name() -> None:
    name = trigrams("John Smith")

    assert coverage("jonh", name) == pytest.approx(2 / 5)
    assert coverage("smiht", name) == pytest.approx(3 / 6)
    assert coverage("jane", name) == pytest.approx(1 / 5)


def test_fuzzy_words_need_a_third_and_probe_with_the_rarest_trigrams() -> None:
    [smiht] = fuzzy_words("Smiht")

    assert smiht.needed == 2  # of 6
    # 6 - 2 + 1 = 5 probe trigrams: any name sharing 2 shares one of these
    assert smiht.probe == [" sm", "ht ", "iht", "mih", "smi"]


@pytest.mark.parametrize(
    "text", ["", "%%", "Jo Li", "a b", "alpha bravo charlie delta echo foxtrot"]
)
def test_short_or_long_queries_are_not_worth_a_fuzzy_match(text: str) -> None:
    assert fuzzy_words(text) == []


@pytest.mark.parametrize("query", ["jonh", "smiht", "christopher", "al", "bob", "aaaa"])
def test_probe_finds_every_name_that_qualifies(query: str) -> None:
    """Pigeonhole: fewer than `needed` trigrams lie outside the probe, so a name sharing
    `needed` of them shares a probe trigram, and the index lookup misses no one."""
    for word in fuzzy_words(query + " xyz"):
        outside = set(word.grams) - set(word.probe)
        assert len(outside) == word.needed - 1


async def test_name_trigrams_are_stored_on_insert_and_on_rename(db: Database) -> None:
    async with db.transaction() as session:
        row = Customer(name="John Smith")
        session.add(row)
    async with db.transaction() as session:
        stored = await session.get(Customer, row.id)
        assert stored is not None
        stored.name = "Jane Doe"

    async with db.sessions() as session:
        grams = (
            await session.execute(select(Customer.name_trigrams).where(Customer.id == row.id))
        ).scalar_one()
    assert grams == trigrams("Jane Doe")


async def test_sql_fuzzy_check_agrees_with_python_coverage(db: Database) -> None:
    names = ["John Smith", "Jane Smithson", "Johanna Berg", "Joan Smyth", "Bob Stone"]
    async with db.transaction() as session:
        session.add_all(Customer(name=name) for name in names)

    for query in ("Jonh Smiht", "Smiht", "Jonh", "Jane Smith", "Stnoe"):
        async with db.sessions() as session:
            found = set(
                (
                    await session.execute(select(Customer.name).where(fuzzy_condition(query)))
                ).scalars()
            )
        expected = {
            name
            for name in names
            if all(
                coverage(w, trigrams(name)) >= WORD_COVERAGE for w in dict.fromkeys(words(query))
            )
        }
        assert found == expected, query


async def test_fuzzy_lookup_uses_the_trigram_index(db: Database) -> None:
    async with db.transaction() as session:
        session.add_all(Customer(name=f"Person {i}") for i in range(50))
    stmt = select(Customer.id).where(fuzzy_condition("Jonh Smiht"))
    compiled = stmt.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})

    async with db.engine.connect() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join((await conn.execute(text(f"EXPLAIN {compiled}"))).scalars())

    assert "ix_customers_name_trigrams" in plan


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("john", "john", 0),
        ("jonh", "john", 1),  # swap
        ("jon", "john", 1),  # insert
        ("johnn", "john", 1),  # delete
        ("jahn", "john", 1),  # replace
        ("christopehr", "christopher", 1),
        ("kitten", "sitting", 3),
        ("brwon", "bradley", 5),
    ],
)
def test_edit_distance_counts_a_swap_as_one_edit(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, 5) == distance
    assert edit_distance(a, b, 1) == min(distance, 2)


@pytest.mark.parametrize(
    ("query", "name", "matches"),
    [
        ("Jonh Smiht", "John Smith", True),
        ("Smiht", "Jane Smithson", False),  # "smith" is in it, but the typo is not
        ("Jonh", "Johanna Berg", False),
        ("Jonh Smi", "John Smith", True),  # the start of a word counts
        ("Brwon", "Bradley Brown", True),
        ("Byran Brwon", "Bradley Brown", False),  # every word must match
        ("Chirstopehr", "Christopher Lee", True),  # two edits in a long word
        ("Jon", "Jan Doe", False),  # three letters: no typo allowed
    ],
)
def test_typo_match_wants_every_word_within_a_typo(query: str, name: str, matches: bool) -> None:
    assert typo_match(query, name) is matches
