"""`samskab census import FILE.csv --process P`: make the people in a census eligible to vote.

The file is read and checked whole before anything is recorded: a bad row stops the import
with every problem named by line, and nothing is written. Voters under the minimum age on the
reference date are left out (the edge applies the age; events never carry a birth date).
Each voter is registered by keyed pseudonym on their own eligibility stream, then one
`CensusImported` summary goes on the process stream. The census id is derived from the file,
the process, the minimum age and the reference date, so running the same import again
records nothing new for voters already registered by it.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid5

import typer
from rich.console import Console

from services.cli.common import DataDir, Refused
from services.platform.settings import PseudonymKey

COLUMNS = ("voter_id", "local_area", "birth_date")
NAMESPACE = UUID("0b8f7e9c-3d52-4a61-9f0e-7c2a51d4b6e3")
MAX_PROBLEMS_SHOWN = 20

app = typer.Typer(no_args_is_help=True, help="Census imports: who may vote, per local area.")
err = Console(stderr=True)


class CensusError(ValueError):
    """The file cannot be imported; `problems` names each one (with its line)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Census:
    voters: tuple[tuple[str, str], ...]  # (voter id, local area), of age only
    too_young: int
    digest: str

    def eligible_by_area(self) -> dict[str, int]:
        return dict(Counter(area for _, area in self.voters))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def parse_census(
    text: str, areas: Collection[str], minimum_age: int, reference_date: date
) -> Census:
    """Check the whole file; raise CensusError naming every bad line, or return the voters."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CensusError(
            [f"line 1: the header must name {', '.join(COLUMNS)}; missing {', '.join(missing)}"]
        )
    problems: list[str] = []
    seen: dict[str, int] = {}
    voters: list[tuple[str, str]] = []
    too_young = 0
    for line, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        voter, area, born = clean["voter_id"], clean["local_area"], clean["birth_date"]
        if None in row:
            problems.append(f"line {line}: more fields than the header names")
            continue
        if not voter:
            problems.append(f"line {line}: voter_id is empty")
            continue
        if voter in seen:
            problems.append(f"line {line}: voter_id {voter!r} already on line {seen[voter]}")
            continue
        seen[voter] = line
        if area not in areas:
            known = ", ".join(sorted(areas)) or "none"
            problems.append(f"line {line}: local area {area!r} has no budget (known: {known})")
            continue
        try:
            birth = date.fromisoformat(born)
        except ValueError:
            problems.append(f"line {line}: birth_date {born!r} is not a date like 1990-04-17")
            continue
        if birth > reference_date:
            problems.append(f"line {line}: birth_date {born} is after the reference date")
            continue
        if age_on(birth, reference_date) < minimum_age:
            too_young += 1
            continue
        voters.append((voter, area))
    if problems:
        raise CensusError(problems)
    if not seen:
        raise CensusError(["the file has no voters"])
    return Census(tuple(voters), too_young, hashlib.sha256(text.encode()).hexdigest())


def census_id(process_id: UUID, census: Census, minimum_age: int, reference_date: date) -> UUID:
    return uuid5(NAMESPACE, f"{process_id}|{census.digest}|{minimum_age}|{reference_date}")


async def import_census(
    dsn: str,
    pseudonym_key: bytes,
    process_id: UUID,
    text: str,
    minimum_age: int,
    reference_date: date,
) -> tuple[Census, int]:
    """Check, then record. Returns the census and how many voters were newly registered."""
    from events.base import Actor, Role
    from services.application.budgeting import PROCESS, load_process
    from services.application.commands import Aggregate, Meta, run_command
    from services.auth import pseudonym
    from services.domain import budgeting as domain
    from services.domain.budgeting import ballots
    from services.platform import db
    from services.store.eventstore import EventStore

    pool = await db.create_pool(dsn, min_size=2, max_size=8)
    store = EventStore(pool)
    await store.start()
    try:
        process = (await load_process(store, process_id)).state
        census = parse_census(text, process.budgets.keys(), minimum_age, reference_date)
        cid = census_id(process_id, census, minimum_age, reference_date)
        record = domain.RecordCensus(
            process_id, cid, minimum_age, reference_date, census.eligible_by_area()
        )
        domain.require_phase(record, process.phase)  # before anything is written
        meta = Meta(Actor(subject="census-import", role=Role.SYSTEM), cid)
        eligibility = Aggregate(ballots.ELIGIBILITY_INITIAL, ballots.evolve_eligibility)

        async def register(voter_id: str, area: str) -> int:
            voter = pseudonym(pseudonym_key, voter_id)
            cmd = ballots.RegisterVoter(process_id, voter, area, cid)
            _, stored = await run_command(
                store,
                eligibility,
                ballots.eligibility_stream(process_id, voter),
                lambda state: ballots.decide_eligibility(cmd, state, process),
                meta,
            )
            return len(stored)

        registered = 0
        for start in range(0, len(census.voters), 500):
            chunk = census.voters[start : start + 500]
            registered += sum(await asyncio.gather(*(register(v, a) for v, a in chunk)))
        await run_command(
            store,
            PROCESS,
            domain.process_stream(process_id),
            lambda state: domain.decide_process(record, state),
            meta,
        )
        return census, registered
    finally:
        await store.stop()
        await pool.close()


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV with voter_id, local_area, birth_date")],
    process: Annotated[str, typer.Option("--process", help="the process id")],
    minimum_age: Annotated[int, typer.Option(help="voters younger than this are left out")] = 15,
    reference_date: Annotated[
        str | None, typer.Option(help="the day ages are computed on (default today)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Register everyone in FILE.csv of the minimum age as eligible in their local area."""
    from services.cli.common import existing_pseudonym_key, settings_for
    from services.domain.errors import CommandRejected
    from services.texts.rejections import rejection_text

    try:
        process_id = UUID(process)
    except ValueError:
        raise Refused(f"--process must be a process id (a UUID), not {process!r}") from None
    try:
        day = date.fromisoformat(reference_date) if reference_date else date.today()
    except ValueError:
        raise Refused("--reference-date must be a date like 2026-05-01") from None
    if minimum_age < 0:
        raise Refused("--minimum-age cannot be negative")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise Refused(f"cannot read {file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise Refused(f"cannot read {file}: it is not UTF-8 text") from exc
    settings = settings_for(PseudonymKey, data_dir, database=True)
    key = existing_pseudonym_key(settings)
    assert settings.database_url is not None
    try:
        census, registered = asyncio.run(
            import_census(
                settings.database_url,
                key,
                process_id,
                text,
                minimum_age,
                day,
            )
        )
    except CensusError as exc:
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            err.print(problem)
        more = len(exc.problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            err.print(f"… and {more} more")
        err.print("[red]nothing was imported[/red]")
        raise typer.Exit(2) from exc
    except CommandRejected as exc:
        reason = rejection_text(exc, "en").rstrip(".")
        raise Refused(f"{reason} (process {process_id}); nothing was imported") from exc
    by_area = census.eligible_by_area()
    for area in sorted(by_area):
        print(f"{area}\t{by_area[area]} eligible")
    print(
        f"{len(census.voters)} eligible ({registered} newly registered), "
        f"{census.too_young} under {minimum_age} left out"
    )
