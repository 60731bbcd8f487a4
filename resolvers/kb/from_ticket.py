"""draftArticleFromTicket: a solved or closed ticket's public thread becomes a draft
knowledge-base article (problem and solution), personal data masked, through the usual
article-create use case — so it has version 1 in draft state, an audit entry and a change
event, and goes through review like any other draft. The version's change summary and the
`from-ticket` tag link it back to its ticket."""

from __future__ import annotations

import html
import uuid

from sqlalchemy import select

from ai.article_drafts import ArticleDraft, ThreadPost, compose_article
from ai.pii import Detector, PiiKind, PiiMode, get_detector
from ai.requests import Caller
from auth import policy
from db.models import ArticleVersion, Ticket, TicketMessage
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from resolvers.audit import MutationTx
from resolvers.error_codes import KbErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.kb.articles import create_article
from resolvers.kb.common import Metadata, require_writer
from resolvers.kb.writer import MAX_TITLE, clean_content
from settings import Settings

__all__ = ["FROM_TICKET_TAG", "article_html", "draft_article_from_ticket"]

FROM_TICKET_TAG = "from-ticket"
_DONE = (TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)


def _detector(settings: Settings) -> Detector:
    """Masking for the KB is not optional: PII_MODE=off (which only concerns what is sent to
    providers) still gets the pattern recognisers here."""
    mode = PiiMode(settings.pii_mode)
    if mode is PiiMode.OFF:
        mode = PiiMode.PATTERNS
    thresholds = tuple(sorted((PiiKind(k), v) for k, v in settings.pii_thresholds.items()))
    return get_detector(mode, thresholds)


def article_html(draft: ArticleDraft) -> str:
    """Problem and Solution sections; a model's solution lines are numbered steps, the
    support team's replies (extractive) stay paragraphs."""
    problem = "".join(f"<p>{html.escape(p)}</p>" for p in draft.problem.split("\n\n") if p)
    if draft.composed_by.startswith("llm:") and len(draft.solution) > 1:
        solution = "<ol>" + "".join(f"<li>{html.escape(s)}</li>" for s in draft.solution) + "</ol>"
    else:
        solution = "".join(f"<p>{html.escape(s)}</p>" for s in draft.solution)
    return f"<h2>Problem</h2>{problem}<h2>Solution</h2>{solution}"


async def draft_article_from_ticket(tx: MutationTx, ticket_id: uuid.UUID) -> ArticleVersion:
    principal = require_writer(tx.ctx)
    ticket = await tx.session.get(Ticket, ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        raise NotFound("ticketId", "ticket")
    if ticket.status not in _DONE:
        raise ValidationFailed.one(
            "ticketId",
            f"Only a solved or closed ticket can become an article; this one is {ticket.status}.",
            KbErrorCode.INVALID_STATE,
        )
    messages = (
        await tx.session.execute(
            select(TicketMessage.body_text, TicketMessage.author_kind)
            .where(
                TicketMessage.ticket_id == ticket.id,
                TicketMessage.visibility == Visibility.PUBLIC.value,
            )
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
    ).all()
    posts = [
        ThreadPost(text, from_customer=kind == AuthorKind.CUSTOMER.value)
        for text, kind in messages
        if text.strip()
    ]
    if not any(not p.from_customer for p in posts):
        raise ValidationFailed.one(
            "ticketId",
            "The ticket has no public reply from the support team to make a solution from.",
            KbErrorCode.INVALID_STATE,
        )
    draft = await compose_article(
        ticket.subject,
        posts,
        gateway=tx.ctx.ai,
        detector=_detector(tx.ctx.settings),
        caller=Caller(
            user_id=principal.user_id, api_key_id=principal.api_key_id, ticket_id=ticket.id
        ),
    )
    how = "by AI" if draft.composed_by.startswith("llm:") else "extractively"
    summary = (
        f"Drafted {how} from ticket #{ticket.number} (its public thread, personal data masked)."
    )
    if draft.note:
        summary += f" Why not by AI: {draft.note}."
    content = clean_content(draft.title[:MAX_TITLE], article_html(draft), summary[:500])
    meta = Metadata(tags=[FROM_TICKET_TAG], locale="en")
    version = await create_article(tx, content, meta)
    tx.audit(
        "Article",
        version.article_id,
        {"source_ticket": [None, str(ticket.id)], "composed_by": [None, draft.composed_by]},
    )
    return version
