"""Every mutation in the schema runs inside `mutation_tx`, which always writes an audit entry.

Behaviour is tested per domain (the audit rows each mutation writes); this guard makes a new
mutation that bypasses the audited transaction fail CI instead of silently going unaudited.
"""

from __future__ import annotations

import re
from pathlib import Path

from schema import build_schema
from settings import Settings

RESOLVERS = Path(__file__).resolve().parents[2] / "resolvers"
AUDITED_ACTION = re.compile(r'mutation_tx\(\s*[\w.]+,\s*"(\w+)"')


def test_every_mutation_runs_in_an_audited_transaction_named_after_it() -> None:
    schema = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    source = "\n".join(path.read_text() for path in RESOLVERS.rglob("*.py"))

    audited = set(AUDITED_ACTION.findall(source))

    assert sorted(set(mutation_type.fields) - audited) == []
