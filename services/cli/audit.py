"""`samskab audit`: verify the record (store chain and Kafka copy), export it for third parties."""

from __future__ import annotations

import asyncio
from pathlib import Path
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

from services.audit.verify import Hooks, Report, verify_all, verify_file

app = typer.Typer(no_args_is_help=True, help="Audit: verify the record and export it.")
out = Console()
err = Console(stderr=True)
MAX_SHOWN = 200


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


@app.command()
def verify(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="re-verify an export (JSON lines) instead of the live record"),
    ] = None,
) -> None:
    """Check the hash chain of the event store and that Kafka holds exactly its events.

    Exit status 0 only when everything holds; otherwise each failure is named (seq, stream,
    topic[partition]@offset or line).
    """
    with progress_bar() as bar:
        if file is not None:
            if not file.is_file():
                err.print(f"[red]no such file: {file}[/red]")
                raise typer.Exit(2)
            task = bar.add_task(f"verifying {file.name}", total=None)
            report = verify_file(file, lambda n: bar.advance(task, n))
        else:
            from services.cli.main import settings_from_env

            settings = settings_from_env()
            tasks: dict[str, TaskID] = {}
            current: list[str] = [""]

            def start(phase: str, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                else:
                    bar.update(tasks[phase], total=total)
                current[0] = phase

            def advance(n: int) -> None:
                bar.advance(tasks[current[0]], n)

            try:
                report = asyncio.run(verify_all(settings, Hooks(start, advance)))
            except (OSError, RuntimeError) as exc:
                err.print(f"[red]cannot verify:[/red] {exc}")
                raise typer.Exit(2) from exc
    _print(report, file is not None)
    raise typer.Exit(0 if report.ok else 1)


def _print(report: Report, is_file: bool) -> None:
    for finding in report.findings[:MAX_SHOWN]:
        err.print(f"[red]FAIL[/red] {finding}", highlight=False, soft_wrap=True)
    if len(report.findings) > MAX_SHOWN:
        err.print(f"… and {len(report.findings) - MAX_SHOWN} more failures")
    span = f"seq {report.first_seq}–{report.last_seq}" if report.first_seq is not None else "empty"
    out.print(f"events checked: {report.events} ({span})", highlight=False)
    if is_file:
        out.print(f"contiguous segments: {report.segments}", highlight=False)
    else:
        out.print(
            f"Kafka records read: {report.records}; republished duplicates: "
            f"{report.duplicates}; appended during the check: {report.pending}",
            highlight=False,
        )
    if report.last_hash:
        out.print(f"last hash: {report.last_hash}", highlight=False)
    verdict = "[green]OK[/green]" if report.ok else f"[red]{len(report.findings)} failures[/red]"
    out.print(f"verdict: {verdict}")
