"""Parse + validation time per request: a large realistic query uncached and from the
cache, and a fragment chain (2^n fields when expanded) measured by our memoised walk
against Strawberry's QueryDepthLimiter. No database needed. Not a test: run it by hand.

    python bench/validation.py [--repeat 200] [--chain 18]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from graphql import parse, specified_rules, validate

from schema import build_schema
from schema.limits import limits_rule
from settings import Settings

# The agent inbox of bench/ticket_list.py, five times under aliases, through a fragment.
ROW = """
fragment Row on Ticket {
  id number subject status priority tags updatedAt
  customer { name emails company }
  assignee { name email }
  team { name }
  lastMessage { bodyText createdAt }
  messages(first: 5) { edges { node { bodyText author { __typename } } } }
}"""
INBOX = (
    "query Inbox($after: String) {\n"
    + "\n".join(
        f"  q{i}: tickets(first: 10, after: $after) {{ totalCount pageInfo {{ endCursor }} "
        f"edges {{ node {{ ...Row }} }} }}"
        for i in range(5)
    )
    + "\n}"
    + ROW
)


def chain(levels: int) -> str:
    fragments = ["fragment F0 on Query { viewer { email } }"]
    fragments += [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"query {{ ...F{levels} }} " + " ".join(fragments)


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--chain", type=int, default=18)
    args = parser.parse_args()

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    schema = build_schema(settings)
    checks = schema.document_checks  # type: ignore[attr-defined]
    graphql_schema = schema._schema
    rules = (*specified_rules, limits_rule(checks.limits))

    def uncached() -> object:
        return validate(graphql_schema, parse(INBOX, max_tokens=settings.max_tokens), rules)

    def cached() -> object:
        return checks.validate(graphql_schema, INBOX, checks.parse(INBOX))

    cost = checks.cost(graphql_schema, parse(INBOX), None, {})
    print(f"inbox query: {len(INBOX)} bytes, cost {cost}")
    for name, run in (("parse+validate, uncached", uncached), ("parse+validate, cached", cached)):
        p50, p95 = timed(run, args.repeat)
        print(f"  {name:28} p50 {p50:7.3f} ms   p95 {p95:7.3f} ms")

    text = chain(args.chain)
    document = parse(text)
    p50, _ = timed(lambda: validate(graphql_schema, document, rules), 5)
    print(f"fragment chain n={args.chain} ({len(text)} bytes):")
    print(f"  our rules (memoised)          {p50:9.3f} ms")
    from strawberry.extensions.query_depth_limiter import create_validator

    strawberry_rule = create_validator(settings.max_query_depth, None, None)
    p50, _ = timed(lambda: validate(graphql_schema, document, [strawberry_rule]), 1)
    print(f"  Strawberry QueryDepthLimiter  {p50:9.3f} ms (doubles with every level)")


if __name__ == "__main__":
    main()
