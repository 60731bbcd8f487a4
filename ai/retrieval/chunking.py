"""Article version → retrievable chunks, with llama-index's node parsers.

The body's structure comes first: MarkdownNodeParser cuts it at headings (each chunk keeps
its heading path), then SentenceSplitter cuts long sections at sentence boundaries with an
overlap. Sizes are counted with the embedding model's own tokenizer, so a chunk never runs
past what the model reads. llama-index's own tiktoken/NLTK data ships in its wheel: never
set TIKTOKEN_CACHE_DIR or NLTK_DATA (they would point it at an empty cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ai.retrieval.html_outline import html_to_outline

__all__ = [
    "CHUNK_OVERLAP",
    "CHUNK_TOKENS",
    "Chunk",
    "chunk_article",
    "embedding_input",
    "text_search_config",
]

# Body tokens per chunk: the title and heading path are put in front of the text when it is
# embedded, and all-MiniLM-L6-v2 reads 256 tokens.
CHUNK_TOKENS = 200
CHUNK_OVERLAP = 32
# A section shorter than this is merged into the next one under the same parent heading.
_MIN_SECTION_TOKENS = 24


@dataclass(frozen=True, slots=True)
class Chunk:
    position: int
    heading_path: list[str]
    text: str
    token_count: int


def text_search_config(locale: str | None) -> str:
    """Postgres text-search configuration for an article's locale."""
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return "english" if language == "en" else "simple"


def embedding_input(title: str, heading_path: list[str], text: str) -> str:
    """What is embedded for a chunk: its title and headings give the passage its topic."""
    head = " > ".join([title, *heading_path])
    return f"{head}\n{text}"


def _source_text(body_html: str, body_text: str) -> str:
    if body_html.strip():
        outline = html_to_outline(body_html)
        if outline.strip():
            return outline
    return body_text


def _sections(source: str, title: str) -> list[tuple[list[str], str]]:
    from llama_index.core import Document
    from llama_index.core.node_parser import MarkdownNodeParser

    nodes = MarkdownNodeParser(include_metadata=True, include_prev_next_rel=False)
    sections: list[tuple[list[str], str]] = []
    for node in nodes.get_nodes_from_documents([Document(text=source)]):
        content = node.get_content().strip()
        path = [p for p in str(node.metadata.get("header_path", "/")).split("/") if p]
        first, _, rest = content.partition("\n")
        if first.startswith("#"):
            path.append(first.lstrip("#").strip())
            content = rest.strip()
        # The article's own title as the top heading adds nothing to the path.
        if path and path[0].strip().casefold() == title.strip().casefold():
            path = path[1:]
        sections.append((path, content))
    return sections


def _merge_short(
    sections: list[tuple[list[str], str]], count: Callable[[str], int]
) -> list[tuple[list[str], str]]:
    """A heading with a line or two under it is too little to retrieve on its own: it joins
    the section before it (its heading kept as a line of text), or the next one when it
    comes first."""
    merged: list[tuple[list[str], str]] = []
    leading = ""
    for path, text in sections:
        if not text.strip():
            continue
        if leading:
            text = f"{leading}\n\n{text}"
            leading = ""
        if count(text) >= _MIN_SECTION_TOKENS:
            merged.append((path, text))
            continue
        labelled = f"{path[-1]}\n{text}" if path else text
        if merged:
            previous_path, previous = merged[-1]
            merged[-1] = (previous_path, f"{previous}\n\n{labelled}")
        else:
            leading = labelled
    if leading:
        merged.append(([], leading))
    return merged


def chunk_article(
    *,
    title: str,
    body_html: str,
    body_text: str,
    tokenize: Callable[[str], list[int]],
    chunk_tokens: int = CHUNK_TOKENS,
    overlap: int = CHUNK_OVERLAP,
) -> list[Chunk]:
    """The chunks of one version, in reading order; empty bodies give no chunks."""
    from llama_index.core.node_parser import SentenceSplitter

    source = _source_text(body_html, body_text)
    if not source.strip():
        return []

    def count(text: str) -> int:
        return len(tokenize(text))

    splitter = SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        tokenizer=tokenize,
        paragraph_separator="\n\n",
        include_metadata=False,
        include_prev_next_rel=False,
    )
    chunks: list[Chunk] = []
    for path, text in _merge_short(_sections(source, title), count):
        for piece in splitter.split_text(text):
            piece = piece.strip()
            if piece:
                chunks.append(Chunk(len(chunks), path, piece, count(piece)))
    return chunks
