"""The `autocrm` command as an operator runs it (a real subprocess, the real database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import User
from tests.smtp import free_port

# Configured from the outside world by the tests below, never inherited from the machine.
_CONFIG = {"DATABASE_URL", "REDIS_URL", "SMTP_URL", "DATA_DIR", "PORT", "HOST", "PUBLIC_URL"}


def _autocrm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "autocrm"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if k not in _CONFIG}, **(env or {})},
        check=False,
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single line an operator sees on stderr; there must be no traceback anywhere."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_help_lists_every_command() -> None:
    result = _autocrm("--help")

    assert result.returncode == 0
    for command in ("serve", "migrate", "create-admin", "export-schema", "seed-demo", "db"):
        assert command in result.stdout


def test_each_command_has_its_own_help() -> None:
    commands: tuple[str, ...] = ("serve", "migrate", "create-admin", "export-schema")
    commands += ("seed-demo", "db status", "kb reembed")
    for command in (*commands, "db stop"):
        result = _autocrm(*command.split(), "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


async def test_create_admin_makes_an_admin_who_can_sign_in(db: Database, database_url: str) -> None:
    result = _autocrm(
        "create-admin",
        "--email",
        "Boss@Example.com",
        "--name",
        "The Boss",
        env={"DATABASE_URL": database_url, "AUTOCRM_ADMIN_PASSWORD": "a-long-enough-password"},
    )

    assert result.returncode == 0, result.stderr
    assert "Created admin boss@example.com" in result.stdout
    async with db.sessions() as session:
        user = (
            await session.execute(select(User).where(User.email == "boss@example.com"))
        ).scalar_one()
    assert user.role == "admin"
    assert user.password_hash is not None
    assert "a-long-enough-password" not in user.password_hash


async def test_create_admin_refuses_a_weak_password_and_writes_nothing(
    db: Database, database_url: str
) -> None:
    result = _autocrm(
        "create-admin",
        "--email",
        "weak@example.com",
        "--name",
        "Weak",
        env={"DATABASE_URL": database_url, "AUTOCRM_ADMIN_PASSWORD": "short"},
    )

    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr
    async with db.sessions() as session:
        assert (await session.execute(select(User))).first() is None


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    output = tmp_path / "out.graphql"
    result = _autocrm("export-schema", "--output", str(output))

    assert result.returncode == 0, result.stderr
    assert "type Query" in output.read_text()


BAD_DATABASE_URLS = [
    pytest.param(f"postgresql://nobody@127.0.0.1:{free_port()}/autocrm", id="nothing-listens"),
    pytest.param("postgresql://nobody@127.0.0.1:notaport/autocrm", id="port-not-a-number"),
    pytest.param("mysql://nobody@127.0.0.1/autocrm", id="not-postgresql"),
]


@pytest.mark.parametrize("url", BAD_DATABASE_URLS)
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_bad_database_url_is_one_clear_line(command: str, url: str, tmp_path: Path) -> None:
    port = str(free_port())
    args = (command, "--port", port) if command == "serve" else (command,)

    result = _autocrm(*args, "--data-dir", str(tmp_path), env={"DATABASE_URL": url})

    line = _one_line_error(result)
    assert line.startswith("Error: ")
    assert "DATABASE_URL" in line
    assert "AutoCRM on" not in result.stdout  # no ready banner for a server that is not


def test_serve_on_a_busy_port_says_which_and_how_to_pick_another(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = _autocrm("serve", "--port", str(port), "--data-dir", str(tmp_path))

    line = _one_line_error(result)
    assert f"port {port}" in line
    assert "--port" in line
    assert "AutoCRM on" not in result.stdout
    assert not (tmp_path / "pg").exists()  # failed before starting anything


def test_db_status_of_a_fresh_folder_says_there_is_no_database_yet(tmp_path: Path) -> None:
    result = _autocrm("db", "status", "--data-dir", str(tmp_path))

    assert result.returncode == 3
    assert "No embedded database" in result.stdout


def test_db_stop_when_nothing_runs_says_so(tmp_path: Path) -> None:
    result = _autocrm("db", "stop", "--data-dir", str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "not running" in result.stdout
