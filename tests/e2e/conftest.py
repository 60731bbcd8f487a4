"""An external PostgreSQL (and its TLS front) shared by the scaled-mode tests of a run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.external_postgres import Certificates, ExternalPostgres, TlsFront, make_certificates


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExternalPostgres]:
    server = ExternalPostgres(tmp_path_factory.mktemp("external-pg"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls(postgres: ExternalPostgres, certificates: Certificates) -> Iterator[TlsFront]:
    front = TlsFront(postgres.port, certificates)
    front.start()
    yield front
    front.stop()
