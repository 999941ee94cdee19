"""What the volunteering routes share: how to fold task and shift streams, and the vault
(made at start-up, reached as the `PeopleVault` dependency)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from events.base import Actor
from services.api.deps import store
from services.application.commands import Aggregate, load
from services.auth import Principal
from services.domain import volunteering as v
from services.domain.volunteering.task import may_manage
from services.personal_data import Vault

TASK = Aggregate(v.TASK_INITIAL, v.evolve_task)
SHIFT = Aggregate(v.SHIFT_INITIAL, v.evolve_shift)


def vault(request: Request) -> Vault:
    """The API's vault, made at start-up from the pool and the deployment's keys."""
    found: Vault = request.app.state.vault
    return found


PeopleVault = Annotated[Vault, Depends(vault)]


async def manages(request: Request, task_id: UUID, principal: Principal) -> bool:
    """Whether the caller manages the task (staff, administrators, the organizer's managers),
    decided on the task's stream rather than a read model."""
    task = (await load(store(request), TASK, v.task_stream(task_id))).state
    return may_manage(task, Actor(subject=principal.subject, role=principal.role))
