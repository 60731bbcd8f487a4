"""Operator tasks behind the CLI: the first admin account and demo data."""

from __future__ import annotations

import random
import uuid
from typing import Any

from email_validator import EmailNotValidError, validate_email
from rich.progress import Progress
from sqlalchemy import select

from auth.passwords import hash_password, password_problem
from db.base import utcnow
from db.engine import Database
from db.models import CustomerEmail, User
from db.models.accounts import Role

__all__ = ["DEMO_PASSWORD", "create_admin_account", "seed_demo_data"]

DEMO_PASSWORD = "demo-password-123"


async def create_admin_account(url: str, *, email: str, name: str, password: str) -> str:
    """Create an admin, or reset the password of an existing admin; raises ValueError."""
    try:
        address = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"{email!r} is not a valid e-mail address: {exc}") from exc
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValueError("The name must be 1 to 200 characters.")
    if problem := password_problem(password):
        raise ValueError(problem)
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            user = (
                await session.execute(select(User).where(User.email == address))
            ).scalar_one_or_none()
            if user is not None and user.role != Role.ADMIN:
                raise ValueError(
                    f"{address} already has a {user.role} account; use another e-mail."
                )
            if user is None:
                session.add(
                    User(
                        email=address,
                        name=name,
                        role=Role.ADMIN,
                        password_hash=hash_password(password),
                        email_verified_at=utcnow(),
                    )
                )
                return f"Created admin {address}."
            user.password_hash = hash_password(password)
            user.sessions_valid_after = utcnow()
            return f"Reset the password of admin {address}."
    finally:
        await database.dispose()


FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Sophie",
    "Yukihiro",
    "Guido",
    "Anita",
    "Edsger",
    "Hedy",
    "Donald",
    "Katherine",
    "Mary",
    "James",
    "Priya",
    "Wei",
    "Fatima",
    "Olu",
    "Lucia",
    "Mateo",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "McCarthy",
    "Perlman",
    "Berners-Lee",
    "Wilson",
    "Matsumoto",
    "van Rossum",
    "Borg",
    "Dijkstra",
    "Lamarr",
    "Knuth",
    "Johnson",
    "Smith",
    "Garcia",
    "Patel",
    "Chen",
    "Okafor",
]
COMPANIES = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Cyberdyne",
    "Soylent",
    "Vandelay Industries",
    None,
    None,
]
TAGS = ["vip", "trial", "enterprise", "churn-risk", "beta", "partner", "newsletter"]


STAFF: tuple[tuple[str, str, Role], ...] = (
    ("admin@demo.autocrm.local", "Demo Admin", Role.ADMIN),
    ("agent1@demo.autocrm.local", "Alex Agent", Role.AGENT),
    ("agent2@demo.autocrm.local", "Sam Agent", Role.AGENT),
    ("agent3@demo.autocrm.local", "Jordan Agent", Role.AGENT),
    ("agent4@demo.autocrm.local", "Priya Agent", Role.AGENT),
    ("reviewer@demo.autocrm.local", "Riley Reviewer", Role.REVIEWER),
)
# Customer-portal logins, each linked to one of the first seeded customers.
PORTAL_USERS = ("customer1@demo.autocrm.local", "customer2@demo.autocrm.local")
# Tickets are spread over at most this many of the seeded customers.
_TICKET_CUSTOMERS = 300


def _customer_records(rng: random.Random, count: int) -> list[dict[str, Any]]:
    records = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        slug = f"{first}.{last}".lower().replace(" ", "")
        records.append(
            {
                "name": name,
                "company": rng.choice(COMPANIES),
                "emails": [f"{slug}.{i}@example.com"],
                "phones": [f"+1415555{i % 10000:04d}"],
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
            }
        )
    return records


async def _ensure_users(
    database: Database, customer_ids: list[uuid.UUID], password_hash: str
) -> tuple[dict[str, uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    """The demo staff and portal users (existing ones kept): (agents by e-mail, customer →
    portal user)."""
    portal = list(zip(PORTAL_USERS, customer_ids, strict=False))
    wanted = [email for email, _, _ in STAFF] + [email for email, _ in portal]
    async with database.transaction() as session:
        users = {
            user.email: user
            for user in (await session.execute(select(User).where(User.email.in_(wanted))))
            .scalars()
            .all()
        }
        for email, name, role in STAFF:
            if email not in users:
                users[email] = User(email=email, name=name, role=role)
        for n, (email, customer_id) in enumerate(portal, start=1):
            if email not in users:
                users[email] = User(
                    email=email,
                    name=f"Demo Customer {n}",
                    role=Role.CUSTOMER,
                    customer_id=customer_id,
                )
        for user in users.values():
            if user.id is None:
                user.password_hash = password_hash
                user.email_verified_at = utcnow()
                session.add(user)
        await session.flush()
        agents = {
            email: users[email].id for email, _, role in STAFF if role in (Role.ADMIN, Role.AGENT)
        }
        customer_users = {
            users[email].customer_id: users[email].id
            for email, _ in portal
            if users[email].customer_id is not None
        }
    return agents, {k: v for k, v in customer_users.items() if k is not None}


async def _seeded_customer_ids(
    database: Database, records: list[dict[str, Any]]
) -> list[uuid.UUID]:
    emails = [record["emails"][0] for record in records[:_TICKET_CUSTOMERS]]
    async with database.sessions() as session:
        rows = await session.execute(
            select(CustomerEmail.email, CustomerEmail.customer_id).where(
                CustomerEmail.email.in_(emails)
            )
        )
        by_email = {email: customer_id for email, customer_id in rows}
    return [by_email[email] for email in emails if email in by_email]


async def seed_demo_data(url: str, *, customers: int, tickets: int = 60, seed: int = 7) -> None:
    """A demo helpdesk with a progress bar: staff (printed logins) in teams, `customers`
    customers, and `tickets` tickets in every status with conversations and ratings.
    The same `seed` gives the same data; running it again adds nothing twice."""
    from resolvers.customers.seeding import insert_customers
    from resolvers.tickets.seeding import DemoPeople, insert_demo_teams, insert_demo_tickets

    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    database = Database(url, pool_size=2)
    try:
        records = _customer_records(rng, customers)
        with Progress() as progress:
            task = progress.add_task("Seeding customers", total=customers)
            batch = 500
            for start in range(0, customers, batch):
                chunk = records[start : start + batch]
                await insert_customers(database, chunk)
                progress.advance(task, len(chunk))
            customer_ids = await _seeded_customer_ids(database, records)
            agents, customer_users = await _ensure_users(
                database, customer_ids, hash_password(DEMO_PASSWORD)
            )
            teams = await insert_demo_teams(database, agents)
            task = progress.add_task("Seeding tickets", total=tickets)
            made = await insert_demo_tickets(
                database,
                DemoPeople(agents=agents, customers=customer_ids, customer_users=customer_users),
                teams,
                count=tickets,
                rng=rng,
                advance=lambda n: progress.advance(task, n),
            )
            if made == 0:
                progress.update(task, completed=tickets)
        if made == 0 and tickets:
            print("Demo tickets were already there; none added.")
        print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in STAFF:
            print(f"  {role.value:<9} {email}")
        for email in PORTAL_USERS[: len(customer_users)]:
            print(f"  {Role.CUSTOMER.value:<9} {email}")
    finally:
        await database.dispose()
