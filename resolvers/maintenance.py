"""Operator tasks behind the CLI: the first admin account and demo data."""

from __future__ import annotations

import random

from email_validator import EmailNotValidError, validate_email
from rich.progress import Progress
from sqlalchemy import select

from auth.passwords import hash_password, password_problem
from db.base import utcnow
from db.engine import Database
from db.models import User
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


async def seed_demo_data(url: str, *, customers: int, seed: int = 7) -> None:
    """Demo staff (printed logins) and `customers` realistic customers, with a progress bar."""
    from resolvers.customers.seeding import insert_customers

    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    database = Database(url, pool_size=2)
    try:
        staff = [
            ("admin@demo.autocrm.local", "Demo Admin", Role.ADMIN),
            ("agent1@demo.autocrm.local", "Alex Agent", Role.AGENT),
            ("agent2@demo.autocrm.local", "Sam Agent", Role.AGENT),
            ("reviewer@demo.autocrm.local", "Riley Reviewer", Role.REVIEWER),
        ]
        password_hash = hash_password(DEMO_PASSWORD)
        async with database.transaction() as session:
            existing = set((await session.execute(select(User.email))).scalars())
            for email, name, role in staff:
                if email not in existing:
                    session.add(
                        User(
                            email=email,
                            name=name,
                            role=role,
                            password_hash=password_hash,
                            email_verified_at=utcnow(),
                        )
                    )
        records = []
        for i in range(customers):
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
        with Progress() as progress:
            task = progress.add_task("Seeding customers", total=customers)
            batch = 500
            for start in range(0, customers, batch):
                chunk = records[start : start + batch]
                await insert_customers(database, chunk)
                progress.advance(task, len(chunk))
        print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in staff:
            print(f"  {role.value:<9} {email}")
    finally:
        await database.dispose()
