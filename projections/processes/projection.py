"""The process overview: title, phase, rules, budgets, schedule, ballot and allocations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from events.base import Event
from events.budgeting import (
    AllocationDecided,
    AllocationProposed,
    BallotRulesSet,
    BudgetingEvent,
    BudgetRemoved,
    BudgetSet,
    CensusImported,
    CoreTasksSet,
    LiveResultsVisibilitySet,
    PhaseChanged,
    PhaseScheduled,
    ProcessCreated,
    ProcessDetailsChanged,
    ProjectFunding,
    ProposalPutOnBallot,
    ProposalRemovedFromBallot,
    SupportThresholdSet,
    TallyRuleChosen,
)
from events.envelope import Envelope
from projections.spec import ProjectionSpec

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]


def funding_json(funded: tuple[ProjectFunding, ...]) -> list[dict[str, Any]]:
    return [{"proposal_id": str(f.proposal_id), "amount_ore": f.amount_ore} for f in funded]


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    s = schema
    match event:
        case ProcessCreated():
            await conn.execute(
                f"insert into {s}.processes (process_id, title, title_en, description, "
                "description_en, municipality, phase, core_tasks, created_at, updated_at, "
                "version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
                event.process_id,
                event.title,
                event.title_en,
                event.description,
                event.description_en,
                event.municipality,
                event.initial_phase.value,
                list(event.core_tasks),
                env.occurred_at,
                env.stream_version,
            )
            for budget in event.budgets:
                await _budget(conn, s, event.process_id, budget.local_area, budget.amount_ore, "")
            return
        case ProcessDetailsChanged():
            names = ("title", "title_en", "description", "description_en")
            changes = {n: getattr(event, n) for n in names if getattr(event, n) is not None}
            await _update(conn, s, env, event.process_id, changes)
        case BudgetSet():
            b = event.budget
            await _budget(conn, s, event.process_id, b.local_area, b.amount_ore, b.name)
        case BudgetRemoved():
            await conn.execute(
                f"delete from {s}.budgets where process_id = $1 and local_area = $2",
                event.process_id,
                event.local_area,
            )
        case CoreTasksSet():
            await _update(conn, s, env, event.process_id, {"core_tasks": list(event.core_tasks)})
        case PhaseScheduled():
            await conn.execute(
                f"insert into {s}.schedule (process_id, phase, starts_at, ends_at) "
                "values ($1, $2, $3, $4) on conflict (process_id, phase) do update set "
                "starts_at = excluded.starts_at, ends_at = excluded.ends_at",
                event.process_id,
                event.phase.value,
                event.starts_at,
                event.ends_at,
            )
        case PhaseChanged():
            await conn.execute(
                f"insert into {s}.phase_changes (process_id, seq, from_phase, to_phase, at, "
                "by_schedule) values ($1, $2, $3, $4, $5, $6)",
                event.process_id,
                env.seq,
                event.from_phase.value,
                event.to_phase.value,
                event.at,
                event.by_schedule,
            )
            await _update(conn, s, env, event.process_id, {"phase": event.to_phase.value})
        case BallotRulesSet():
            changes = {
                "rules": event.rules.model_dump(mode="json"),
                "rules_version": event.rules_version,
                "budget_scope": event.budget_scope.value,
            }
            await _update(conn, s, env, event.process_id, changes)
        case TallyRuleChosen():
            await _update(conn, s, env, event.process_id, {"tally_rule": event.rule.value})
        case LiveResultsVisibilitySet():
            await _update(conn, s, env, event.process_id, {"live_results_public": event.public})
        case SupportThresholdSet():
            changes = {"support_threshold": event.min_supports}
            await _update(conn, s, env, event.process_id, changes)
        case CensusImported():
            changes = {"minimum_age": event.minimum_age, "census_id": event.census_id}
            await _update(conn, s, env, event.process_id, changes)
        case ProposalPutOnBallot():
            await conn.execute(
                f"insert into {s}.ballot_items (process_id, proposal_id, local_area, price_ore) "
                "values ($1, $2, $3, $4)",
                event.process_id,
                event.proposal_id,
                event.local_area,
                event.price_ore,
            )
        case ProposalRemovedFromBallot():
            await conn.execute(
                f"delete from {s}.ballot_items where process_id = $1 and proposal_id = $2",
                event.process_id,
                event.proposal_id,
            )
        case AllocationProposed():
            await conn.execute(
                f"insert into {s}.allocations (process_id, local_area, proposed_rule, proposed, "
                "ballots_counted, input_hash) values ($1, $2, $3, $4, $5, $6) "
                "on conflict (process_id, local_area) do update set "
                "proposed_rule = excluded.proposed_rule, proposed = excluded.proposed, "
                "ballots_counted = excluded.ballots_counted, input_hash = excluded.input_hash",
                event.process_id,
                event.local_area,
                event.rule.value,
                funding_json(event.funded),
                event.ballots_counted,
                event.input_hash,
            )
        case AllocationDecided():
            await conn.execute(
                f"insert into {s}.allocations (process_id, local_area, decided, confirmed, "
                "reason, decided_by) values ($1, $2, $3, $4, $5, $6) "
                "on conflict (process_id, local_area) do update set decided = excluded.decided, "
                "confirmed = excluded.confirmed, reason = excluded.reason, "
                "decided_by = excluded.decided_by",
                event.process_id,
                event.local_area,
                funding_json(event.funded),
                event.confirmed,
                event.reason,
                event.decided_by,
            )
        case _:
            return
    if env.stream_id.startswith("process-") and isinstance(event, BudgetingEvent):
        await conn.execute(
            f"update {s}.processes set version = $2, updated_at = $3 where process_id = $1",
            event.process_id,
            env.stream_version,
            env.occurred_at,
        )


async def _budget(conn: Conn, s: str, process_id: Any, area: str, amount: int, name: str) -> None:
    await conn.execute(
        f"insert into {s}.budgets (process_id, local_area, name, amount_ore) "
        "values ($1, $2, $3, $4) on conflict (process_id, local_area) do update set "
        "name = excluded.name, amount_ore = excluded.amount_ore",
        process_id,
        area,
        name,
        amount,
    )


async def _update(
    conn: Conn, s: str, env: Envelope, process_id: Any, changes: dict[str, Any]
) -> None:
    if not changes:
        return
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=2))
    await conn.execute(
        f"update {s}.processes set {sets} where process_id = $1", process_id, *changes.values()
    )


SPEC = ProjectionSpec(
    name="processes",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
