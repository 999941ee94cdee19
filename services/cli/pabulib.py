"""`samskab import pabulib FILE.pb` and `samskab export pabulib PROCESS BUDGET`.

Both work on the event store directly (`DATABASE_URL`), without the API or the broker; the
relay publishes the imported events whenever it runs.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from services.cli.common import DataDir, Refused, settings_for
from services.platform.settings import PseudonymKey, Settings
from services.results import pabulib_import as importing

import_app = typer.Typer(no_args_is_help=True, help="Import an election from a file.")
export_app = typer.Typer(no_args_is_help=True, help="Export a budget's election to a file.")
err = Console(stderr=True)


async def import_file(
    dsn: str,
    pseudonym_key: bytes,
    plan: importing.ImportPlan,
    progress: Progress | None = None,
) -> None:
    """Rehearse, then record the plan against the event store."""
    from services.auth import pseudonym
    from services.platform import db
    from services.store.eventstore import EventStore

    at = datetime.now(UTC)
    rehearsal = importing.rehearse(plan, at, pseudonym(pseudonym_key, importing.IMPORTER))
    pool = await db.create_pool(dsn, min_size=2, max_size=4)
    store = EventStore(pool)
    await store.start()
    task = progress.add_task("casting ballots", total=plan.voter_count) if progress else None
    try:
        await importing.record_import(
            store,
            plan,
            rehearsal,
            lambda subject: pseudonym(pseudonym_key, subject),
            at,
            (lambda n: progress.advance(task, n))
            if progress and task is not None
            else lambda _: None,
        )
    finally:
        await store.stop()
        await pool.close()


@import_app.command("pabulib")
def import_pabulib(
    file: Annotated[Path, typer.Argument(help="a Pabulib .pb file")],
    data_dir: DataDir = None,
    local_area: Annotated[
        str | None,
        typer.Option("--local-area", help="the budget's local area (default: META subunit/unit)"),
    ] = None,
) -> None:
    """Turn a Pabulib election into a process in tallying (prints the process id)."""
    from services.cli.common import existing_pseudonym_key
    from services.tally import TallyInputError, read_pabulib

    try:
        election = read_pabulib(file)
        plan = importing.plan_import(election, file.name, uuid4(), local_area)
    except TallyInputError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except importing.ImportRefused as exc:
        _refused(exc)
    settings = settings_for(PseudonymKey, data_dir, database=True)
    key = existing_pseudonym_key(settings)
    started = time.monotonic()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    try:
        with progress:
            asyncio.run(import_file(settings.require_database_url(), key, plan, progress))
    except importing.ImportRefused as exc:
        _refused(exc)
    for note in plan.notes:
        err.print(f"note: {note}")
    err.print(
        f"{file.name}: {len(plan.projects)} projects, {plan.voter_count} ballots in "
        f"{plan.local_area!r} ({plan.rules.format}, tally rule {plan.tally_rule.value}) "
        f"in {time.monotonic() - started:.1f} s"
    )
    print(plan.process_id)


def _refused(exc: importing.ImportRefused) -> None:
    for problem in exc.problems[: importing.MAX_PROBLEMS]:
        err.print(problem)
    more = len(exc.problems) - importing.MAX_PROBLEMS
    if more > 0:
        err.print(f"… and {more} more")
    err.print("[red]cannot be represented as a process; nothing was imported[/red]")
    raise typer.Exit(1)


async def export_text(dsn: str, process_id: UUID, local_area: str) -> str:
    from services.platform import db
    from services.results.certify import choose_area
    from services.results.pabulib_export import export_pabulib
    from services.results.record import record_from_store

    conn = await db.connect(dsn)
    try:
        record = await record_from_store(conn, process_id, None)
    finally:
        await conn.close()
    return export_pabulib(record, choose_area(record, local_area))


@export_app.command("pabulib")
def export_pabulib_command(
    process: Annotated[str, typer.Argument(help="the process id")],
    budget: Annotated[str, typer.Argument(help="the local area whose budget to export")],
    out: Annotated[
        Path | None, typer.Option("--out", help="file to write (default stdout)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write one budget of a process as a Pabulib .pb file (projects on the ballot, active
    ballots)."""
    from services.results.record import RecordError
    from services.tally import TallyInputError

    process_id = parse_process(process)
    settings = settings_for(Settings, data_dir, database=True)
    try:
        text = asyncio.run(export_text(settings.require_database_url(), process_id, budget))
    except (RecordError, TallyInputError) as exc:
        raise Refused(str(exc)) from exc
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8", newline="")
        err.print(f"wrote {out}")


def parse_process(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        err.print(f"[red]PROCESS must be a process id (a UUID), not {text!r}[/red]")
        raise typer.Exit(2) from None
