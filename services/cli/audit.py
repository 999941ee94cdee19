"""`samskab audit`: verify the record (store chain and Kafka copy), export it for third parties,
and report on one process for its auditors."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import asyncpg
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

from events.public import ChainCheckpoint
from services.audit.verify import Finding, Hooks, Report, verify_all, verify_file
from services.cli.common import DataDir, Refused, settings_for, settings_from_env
from services.platform.settings import CheckpointKey, Settings

app = typer.Typer(
    no_args_is_help=True, help="Audit: verify the record, export it, report on a process."
)
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
    checkpoints_file: Annotated[
        Path | None,
        typer.Option("--checkpoints", help="signed checkpoints kept (`audit checkpoints`)"),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="PEM file of the key that signed them"),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Check the hash chain of the event store and that Kafka holds exactly its events.

    With --checkpoints and --public-key, also that every stored event still hashes to each
    signed checkpoint's head (a rewrite since a checkpoint fails, Kafka refilled or not).

    Exit status 0 only when everything holds; otherwise each failure is named (seq, stream,
    topic[partition]@offset or line).
    """
    signed, bad = _checkpoints(checkpoints_file, public_key, file)
    with progress_bar() as bar:
        if file is not None:
            if not file.is_file():
                err.print(f"[red]no such file: {file}[/red]")
                raise typer.Exit(2)
            task = bar.add_task(f"verifying {file.name}", total=None)
            report = verify_file(file, lambda n: bar.advance(task, n))
        else:
            settings = settings_for(Settings, data_dir, database=True, broker=True)
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
                report = asyncio.run(verify_all(settings, Hooks(start, advance), signed))
            except (OSError, RuntimeError) as exc:
                err.print(f"[red]cannot verify:[/red] {exc}")
                raise typer.Exit(2) from exc
    report.findings[:0] = bad
    _print(report, file is not None)
    if checkpoints_file is not None:
        out.print(f"signed checkpoints checked: {len(signed) + len(bad)}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


def _checkpoints(
    path: Path | None, public_key: Path | None, file: Path | None
) -> tuple[list[ChainCheckpoint], list[Finding]]:
    from services.audit import checkpoints

    if path is None and public_key is None:
        return [], []
    if path is None or public_key is None:
        err.print("[red]give --checkpoints and --public-key together[/red]")
        raise typer.Exit(2)
    if file is not None:
        err.print("[red]--checkpoints checks the live store, not an export file[/red]")
        raise typer.Exit(2)
    try:
        key = checkpoints.load_public_key(public_key)
        kept = checkpoints.read_file(path)
    except checkpoints.CheckpointError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if not kept:
        err.print(f"[red]{path} holds no checkpoint[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    return checkpoints.signed_only(kept, key)


@app.command("checkpoints")
def collect_checkpoints(
    out_file: Annotated[Path, typer.Option("--out", help="the file you keep (added to)")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="keep only checkpoints signed by this key (PEM)"),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Add the signed checkpoints on the public topic to a file you keep, for
    `samskab audit verify --checkpoints FILE`."""
    from services.audit import checkpoints

    settings = settings_for(Settings, data_dir, broker=True)
    try:
        key = checkpoints.load_public_key(public_key) if public_key else None
        if out_file.exists():
            checkpoints.read_file(out_file)
    except checkpoints.CheckpointError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        found = asyncio.run(checkpoints.collect(settings))
    except (OSError, RuntimeError) as exc:
        err.print(f"[red]cannot read the checkpoints:[/red] {exc}")
        raise typer.Exit(2) from exc
    if key is not None:
        found, bad = checkpoints.signed_only(found, key)
        for finding in bad:
            err.print(f"skipped: {finding}", highlight=False, soft_wrap=True)
    added = checkpoints.add_to_file(out_file, found)
    last = max((c.seq for c in found), default=None)
    out.print(
        f"{added} new checkpoints added to {out_file} (read {len(found)}, latest seq {last})",
        highlight=False,
    )


@app.command("public-key")
def public_key_command(data_dir: DataDir = None) -> None:
    """Print the public key (PEM) that checkpoints are signed with: give it to auditors."""
    from services.audit import checkpoints

    settings = settings_from_env(CheckpointKey, data_dir=data_dir)
    try:
        key = checkpoints.load_private_key(settings.checkpoint_key_path)
    except checkpoints.CheckpointError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    print(checkpoints.public_pem(key), end="")


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


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        err.print(f"[red]{name} must be an ISO 8601 time, e.g. 2026-05-01T00:00:00Z[/red]")
        raise typer.Exit(2) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet")] = "jsonl",
    from_: Annotated[str | None, typer.Option("--from", help="occurred at or after (ISO)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="occurred before (ISO)")] = None,
    stream: Annotated[str | None, typer.Option("--stream", help="one stream id")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="file to write")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export events with their envelopes and hashes, for offline re-verification
    (`samskab audit verify --file FILE`)."""
    from services.audit.export import FORMATS, Selection
    from services.audit.export import export as do_export

    if fmt not in FORMATS:
        err.print(f"[red]unknown format {fmt!r}[/red]; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    selection = Selection(_when(from_, "--from"), _when(to, "--to"), stream)
    if selection.from_ and selection.to and selection.to <= selection.from_:
        err.print("[red]--to must be after --from[/red]")
        raise typer.Exit(2)
    if stream is not None and (from_ or to):
        err.print("[red]give either --stream or a time range, not both[/red]")
        raise typer.Exit(2)
    target = out_file or Path(f"audit-export.{fmt}")
    settings = settings_for(Settings, data_dir, database=True)
    with progress_bar() as bar:
        task = bar.add_task(f"exporting to {target}", total=None)
        header = asyncio.run(
            do_export(
                settings.require_database_url(),
                selection,
                fmt,
                target,
                lambda n: bar.update(task, total=n),
                lambda n: bar.advance(task, n),
            )
        )
    out.print(
        f"wrote {header['count']} events (seq {header['first_seq']}–{header['last_seq']}) "
        f"to {target}; last hash {header['last_hash']}",
        highlight=False,
    )


@app.command()
def report(
    process: Annotated[str, typer.Argument(help="the process id")],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="file to write (default audit-report-PROCESS.html; - for stdout)"
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="da or en")] = "da",
    data_dir: DataDir = None,
) -> None:
    """Write the audit report of one process: one self-contained, printable HTML page.

    Computed from the process's events in the event store (not from read models): phase
    timeline, rules in force, active ballots per channel and local area, the allocation
    proposed and decided with any deviation and its reason, disbursements, and the seq and
    hash of the last event included. A process that is not closed gets a report marked
    provisional. Nothing is written when the process is unknown.
    """
    from services.audit.report import ReportError, UnknownProcess, build_report
    from services.audit.report_html import render_html
    from services.audit.report_store import process_events

    if lang not in ("da", "en"):
        err.print(f"[red]unknown language {lang!r}[/red]; use da or en")
        raise typer.Exit(2)
    try:
        process_id = UUID(process)
    except ValueError:
        err.print(f"[red]PROCESS must be a process id (a UUID), not {process!r}[/red]")
        raise typer.Exit(2) from None
    settings = settings_for(Settings, data_dir, database=True)
    try:
        envelopes = asyncio.run(process_events(settings.require_database_url(), process_id))
    except (OSError, RuntimeError, asyncpg.PostgresError) as exc:
        err.print(f"[red]cannot read the event store:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        result = build_report(process_id, envelopes)
    except UnknownProcess as exc:
        raise Refused(str(exc)) from exc
    except ReportError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    page = render_html(result, "da" if lang == "da" else "en")
    if out_file is not None and str(out_file) == "-":
        sys.stdout.write(page)
        return
    target = out_file or Path(f"audit-report-{process_id}.html")
    target.write_text(page, encoding="utf-8")
    c = result.coverage
    status = "final" if result.closed else f"provisional: phase {result.phase.value}"
    out.print(
        f"wrote the audit report ({status}) to {target}: {c.events} events, "
        f"seq {c.first_seq}–{c.last_seq}, last hash {c.last_hash}",
        highlight=False,
    )
