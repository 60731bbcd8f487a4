"""The `autocrm` command: serve, migrate, create an admin, export the schema, seed demo data."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from settings import Settings, get_settings

__all__ = ["main"]

app = typer.Typer(
    help="AutoCRM — AI-first customer-support backend (GraphQL API with subscriptions).",
    no_args_is_help=True,
    add_completion=False,
)

DataDir = Annotated[
    Path | None,
    typer.Option(help="Folder for the embedded database and files (overrides DATA_DIR)."),
]


def _settings(data_dir: Path | None) -> Settings:
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def _database_url(settings: Settings) -> str:
    from db.engine import database_url

    if settings.database_url is None:
        typer.echo(f"Starting the embedded PostgreSQL in {settings.data_dir.resolve() / 'pg'} …")
    return database_url(settings)


async def _migrate(url: str) -> None:
    from db.engine import Database
    from db.migrate import upgrade

    database = Database(url, pool_size=1)
    try:
        await upgrade(database.engine)
    finally:
        await database.dispose()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default PORT).")] = None,
    data_dir: DataDir = None,
    migrate: Annotated[bool, typer.Option(help="Apply migrations before serving.")] = True,
) -> None:
    """Run the API server: GraphQL (and GraphiQL) at /graphql, /healthz, /readyz."""
    import uvicorn

    from app import build_runtime, create_app
    from db.engine import Database

    settings = _settings(data_dir)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    url = _database_url(settings)
    if migrate:
        typer.echo("Applying migrations …")
        asyncio.run(_migrate(url))
    runtime = build_runtime(settings, Database(url))
    listen_host, listen_port = host or settings.host, port or settings.port
    typer.echo(f"AutoCRM on http://{listen_host}:{listen_port}/graphql (GraphiQL in a browser)")
    uvicorn.run(
        create_app(runtime, own_database=True),
        host=listen_host,
        port=listen_port,
        log_level=settings.log_level.lower(),
        # Events are small JSON frames: deflating each one per subscriber costs more CPU
        # (and a compressor's memory per socket) than the bytes it saves.
        ws_per_message_deflate=False,
    )


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply database migrations and exit."""
    settings = _settings(data_dir)
    asyncio.run(_migrate(_database_url(settings)))
    typer.echo("Database is up to date.")


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
    url = _database_url(settings)
    asyncio.run(_migrate(url))
    try:
        message = asyncio.run(create_admin_account(url, email=email, name=name, password=password))
    except ValueError as exc:
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc
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
    data_dir: DataDir = None,
) -> None:
    """Fill the database with realistic demo staff and customers (prints the logins)."""
    from resolvers.maintenance import seed_demo_data

    settings = _settings(data_dir)
    url = _database_url(settings)
    asyncio.run(_migrate(url))
    asyncio.run(seed_demo_data(url, customers=customers))


def main() -> None:
    app()
