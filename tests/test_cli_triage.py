"""`autocrm ai train-triage` as an operator runs it: progress on stdout, a new model
version in the database, trained on the shipped examples plus this installation's solved
tickets (whose team labels may be teams the examples never mention)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from db.engine import Database
from db.models import Customer, Team, Ticket, TriageModel
from tests.test_cli import _autocrm


async def _solved_legal_tickets(db: Database, count: int) -> None:
    async with db.transaction() as session:
        customer = Customer(name="Firm")
        team = Team(name="Legal")
        session.add_all([customer, team])
        await session.flush()
        for i in range(count):
            session.add(
                Ticket(
                    customer_id=customer.id,
                    subject=f"Contract clause {i} needs review by counsel",
                    status="solved",
                    priority="normal",
                    channel="email",
                    team_id=team.id,
                    tags=["contract"],
                    custom_fields={},
                )
            )


async def test_train_triage_stores_a_new_model_with_the_installations_teams(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    # given solved tickets of a team the shipped examples do not know
    await _solved_legal_tickets(db, 4)
    env = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}

    # when the operator trains twice
    first = _autocrm("ai", "train-triage", env=env)
    second = _autocrm("ai", "train-triage", env=env)

    # then each run reports progress and stores a new version
    assert first.returncode == 0, first.stderr
    assert "4 solved tickets of this installation" in first.stdout
    assert "Embedded " in first.stdout
    assert "Stored triage model v1" in first.stdout
    assert "Stored triage model v2" in second.stdout
    async with db.sessions() as session:
        rows = (await session.execute(select(TriageModel).order_by(TriageModel.version))).scalars()
        models = list(rows)
    assert [m.version for m in models] == [1, 2]
    assert models[-1].ticket_examples == 4
    assert "legal" in models[-1].labels["team"]
