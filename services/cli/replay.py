"""`samskab replay`: rebuild projections from Kafka offset 0 and swap them in atomically."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from services.cli.common import DataDir, settings_for
from services.platform.settings import Settings

out = Console()
err = Console(stderr=True)


def replay(
    projection: Annotated[str | None, typer.Argument(help="which projection")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="every projection, one after another")
    ] = False,
    until: Annotated[
        str | None, typer.Option("--until", help="only events that occurred up to this ISO time")
    ] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="build a copy in this schema; leave the live one")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="processes reading the partitions side by side (default: one per CPU core)",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Rebuild PROJECTION (or --all) into a fresh schema while the live one serves, then swap.

    With --until (requires --as NAME) build a point-in-time copy in schema NAME instead.
    """
    from projections.catalog import PROJECTIONS
    from services.audit.replay import ReplayResult
    from services.audit.replay import replay as do_replay

    if all_ == (projection is not None):
        err.print("[red]name one projection or give --all[/red]")
        raise typer.Exit(2)
    if until is not None and as_ is None:
        err.print("[red]--until builds a copy: give it a schema name with --as NAME[/red]")
        raise typer.Exit(2)
    if all_ and as_ is not None:
        err.print("[red]--as names one copy; it cannot be used with --all[/red]")
        raise typer.Exit(2)
    names = list(PROJECTIONS) if all_ else [projection or ""]
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        err.print(f"[red]unknown projection {unknown[0]!r}[/red]; known: {', '.join(PROJECTIONS)}")
        raise typer.Exit(2)
    when = None
    if until is not None:
        try:
            when = datetime.fromisoformat(until)
        except ValueError as exc:
            err.print("[red]--until must be an ISO 8601 time, e.g. 2026-05-01T00:00:00Z[/red]")
            raise typer.Exit(2) from exc
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    settings = settings_for(Settings, data_dir, database=True, broker=True)
    for name in names:
        with Progress(
            TextColumn(f"replaying {name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(name, total=None, rate="")
            clock: list[float] = []

            def progress(
                done: int, total: int, task: TaskID = task, clock: list[float] = clock
            ) -> None:
                if not clock:
                    clock.append(time.perf_counter())
                elapsed = max(time.perf_counter() - clock[0], 1e-6)
                bar.update(task, completed=done, total=total, rate=f"{done / elapsed:,.0f} ev/s")

            try:
                result: ReplayResult = asyncio.run(
                    do_replay(
                        settings,
                        PROJECTIONS[name],
                        until=when,
                        name=as_,
                        progress=progress,
                        workers=workers or os.cpu_count() or 1,
                    )
                )
            except (ValueError, RuntimeError) as exc:
                err.print(f"[red]replay of {name} failed:[/red] {exc}")
                raise typer.Exit(1) from exc
        what = "swapped into" if result.swapped else "built in"
        out.print(
            f"{name}: {result.events} events from {result.records} records in "
            f"{result.seconds:.1f} s ({result.rate:,.0f} events/s), {what} {result.schema}",
            highlight=False,
        )
