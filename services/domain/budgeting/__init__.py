"""Deciders for budgeting processes and proposals: pure functions, no I/O.

`decide_*(command, state, ...) -> list[Event]` enforces the rules; `evolve_*(state, event) -> state`
only sets fields. Commands carry everything the decision needs (ids, actor, time), filled in at
the edge. The deciders live by stream in `process.py`, `proposals.py`, `ballots.py`, `ledger.py`
and `implementation.py`; the package names the process and proposal parts in one place.
"""

from __future__ import annotations

from services.domain.budgeting.process import (
    PROCESS_INITIAL,
    AdvancePhase,
    ChangeProcessDetails,
    ChooseTallyRule,
    CreateProcess,
    DecideAllocation,
    ProcessCommand,
    ProcessState,
    ProposeAllocation,
    PutOnBallot,
    RecordCensus,
    RemoveBudget,
    RemoveFromBallot,
    SchedulePhase,
    SetBallotRules,
    SetBudget,
    SetCoreTasks,
    SetLiveResultsVisibility,
    SetSupportThreshold,
    check_countable,
    decide_process,
    evolve_process,
    process_stream,
    require_phase,
)
from services.domain.budgeting.proposal_state import PROPOSAL_INITIAL, ProposalState
from services.domain.budgeting.proposals import (
    EditProposal,
    EstimateCost,
    MarkIncompatible,
    MergeProposal,
    ProposalCommand,
    PublishPrice,
    ReviewProposal,
    SubmitProposal,
    SupportProposal,
    WithdrawProposal,
    decide_proposal,
    evolve_proposal,
    proposal_stream,
)

__all__ = [
    "PROCESS_INITIAL",
    "PROPOSAL_INITIAL",
    "AdvancePhase",
    "ChangeProcessDetails",
    "ChooseTallyRule",
    "CreateProcess",
    "DecideAllocation",
    "EditProposal",
    "EstimateCost",
    "MarkIncompatible",
    "MergeProposal",
    "ProcessCommand",
    "ProcessState",
    "ProposalCommand",
    "ProposalState",
    "ProposeAllocation",
    "PublishPrice",
    "PutOnBallot",
    "RecordCensus",
    "RemoveBudget",
    "RemoveFromBallot",
    "ReviewProposal",
    "SchedulePhase",
    "SetBallotRules",
    "SetBudget",
    "SetCoreTasks",
    "SetLiveResultsVisibility",
    "SetSupportThreshold",
    "SubmitProposal",
    "SupportProposal",
    "WithdrawProposal",
    "check_countable",
    "decide_process",
    "decide_proposal",
    "evolve_process",
    "evolve_proposal",
    "process_stream",
    "proposal_stream",
    "require_phase",
]
