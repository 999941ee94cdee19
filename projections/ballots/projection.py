"""My ballot and my receipt: each voter's active ballot per stream, and every receipt's status.

A receipt is `counted` while its ballot is the voter's active one, `replaced` once a newer
ballot supersedes it and `withdrawn` when the voter withdrew. Checking a receipt says only
that; it reveals no choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from events.base import Event
from events.budgeting import BallotCast, BallotReplaced, BallotWithdrawn, ballot_receipt
from events.envelope import Envelope
from projections.spec import ProjectionSpec

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]


def choices(event: BallotCast | BallotReplaced) -> dict[str, Any]:
    return {
        "approvals": [str(a) for a in event.approvals],
        "points": {str(k): v for k, v in event.points.items()},
        "ranking": [str(r) for r in event.ranking],
    }


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    s = schema
    match event:
        case BallotCast() | BallotReplaced():
            receipt = ballot_receipt(event)
            await conn.execute(
                f"update {s}.receipts set status = 'replaced' "
                "where stream_id = $1 and status = 'counted'",
                env.stream_id,
            )
            await conn.execute(
                f"insert into {s}.receipts (receipt, process_id, stream_id, status) "
                "values ($1, $2, $3, 'counted')",
                receipt,
                event.process_id,
                env.stream_id,
            )
            await conn.execute(
                f"insert into {s}.ballots (stream_id, process_id, voter, local_area, channel, "
                "ballot_format, rules_version, choices, receipt, active, times_cast, cast_at, "
                "withdrawn_at, entered_by) "
                "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, 1, $10, null, $11) "
                "on conflict (stream_id) do update set local_area = excluded.local_area, "
                "channel = excluded.channel, ballot_format = excluded.ballot_format, "
                "rules_version = excluded.rules_version, choices = excluded.choices, "
                "receipt = excluded.receipt, active = true, "
                "times_cast = ballots.times_cast + 1, cast_at = excluded.cast_at, "
                "withdrawn_at = null, entered_by = excluded.entered_by",
                env.stream_id,
                event.process_id,
                event.voter,
                event.local_area,
                event.channel.value,
                event.ballot_format.value,
                event.rules_version,
                choices(event),
                receipt,
                event.cast_at,
                event.entered_by,
            )
        case BallotWithdrawn():
            await conn.execute(
                f"update {s}.receipts set status = 'withdrawn' "
                "where stream_id = $1 and status = 'counted'",
                env.stream_id,
            )
            await conn.execute(
                f"update {s}.ballots set active = false, withdrawn_at = $2 where stream_id = $1",
                env.stream_id,
                event.withdrawn_at,
            )
        case _:
            pass


SPEC = ProjectionSpec(
    name="ballots",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
