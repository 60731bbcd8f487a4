"""The draft question set and the help centre it is asked of (tests/ai/retrieval's 32
articles, indexed with the local model)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from ai.drafts import DraftInput, ThreadMessage
from ai.retrieval import index_article_version
from db.engine import Database
from tests.ai.retrieval.helpers import MemoEmbedder, helpcentre, publish_article

HERE = Path(__file__).parent


def draft_questions() -> list[tuple[str, str | None]]:
    """67 questions written for drafting (other words than the retrieval set's), 17 of them
    about things the help centre does not cover."""
    rows = json.loads((HERE / "questions.json").read_text())
    return [(row["q"], row["a"]) for row in rows]


async def load_helpcentre(db: Database, embedder: MemoEmbedder) -> dict[uuid.UUID, str]:
    """Publishes and indexes the help centre; article id -> slug."""
    slugs: dict[uuid.UUID, str] = {}
    for article in helpcentre():
        article_id, version_id = await publish_article(
            db, title=article.title, markdown=article.markdown, category=article.category
        )
        await index_article_version(db, version_id, embedder)
        slugs[article_id] = article.slug
    return slugs


def ticket(
    question: str, *, subject: str = "", earlier: tuple[ThreadMessage, ...] = ()
) -> DraftInput:
    return DraftInput(
        ticket_id=uuid.uuid4(),
        subject=subject,
        thread=(*earlier, ThreadMessage(question, from_customer=True)),
    )
