"""The audit trail: every event as an entry — when, who (pseudonym and role), what (type,
stream, version, a summary in Danish and English, and for edits each changed field with its
value before and after), correlation and causation ids, and the event's hash.

The previous values per stream live in `stream_fields`, so an edit's "before" comes from the
projection's own state, applied in the same transaction as the entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from events.base import Event
from events.envelope import Envelope
from events.registry import encode
from projections.audit.summaries import changes, summarize
from projections.spec import ProjectionSpec

COLUMNS = (
    "seq",
    "event_id",
    "occurred_at",
    "actor",
    "actor_role",
    "type",
    "version",
    "stream_id",
    "stream_version",
    "summary_da",
    "summary_en",
    "changes",
    "correlation_id",
    "causation_id",
    "hash",
)


def entry(
    env: Envelope, event: Event, before: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The entry row for one event and the stream's fields after it."""
    data = encode(event)  # today's shape, whatever version was stored
    changed = changes(before, data)
    da, en = summarize(env.type, data, list(changed))
    row = (
        env.seq,
        env.event_id,
        env.occurred_at,
        env.actor.subject,
        env.actor.role.value,
        env.type,
        env.version,
        env.stream_id,
        env.stream_version,
        da,
        en,
        changed or None,
        env.correlation_id,
        env.causation_id,
        env.hash,
    )
    return row, {**before, **{k: v for k, v in data.items() if v is not None}}


async def apply(conn: asyncpg.Connection[Any], schema: str, env: Envelope, event: Event) -> None:
    before: dict[str, Any] = (
        await conn.fetchval(
            f"select fields from {schema}.stream_fields where stream_id = $1", env.stream_id
        )
        or {}
    )
    row, after = entry(env, event, before)
    await conn.execute(
        f"insert into {schema}.entries ({', '.join(COLUMNS)}) "
        f"values ({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})",
        *row,
    )
    await conn.execute(
        f"insert into {schema}.stream_fields (stream_id, fields) values ($1, $2) "
        "on conflict (stream_id) do update set fields = excluded.fields",
        env.stream_id,
        after,
    )


SPEC = ProjectionSpec(
    name="audit",
    topics=("budgeting", "volunteering"),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
