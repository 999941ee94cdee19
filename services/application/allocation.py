"""The allocation of one budget: count its ballots with the process's tally rule and record the
outcome as the proposal; then the administrator's decision (confirm it, or deviate)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from events.budgeting_common import ProjectFunding, TallyRule
from events.budgeting_proposals import ProposalsMarkedIncompatible
from events.registry import decode
from services.application.budgeting import PROCESS, load_process
from services.application.commands import Meta, run_command
from services.domain import budgeting as domain
from services.domain.budgeting.ballots import BALLOT_INITIAL, BallotState, evolve_ballot
from services.domain.budgeting.incompatibility import Pairs, pairs_of
from services.domain.budgeting.tally_input import funding_of, tally_compatible
from services.domain.messages import BudgetingRejected, Msg
from services.store.eventstore import EventStore
from services.store.reads import Db, events_of_types
from services.tally import Rule, TallyInputError

BALLOT_TYPES = ("BallotCast", "BallotReplaced", "BallotWithdrawn")


async def counted_ballots(db: Db, process_id: UUID) -> tuple[list[BallotState], str]:
    """Every ballot stream of the process folded from the event store (the source of truth),
    and the hash of the last ballot event included."""
    envelopes = await events_of_types(db, str(process_id), BALLOT_TYPES)
    states: dict[str, BallotState] = {}
    for e in envelopes:
        state = states.get(e.stream_id, BALLOT_INITIAL)
        states[e.stream_id] = evolve_ballot(state, decode(e.type, e.version, e.data))
    return list(states.values()), envelopes[-1].hash if envelopes else ""


async def incompatible_pairs(db: Db, process_id: UUID) -> Pairs:
    """The process's proposals marked incompatible, from the event store. Marking is closed
    before voting opens, so during tallying these pairs no longer change."""
    envelopes = await events_of_types(db, str(process_id), (ProposalsMarkedIncompatible.type_name,))
    marked = [decode(e.type, e.version, e.data) for e in envelopes]
    return pairs_of(
        (e.proposal_id, e.other_proposal_id)
        for e in marked
        if isinstance(e, ProposalsMarkedIncompatible)
    )


async def propose_allocation(
    es: EventStore, db: Db, process_id: UUID, local_area: str, meta: Meta
) -> tuple[domain.ProposeAllocation, int]:
    """Count the area's ballots and record the outcome as its allocation proposal; the
    command recorded and the process's version after it."""
    process = (await load_process(es, process_id)).state
    domain.check_countable(process, local_area)
    assert process.rules is not None  # voting cannot have opened without rules
    ballots, input_hash = await counted_ballots(db, process_id)
    incompatible = await incompatible_pairs(db, process_id)
    try:
        counted = await asyncio.to_thread(
            tally_compatible,
            process.rules,
            local_area,
            process.budgets[local_area],
            process.ballot.get(local_area, {}),
            ballots,
            Rule(process.tally_rule.value),
            incompatible,
        )
    except TallyInputError as exc:
        raise BudgetingRejected(
            Msg.TALLY_RULE_UNFIT, rule=process.tally_rule.value, format=process.rules.format
        ) from exc
    command = domain.ProposeAllocation(
        process_id=process_id,
        local_area=local_area,
        rule=TallyRule(process.tally_rule),
        funded=funding_of(counted.result),
        ballots_counted=counted.election.voter_count,
        input_hash=input_hash,
        skipped=counted.skipped,
        incompatible=incompatible,
    )
    version, _ = await run_command(
        es,
        PROCESS,
        domain.process_stream(process_id),
        lambda state: domain.decide_process(command, state),
        meta,
    )
    return command, version


async def decide_allocation(
    es: EventStore,
    db: Db,
    process_id: UUID,
    local_area: str,
    decided_by: str,
    funded: tuple[ProjectFunding, ...] | None,
    reason: str,
    meta: Meta,
) -> tuple[tuple[ProjectFunding, ...], int]:
    """Confirm the area's proposal (`funded` None) or deviate from it with a reason; what is
    funded and the process's version after the decision."""
    command = domain.DecideAllocation(
        process_id,
        local_area,
        decided_by,
        funded,
        reason,
        await incompatible_pairs(db, process_id),
    )
    version, stored = await run_command(
        es,
        PROCESS,
        domain.process_stream(process_id),
        lambda state: domain.decide_process(command, state),
        meta,
    )
    event = decode(stored[-1].type, stored[-1].version, stored[-1].data)
    return getattr(event, "funded", ()), version
