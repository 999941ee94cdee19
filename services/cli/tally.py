"""`samskab tally`: count a Pabulib file, or certify the result of a process's budget.

`samskab tally PROCESS [--budget B] [--rule R] [--at TIME] [--events FILE] [--json]` recomputes
the outcome from the process's events up to TIME — from the event store (`DATABASE_URL`), or
from an export (`samskab audit export`) with no database at all — and prints a result
certificate: the same events always print the same bytes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich.console import Console

from services.cli.common import DataDir, Refused, settings_for
from services.platform.settings import Settings

if TYPE_CHECKING:
    from services.results.record import ProcessRecord

err = Console(stderr=True)
RULES = (
    "greedy, greedy-score, greedy-no-skip, greedy-score-no-skip, mes, mes-plain, mes-add1, "
    "mes-add1-comparison or phragmen; for a file also as-recorded (the rule its META names)"
)


def tally(
    process: Annotated[
        str | None, typer.Argument(help="the process id (or use --pabulib FILE.pb)")
    ] = None,
    pabulib: Annotated[
        Path | None, typer.Option("--pabulib", help="count a Pabulib .pb file directly")
    ] = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="the local area (default: the only budget)")
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(help=f"{RULES} (default: the process's tally rule; greedy for a file)"),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="count the events up to this time (ISO 8601)")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="an export (samskab audit export) instead of the database"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Count ballots under a rule and print the outcome, or a process's result certificate."""
    from services.tally.cli import tally_pabulib
    from services.tally.model import TallyInputError

    if (process is None) == (pabulib is None):
        err.print("[red]give either a PROCESS id or --pabulib FILE.pb[/red]")
        raise typer.Exit(2)
    try:
        if pabulib is not None:
            if budget or at or events:
                err.print("[red]--budget, --at and --events apply to a PROCESS only[/red]")
                raise typer.Exit(2)
            print(tally_pabulib(pabulib, rule or "greedy", as_json))
            return
        assert process is not None
        print(certify(process, budget, rule, at, events, as_json, data_dir))
    except TallyInputError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def certify(
    process: str,
    budget: str | None,
    rule: str | None,
    at: str | None,
    events: Path | None,
    as_json: bool,
    data_dir: Path | None = None,
) -> str:
    from services.cli.pabulib import parse_process
    from services.results.certify import certificate, choose_area
    from services.results.record import RecordError, record_from_export
    from services.tally import parse_rule
    from services.tally.certificate import render_json, render_text

    process_id = parse_process(process)
    chosen = parse_rule(rule) if rule is not None else None
    cut_off = _moment(at)
    try:
        if events is not None:
            record = record_from_export(events, process_id, cut_off)
        else:
            dsn = settings_for(Settings, data_dir, database=True).database_url
            assert dsn is not None
            record = asyncio.run(_from_store(dsn, process_id, cut_off))
        result = certificate(record, choose_area(record, budget), chosen)
    except RecordError as exc:
        raise Refused(str(exc)) from exc
    return render_json(result) if as_json else render_text(result)


async def _from_store(dsn: str, process_id: UUID, cut_off: datetime | None) -> ProcessRecord:
    from services.platform import db
    from services.results.record import record_from_store

    conn = await db.connect(dsn)
    try:
        return await record_from_store(conn, process_id, cut_off)
    finally:
        await conn.close()


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        err.print("[red]--at must be an ISO 8601 time, e.g. 2026-05-01T12:00:00Z[/red]")
        raise typer.Exit(2) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
