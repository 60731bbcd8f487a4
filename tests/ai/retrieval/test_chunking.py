"""Chunking: headings become each chunk's heading path, long sections are cut at sentences
with an overlap, and no chunk is longer than the embedding model reads."""

from __future__ import annotations

import itertools

from ai.retrieval.chunking import CHUNK_TOKENS, chunk_article, text_search_config
from tests.ai.retrieval.helpers import MemoEmbedder, markdown_to_html

LONG = " ".join(
    f"Step {i}: open the billing page, pick the invoice and confirm the refund amount."
    for i in range(1, 40)
)
ARTICLE = f"""# Refunds

## Card payments

{LONG}

## Bank transfers

### Outside Europe

International transfers take up to ten business days and the bank may charge a fee.
The client sees the refund as a credit on their statement with the invoice number.

### Fees

Fees.
"""


def test_chunks_carry_their_heading_path(embedder: MemoEmbedder) -> None:
    chunks = chunk_article(
        title="Refunds",
        body_html=markdown_to_html(ARTICLE),
        body_text="",
        tokenize=embedder.tokenize,
    )

    paths = [c.heading_path for c in chunks]
    assert ["Card payments"] in paths
    assert ["Bank transfers", "Outside Europe"] in paths
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].text.startswith("International transfers")
    # A heading with hardly anything under it joins the section before it.
    assert chunks[-1].text.endswith("Fees\nFees.")


def test_long_sections_are_cut_at_sentences_with_overlap(embedder: MemoEmbedder) -> None:
    chunks = [
        c
        for c in chunk_article(
            title="Refunds",
            body_html=markdown_to_html(ARTICLE),
            body_text="",
            tokenize=embedder.tokenize,
        )
        if c.heading_path == ["Card payments"]
    ]

    assert len(chunks) >= 3
    assert all(c.token_count <= CHUNK_TOKENS for c in chunks)
    assert all(c.token_count == len(embedder.tokenize(c.text)) for c in chunks)
    assert all(c.text.rstrip().endswith(".") for c in chunks)  # sentence boundaries
    for before, after in itertools.pairwise(chunks):
        last_sentence = before.text.rsplit("Step ", 1)[1]
        assert last_sentence in after.text  # the overlap repeats the end of the previous one


def test_plain_text_without_html_is_chunked_too(embedder: MemoEmbedder) -> None:
    chunks = chunk_article(title="Note", body_html="", body_text=LONG, tokenize=embedder.tokenize)

    assert len(chunks) >= 3
    assert all(c.heading_path == [] for c in chunks)


def test_an_empty_body_has_no_chunks(embedder: MemoEmbedder) -> None:
    assert (
        chunk_article(title="x", body_html="<p> </p>", body_text="", tokenize=embedder.tokenize)
        == []
    )


def test_english_articles_get_the_english_text_search_configuration() -> None:
    assert [text_search_config(x) for x in ("en", "en-GB", "en_US", "de", "pt-BR", None)] == [
        "english",
        "english",
        "english",
        "simple",
        "simple",
        "simple",
    ]
