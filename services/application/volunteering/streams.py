"""The volunteering streams as use cases read them: how to fold a task and a shift, and who
manages a task (decided on the task's stream rather than a read model)."""

from __future__ import annotations

from uuid import UUID

from events.base import Actor
from services.application.commands import Aggregate, load
from services.domain import volunteering as v
from services.domain.volunteering.task import may_manage
from services.store.eventstore import EventStore

TASK = Aggregate(v.TASK_INITIAL, v.evolve_task)
SHIFT = Aggregate(v.SHIFT_INITIAL, v.evolve_shift)


async def manages(es: EventStore, task_id: UUID, actor: Actor) -> bool:
    """Whether `actor` manages the task (staff, administrators, the organizer's managers)."""
    task = (await load(es, TASK, v.task_stream(task_id))).state
    return may_manage(task, actor)
