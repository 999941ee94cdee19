"""Dead letters of a projection: list them, retry them after a fix, or set them aside.

They are read from the projection's `dead_letters` table (see `projections.dead_letters`),
where the runner records each in the transaction that moves its position past it, so they
survive restarts of the projection, the database and the broker alike. The dead-letter topic
holds a copy for anyone who consumes it; nothing here depends on it.

A retry re-applies each waiting record, as it was read, through the projection's own `apply`,
one record per transaction together with the projection's tracking tables (`applied`,
`checkpoint`) and the dead letter's new status, so it is applied once however often a retry
runs. A record that still fails keeps waiting, with the new reason reported; a record that is
no Samskab event can never be applied and waits for an operator to set it aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition

from projections import dead_letters as table
from projections.dead_letters import DeadLetter
from projections.items import parse
from projections.runner import DB_OUTAGE, ProjectionRunner
from projections.spec import ProjectionSpec
from services.platform.settings import Settings

__all__ = [
    "DeadLetter",
    "NoSuchDeadLetter",
    "RetryOutcome",
    "list_dead_letters",
    "retry",
    "set_aside",
]


@dataclass
class RetryOutcome:
    applied: list[DeadLetter] = field(default_factory=list)
    still_failing: list[tuple[DeadLetter, str]] = field(default_factory=list)
    malformed: list[DeadLetter] = field(default_factory=list)
    already_resolved: int = 0


class NoSuchDeadLetter(LookupError):
    pass


def _record(letter: DeadLetter) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=letter.topic,
        partition=letter.partition,
        offset=letter.offset,
        timestamp=0,
        timestamp_type=0,
        key=letter.key,
        value=letter.value,
        checksum=None,
        serialized_key_size=len(letter.key or b""),
        serialized_value_size=len(letter.value or b""),
        headers=letter.headers,
    )


async def list_dead_letters(
    pool: asyncpg.Pool[Any],
    spec: ProjectionSpec,
    schema: str | None = None,
    statuses: tuple[str, ...] = table.STATUSES,
) -> list[DeadLetter]:
    return await table.fetch(pool, schema or spec.default_schema, statuses)


async def retry(
    pool: asyncpg.Pool[Any],
    settings: Settings,
    spec: ProjectionSpec,
    schema: str | None = None,
    ids: list[int] | None = None,
) -> RetryOutcome:
    """Re-apply the waiting dead letters of `spec` (or those of `ids`); see the module doc."""
    runner = ProjectionRunner(pool, settings, spec, schema=schema)
    outcome = RetryOutcome()
    for letter in await table.fetch(pool, runner.schema, ("waiting",), ids):
        tp = TopicPartition(letter.topic, letter.partition)
        item = parse(tp, _record(letter))
        if item.problem is not None:
            outcome.malformed.append(letter)
            continue
        try:
            async with pool.acquire() as conn, conn.transaction():
                before = runner.applied
                await runner._apply(conn, [item], positions=False)
                await table.mark_retried(conn, runner.schema, letter.id)
            if runner.applied > before:
                outcome.applied.append(letter)
            else:
                outcome.already_resolved += 1  # its event was applied meanwhile
        except DB_OUTAGE:
            raise
        except Exception as exc:
            outcome.still_failing.append((letter, f"{type(exc).__name__}: {exc}"))
    return outcome


async def set_aside(
    pool: asyncpg.Pool[Any],
    spec: ProjectionSpec,
    letter_id: int,
    reason: str,
    by: str,
    schema: str | None = None,
) -> None:
    """Record that dead letter `letter_id` is never to be applied, and why."""
    if not await table.set_aside(pool, schema or spec.default_schema, letter_id, reason, by):
        raise NoSuchDeadLetter(f"{spec.name} has no waiting dead letter {letter_id}")
