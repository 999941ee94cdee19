"""The state of one proposal, as its events leave it: read by the proposal decider
(`proposals.py`) and by the process decider when a proposal is put on the ballot."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from events.budgeting_common import Location


@dataclass(frozen=True)
class ProposalState:
    exists: bool = False
    process_id: UUID | None = None
    author: str = ""
    title: str = ""
    description: str = ""
    estimated_cost_ore: int = 0
    local_area: str = ""
    core_task: str = ""
    withdrawn: bool = False
    location: Location | None = None
    revision: int = 0
    supporters: frozenset[str] = frozenset()
    merged_into: UUID | None = None
    feasible: bool | None = None
    review_reason: str = ""
    cost_estimate_ore: int | None = None
    price_ore: int | None = None
    incompatible_with: frozenset[UUID] = field(default_factory=frozenset)

    @property
    def live(self) -> bool:
        return self.exists and not self.withdrawn and self.merged_into is None


PROPOSAL_INITIAL = ProposalState()
