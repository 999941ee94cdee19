"""`samskab dlq`: the dead letters of each projection; retry them after a fix, or set one aside."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from projections.spec import ProjectionSpec
from services.cli.common import DataDir, Refused, settings_for
from services.platform.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Dead letters of the projections.")
out = Console()
err = Console(stderr=True)

ProjectionOpt = Annotated[
    str | None, typer.Option("--projection", help="one projection (default: every one)")
]


def _specs(name: str | None) -> list[ProjectionSpec]:
    from projections.catalog import PROJECTIONS

    if name is None:
        return list(PROJECTIONS.values())
    if name not in PROJECTIONS:
        err.print(f"[red]unknown projection {name!r}[/red]; known: {', '.join(PROJECTIONS)}")
        raise typer.Exit(2)
    return [PROJECTIONS[name]]


@app.command("list")
def list_(projection: ProjectionOpt = None, data_dir: DataDir = None) -> None:
    """List dead letters: where each came from, why, and whether it waits, was retried or
    was set aside (and why)."""
    from services.audit.dead_letters import DeadLetter, list_dead_letters
    from services.platform import db

    settings = settings_for(Settings, data_dir, database=True)
    specs = _specs(projection)

    async def main() -> list[tuple[str, DeadLetter]]:
        pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
        try:
            found: list[tuple[str, DeadLetter]] = []
            for spec in specs:
                found += [(spec.name, d) for d in await list_dead_letters(pool, spec)]
            return found
        finally:
            await pool.close()

    letters = asyncio.run(main())
    table = Table("projection", "id", "status", "seq", "type", "from", "tries", "last seen", "why")
    for name, d in letters:
        why = d.reason if d.status != "set_aside" else f"set aside: {d.set_aside_reason}"
        table.add_row(
            name,
            str(d.id),
            d.status,
            str(d.seq or "-"),
            d.event_type or "-",
            d.source,
            str(d.attempts),
            d.last_seen_at.isoformat(timespec="seconds"),
            why[:200],
        )
    out.print(table)
    waiting = sum(1 for _, d in letters if d.status == "waiting")
    aside = sum(1 for _, d in letters if d.status == "set_aside")
    out.print(f"{len(letters)} dead letters, {waiting} waiting, {aside} set aside", highlight=False)


@app.command()
def retry(
    projection: Annotated[str, typer.Option("--projection", help="which projection")],
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="only this dead letter (repeatable)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Re-apply the waiting dead letters of one projection (after the fix is deployed).

    Each is applied through the projection's apply in one transaction with its tracking
    tables and its new status, so never twice. A record that still fails keeps waiting; so does
    one that is no event at all (set it aside). Exit 1 if any remain.
    """
    from services.audit.dead_letters import RetryOutcome
    from services.audit.dead_letters import retry as do_retry
    from services.platform import db

    settings = settings_for(Settings, data_dir, database=True)
    (spec,) = _specs(projection)

    async def main() -> RetryOutcome:
        pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
        try:
            return await do_retry(pool, settings, spec, ids=ids or None)
        finally:
            await pool.close()

    outcome = asyncio.run(main())
    for letter in outcome.applied:
        out.print(f"applied   id {letter.id} seq {letter.seq} {letter.event_type}")
    for letter, reason in outcome.still_failing:
        err.print(f"[red]still failing[/red] id {letter.id} seq {letter.seq}: {reason}")
    for letter in outcome.malformed:
        err.print(f"[yellow]not an event, waits[/yellow] id {letter.id}: {letter.reason}")
    out.print(
        f"applied {len(outcome.applied)}, still failing {len(outcome.still_failing)}, "
        f"not an event {len(outcome.malformed)}, already applied {outcome.already_resolved}",
        highlight=False,
    )
    raise typer.Exit(1 if outcome.still_failing or outcome.malformed else 0)


@app.command("set-aside")
def set_aside(
    projection: Annotated[str, typer.Option("--projection", help="which projection")],
    letter_id: Annotated[int, typer.Option("--id", help="the dead letter (see `dlq list`)")],
    reason: Annotated[str, typer.Option("--reason", help="why it is never to be applied")],
    by: Annotated[
        str | None, typer.Option("--by", help="who decides (default: the login name)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Set a waiting dead letter aside for good, recording why and by whom. It then no longer
    counts against the projection in /status."""
    import getpass

    from services.audit.dead_letters import NoSuchDeadLetter
    from services.audit.dead_letters import set_aside as do_set_aside
    from services.platform import db

    if not reason.strip():
        raise Refused("--reason must say why the record is set aside")
    settings = settings_for(Settings, data_dir, database=True)
    (spec,) = _specs(projection)
    who = by or getpass.getuser()

    async def main() -> None:
        pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
        try:
            await do_set_aside(pool, spec, letter_id, reason.strip(), who)
        finally:
            await pool.close()

    try:
        asyncio.run(main())
    except NoSuchDeadLetter as exc:
        raise Refused(str(exc)) from exc
    out.print(f"set aside: {projection} dead letter {letter_id}", highlight=False)
