"""The proposal catalog: processes and their proposals as citizens see them, with review,
prices, supports, the ballot, funding and implementation.

`status` moves: submitted → feasible / not_feasible → on_ballot → funded / not_funded, or
withdrawn / merged at any point before the ballot. `version` is the proposal stream's version
(what `If-Match` compares); events on other streams (ballot, allocation, implementation) leave it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from events.base import Event
from events.budgeting import (
    AllocationDecided,
    ImplementationUpdated,
    MilestoneAdded,
    MilestoneCompleted,
    ProcessCreated,
    ProposalCostEstimated,
    ProposalEdited,
    ProposalMerged,
    ProposalPricePublished,
    ProposalPutOnBallot,
    ProposalRemovedFromBallot,
    ProposalReviewed,
    ProposalsMarkedIncompatible,
    ProposalSubmitted,
    ProposalSupported,
    ProposalWithdrawn,
)
from events.envelope import Envelope
from projections.spec import ProjectionSpec

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]
_EDITABLE = ("title", "description", "estimated_cost_ore", "local_area", "core_task")
_REVIEWABLE = ("submitted", "feasible", "not_feasible")


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    s = schema
    match event:
        case ProcessCreated():
            await conn.execute(
                f"insert into {s}.processes (process_id, title, municipality, created_at) "
                "values ($1, $2, $3, $4) on conflict do nothing",
                event.process_id,
                event.title,
                event.municipality,
                env.occurred_at,
            )
        case ProposalSubmitted():
            await conn.execute(
                f"insert into {s}.proposals {_SUBMITTED_INSERT}", *submitted_row(env, event)
            )
        case ProposalEdited():
            changes: dict[str, Any] = {
                n: getattr(event, n) for n in _EDITABLE if getattr(event, n) is not None
            }
            if event.location is not None:
                changes["location"] = event.location.model_dump(mode="json")
            if event.revision is not None:
                changes["revision"] = event.revision
            bump = "" if event.revision is not None else "revision = revision + 1"
            await _touch(conn, s, env, event.proposal_id, changes, bump)
        case ProposalWithdrawn():
            await _touch(conn, s, env, event.proposal_id, {"status": "withdrawn"})
        case ProposalSupported():
            await _touch(conn, s, env, event.proposal_id, {}, "supports = supports + 1")
        case ProposalMerged():
            changes = {"status": "merged", "merged_into": event.into_proposal_id}
            await _touch(conn, s, env, event.proposal_id, changes)
        case ProposalReviewed():
            await _touch(
                conn,
                s,
                env,
                event.proposal_id,
                {"feasible": event.feasible, "review_reason": event.reason},
                "status = case when status = any($%d::text[]) then $%d else status end",
                [list(_REVIEWABLE), "feasible" if event.feasible else "not_feasible"],
            )
        case ProposalCostEstimated():
            await _touch(conn, s, env, event.proposal_id, {"cost_estimate_ore": event.cost_ore})
        case ProposalsMarkedIncompatible():
            for one, other in (
                (event.proposal_id, event.other_proposal_id),
                (event.other_proposal_id, event.proposal_id),
            ):
                await conn.execute(
                    f"update {s}.proposals set incompatible_with = "
                    "array_append(incompatible_with, $2) where proposal_id = $1 "
                    "and not ($2 = any(incompatible_with))",
                    one,
                    other,
                )
            await _touch(conn, s, env, event.proposal_id, {})
        case ProposalPricePublished():
            await _touch(conn, s, env, event.proposal_id, {"price_ore": event.price_ore})
        case ProposalPutOnBallot():
            await conn.execute(
                f"update {s}.proposals set on_ballot = true, status = 'on_ballot', "
                "price_ore = $2 where proposal_id = $1",
                event.proposal_id,
                event.price_ore,
            )
        case ProposalRemovedFromBallot():
            await conn.execute(
                f"update {s}.proposals set on_ballot = false, status = case when feasible "
                "then 'feasible' else status end where proposal_id = $1",
                event.proposal_id,
            )
        case AllocationDecided():
            funded = {f.proposal_id: f.amount_ore for f in event.funded if f.amount_ore > 0}
            await conn.execute(
                f"update {s}.proposals set status = 'not_funded', funded_ore = null "
                "where process_id = $1 and local_area = $2 and on_ballot",
                event.process_id,
                event.local_area,
            )
            await conn.executemany(
                f"update {s}.proposals set status = 'funded', funded_ore = $2, "
                "implementation_status = 'not_started', progress_percent = 0 "
                "where proposal_id = $1",
                list(funded.items()),
            )
        case ImplementationUpdated():
            await conn.execute(
                f"update {s}.proposals set implementation_status = $2, progress_percent = $3, "
                "implementation_note = $4 where proposal_id = $1",
                event.proposal_id,
                event.status.value,
                event.progress_percent,
                event.note,
            )
        case MilestoneAdded():
            await conn.execute(
                f"insert into {s}.milestones (milestone_id, proposal_id, process_id, title, "
                "due_on) values ($1, $2, $3, $4, $5)",
                event.milestone_id,
                event.proposal_id,
                event.process_id,
                event.title,
                event.due_on,
            )
        case MilestoneCompleted():
            await conn.execute(
                f"update {s}.milestones set completed_on = $2 where milestone_id = $1",
                event.milestone_id,
                event.completed_on,
            )
        case _:
            pass


SUBMITTED_COLUMNS = (
    "proposal_id",
    "process_id",
    "title",
    "description",
    "estimated_cost_ore",
    "local_area",
    "core_task",
    "author",
    "status",
    "version",
    "submitted_at",
    "updated_at",
    "location",
)
_SUBMITTED_INSERT = (
    f"({', '.join(SUBMITTED_COLUMNS)}) "
    f"values ({', '.join(f'${i}' for i in range(1, len(SUBMITTED_COLUMNS) + 1))})"
)


def submitted_row(env: Envelope, event: ProposalSubmitted) -> tuple[Any, ...]:
    """The new proposal's row, in the order of SUBMITTED_COLUMNS."""
    return (
        event.proposal_id,
        event.process_id,
        event.title,
        event.description,
        event.estimated_cost_ore,
        event.local_area,
        event.core_task,
        event.author,
        "submitted",
        env.stream_version,
        env.occurred_at,
        env.occurred_at,
        None if event.location is None else event.location.model_dump(mode="json"),
    )


async def _touch(
    conn: Conn,
    s: str,
    env: Envelope,
    proposal_id: Any,
    changes: dict[str, Any],
    extra: str = "",
    extra_args: list[Any] | None = None,
) -> None:
    """Update a proposal from an event on its own stream: the changes, its version and time."""
    args: list[Any] = [proposal_id, env.stream_version, env.occurred_at, *changes.values()]
    sets = [f"{name} = ${i}" for i, name in enumerate(changes, start=4)]
    if extra:
        if extra_args:
            first = len(args) + 1
            extra = extra % tuple(range(first, first + len(extra_args)))
            args += extra_args
        sets.append(extra)
    await conn.execute(
        f"update {s}.proposals set version = $2, updated_at = $3"
        f"{''.join(', ' + x for x in sets)} where proposal_id = $1",
        *args,
    )


SPEC = ProjectionSpec(
    name="proposals",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
