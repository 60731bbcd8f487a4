"""`autocrm kb reembed`: after the embedding model changed, every chunk of another model gets
a vector of the active one, so vector search finds it again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, update

from ai.retrieval import SearchOptions, index_article_version, search_kb
from db.engine import Database
from db.models import KbChunk
from tests.ai.retrieval.helpers import MemoEmbedder, publish_article

ARTICLE = """# Two-factor authentication

Turn on two-factor authentication under Profile, Security: scan the QR code with an
authenticator app and type the six-digit code it shows. Keep the backup codes safe.
"""


async def test_reembed_gives_chunks_of_an_old_model_the_active_models_vectors(
    db: Database, database_url: str, embedder: MemoEmbedder, tmp_path: Path
) -> None:
    _, version_id = await publish_article(db, title="Two-factor authentication", markdown=ARTICLE)
    await index_article_version(db, version_id, embedder)
    async with db.transaction() as session:
        await session.execute(update(KbChunk).values(embedding_model="old-model-v1"))
    vector_only = SearchOptions(method="vector")
    before = await search_kb(
        db,
        "extra login code",
        embedder=embedder,
        audiences=("public",),
        options=vector_only,
        cache=None,
    )

    result = await asyncio.to_thread(
        subprocess.run,
        [
            str(Path(sys.executable).parent / "autocrm"),
            "kb",
            "reembed",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DATABASE_URL": database_url},
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"Re-embedded 1 chunks with {embedder.model_name}." in result.stdout
    async with db.transaction() as session:
        models = (await session.execute(select(KbChunk.embedding_model))).scalars().all()
    assert models == [embedder.model_name]
    after = await search_kb(
        db,
        "extra login code",
        embedder=embedder,
        audiences=("public",),
        options=vector_only,
        cache=None,
    )
    assert before.hits == ()
    assert [h.title for h in after.hits] == ["Two-factor authentication"]
