"""The offline triage model in the database: trained from the shipped examples and the
installation's own solved tickets, stored as the newest `triage_models` row so every process
uses the same one, loaded once per process and version, trained lazily when none exists."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ai.embeddings import active_embedder
from ai.embeddings.local import LocalMiniLM
from ai.triage import Example, Fitted, shipped_examples, train
from db.engine import Database
from db.models import Team, Ticket, TicketMessage, TriageModel
from db.models.tickets import TicketStatus
from settings import Settings

__all__ = [
    "MAX_TICKET_EXAMPLES",
    "LoadedModel",
    "current_model",
    "embed",
    "installation_examples",
    "train_model",
    "triage_embedder",
]

# The newest solved tickets taken into training (embedding them dominates training time).
MAX_TICKET_EXAMPLES = 2000
# pg_advisory_xact_lock key: one training at a time across processes.
_TRAIN_LOCK = 0x7472_6961_6765  # "triage"
_lock = threading.Lock()
_own_embedder: LocalMiniLM | None = None
_cache: dict[uuid.UUID, LoadedModel] = {}


@dataclass(frozen=True, slots=True)
class LoadedModel:
    id: uuid.UUID
    version: int
    embedder: str
    fitted: Fitted

    @property
    def name(self) -> str:
        return f"offline-triage v{self.version} ({self.embedder})"


def triage_embedder(settings: Settings) -> LocalMiniLM:
    """The local MiniLM: the KB's own instance when the KB uses it, else one of ours (the
    classifier is trained on its 384-d vectors whatever the KB is configured with)."""
    global _own_embedder
    if settings.kb_embedding_provider == "local":
        embedder = active_embedder(settings)
        if isinstance(embedder, LocalMiniLM):
            return embedder
    with _lock:
        if _own_embedder is None:
            _own_embedder = LocalMiniLM()
        return _own_embedder


async def embed(settings: Settings, texts: Sequence[str]) -> NDArray[np.float32]:
    embedder = triage_embedder(settings)
    if not texts:
        return np.zeros((0, embedder.dimensions), dtype=np.float32)
    return await asyncio.to_thread(embedder.embed_sync, list(texts))


def ticket_text(subject: str, body: str | None) -> str:
    return f"{subject}\n{body or ''}".strip()[:4000]


async def installation_examples(session: AsyncSession, limit: int) -> list[Example]:
    """Solved and closed tickets with a team: their final team (by name) and priority."""
    first_body = (
        select(TicketMessage.body_text)
        .where(TicketMessage.ticket_id == Ticket.id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Ticket.subject, first_body, Team.name, Ticket.priority, Ticket.tags)
        .join(Team, Team.id == Ticket.team_id)
        .where(
            Ticket.status.in_((TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)),
            Ticket.merged_into_id.is_(None),
        )
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    )
    return [
        Example(ticket_text(subject, body), team.lower(), priority, tuple(tags or ()))
        for subject, body, team, priority, tags in rows
    ]


async def train_model(
    db: Database,
    settings: Settings,
    *,
    progress: Callable[[str], None] | None = None,
    only_if_missing: bool = False,
) -> LoadedModel:
    """Train and store a new version; with `only_if_missing`, return the stored one if another
    process trained it meanwhile (the advisory lock serialises trainings)."""
    say = progress or (lambda _message: None)
    async with db.transaction() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TRAIN_LOCK})
        if only_if_missing:
            existing = await _newest(session)
            if existing is not None:
                return existing
        shipped = shipped_examples()
        own = await installation_examples(session, MAX_TICKET_EXAMPLES)
        examples = shipped + own
        say(f"{len(shipped)} shipped examples, {len(own)} solved tickets of this installation")
        vectors = await _embed_with_progress(settings, [e.text for e in examples], say)
        say("Fitting the priority and team classifiers …")
        fitted, fit = await asyncio.to_thread(train, examples, vectors)
        version = (
            await session.execute(select(func.coalesce(func.max(TriageModel.version), 0)))
        ).scalar_one() + 1
        row = TriageModel(
            id=uuid.uuid4(),
            version=version,
            embedder=triage_embedder(settings).model_name,
            labels=fitted.labels(),
            weights=fitted.to_bytes(),
            shipped_examples=len(shipped),
            ticket_examples=len(own),
            fit=fit,
        )
        session.add(row)
    say(
        f"Stored triage model v{version}: teams {', '.join(fitted.team_labels) or '-'}; "
        f"training accuracy priority {fit['priority']:.2f}, team {fit['team']:.2f}"
    )
    loaded = LoadedModel(row.id, version, row.embedder, fitted)
    _cache[row.id] = loaded
    return loaded


async def _embed_with_progress(
    settings: Settings, texts: list[str], say: Callable[[str], None]
) -> NDArray[np.float32]:
    parts: list[NDArray[np.float32]] = []
    step = 256
    for start in range(0, len(texts), step):
        parts.append(await embed(settings, texts[start : start + step]))
        say(f"Embedded {min(len(texts), start + step)}/{len(texts)} examples")
    if not parts:
        return np.zeros((0, triage_embedder(settings).dimensions), dtype=np.float32)
    return np.vstack(parts)


async def _newest(session: AsyncSession) -> LoadedModel | None:
    head = (
        await session.execute(select(TriageModel.id).order_by(TriageModel.version.desc()).limit(1))
    ).scalar_one_or_none()
    if head is None:
        return None
    cached = _cache.get(head)
    if cached is not None:
        return cached
    row = await session.get(TriageModel, head)
    assert row is not None
    loaded = LoadedModel(
        row.id, row.version, row.embedder, Fitted.from_stored(row.labels, row.weights)
    )
    _cache.clear()  # only the newest is used
    _cache[row.id] = loaded
    return loaded


async def current_model(db: Database, settings: Settings) -> LoadedModel:
    """The newest stored model (one indexed read when cached), trained now if there is none."""
    async with db.sessions() as session:
        loaded = await _newest(session)
    if loaded is not None:
        return loaded
    return await train_model(db, settings, only_if_missing=True)
