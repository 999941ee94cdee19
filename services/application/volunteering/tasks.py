"""The use cases on a volunteer task: every command on its stream (draft, revise, attest,
publish, cancel, complete) is decided and appended the same way."""

from __future__ import annotations

from services.application.commands import Meta, run_command
from services.application.volunteering.streams import TASK
from services.domain import volunteering as v
from services.store.eventstore import EventStore


async def on_task(
    es: EventStore, command: v.TaskCommand, meta: Meta, expected_version: int | None = None
) -> int:
    """Decide `command` on its task's stream and append; the stream's version after it."""
    version, _ = await run_command(
        es,
        TASK,
        v.task_stream(command.task_id),
        lambda state: v.decide_task(command, state),
        meta,
        expected_version,
    )
    return version
