"""The use case of a ballot: cast, replace or withdraw one, decided against the voter's
eligibility and the process as the caller read it."""

from __future__ import annotations

from events.envelope import Envelope
from services.application.commands import Aggregate, Meta, load, run_command
from services.domain.budgeting import ProcessState
from services.domain.budgeting import ballots as domain
from services.store.eventstore import EventStore

BALLOT = Aggregate(domain.BALLOT_INITIAL, domain.evolve_ballot)
ELIGIBILITY = Aggregate(domain.ELIGIBILITY_INITIAL, domain.evolve_eligibility)


async def on_ballot(
    es: EventStore,
    process: ProcessState,
    command: domain.CastBallot | domain.WithdrawBallot,
    meta: Meta,
) -> tuple[int, list[Envelope]]:
    """Decide `command` on the voter's ballot stream in its area (as the process's budget scope
    names it) and append: the stream's version after it and the events stored. A lost race is
    decided again (as `run_command` does), and then a `ConcurrencyConflict`."""
    eligibility = await load(
        es, ELIGIBILITY, domain.eligibility_stream(command.process_id, command.voter)
    )
    stream = domain.ballot_stream(
        command.process_id, command.local_area, command.voter, process.budget_scope
    )
    return await run_command(
        es,
        BALLOT,
        stream,
        lambda state: domain.decide_ballot(command, state, process, eligibility.state),
        meta,
    )
