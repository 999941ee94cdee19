"""Live tallies: per budget the ballots counted and each proposal's score, as ballots arrive.

Each ballot stream's counted ballot is kept as its weights (`services.domain.budgeting.live_tally`:
its contribution, and a ranking's last proposal at 0), so the rule's current outcome can be counted
from the read model, and a replacement first takes the old contribution away and a withdrawal takes
it away: a voter is never counted twice. A batch is applied at once: the contributions of the
batch's streams are read in one query, the batch is folded in memory in seq order, and the net
changes are written with one statement per table. `version` is the seq of the last event that
changed a process's tally (its phase, embargo, ballot or ballots), so it only grows: the id of a
Server-Sent Event.

A batch that changed any process's tally also sends `pg_notify` on `NOTIFY_CHANNEL`, in its own
transaction, so the notification goes out when the batch commits (never for one rolled back):
the API's tally hub wakes on it instead of waiting for its next poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from events.base import Event
from events.budgeting import (
    BallotCast,
    BallotReplaced,
    BallotRulesSet,
    BallotWithdrawn,
    BudgetingEvent,
    BudgetRemoved,
    BudgetSet,
    LiveResultsVisibilitySet,
    PhaseChanged,
    ProcessCreated,
    ProposalPutOnBallot,
    ProposalRemovedFromBallot,
    TallyRuleChosen,
)
from events.envelope import Envelope
from projections.spec import ProjectionSpec
from services.domain.budgeting.live_tally import (
    AreaDelta,
    Counted,
    ballot_change,
    ballot_weights,
    merge,
)

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]

_BALLOT = (BallotCast, BallotReplaced, BallotWithdrawn)

NOTIFY_CHANNEL = "samskab_tally"
"""Notified on commit of a batch that changed a tally; the payload is the changed processes'
ids, comma-separated, or empty when they would not fit (then any process may have changed)."""
NOTIFY_PAYLOAD_MAX = 7999  # PostgreSQL refuses a payload of 8000 bytes or more


@dataclass
class Changes:
    """The net effect of a batch, gathered in seq order and written at the end."""

    created: dict[UUID, tuple[str, int, datetime]] = field(default_factory=dict)
    process: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    version: dict[UUID, tuple[int, datetime]] = field(default_factory=dict)
    budgets: dict[tuple[UUID, str], int | None] = field(default_factory=dict)
    items: dict[tuple[UUID, UUID], tuple[str, int, bool]] = field(default_factory=dict)
    deltas: dict[UUID, dict[str, AreaDelta]] = field(default_factory=dict)
    streams: dict[str, tuple[UUID, Counted | None]] = field(default_factory=dict)

    def touch(self, process_id: UUID, env: Envelope) -> None:
        self.version[process_id] = (env.seq, env.occurred_at)


async def apply_batch(conn: Conn, schema: str, items: Sequence[tuple[Envelope, Event]]) -> None:
    s = schema
    counted = await _counted(conn, s, [env.stream_id for env, e in items if isinstance(e, _BALLOT)])
    ch = Changes()
    for env, event in items:
        if not isinstance(event, BudgetingEvent):
            continue
        pid = event.process_id
        match event:
            case ProcessCreated():
                ch.created[pid] = (event.initial_phase.value, env.seq, env.occurred_at)
                for budget in event.budgets:
                    ch.budgets[(pid, budget.local_area)] = budget.amount_ore
            case BudgetSet():
                ch.budgets[(pid, event.budget.local_area)] = event.budget.amount_ore
            case BudgetRemoved():
                ch.budgets[(pid, event.local_area)] = None
            case PhaseChanged():
                ch.process.setdefault(pid, {})["phase"] = event.to_phase.value
            case LiveResultsVisibilitySet():
                ch.process.setdefault(pid, {})["live_results_public"] = event.public
            case BallotRulesSet():
                ch.process.setdefault(pid, {})["ballot_format"] = event.rules.format
            case TallyRuleChosen():
                ch.process.setdefault(pid, {})["tally_rule"] = event.rule.value
            case ProposalPutOnBallot():
                ch.items[(pid, event.proposal_id)] = (event.local_area, event.price_ore, True)
            case ProposalRemovedFromBallot():
                ch.items[(pid, event.proposal_id)] = (event.local_area, 0, False)
            case BallotCast() | BallotReplaced() | BallotWithdrawn():
                new = None
                if not isinstance(event, BallotWithdrawn):
                    scores = ballot_weights(
                        event.ballot_format, event.approvals, event.points, event.ranking
                    )
                    new = Counted(event.local_area, scores)
                old = counted.get(env.stream_id)
                merge(ch.deltas.setdefault(pid, {}), ballot_change(old, new))
                counted[env.stream_id] = new
                ch.streams[env.stream_id] = (pid, new if new is not None else old)
                if new is None and old is None:
                    continue
            case _:
                continue
        ch.touch(pid, env)
    await _write(conn, s, ch, counted)


async def _counted(conn: Conn, s: str, stream_ids: list[str]) -> dict[str, Counted | None]:
    if not stream_ids:
        return {}
    # One index probe per stream: with thousands of ids, `stream_id = any($1)` is planned as a
    # scan of the whole table once it is large, a cost that grows with the log.
    rows = await conn.fetch(
        f"select t.stream_id, t.local_area, t.scores, t.active from unnest($1::text[]) as u (id) "
        f"cross join lateral (select * from {s}.streams where stream_id = u.id limit 1) as t",
        stream_ids,
    )
    return {
        r["stream_id"]: Counted(r["local_area"], r["scores"]) if r["active"] else None for r in rows
    }


async def _write(conn: Conn, s: str, ch: Changes, counted: dict[str, Counted | None]) -> None:
    if ch.created:
        await conn.executemany(
            f"insert into {s}.processes (process_id, phase, version, updated_at) "
            "values ($1, $2, $3, $4) on conflict do nothing",
            [(pid, phase, seq, at) for pid, (phase, seq, at) in ch.created.items()],
        )
    for pid, cols in ch.process.items():
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(cols, start=2))
        await conn.execute(
            f"update {s}.processes set {sets} where process_id = $1", pid, *cols.values()
        )
    if ch.budgets:
        await conn.executemany(
            f"insert into {s}.budgets (process_id, local_area, amount_ore) values ($1, $2, $3) "
            "on conflict (process_id, local_area) do update set amount_ore = excluded.amount_ore",
            [(pid, area, amount) for (pid, area), amount in ch.budgets.items()],
        )
    if ch.items:
        await conn.executemany(
            f"insert into {s}.scores (process_id, proposal_id, local_area, price_ore, on_ballot) "
            "values ($1, $2, $3, $4, $5) on conflict (process_id, proposal_id) do update set "
            "local_area = excluded.local_area, on_ballot = excluded.on_ballot, "
            "price_ore = case when excluded.on_ballot then excluded.price_ore "
            "else scores.price_ore end",
            [(pid, p, area, price, on) for (pid, p), (area, price, on) in ch.items.items()],
        )
    ballots = [
        (pid, area, d.ballots)
        for pid, areas in ch.deltas.items()
        for area, d in areas.items()
        if d.ballots
    ]
    if ballots:
        await conn.executemany(
            f"insert into {s}.budgets (process_id, local_area, ballots) values ($1, $2, $3) "
            "on conflict (process_id, local_area) do update set "
            "ballots = budgets.ballots + excluded.ballots",
            ballots,
        )
    scores = [
        (pid, UUID(proposal), area, by)
        for pid, areas in ch.deltas.items()
        for area, d in areas.items()
        for proposal, by in d.scores.items()
    ]
    if scores:
        await conn.executemany(
            f"insert into {s}.scores (process_id, proposal_id, local_area, score) "
            "values ($1, $2, $3, $4) on conflict (process_id, proposal_id) do update set "
            "score = scores.score + excluded.score",
            scores,
        )
    if ch.streams:
        await conn.executemany(
            f"insert into {s}.streams (stream_id, process_id, local_area, scores, active) "
            "values ($1, $2, $3, $4, $5) on conflict (stream_id) do update set "
            "local_area = excluded.local_area, scores = excluded.scores, active = excluded.active",
            [
                (sid, pid, last.local_area, dict(last.scores), counted[sid] is not None)
                for sid, (pid, last) in ch.streams.items()
                if last is not None
            ],
        )
    if ch.version:
        await conn.executemany(
            f"update {s}.processes set version = greatest(version, $2), updated_at = $3 "
            "where process_id = $1",
            [(pid, seq, at) for pid, (seq, at) in ch.version.items()],
        )
        await conn.execute("select pg_notify($1, $2)", NOTIFY_CHANNEL, _payload(ch.version))


def _payload(changed: Iterable[UUID]) -> str:
    ids = ",".join(str(pid) for pid in changed)
    return ids if len(ids) <= NOTIFY_PAYLOAD_MAX else ""


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    await apply_batch(conn, schema, [(env, event)])


SPEC = ProjectionSpec(
    name="tallies",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
    apply_batch=apply_batch,
)
