"""A demo helpdesk's tickets, written outside the API (`autocrm seed-demo`): teams with
members, and tickets in every status and priority with conversations, internal notes,
assignments and CSAT ratings, spread over the last three weeks.

Bodies go through the same sanitiser as addMessage, subjects and tags through the same
rules as createTicket, and due times follow the SLA policies; there is no audit row per
record (nobody did these things). Everything comes from one seeded `random.Random`, so the
same seed gives the same helpdesk.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.engine import Database
from db.models import Team, TeamMember, Ticket, TicketFeedback, TicketMessage
from db.models.tickets import AuthorKind, TicketChannel, TicketPriority, TicketStatus, Visibility
from resolvers.sanitize import sanitize_body
from resolvers.tickets.common import normalize_subject, normalize_tags
from resolvers.tickets.sla import policy_minutes, set_due_times

__all__ = ["DEMO_TEAMS", "DemoPeople", "insert_demo_teams", "insert_demo_tickets"]

# Team name → (description, e-mails of its members among the demo staff).
DEMO_TEAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Billing": (
        "Invoices, refunds, plan changes and payment failures.",
        ("agent1@demo.autocrm.local", "agent2@demo.autocrm.local"),
    ),
    "Technical Support": (
        "Log-in trouble, integrations, bugs and outages.",
        ("agent2@demo.autocrm.local", "agent3@demo.autocrm.local", "agent4@demo.autocrm.local"),
    ),
    "Onboarding": (
        "New accounts: set-up, imports and training.",
        ("agent4@demo.autocrm.local", "agent1@demo.autocrm.local"),
    ),
}


@dataclass(frozen=True, slots=True)
class _Scenario:
    team: str
    subject: str
    opening: str  # the customer's first message
    reply: str  # the agent's public answer
    note: str  # an internal note between staff
    follow_up: str  # the customer's answer to the reply
    tags: tuple[str, ...]


SCENARIOS: tuple[_Scenario, ...] = (
    _Scenario(
        "Billing",
        "Charged twice for the March invoice",
        "<p>Hi, my card was charged <strong>twice</strong> for invoice INV-2291. "
        "Can you refund one of them?</p>",
        "<p>Sorry about that! I can see both charges; I have refunded the second one. "
        "It takes 3 to 5 business days to show on your statement.</p>",
        "<p>Duplicate charge from the payment retry bug; refunded via the billing console.</p>",
        "<p>Thanks, I can see the refund is pending.</p>",
        ("billing", "refund"),
    ),
    _Scenario(
        "Billing",
        "How do I switch to yearly billing?",
        "<p>We would like to move from monthly to yearly billing. Is there a discount?</p>",
        "<p>Yes: yearly plans get two months free. I have sent a quote to your billing "
        "contact; accepting it switches the plan at the next renewal.</p>",
        "<p>Account is eligible for the 17% yearly discount; quote Q-8812 sent.</p>",
        "<p>Great, our finance team will accept the quote this week.</p>",
        ("billing", "plan-change"),
    ),
    _Scenario(
        "Billing",
        "VAT number missing from invoices",
        "<p>Our invoices do not show our VAT number (DE811907980). We need it for our "
        "accounts.</p>",
        "<p>I have added the VAT number to your billing profile and re-issued the last "
        "three invoices; you will find them under <em>Billing → Invoices</em>.</p>",
        "<p>VAT number validated against VIES before adding.</p>",
        "<p>Perfect, the new invoices are correct.</p>",
        ("billing", "invoice"),
    ),
    _Scenario(
        "Billing",
        "Payment failed after card renewal",
        "<p>We got a 'payment failed' mail. Our card was renewed last week.</p>",
        "<p>Card renewals need the new expiry date: please update it under "
        "<em>Billing → Payment method</em> and I will retry the charge.</p>",
        "<p>Dunning paused for 7 days so the account is not suspended meanwhile.</p>",
        "<p>Updated the card just now.</p>",
        ("billing", "payment"),
    ),
    _Scenario(
        "Technical Support",
        "Cannot log in after password reset",
        "<p>I reset my password but the log-in page still says the password is wrong.</p>",
        "<p>Your account was locked after several attempts; I have unlocked it. Please try "
        "the new password again, and clear the browser's saved password first.</p>",
        "<p>Lockout from 10 failed attempts in 5 minutes; unlocked manually.</p>",
        "<p>That worked, I'm in. Thank you!</p>",
        ("login", "account"),
    ),
    _Scenario(
        "Technical Support",
        "Webhook deliveries failing with 401",
        "<p>Since yesterday every webhook delivery to our endpoint fails with HTTP 401.</p>",
        "<p>The signing secret was rotated on your side on Monday; deliveries are signed "
        "with the old one. Paste the new secret under <em>Settings → Webhooks</em>.</p>",
        "<p>Delivery log shows 401 from their endpoint since Mon 09:12 UTC; not our outage.</p>",
        "<p>Updated the secret, deliveries are green again.</p>",
        ("integration", "webhooks"),
    ),
    _Scenario(
        "Technical Support",
        "CSV export times out for large date ranges",
        "<p>Exporting a full year of tickets to CSV never finishes; the page times out.</p>",
        "<p>Large exports now run in the background: you will get an e-mail with the file "
        "when it is ready. For now, exporting one quarter at a time works.</p>",
        "<p>Reproduced with 120k rows; engineering ticket ENG-4471 filed for streaming export.</p>",
        "<p>OK, quarterly exports are fine for us until then.</p>",
        ("export", "bug"),
    ),
    _Scenario(
        "Technical Support",
        "Mobile app crashes when opening attachments",
        "<p>The iOS app closes as soon as I tap a PDF attachment on a ticket.</p>",
        "<p>Thanks for the report: this is fixed in version 4.12, released today. Please "
        "update the app from the App Store.</p>",
        "<p>Crash in the PDF preview on iOS 17.4; fix shipped in 4.12.</p>",
        "<p>Updated and it opens fine now.</p>",
        ("mobile", "bug"),
    ),
    _Scenario(
        "Technical Support",
        "API rate limit too low for our sync job",
        "<p>Our nightly sync hits the API rate limit after a few minutes. Can it be raised?</p>",
        "<p>I have raised your API key's limit for the nightly window. Batching updates "
        "with <code>bulkUpdateTickets</code> also cuts the number of calls a lot.</p>",
        "<p>Limit raised to 3000/min for key acrm_…9f2, 00:00 to 04:00 UTC.</p>",
        "<p>Last night's sync completed without errors.</p>",
        ("api", "limits"),
    ),
    _Scenario(
        "Onboarding",
        "Importing our customers from a spreadsheet",
        "<p>We have 4,000 customers in a spreadsheet. What is the best way to import them?</p>",
        "<p>Save the sheet as CSV with the columns name, email, phone, company and use "
        "<em>Customers → Import</em>. I have attached our template to this reply.</p>",
        "<p>Offered a 30-minute import call if the first run has errors.</p>",
        "<p>Import done, only 12 rows needed fixing.</p>",
        ("onboarding", "import"),
    ),
    _Scenario(
        "Onboarding",
        "Setting up teams and round-robin assignment",
        "<p>How do we make new tickets go to the next free agent automatically?</p>",
        "<p>Create a team, add your agents with a ticket capacity, and turn on automatic "
        "assignment: new tickets go round-robin to members under their capacity.</p>",
        "<p>Customer has 6 agents; suggested capacity 15 each.</p>",
        "<p>Set up and working, thanks for the quick help.</p>",
        ("onboarding", "teams"),
    ),
    _Scenario(
        "Onboarding",
        "Training session for new agents",
        "<p>Could we book a training session for five new agents next week?</p>",
        "<p>Happy to! I have sent you a booking link; sessions last an hour and cover "
        "tickets, macros and reports.</p>",
        "<p>Training slot proposed for Tuesday 14:00 CET.</p>",
        "<p>Booked Tuesday, see you then.</p>",
        ("onboarding", "training"),
    ),
)

_CLOSING_THANKS = "<p>All sorted on our side, you can close this. Thanks again!</p>"
_RATING_COMMENTS = {
    5: ("Fast and friendly, thank you!", "Solved in minutes.", ""),
    4: ("Good help, took a little while.", ""),
    3: ("OK in the end, but I had to explain twice.", ""),
    2: ("Slow answers.",),
    1: ("Still not happy with how long this took.",),
}
_CHANNELS = (TicketChannel.EMAIL, TicketChannel.WEB, TicketChannel.CHAT, TicketChannel.API)
# Ratings lean positive, as they do in a real helpdesk.
_RATINGS = (5, 5, 5, 4, 4, 4, 3, 2, 1)


@dataclass(frozen=True, slots=True)
class DemoPeople:
    """Who the demo tickets are between."""

    agents: dict[str, uuid.UUID]  # e-mail → user id, for every agent (and the admin)
    customers: Sequence[uuid.UUID]
    # A customer's portal login, if any: customer id → user id (requester, CSAT author).
    customer_users: dict[uuid.UUID, uuid.UUID]


async def insert_demo_teams(db: Database, agents: dict[str, uuid.UUID]) -> dict[str, uuid.UUID]:
    """The demo teams with their members (kept as they are when they already exist)."""
    async with db.transaction() as session:
        existing = {
            team.name: team.id
            for team in (
                await session.execute(select(Team).where(Team.name.in_(DEMO_TEAMS)))
            ).scalars()
        }
        for name, (description, members) in DEMO_TEAMS.items():
            if name in existing:
                continue
            team = Team(name=name, description=description)
            session.add(team)
            await session.flush()
            existing[name] = team.id
            session.add_all(
                TeamMember(team_id=team.id, user_id=agents[email], ticket_capacity=20)
                for email in members
                if email in agents
            )
    return existing


async def insert_demo_tickets(
    db: Database,
    people: DemoPeople,
    teams: dict[str, uuid.UUID],
    *,
    count: int,
    rng: random.Random,
    advance: Callable[[int], None] = lambda _: None,
    batch: int = 20,
) -> int:
    """`count` demo tickets (none when demo tickets are already there); returns how many."""
    async with db.sessions() as session:
        already = await session.scalar(
            select(Ticket.id).where(Ticket.custom_fields.contains({"demo": True})).limit(1)
        )
        minutes = {p: await policy_minutes(session, p) for p in TicketPriority}
    if already is not None or count == 0 or not people.customers:
        return 0
    now = utcnow()
    members = {
        team: [people.agents[email] for email in emails if email in people.agents]
        for team, (_, emails) in DEMO_TEAMS.items()
    }
    statuses, priorities = list(TicketStatus), list(TicketPriority)
    made = 0
    for start in range(0, count, batch):
        async with db.transaction() as session:
            for i in range(start, min(start + batch, count)):
                # Every status with every priority appears once the count reaches 24.
                status = statuses[i % len(statuses)]
                priority = priorities[(i // len(statuses)) % len(priorities)]
                scenario = SCENARIOS[rng.randrange(len(SCENARIOS))]
                customer = people.customers[rng.randrange(len(people.customers))]
                plan = _Plan(
                    scenario=scenario,
                    status=status,
                    priority=priority,
                    customer_id=customer,
                    requester_id=people.customer_users.get(customer),
                    team_id=teams.get(scenario.team),
                    team_members=members.get(scenario.team) or list(people.agents.values()),
                    minutes=minutes[priority],
                    now=now,
                )
                await _write(session, plan, rng)
                made += 1
        advance(min(batch, count - start))
    return made


@dataclass(frozen=True, slots=True)
class _Plan:
    scenario: _Scenario
    status: TicketStatus
    priority: TicketPriority
    customer_id: uuid.UUID
    requester_id: uuid.UUID | None
    team_id: uuid.UUID | None
    team_members: list[uuid.UUID]
    minutes: tuple[int, int]
    now: datetime


async def _write(session: AsyncSession, plan: _Plan, rng: random.Random) -> None:
    """One ticket with its conversation, as it would stand after `plan.status` was reached."""
    status, scenario = plan.status, plan.scenario
    # New tickets are recent (nobody has looked yet); the rest spread over three weeks.
    age = (
        timedelta(minutes=rng.randint(5, 240))
        if status == TicketStatus.NEW
        else timedelta(hours=rng.randint(6, 21 * 24))
    )
    created = plan.now - age
    step = age / 6  # the conversation's pace: every event lands before now
    answered = status != TicketStatus.NEW
    assignee = rng.choice(plan.team_members) if answered and rng.random() < 0.85 else None
    ticket = Ticket(
        id=uuid.uuid4(),
        customer_id=plan.customer_id,
        requester_id=plan.requester_id,
        subject=normalize_subject(scenario.subject),
        status=status.value,
        priority=plan.priority.value,
        channel=rng.choice(_CHANNELS).value,
        assignee_id=assignee,
        team_id=plan.team_id if rng.random() < 0.9 else None,
        tags=normalize_tags(scenario.tags),
        custom_fields={"demo": True},
        created_at=created,
        updated_at=created,
    )
    set_due_times(ticket, created, plan.minutes)
    staff = assignee or rng.choice(plan.team_members)
    messages: list[tuple[datetime, AuthorKind, uuid.UUID | None, Visibility, str]] = [
        (created, AuthorKind.CUSTOMER, None, Visibility.PUBLIC, scenario.opening)
    ]
    if answered:
        messages.append(
            (created + step, AuthorKind.USER, staff, Visibility.INTERNAL, scenario.note)
        )
    if status in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.CLOSED) or (
        status in (TicketStatus.OPEN, TicketStatus.ON_HOLD) and rng.random() < 0.5
    ):
        replied = created + 2 * step
        messages.append((replied, AuthorKind.USER, staff, Visibility.PUBLIC, scenario.reply))
        ticket.first_responded_at = replied
        if status != TicketStatus.PENDING:
            messages.append(
                (
                    created + 3 * step,
                    AuthorKind.CUSTOMER,
                    None,
                    Visibility.PUBLIC,
                    scenario.follow_up,
                )
            )
    if status == TicketStatus.ON_HOLD:
        waiting = "<p>On hold until engineering confirms the fix is deployed.</p>"
        messages.append((created + 4 * step, AuthorKind.USER, staff, Visibility.INTERNAL, waiting))
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        ticket.solved_at = created + 4 * step
        if rng.random() < 0.5:
            messages.append(
                (created + 4 * step, AuthorKind.CUSTOMER, None, Visibility.PUBLIC, _CLOSING_THANKS)
            )
    if status == TicketStatus.CLOSED:
        ticket.closed_at = created + 5 * step
    ticket.last_message_at = max(
        at for at, _, _, visibility, _ in messages if visibility == Visibility.PUBLIC
    )
    ticket.updated_at = ticket.closed_at or max(at for at, *_ in messages)
    session.add(ticket)
    await session.flush()  # the ticket row first: messages and feedback refer to it
    for at, kind, author, visibility, html in messages:
        body = sanitize_body(html)
        session.add(
            TicketMessage(
                ticket_id=ticket.id,
                author_user_id=author if kind == AuthorKind.USER else plan.requester_id,
                author_kind=kind.value,
                visibility=visibility.value,
                body_html=body.html,
                body_text=body.text,
                created_at=at,
            )
        )
    if ticket.solved_at is not None and rng.random() < 0.7:
        rating = rng.choice(_RATINGS)
        rated = (ticket.closed_at or ticket.solved_at) + step / 2
        session.add(
            TicketFeedback(
                ticket_id=ticket.id,
                rating=rating,
                comment=rng.choice(_RATING_COMMENTS[rating]),
                customer_user_id=plan.requester_id,
                created_at=rated,
                updated_at=rated,
            )
        )
