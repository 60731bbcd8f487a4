"""draftArticleFromTicket: a solved ticket's public thread as a draft knowledge-base article."""

from __future__ import annotations

import strawberry

from resolvers.audit import MutationTx
from resolvers.kb.from_ticket import draft_article_from_ticket
from schema.ids import decode_id
from schema.kb_mutations import ArticlePayload, _payload
from schema.mutations import mutation
from schema.permissions import IsAuthenticated

__all__ = ["KbFromTicketMutation"]


@strawberry.input(description="The solved or closed ticket to draft an article from.")
class DraftArticleFromTicketInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")


@strawberry.type
class KbFromTicketMutation:
    @mutation(
        description="Draft a knowledge-base article (title, Problem and Solution sections) "
        "from a solved or closed ticket's public messages (staff who write articles). Personal "
        "data (e-mail addresses, phone numbers …) is masked; internal notes are never used. "
        "Written by the configured LLM, or offline extractively (the subject, the customer's "
        "first message, the support team's replies). The article starts as draft version 1, "
        "tagged `from-ticket`, its change summary naming the ticket; it goes through review "
        "like any draft.",
        permission_classes=[IsAuthenticated],
    )
    async def draft_article_from_ticket(
        tx: MutationTx, input: DraftArticleFromTicketInput
    ) -> ArticlePayload:
        version = await draft_article_from_ticket(
            tx, decode_id(input.ticket_id, "Ticket", "ticketId")
        )
        return await _payload(tx, version.article_id, version)
