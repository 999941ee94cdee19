"""`samskab dlq`: the dead letters of each projection, and retrying them after a fix."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from projections.spec import ProjectionSpec
from services.cli.common import DataDir, settings_for

app = typer.Typer(no_args_is_help=True, help="Dead-lettered records of the projections.")
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
    """List dead letters: where each came from, why, and whether it is pending or resolved."""
    from services.audit.dead_letters import DeadLetter, list_dead_letters
    from services.store import db

    settings = settings_for(data_dir, database=True, broker=True)
    specs = _specs(projection)

    async def main() -> list[DeadLetter]:
        pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
        try:
            found: list[DeadLetter] = []
            for spec in specs:
                found += await list_dead_letters(pool, settings, spec)
            return found
        finally:
            await pool.close()

    letters = asyncio.run(main())
    table = Table("projection", "offset", "status", "seq", "type", "from", "tries", "reason")
    for d in letters:
        table.add_row(
            d.projection,
            str(d.offset),
            d.status,
            str(d.seq or "-"),
            d.type or "-",
            d.source,
            d.attempts,
            d.reason[:200],
        )
    out.print(table)
    pending = sum(1 for d in letters if d.status == "pending")
    out.print(f"{len(letters)} dead letters, {pending} pending", highlight=False)


@app.command()
def retry(
    projection: Annotated[str, typer.Option("--projection", help="which projection")],
    data_dir: DataDir = None,
) -> None:
    """Re-apply the pending dead letters of one projection (after the fix is deployed).

    Each is applied through the projection's apply in one transaction with its tracking
    tables. A record that still fails stays; a malformed record stays. Exit 1 if any remain.
    """
    from services.audit.dead_letters import RetryOutcome
    from services.audit.dead_letters import retry as do_retry
    from services.store import db

    settings = settings_for(data_dir, database=True, broker=True)
    (spec,) = _specs(projection)

    async def main() -> RetryOutcome:
        pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
        try:
            return await do_retry(pool, settings, spec)
        finally:
            await pool.close()

    outcome = asyncio.run(main())
    for letter in outcome.applied:
        out.print(f"applied   offset {letter.offset} seq {letter.seq} {letter.type}")
    for letter, reason in outcome.still_failing:
        err.print(f"[red]still failing[/red] offset {letter.offset} seq {letter.seq}: {reason}")
    for letter in outcome.malformed:
        err.print(f"[yellow]malformed, stays[/yellow] offset {letter.offset}: {letter.reason}")
    out.print(
        f"applied {len(outcome.applied)}, still failing {len(outcome.still_failing)}, "
        f"malformed {len(outcome.malformed)}, already resolved {outcome.already_resolved}",
        highlight=False,
    )
    raise typer.Exit(1 if outcome.still_failing or outcome.malformed else 0)
