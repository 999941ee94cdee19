"""A budgeting process as its events record it, up to a moment: what a count or an export needs.

The events come from the event store, or from a file written by `samskab audit export`, and
are folded by one pure function (`fold_record`), so both sources give the same record. The
process's events are those whose partition key is the process id (its process, proposal,
eligibility and ballot streams); the cut-off keeps those that occurred at or before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from events import budgeting_proposals
from events.envelope import Envelope
from events.registry import decode
from services.domain import budgeting as domain
from services.domain.budgeting.ballots import BALLOT_INITIAL, BallotState, evolve_ballot
from services.store.reads import EventRange, events_of_types, summary

BALLOT_TYPES = ("BallotCast", "BallotReplaced", "BallotWithdrawn")
PROPOSAL_TYPES = tuple(cls.type_name for cls in budgeting_proposals.EVENTS)


class RecordError(ValueError):
    """The events do not describe the process asked for (or a file is unreadable or altered)."""


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    stream_id: str
    type: str
    version: int
    data: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class ProcessRecord:
    process_id: UUID
    process: domain.ProcessState
    proposals: Mapping[UUID, domain.ProposalState]
    ballots: tuple[BallotState, ...]
    """Every ballot stream's state, in the order the streams began."""
    events: int
    """How many of the process's events the record includes."""
    last_seq: int | None
    last_hash: str | None
    last_ballot_hash: str | None
    cut_off: datetime | None


def fold_record(
    process_id: UUID,
    used: Iterable[StoredEvent],
    events: int,
    last_seq: int | None,
    last_hash: str | None,
    cut_off: datetime | None,
) -> ProcessRecord:
    """Fold the process stream, proposal streams and ballot streams among `used` (in seq order)."""
    process_stream = domain.process_stream(process_id)
    process = domain.PROCESS_INITIAL
    proposals: dict[UUID, domain.ProposalState] = {}
    ballots: dict[str, BallotState] = {}
    last_ballot_hash = None
    for stored in sorted(used, key=lambda e: e.seq):
        event = decode(stored.type, stored.version, stored.data)
        if stored.stream_id == process_stream:
            process = domain.evolve_process(process, event)
        elif stored.type in PROPOSAL_TYPES and stored.stream_id.startswith("proposal-"):
            proposal_id = UUID(stored.stream_id.removeprefix("proposal-"))
            state = proposals.get(proposal_id, domain.PROPOSAL_INITIAL)
            proposals[proposal_id] = domain.evolve_proposal(state, event)
        elif stored.type in BALLOT_TYPES:
            ballots[stored.stream_id] = evolve_ballot(
                ballots.get(stored.stream_id, BALLOT_INITIAL), event
            )
            last_ballot_hash = stored.hash
    if not process.exists:
        when = f" at or before {cut_off.isoformat()}" if cut_off else ""
        raise RecordError(f"no process {process_id} in the events{when}")
    return ProcessRecord(
        process_id=process_id,
        process=process,
        proposals=proposals,
        ballots=tuple(ballots.values()),
        events=events,
        last_seq=last_seq,
        last_hash=last_hash,
        last_ballot_hash=last_ballot_hash,
        cut_off=cut_off,
    )


def _wanted(process_id: UUID, stream_id: str, type_name: str) -> bool:
    return (
        stream_id == domain.process_stream(process_id)
        or type_name in PROPOSAL_TYPES
        or type_name in BALLOT_TYPES
    )


async def record_from_store(
    conn: asyncpg.Connection[Any], process_id: UUID, cut_off: datetime | None
) -> ProcessRecord:
    """The record from the event store, read in one consistent snapshot."""
    key = str(process_id)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        stats = await summary(conn, EventRange(key=key, until=cut_off))
        envelopes = await events_of_types(
            conn,
            key,
            PROPOSAL_TYPES + BALLOT_TYPES,
            until=cut_off,
            stream=domain.process_stream(process_id),
        )
    used = [StoredEvent(e.seq, e.stream_id, e.type, e.version, e.data, e.hash) for e in envelopes]
    return fold_record(process_id, used, stats.count, stats.last_seq, stats.last_hash, cut_off)


def record_from_export(path: Path, process_id: UUID, cut_off: datetime | None) -> ProcessRecord:
    """The record from an export file (JSON lines; CSV and Parquet exports work too).

    Each included event's hash is checked against its contents, so an altered file is refused
    rather than counted; `samskab audit verify --file` checks the links of the chain."""
    from services.audit.export import HEADER_KEY, read_export

    key = str(process_id)
    used: list[StoredEvent] = []
    events, last_seq, last_hash = 0, None, None
    try:
        _, items = read_export(path)
        for line, item in items:
            if isinstance(item, Exception):
                raise RecordError(f"{path}, line {line}: not a JSON object ({item})")
            if HEADER_KEY in item or item.get("key") != key:
                continue
            envelope = _envelope(path, line, item)
            if cut_off is not None and envelope.occurred_at > cut_off:
                continue
            events += 1
            if last_seq is None or envelope.seq > last_seq:
                last_seq, last_hash = envelope.seq, envelope.hash
            if _wanted(process_id, envelope.stream_id, envelope.type):
                used.append(
                    StoredEvent(
                        envelope.seq,
                        envelope.stream_id,
                        envelope.type,
                        envelope.version,
                        envelope.data,
                        envelope.hash,
                    )
                )
    except OSError as exc:
        raise RecordError(f"cannot read {path}: {exc}") from exc
    return fold_record(process_id, used, events, last_seq, last_hash, cut_off)


def _envelope(path: Path, line: int, item: dict[str, Any]) -> Envelope:
    try:
        envelope = Envelope.model_validate(item)
    except ValidationError as exc:
        raise RecordError(f"{path}, line {line}: not an event envelope ({exc})") from exc
    if not envelope.hash_is_valid():
        raise RecordError(
            f"{path}, line {line}: event seq {envelope.seq} does not match its hash "
            "(the file was altered)"
        )
    return envelope
