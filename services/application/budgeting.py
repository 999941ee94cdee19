"""The budgeting streams as use cases read them: how to fold a process and a proposal, and
loading either with the refusal a missing one gets; deciding a command on a process, a new
proposal, a command on a proposal, and the follow-up: an area's ledger, a project's
implementation (each decided against its process as the caller read it)."""

from __future__ import annotations

from uuid import UUID

from events.base import Event
from services.application.commands import Aggregate, Loaded, Meta, load, run_command
from services.domain import budgeting as domain
from services.domain.budgeting import implementation, ledger
from services.domain.messages import BudgetingRejected, Msg
from services.store.eventstore import EventStore

PROCESS = Aggregate(domain.PROCESS_INITIAL, domain.evolve_process)
PROPOSAL = Aggregate(domain.PROPOSAL_INITIAL, domain.evolve_proposal)
LEDGER = Aggregate(ledger.LEDGER_INITIAL, ledger.evolve_ledger)
IMPLEMENTATION = Aggregate(
    implementation.IMPLEMENTATION_INITIAL, implementation.evolve_implementation
)


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
    return Loaded(_under(loaded.state, process_id), loaded.version)


def _under(state: domain.ProposalState, process_id: UUID) -> domain.ProposalState:
    """A proposal addressed under another process is, for that process, not there."""
    return state if state.process_id == process_id else domain.PROPOSAL_INITIAL


async def decide_on_proposal(
    es: EventStore,
    process: domain.ProcessState,
    process_id: UUID,
    proposal_id: UUID,
    command: domain.ProposalCommand,
    meta: Meta,
    other: domain.ProposalState | None = None,
    expected_version: int | None = None,
) -> int:
    """Run a command on a proposal of `process` (its state as the caller read it); `other` is
    the proposal a merge or an incompatibility names. Returns the proposal's version after."""

    def decide(state: domain.ProposalState) -> list[Event]:
        return domain.decide_proposal(command, _under(state, process_id), process, other)

    version, _ = await run_command(
        es, PROPOSAL, domain.proposal_stream(proposal_id), decide, meta, expected_version
    )
    return version


async def on_process(
    es: EventStore,
    process_id: UUID,
    command: domain.ProcessCommand,
    meta: Meta,
    proposal: domain.ProposalState | None = None,
) -> int:
    """Run a command on a process (`proposal`: the state of the one `PutOnBallot` names);
    the process's version after it."""
    version, _ = await run_command(
        es,
        PROCESS,
        domain.process_stream(process_id),
        lambda state: domain.decide_process(command, state, proposal),
        meta,
    )
    return version


async def submit_proposal(
    es: EventStore, process: domain.ProcessState, command: domain.SubmitProposal, meta: Meta
) -> int:
    """Record a new proposal in `process` (its state as the caller read it); its version."""
    version, _ = await run_command(
        es,
        PROPOSAL,
        domain.proposal_stream(command.proposal_id),
        lambda state: domain.decide_proposal(command, state, process),
        meta,
    )
    return version


async def on_ledger(
    es: EventStore, process: domain.ProcessState, command: ledger.LedgerCommand, meta: Meta
) -> int:
    """Money paid out or returned on an area's ledger; the ledger's version after it."""
    version, _ = await run_command(
        es,
        LEDGER,
        ledger.ledger_stream(command.process_id, command.local_area),
        lambda state: ledger.decide_ledger(command, state, process),
        meta,
    )
    return version


async def on_implementation(
    es: EventStore,
    process: domain.ProcessState,
    command: implementation.ImplementationCommand,
    meta: Meta,
) -> int:
    """A funded project's progress or milestones; its implementation's version after it."""
    version, _ = await run_command(
        es,
        IMPLEMENTATION,
        implementation.implementation_stream(command.proposal_id),
        lambda state: implementation.decide_implementation(command, state, process),
        meta,
    )
    return version
