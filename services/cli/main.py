"""The `samskab` command line."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from events.base import Role
from services.cli import audit as audit_cli
from services.cli import census as census_cli
from services.cli import dlq as dlq_cli
from services.cli import erase as erase_cli
from services.cli import pabulib as pabulib_cli
from services.cli import replay as replay_cli
from services.cli import tally as tally_cli
from services.cli.common import DataDir, Refused, settings_for, settings_from_env
from services.platform.logs import configure_logging
from services.platform.settings import ApiSettings, CheckpointKey, Settings, SystemSettings

app = typer.Typer(
    no_args_is_help=True,
    help="Samskab: participatory budgeting on events.",
    pretty_exceptions_show_locals=False,
)
serve = typer.Typer(no_args_is_help=True, help="Run one service (what `run` starts).")
token = typer.Typer(no_args_is_help=True, help="Bearer tokens for the API.")
schema = typer.Typer(no_args_is_help=True, help="JSON Schemas and the AsyncAPI document.")
topics = typer.Typer(no_args_is_help=True, help="Kafka topics of the declared topology.")
app.add_typer(serve, name="serve")
app.add_typer(token, name="token")
app.add_typer(schema, name="schema")
app.add_typer(topics, name="topics")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(dlq_cli.app, name="dlq")
app.command("replay")(replay_cli.replay)
app.add_typer(census_cli.app, name="census")
app.command("erase")(erase_cli.erase_command)
app.command("tally")(tally_cli.tally)
app.add_typer(pabulib_cli.import_app, name="import")
app.add_typer(pabulib_cli.export_app, name="export")

err = Console(stderr=True)


@app.command()
def run(
    data_dir: DataDir = None,
    port: Annotated[int | None, typer.Option(help="API port (default 8000, SAMSKAB_PORT)")] = None,
) -> None:
    """Install nothing, start everything: PostgreSQL, broker, relay, projections, scheduler,
    API."""
    from services.runtime.lifetime import AlreadyRunning
    from services.runtime.supervisor import run_system

    settings = settings_from_env(SystemSettings, data_dir=data_dir, port=port)
    configure_logging(settings.log_format, settings.log_level)
    try:
        asyncio.run(run_system(settings, Console()))
    except AlreadyRunning as exc:
        err.print(f"[red]{exc}[/red]; stop it first", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


@serve.command("api")
def serve_api(
    port: Annotated[int | None, typer.Option()] = None,
    host: Annotated[str | None, typer.Option()] = None,
) -> None:
    """The HTTP command and query API."""
    from services.runtime.serve import serve_api as main

    settings = settings_from_env(ApiSettings, port=port, host=host)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(main(settings))


@serve.command("relay")
def serve_relay(ops_port: Annotated[int, typer.Option(help="health/metrics port")] = 8001) -> None:
    """The outbox relay (one active at a time; others stand by)."""
    from services.runtime.serve import serve_relay as main

    settings = settings_from_env(Settings)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(main(settings, ops_port))


@serve.command("projection")
def serve_projection(
    names: Annotated[list[str], typer.Argument(help="which projections (one or more)")],
    ops_port: Annotated[int, typer.Option(help="health/metrics port")] = 8002,
    group: Annotated[
        bool, typer.Option(help="Share partitions with other instances (consumer group)")
    ] = False,
    schema_name: Annotated[str | None, typer.Option("--schema")] = None,
) -> None:
    """Projection services: each its own consumer group and PostgreSQL schema. A deployment
    runs one per process; several named run in one process (`samskab run` runs all in one)."""
    from projections.catalog import PROJECTIONS
    from services.runtime.serve import serve_projection as main

    for name in names:
        if name not in PROJECTIONS:
            err.print(f"[red]unknown projection {name!r}[/red]; known: {', '.join(PROJECTIONS)}")
            raise typer.Exit(2)
    if len(set(names)) != len(names):
        err.print("[red]a projection is named twice[/red]")
        raise typer.Exit(2)
    if schema_name is not None and len(names) != 1:
        err.print("[red]--schema names the schema of one projection: name one[/red]")
        raise typer.Exit(2)
    settings = settings_from_env(Settings)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(main(settings, names, ops_port, group, schema_name))


@serve.command("scheduler")
def serve_scheduler(
    ops_port: Annotated[int, typer.Option(help="health/metrics port")] = 8003,
) -> None:
    """The phase scheduler: moves processes to the phases their schedule makes due."""
    from services.runtime.serve import serve_scheduler as main

    settings = settings_from_env(Settings)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(main(settings, ops_port))


@serve.command("checkpoints")
def serve_checkpoints(
    ops_port: Annotated[int, typer.Option(help="health/metrics port")] = 8004,
) -> None:
    """Signs the chain's head at intervals and publishes it for auditors to keep."""
    from services.audit.checkpoints import CheckpointError
    from services.runtime.serve import serve_checkpoints as main

    settings = settings_from_env(CheckpointKey)
    configure_logging(settings.log_format, settings.log_level)
    try:
        asyncio.run(main(settings, ops_port))
    except CheckpointError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply the SQL migrations of the event store and every projection (DATABASE_URL)."""
    from services.runtime.serve import migrate_all

    settings = settings_for(Settings, data_dir, database=True)
    applied = asyncio.run(migrate_all(settings.require_database_url()))
    print(f"applied {len(applied)} event-store migrations")


@topics.command("ensure")
def topics_ensure(data_dir: DataDir = None) -> None:
    """Create every topic of the declared topology that is missing (KAFKA_BOOTSTRAP_SERVERS)."""
    from services.platform.kafka import clients

    settings = settings_for(Settings, data_dir, broker=True)

    async def main() -> list[str]:
        admin = clients.admin(settings)
        await admin.start()
        try:
            return await clients.ensure_topics(
                admin, settings.topology, settings.kafka_replication_factor
            )
        finally:
            await admin.close()

    created = asyncio.run(main())
    for spec in settings.topology.topics():
        mark = "created" if spec.name in created else "exists"
        print(f"{spec.name}\t{spec.partitions} partitions\t{mark}")


@token.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="citizen, staff, admin or auditor")],
    subject: Annotated[str, typer.Option(help="who the token is for")],
    data_dir: DataDir = None,
    ttl_hours: Annotated[int | None, typer.Option(help="lifetime in hours")] = None,
) -> None:
    """Print a bearer token signed with the key in the data directory (last line)."""
    from services.auth import TOKEN_ROLES, create_token, load_keys

    allowed = {r.value for r in TOKEN_ROLES}
    if role not in allowed:
        err.print(f"[red]unknown role {role!r}[/red]; use one of {', '.join(sorted(allowed))}")
        raise typer.Exit(2)
    if not subject.strip():
        err.print("[red]--subject must not be empty[/red]")
        raise typer.Exit(2)
    settings = settings_from_env(ApiSettings, data_dir=data_dir)
    hours = ttl_hours if ttl_hours is not None else settings.token_ttl_hours
    if hours < 1:
        err.print("[red]--ttl-hours must be at least 1[/red]")
        raise typer.Exit(2)
    keys = load_keys(settings)
    print(create_token(keys, subject.strip(), Role(role), hours * 3600))


@schema.command("export")
def schema_export(
    out: Annotated[Path, typer.Option(help="folder")] = Path("events/schemas"),
    check: Annotated[bool, typer.Option(help="fail if the folder differs")] = False,
) -> None:
    """Write one JSON Schema per event type and version (or check they are current)."""
    from events.schemas_export import differences, write_schemas

    if check:
        stale = differences(out)
        for line in stale:
            err.print(line)
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(out):
        print(path)


@schema.command("asyncapi")
def schema_asyncapi(
    out: Annotated[Path, typer.Option(help="file")] = Path("events/asyncapi.yaml"),
    check: Annotated[bool, typer.Option(help="fail if the file differs")] = False,
) -> None:
    """Write the AsyncAPI document of every topic, generated by FastStream (or check it)."""
    from services.kafka import asyncapi

    if check:
        if not asyncapi.is_current(out):
            err.print(f"{out} is stale: run `samskab schema asyncapi` and commit it")
            raise typer.Exit(1)
        return
    changed = asyncapi.write(out)
    print(f"{out} {'written' if changed else 'unchanged'}")


def main() -> None:
    """The `samskab` command: a refusal is one line on stderr and exit status 2."""
    import socket

    import asyncpg

    try:
        app()
    except Refused as exc:
        sys.stderr.write(f"samskab: {exc}\n")
        sys.exit(2)
    except (ConnectionError, socket.gaierror) as exc:
        sys.stderr.write(f"samskab: cannot connect: {exc}\n")
        sys.exit(2)
    except (
        asyncpg.InvalidCatalogNameError,
        asyncpg.InvalidAuthorizationSpecificationError,
    ) as exc:
        sys.stderr.write(f"samskab: cannot reach the database: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
