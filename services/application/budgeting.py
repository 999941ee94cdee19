"""The budgeting streams as use cases read them: how to fold a process and a proposal, and
loading either with the refusal a missing one gets."""

from __future__ import annotations

from uuid import UUID

from services.application.commands import Aggregate, Loaded, load
from services.domain import budgeting as domain
from services.domain.messages import BudgetingRejected, Msg
from services.store.eventstore import EventStore

PROCESS = Aggregate(domain.PROCESS_INITIAL, domain.evolve_process)
PROPOSAL = Aggregate(domain.PROPOSAL_INITIAL, domain.evolve_proposal)


def process_not_found() -> BudgetingRejected:
    return BudgetingRejected(Msg.PROCESS_NOT_FOUND)


async def load_process(es: EventStore, process_id: UUID) -> Loaded[domain.ProcessState]:
    loaded = await load(es, PROCESS, domain.process_stream(process_id))
    if not loaded.state.exists:
        raise process_not_found()
    return loaded


async def load_proposal(
    es: EventStore, process_id: UUID, proposal_id: UUID
) -> Loaded[domain.ProposalState]:
    """The proposal's state; one addressed under another process is, for that process, absent."""
    loaded = await load(es, PROPOSAL, domain.proposal_stream(proposal_id))
    if loaded.state.process_id != process_id:
        return Loaded(domain.PROPOSAL_INITIAL, loaded.version)
    return loaded
