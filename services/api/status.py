"""`GET /status`: how far each projection is — the status an operator reads, never a probe.

Readiness (`/readyz`) says only whether this API accepts commands; see `services.readiness`.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from projections.catalog import PROJECTIONS
from services import readiness

router = APIRouter(tags=["operations"])

State = Literal["ok", "behind", "dead_lettered", "stalled", "not_migrated"]


class ProjectionState(BaseModel):
    state: State
    caught_up: bool = Field(description="every event applied and no dead letter waiting")
    lag_events: int = Field(description="events in the store not applied yet, dead letters aside")
    dead_letters: int = Field(description="dead letters waiting for a retry or a decision")
    set_aside: int = Field(description="dead letters an operator set aside, with a reason")
    seconds_since_progress: float | None = Field(description="since it last applied an event")
    running: bool = Field(description="an instance sent a heartbeat in the last 10 s")


class SystemState(BaseModel):
    state: State = Field(description="the worst state of any projection")
    caught_up: bool
    behind_events: int = Field(description="lag from which a projection is 'behind'")
    stalled_seconds: float = Field(description="time without progress after which it is 'stalled'")
    projections: dict[str, ProjectionState]


@router.get("/status", response_model=SystemState)
async def system_status(request: Request) -> SystemState:
    """Each projection's state, lag in events, dead letters and time since its last progress.

    Always 200 when the database answers: lag and dead letters are facts to act on, not a
    reason to take the API out of service."""
    state: Any = request.app.state
    thresholds: readiness.Thresholds = state.thresholds
    status = await readiness.system_status(
        state.pool,
        {name: (spec, spec.default_schema) for name, spec in PROJECTIONS.items()},
        thresholds,
    )
    return SystemState(
        state=status.state,  # type: ignore[arg-type]
        caught_up=status.caught_up,
        behind_events=thresholds.behind_events,
        stalled_seconds=thresholds.stalled_seconds,
        projections={
            name: ProjectionState(
                state=p.state,  # type: ignore[arg-type]
                caught_up=p.caught_up,
                lag_events=p.lag_events,
                dead_letters=p.dead_letters,
                set_aside=p.set_aside,
                seconds_since_progress=p.seconds_since_progress,
                running=p.running,
            )
            for name, p in status.projections.items()
        },
    )
