"""The `autocrm` command: serve, worker, migrate, create an admin, export the schema, seed demo
data, look after the embedded PostgreSQL (`autocrm db status|stop`) and the knowledge base's
embeddings (`autocrm kb reembed`).

An operator's mistake (a bad DATABASE_URL, a busy port) is one line on stderr that says
what to change, and a non-zero exit: never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer

from settings import Settings, get_settings

__all__ = ["main"]

app = typer.Typer(
    help="AutoCRM — AI-first customer-support backend (GraphQL API with subscriptions).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(
    help="The embedded PostgreSQL (used when DATABASE_URL is unset): status and stop.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
kb_app = typer.Typer(
    help="The knowledge base: import documents as articles, export them as Markdown, "
    "re-embed after a model change.",
    no_args_is_help=True,
)
app.add_typer(kb_app, name="kb")
ai_app = typer.Typer(help="AI: train the offline triage classifier.", no_args_is_help=True)
app.add_typer(ai_app, name="ai")

DataDir = Annotated[
    Path | None,
    typer.Option(help="Folder for the embedded database and files (overrides DATA_DIR)."),
]
# How long to wait for a configured database to answer before saying it does not.
CONNECT_TIMEOUT = 10.0


def _fail(message: str) -> NoReturn:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _settings(data_dir: Path | None) -> Settings:
    from pydantic import ValidationError

    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])).upper() or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        _fail(f"bad configuration ({problems}). Fix the environment or .env file.")
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong, from the driver's error rather than its wrapper."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _describe(url: str) -> str:
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    return shown.replace("postgresql+asyncpg://", "postgresql://", 1)


@contextlib.contextmanager
def _database(settings: Settings, *, for_server: bool = False) -> Iterator[str]:
    """The database URL, checked to answer; the embedded server is stopped again on exit
    when this command started it and no `autocrm serve` still uses it."""
    from db.embedded import EmbeddedError, start_embedded, stop_embedded
    from db.engine import to_async_url

    if settings.database_url is not None:
        try:
            url = to_async_url(settings.database_url.get_secret_value())
        except ValueError as exc:
            _fail(f"{exc}. Set DATABASE_URL=postgresql://user:password@host:5432/dbname.")
        _check_database(url)
        yield url
        return

    pgdata = settings.data_dir.resolve() / "pg"
    if not (pgdata / "PG_VERSION").exists():
        typer.echo(f"Creating a new embedded database in {pgdata} (first run) …")
    try:
        embedded = start_embedded(settings.data_dir)
    except EmbeddedError as exc:
        _fail(f"{exc}. Check that the data folder is writable, or set DATABASE_URL.")
    try:
        yield embedded.url
    finally:
        others = [pid for pid in _servers(settings.data_dir) if pid != os.getpid()]
        if embedded.started and not others:
            stop_embedded(settings.data_dir)
            if for_server:
                typer.echo("Stopped the embedded PostgreSQL (this server had started it).")


def _check_database(url: str) -> None:
    """Connect once, so a wrong DATABASE_URL is one clear line rather than a traceback."""
    from sqlalchemy.engine import make_url

    try:
        make_url(url)
    except Exception as exc:
        _fail(
            f"DATABASE_URL is not a valid URL ({_reason(exc)}). "
            "Set DATABASE_URL=postgresql://user:password@host:5432/dbname."
        )

    async def ping() -> None:
        from sqlalchemy import text

        from db.engine import Database

        database = Database(url, pool_size=1)
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT), database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await database.dispose()

    try:
        asyncio.run(ping())
    except TimeoutError:
        reason = f"no answer within {CONNECT_TIMEOUT:.0f} s"
    except Exception as exc:
        reason = _reason(exc)
    else:
        return
    _fail(
        f"cannot use the database at {_describe(url)} ({reason}). Fix DATABASE_URL "
        "(postgresql://user:password@host:5432/dbname), or unset it to use the embedded one."
    )


async def _migrate_async(url: str) -> None:
    from db.engine import Database
    from db.migrate import upgrade

    database = Database(url, pool_size=1)
    try:
        await upgrade(database.engine)
    finally:
        await database.dispose()


def _migrate(url: str) -> None:
    from db.migrate import DatabaseUnsupported

    try:
        asyncio.run(_migrate_async(url))
    except DatabaseUnsupported as exc:
        _fail(f"the database at {_describe(url)} {exc}")
    except Exception as exc:
        reason = _reason(exc)
        if "permission denied to create extension" in reason:
            _fail(
                f"the database at {_describe(url)} has pgvector, but this user may not enable "
                f"it ({reason}). Ask a database admin to run `CREATE EXTENSION vector;` in "
                "this database once, then run `autocrm migrate` again."
            )
        logging.getLogger("autocrm").debug("migration failed", exc_info=True)
        _fail(f"could not apply the database migrations at {_describe(url)}: {_reason(exc)}")


def _check_port(host: str, port: int) -> None:
    """Bind once before anything starts, so a busy port is said plainly and early."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        _fail(f"cannot listen on {host!r}: {exc.strerror}. Pass another --host.")
    with socket.socket(family, kind, proto) as sock:
        # As uvicorn does: a port left in TIME_WAIT by a previous run is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                _fail(
                    f"port {port} on {host} is already in use (another autocrm serve?). "
                    f"Stop that program or pick another port: autocrm serve --port {port + 1}"
                )
            _fail(f"cannot listen on {host}:{port}: {exc.strerror}. Pass another --host/--port.")


def _check_blob_store(settings: Settings) -> None:
    """BLOB_URL=s3://… without the S3 client installed is one line, before anything starts."""
    from db.blobs import BlobStoreUnavailable, blob_store

    try:
        blob_store(settings)
    except BlobStoreUnavailable as exc:
        _fail(str(exc))


# --- which servers use a data folder -------------------------------------------------------


def _servers_dir(data_dir: Path) -> Path:
    return data_dir / "servers"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _servers(data_dir: Path) -> dict[int, str]:
    """Running `autocrm serve` processes of this data folder: pid → address."""
    found: dict[int, str] = {}
    folder = _servers_dir(data_dir)
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if _alive(pid):
            with contextlib.suppress(OSError):
                found[pid] = entry.read_text().strip()
        else:
            entry.unlink(missing_ok=True)  # left by a server that was killed
    return found


@contextlib.contextmanager
def _registered_server(settings: Settings, address: str) -> Iterator[None]:
    """Note this server in the data folder while it runs; warn about others already there."""
    others = _servers(settings.data_dir)
    if others and settings.redis_url is None:
        listing = ", ".join(f"pid {pid} on {where}" for pid, where in sorted(others.items()))
        typer.secho(
            f"Warning: another autocrm serve uses this data folder ({listing}). Without "
            "REDIS_URL each server's subscribers miss the other's events; set REDIS_URL "
            "to share them, or stop the other server.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    folder = _servers_dir(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    mine = folder / str(os.getpid())
    mine.write_text(address + "\n")
    try:
        yield
    finally:
        mine.unlink(missing_ok=True)


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    """SIGTERM / Ctrl-C after uvicorn's graceful shutdown: unwind, so `finally` blocks
    (stopping the embedded PostgreSQL) run, and exit 0."""
    raise SystemExit(0)


# --- commands ------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default PORT).")] = None,
    data_dir: DataDir = None,
    migrate: Annotated[bool, typer.Option(help="Apply migrations before serving.")] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Server processes (default WORKERS, 1). With more than one, live events "
            "cross them through PostgreSQL LISTEN/NOTIFY, or Redis when REDIS_URL is set.",
        ),
    ] = None,
) -> None:
    """Run the API server: GraphQL (and GraphiQL) at /graphql, /healthz, /readyz.

    The embedded PostgreSQL it starts is stopped when the server exits; one that was
    already running is left running.
    """
    settings = _settings(data_dir)
    settings = settings.listening_on(host or settings.host, port or settings.port)
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    from workers.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    _check_port(settings.host, settings.port)
    _check_blob_store(settings)
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)
    address = f"{settings.host}:{settings.port}"
    with _registered_server(settings, address), _database(settings, for_server=True) as url:
        if migrate:
            typer.echo("Applying migrations …")
            _migrate(url)
        _run_server(settings, url)


def _run_server(settings: Settings, url: str) -> None:
    import uvicorn

    from app import build_runtime, create_app
    from db.engine import Database

    base = f"http://{settings.host}:{settings.port}"
    if ":" in settings.host:
        base = f"http://[{settings.host}]:{settings.port}"
    typer.echo(f"AutoCRM on {base}/graphql (GraphiQL in a browser)")
    typer.echo(f"Data folder: {settings.data_dir.resolve()}")
    if settings.database_url is not None:
        typer.echo(f"Database: {_describe(url)} (DATABASE_URL)")
    if settings.blob_url is not None:
        typer.echo(f"Files: {settings.blob_url} (BLOB_URL)")
    if settings.workers > 1:
        _serve_processes(settings, url, settings.host, settings.port)
        return
    runtime = build_runtime(settings, Database(url))
    uvicorn.run(
        create_app(runtime, own_database=True),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through our formatter (configure_logging)
        # Events are small JSON frames: deflating each one per subscriber costs more CPU
        # (and a compressor's memory per socket) than the bytes it saves.
        ws_per_message_deflate=False,
        # A WebSocket message is a request too: the same size limit as an HTTP body.
        ws_max_size=settings.max_request_bytes,
    )


def _serve_processes(settings: Settings, url: str, host: str, port: int) -> None:
    """uvicorn's worker processes, each building its app from the environment set here:
    the database already started and migrated, one secret key for all of them."""
    import os

    import uvicorn

    os.environ.update(
        DATABASE_URL=url,
        DATA_DIR=str(settings.data_dir),
        SECRET_KEY=settings.resolved_secret_key(),
        WORKERS=str(settings.workers),
    )
    typer.echo(
        f"{settings.workers} processes; live events shared through "
        + ("Redis" if settings.redis_url else "PostgreSQL LISTEN/NOTIFY")
    )
    with _metrics_folder():
        uvicorn.run(
            "app:app_from_environment",
            factory=True,
            workers=settings.workers,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,
            ws_per_message_deflate=False,
            ws_max_size=settings.max_request_bytes,
        )


@contextlib.contextmanager
def _metrics_folder() -> Iterator[None]:
    """Where the server processes write their metrics, so that a scrape of /metrics on any
    of them reports all of them: a fresh temporary folder, removed on exit (kept when
    PROMETHEUS_MULTIPROC_DIR is set already)."""
    from workers.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        yield
        return
    folder = tempfile.mkdtemp(prefix="autocrm-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply database migrations and exit."""
    settings = _settings(data_dir)
    with _database(settings) as url:
        _migrate(url)
    typer.echo("Database is up to date.")


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(min=1, help="Jobs at once per process.")] = 4,
    queues: Annotated[
        list[str] | None, typer.Option("--queue", help="Only these queues (repeat; default all).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Run background-job worker processes (Dramatiq over REDIS_URL)."""
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    settings = _settings(data_dir)
    if settings.redis_url is None:
        _fail("autocrm worker needs REDIS_URL; without it `autocrm serve` runs jobs itself.")
    from workers.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    # Each worker process logs through our formatter too (workers.jobs.worker sets it up).
    args = ["workers.jobs.worker", "--processes", str(processes), "--threads", str(threads)]
    args.append("--skip-logging")
    if queues:
        args += ["--queues", *queues]
    with _database(settings) as url:
        # Resolved once here, so worker processes do not each start the embedded server.
        os.environ["DATABASE_URL"] = url
        os.environ["DATA_DIR"] = str(settings.data_dir)
        get_settings.cache_clear()
        parsed = make_argument_parser().parse_args(args)  # type: ignore[no-untyped-call]
        code = dramatiq_main(parsed)  # type: ignore[no-untyped-call]
    raise typer.Exit(code)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The admin's sign-in e-mail.")],
    name: Annotated[str, typer.Option(prompt=True, help="Display name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="AUTOCRM_ADMIN_PASSWORD",
            help="Password (or AUTOCRM_ADMIN_PASSWORD).",
        ),
    ],
    data_dir: DataDir = None,
) -> None:
    """Create an admin account (or reset an existing admin's password)."""
    from resolvers.maintenance import create_admin_account

    settings = _settings(data_dir)
    with _database(settings) as url:
        _migrate(url)
        try:
            message = asyncio.run(
                create_admin_account(url, email=email, name=name, password=password)
            )
        except ValueError as exc:
            _fail(str(exc))
    typer.echo(message)


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to schema.graphql; CI fails when it is stale."""
    from schema import build_schema

    output.write_text(str(build_schema(Settings())) + "\n")
    typer.echo(f"Wrote {output}")


@app.command("seed-demo")
def seed_demo(
    customers: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many customers.")] = 200,
    tickets: Annotated[int, typer.Option(min=0, max=100_000, help="How many tickets.")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    data_dir: DataDir = None,
) -> None:
    """Fill the database with a demo helpdesk: staff in teams, customers, and tickets in
    every status with conversations, internal notes and ratings (prints the logins)."""
    from resolvers.maintenance import seed_demo_data

    settings = _settings(data_dir)
    with _database(settings) as url:
        _migrate(url)
        asyncio.run(seed_demo_data(url, customers=customers, tickets=tickets, seed=seed))


@kb_app.command("import")
def kb_import(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files (PDF, DOCX, DOC, Markdown, text) or folders (recursive)."),
    ],
    publish: Annotated[
        bool,
        typer.Option(help="Publish each article (and index it for search) before returning."),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Import documents as draft articles, one per file, titled from its first heading."""
    from resolvers.kb.bulk import files_to_import

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"No such file or folder: {', '.join(missing)}")
    files = list(files_to_import(paths))
    if not files:
        _fail("Nothing to import: no PDF, DOCX, DOC, Markdown or text files there.")
    settings = _settings(data_dir)
    with _database(settings) as url:
        _migrate(url)
        report = asyncio.run(_kb_import(settings, url, files, publish))
    verb = "published" if publish else "imported as drafts"
    typer.echo(
        f"{report.versions} article version(s) {verb} from {len(files) - len(report.refused)} "
        f"file(s) ({report.articles} new article(s), {report.pages} page(s))."
    )
    if publish:
        if report.index_pending:
            typer.echo(
                f"{report.index_pending} version(s) wait for indexing by the server's job "
                "worker (kb.index_version is not available in this process)."
            )
        else:
            typer.echo(f"{report.indexed} version(s) indexed for search.")
    for path, reason in report.refused:
        typer.secho(f"Skipped {path}: {reason}", fg=typer.colors.YELLOW, err=True)
    if report.refused:
        raise typer.Exit(code=1)


async def _kb_import(settings: Settings, url: str, files: list[Path], publish: bool) -> Any:
    from rich.progress import Progress

    from db.engine import Database
    from resolvers.kb.bulk import import_files

    database = Database(url, pool_size=2)
    try:
        with Progress() as progress:
            task = progress.add_task("Importing", total=len(files))
            return await import_files(
                database,
                settings,
                files,
                publish=publish,
                max_bytes=settings.max_upload_bytes,
                advance=lambda path: progress.advance(task),
            )
    finally:
        await database.dispose()


@kb_app.command("export")
def kb_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the .md files into.")],
    data_dir: DataDir = None,
) -> None:
    """Write every article (its latest version) as Markdown with front matter; the folder
    imports back with `autocrm kb import`."""
    settings = _settings(data_dir)
    if directory.exists() and not directory.is_dir():
        _fail(f"{directory} is a file, not a folder.")
    with _database(settings) as url:
        _migrate(url)
        count = asyncio.run(_kb_export(url, directory))
    typer.echo(f"Wrote {count} article(s) to {directory}.")


async def _kb_export(url: str, directory: Path) -> int:
    from db.engine import Database
    from resolvers.kb.bulk import export_articles

    database = Database(url, pool_size=2)
    try:
        return len((await export_articles(database, directory)).files)
    finally:
        await database.dispose()


@db_app.command("status")
def db_status(data_dir: DataDir = None) -> None:
    """Say whether the embedded PostgreSQL of the data folder runs (exit code 3 if not)."""
    from db.embedded import embedded_status

    settings = _settings(data_dir)
    status = embedded_status(settings.data_dir)
    if settings.database_url is not None:
        typer.echo("DATABASE_URL is set: the server uses that database, not the embedded one.")
    if status.running:
        typer.echo(f"The embedded PostgreSQL is running (pid {status.pid}) in {status.pgdata}.")
        for pid, where in sorted(_servers(settings.data_dir).items()):
            typer.echo(f"  used by autocrm serve (pid {pid}) on {where}")
        return
    if status.exists:
        typer.echo(f"The embedded PostgreSQL is stopped; its data is in {status.pgdata}.")
    else:
        typer.echo(f"No embedded database in {status.pgdata} yet (autocrm serve creates it).")
    raise typer.Exit(code=3)


@db_app.command("stop")
def db_stop(
    data_dir: DataDir = None,
    force: Annotated[
        bool, typer.Option(help="Stop it even while an autocrm serve is using it.")
    ] = False,
) -> None:
    """Stop the embedded PostgreSQL of the data folder (its data stays)."""
    from db.embedded import stop_embedded

    settings = _settings(data_dir)
    users = _servers(settings.data_dir)
    if users and not force:
        listing = ", ".join(f"pid {pid}" for pid in sorted(users))
        _fail(f"autocrm serve ({listing}) is using it: stop that first, or pass --force.")
    pgdata = settings.data_dir.resolve() / "pg"
    if stop_embedded(settings.data_dir):
        typer.echo(f"Stopped the embedded PostgreSQL in {pgdata}.")
    else:
        typer.echo(f"The embedded PostgreSQL in {pgdata} is not running.")


@kb_app.command("reembed")
def kb_reembed(
    model: Annotated[
        str | None,
        typer.Option(
            help="Only chunks embedded with this model (default: every chunk whose model is "
            "not the active one)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Re-embed knowledge-base chunks with the active model (KB_EMBEDDING_PROVIDER), after
    it changed: search compares only vectors of the active model."""
    from ai.embeddings import EmbeddingUnavailable, active_embedder

    settings = _settings(data_dir)
    try:
        embedder = active_embedder(settings)
    except EmbeddingUnavailable as exc:
        _fail(f"{exc}.")
    with _database(settings) as url:
        _migrate(url)
        done = asyncio.run(_reembed(url, embedder, model, settings.kb_embedding_batch))
    typer.echo(f"Re-embedded {done} chunks with {embedder.model_name}.")


async def _reembed(url: str, embedder: Any, only_model: str | None, batch: int) -> int:
    from rich.progress import Progress

    from ai.retrieval import count_stale_chunks, reembed_chunks
    from db.engine import Database

    db = Database(url, pool_size=2)
    try:
        total = await count_stale_chunks(db, embedder.model_name, only_model)
        with Progress() as progress:
            task = progress.add_task(f"Embedding with {embedder.model_name}", total=total)
            return await reembed_chunks(
                db,
                embedder,
                only_model=only_model,
                batch_size=batch,
                on_batch=lambda n: progress.advance(task, n),
            )
    finally:
        await db.dispose()


@ai_app.command("train-triage")
def ai_train_triage(data_dir: DataDir = None) -> None:
    """Train the offline triage classifier again from the shipped examples and this
    installation's solved tickets (their final team and priority); every process uses the
    new model from its next ticket on."""
    settings = _settings(data_dir)
    with _database(settings) as url:
        _migrate(url)
        asyncio.run(_train_triage(settings, url))


async def _train_triage(settings: Settings, url: str) -> None:
    from db.engine import Database
    from resolvers.triage.model_store import train_model

    db = Database(url, pool_size=2)
    try:
        await train_model(db, settings, progress=typer.echo)
    finally:
        await db.dispose()


def main() -> None:
    app()
