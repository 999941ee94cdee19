"""The audit trail applied a batch at a time: one read, two COPYs and one upsert per batch.

Same entries as `projection.apply` event by event: the previous field values of every stream in
the batch are read once, carried forward in memory in seq order (so a stream edited twice in one
batch sees its first edit as the second one's "before"), the entries are copied in, and each
stream's latest fields are written back once: copied in for streams seen for the first time,
upserted for the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import asyncpg

from events.base import Event
from events.envelope import Envelope
from projections.audit.projection import COLUMNS, entry
from projections.audit.projection import SPEC as PER_EVENT


async def apply_batch(
    conn: asyncpg.Connection[Any], schema: str, items: Sequence[tuple[Envelope, Event]]
) -> None:
    streams = list({env.stream_id for env, _ in items})
    fields = await _fields(conn, schema, streams)
    known = [s for s in streams if s in fields]
    first_seen = [s for s in streams if s not in fields]
    rows = []
    for env, event in items:
        row, fields[env.stream_id] = entry(env, event, fields.get(env.stream_id) or {})
        rows.append(row)
    await conn.copy_records_to_table("entries", schema_name=schema, columns=COLUMNS, records=rows)
    if first_seen:  # COPY, the cheap insert
        await conn.copy_records_to_table(
            "stream_fields",
            schema_name=schema,
            columns=("stream_id", "fields"),
            records=[(s, fields[s]) for s in first_seen],
        )
    if known:
        await conn.execute(
            f"insert into {schema}.stream_fields (stream_id, fields) "
            "select * from unnest($1::text[], $2::jsonb[]) "
            "on conflict (stream_id) do update set fields = excluded.fields",
            known,
            [fields[s] for s in known],
        )


async def _fields(
    conn: asyncpg.Connection[Any], schema: str, streams: list[str]
) -> dict[str, dict[str, Any]]:
    """The stored fields of those of `streams` that have any, one index probe per stream.

    `limit 1` keeps the lookup a probe per stream: as `where stream_id = any(...)` (or a plain
    join) the planner chooses a scan of the whole table once it holds about a million streams,
    which made each batch slower the longer the log.
    """
    rows = await conn.fetch(
        f"select s.stream_id, f.fields from unnest($1::text[]) as s (stream_id) "
        f"cross join lateral (select fields from {schema}.stream_fields t "
        "where t.stream_id = s.stream_id limit 1) as f",
        streams,
    )
    return {r["stream_id"]: r["fields"] for r in rows}


# The audit trail also records erasures (the privacy topic).
SPEC = dataclasses.replace(
    PER_EVENT,
    topics=(*PER_EVENT.topics, "privacy"),
    apply_batch=apply_batch,
    # Entries are only appended; these serve the auditors' queries.
    unread_indexes=(
        "entries_stream_id_seq_idx",
        "entries_actor_seq_idx",
        "entries_type_seq_idx",
        "entries_occurred_at_seq_idx",
    ),
)
