"""The feed's embargo: a process's phase and live-results setting, and the outcome records
(`public.OUTCOME`) held in the feed's `held` table until anyone may see the results.

Whether they may is the tally's own rule (`results_visible` for an anonymous reader): from
`results_published` on, or while live results are public. A process the feed never saw created
counts as embargoed, the default of a new process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from events.budgeting import (
    BudgetingEvent,
    LiveResultsVisibilitySet,
    PhaseChanged,
    ProcessCreated,
)
from events.budgeting_common import Phase
from projections.feed.records import Origin, PublicRecord
from services.domain.budgeting.live_tally import results_visible

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]


async def follow(conn: Conn, s: str, event: BudgetingEvent) -> list[PublicRecord]:
    """Follow the process's phase and embargo; once its results may be public, the records
    held until then (deleted from `held`), in their original order."""
    pid = event.process_id
    match event:
        case ProcessCreated():
            await conn.execute(
                f"insert into {s}.processes (process_id, phase) values ($1, $2) "
                "on conflict (process_id) do update set phase = excluded.phase",
                pid,
                event.initial_phase.value,
            )
            return []
        case PhaseChanged():
            await conn.execute(
                f"insert into {s}.processes (process_id, phase) values ($1, $2) "
                "on conflict (process_id) do update set phase = excluded.phase",
                pid,
                event.to_phase.value,
            )
        case LiveResultsVisibilitySet():
            await conn.execute(
                f"insert into {s}.processes (process_id, live_results_public) values ($1, $2) "
                "on conflict (process_id) do update set "
                "live_results_public = excluded.live_results_public",
                pid,
                event.public,
            )
        case _:
            return []
    if not await results_public(conn, s, pid):
        return []
    rows = await conn.fetch(f"delete from {s}.held where process_id = $1 returning *", pid)
    return [
        PublicRecord(
            "budgeting",
            r["key"],
            r["type_name"],
            r["subject"],
            r["data"],
            Origin(r["event_id"], r["occurred_at"]),
        )
        for r in sorted(rows, key=lambda r: r["seq"])
    ]


async def results_public(conn: Conn, s: str, process_id: UUID) -> bool:
    """Whether anyone may see the process's outcome now; a process the feed has not seen
    created counts as embargoed (the default)."""
    row = await conn.fetchrow(
        f"select phase, live_results_public from {s}.processes where process_id = $1", process_id
    )
    if row is None:
        return False
    return results_visible(None, Phase(row["phase"]), row["live_results_public"])


async def hold(conn: Conn, s: str, seq: int, process_id: UUID, record: PublicRecord) -> None:
    await conn.execute(
        f"insert into {s}.held (seq, process_id, event_id, occurred_at, key, type_name, "
        "subject, data) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
        seq,
        process_id,
        record.source.event_id,
        record.source.occurred_at,
        record.key,
        record.type_name,
        record.subject,
        record.data,
    )
