"""A new user's first run: `autocrm serve` on embedded defaults, an admin, a login, a query."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db.embedded import embedded_status, start_embedded, stop_embedded
from tests.smtp import free_port

AUTOCRM = str(Path(sys.executable).parent / "autocrm")
PASSWORD = "first-run-password"


def _environment() -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "SMTP_URL", "DATA_DIR", "PUBLIC_URL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


class Served:
    """`autocrm serve` as an operator runs it, with its output kept in a file."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [AUTOCRM, "serve", "--port", str(self.port), "--data-dir", str(data_dir)],
            cwd=log_path.parent,
            env=_environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail("server did not become ready:\n" + self.output())

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        self.process.terminate()
        code = self.process.wait(timeout=30)
        self._log.close()
        return code


def _db_status(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AUTOCRM, "db", "status", "--data-dir", str(data_dir)],
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`autocrm serve` in a fresh data folder, with nothing configured."""
    server = Served(tmp_path / "data", tmp_path / "serve.log")
    try:
        server.wait_ready()
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
        stop_embedded(server.data_dir)  # only if a failed test left it running


def test_fresh_install_serves_graphiql_login_and_customers(served: Served) -> None:
    base, data_dir = served.base, served.data_dir

    created = subprocess.run(
        [
            AUTOCRM,
            "create-admin",
            "--email",
            "owner@example.com",
            "--name",
            "Owner",
            "--data-dir",
            str(data_dir),
        ],
        env={**os.environ, "AUTOCRM_ADMIN_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stderr

    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()

    login = httpx.post(
        f"{base}/graphql",
        json={
            "query": "mutation ($i: LoginInput!) "
            "{ login(input: $i) { accessToken errors { code } } }",
            "variables": {"i": {"email": "owner@example.com", "password": PASSWORD}},
        },
    ).json()
    token = login["data"]["login"]["accessToken"]
    assert login["data"]["login"]["errors"] == []

    customers = httpx.post(
        f"{base}/graphql",
        json={"query": "{ customers(first: 5) { totalCount edges { node { name } } } }"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert customers["data"] == {"customers": {"totalCount": 0, "edges": []}}


def test_banner_names_the_data_folder_and_start_up_is_short(served: Served) -> None:
    output = served.output()

    assert f"Data folder: {served.data_dir.resolve()}" in output
    assert "alembic" not in output
    assert "initdb" not in output
    assert "pg_ctl" not in output
    assert "Traceback" not in output


def test_serve_stops_the_embedded_postgresql_it_started(served: Served) -> None:
    assert _db_status(served.data_dir).returncode == 0  # running while the server runs

    assert served.stop() == 0

    status = _db_status(served.data_dir)
    assert status.returncode == 3, status.stdout
    assert "stopped" in status.stdout
    assert "Stopped the embedded PostgreSQL" in served.output()


def test_serve_leaves_running_an_embedded_postgresql_it_found_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    start_embedded(data_dir)
    server = Served(data_dir, tmp_path / "serve.log")
    try:
        server.wait_ready()
        assert server.stop() == 0
        assert embedded_status(data_dir).running
    finally:
        if server.process.poll() is None:
            server.stop()
        stop_embedded(data_dir)


def test_second_server_on_the_same_data_folder_warns(served: Served, tmp_path: Path) -> None:
    second = Served(served.data_dir, tmp_path / "second.log")
    try:
        second.wait_ready()
    finally:
        second.stop()

    assert "another autocrm serve uses this data folder" in second.output()
    assert f"pid {served.process.pid}" in second.output()
