"""Shared vocabulary of the budgeting events: the base class, phases, rules, money value types."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event

TOPIC = "budgeting"

DEFAULT_CORE_TASKS: tuple[str, ...] = (
    "Fritid og fællesskab",
    "Læring",
    "Beskæftigelse",
    "Social omsorg",
)


class BudgetingEvent(Event):
    """Every budgeting event belongs to one process; the process id is its partition key."""

    topic: ClassVar[str] = TOPIC
    process_id: UUID

    def partition_key(self) -> str:
        return str(self.process_id)


class Phase(StrEnum):
    """The phases of a process, in order. `supports` is optional."""

    DRAFT = "draft"
    IDEAS = "ideas"
    REVIEW = "review"
    SUPPORTS = "supports"
    VOTING = "voting"
    TALLYING = "tallying"
    RESULTS_PUBLISHED = "results_published"
    IMPLEMENTATION = "implementation"
    CLOSED = "closed"


class BudgetScope(StrEnum):
    """Which budgets a voter may vote in."""

    OWN_AREA = "own_area"
    ANY_ONE = "any_one"
    ALL = "all"


class TallyRule(StrEnum):
    GREEDY = "greedy"
    GREEDY_SCORE = "greedy-score"
    GREEDY_NO_SKIP = "greedy-no-skip"
    GREEDY_SCORE_NO_SKIP = "greedy-score-no-skip"
    MES = "mes"
    MES_PLAIN = "mes-plain"
    MES_ADD1 = "mes-add1"
    MES_ADD1_COMPARISON = "mes-add1-comparison"
    PHRAGMEN = "phragmen"


class BallotFormat(StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"


class BallotChannel(StrEnum):
    WEB = "web"
    PAPER = "paper"
    ASSISTED = "assisted"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Budget(_Value):
    """The pot of one local area (lokalområde), in øre."""

    local_area: str = Field(min_length=1, max_length=100)
    amount_ore: int = Field(ge=0)
    name: str = ""


class Location(_Value):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str = ""


class ProjectFunding(_Value):
    """One project in an allocation and the amount (øre) it receives; may be less than its price."""

    proposal_id: UUID
    amount_ore: int = Field(ge=0)


class SkippedProject(_Value):
    """A project the count would have selected but left out: it cannot win together with
    `incompatible_with`, which the rule selected before it."""

    proposal_id: UUID
    incompatible_with: UUID
    reason: Literal["incompatible"] = "incompatible"


class ApprovalRules(_Value):
    """k-approval: select between `min_selections` and `max_selections` projects."""

    format: Literal["approval"] = "approval"
    min_selections: int = Field(default=1, ge=0, strict=True)
    max_selections: int | None = Field(default=None, ge=1, strict=True)


class KnapsackRules(_Value):
    """Select projects whose prices together fit the area's budget."""

    format: Literal["knapsack"] = "knapsack"
    min_spend_percent: int | None = Field(default=None, ge=0, le=100, strict=True)
    min_projects: int | None = Field(default=None, ge=0, strict=True)


class CumulativeRules(_Value):
    """Distribute at most `points` points, at most `max_per_project` on one project."""

    format: Literal["cumulative"] = "cumulative"
    points: int = Field(ge=1, strict=True)
    max_per_project: int | None = Field(default=None, ge=1, strict=True)


class RankedRules(_Value):
    """Rank up to `top_k` projects, best first."""

    format: Literal["ranked"] = "ranked"
    top_k: int = Field(ge=1, strict=True)


BallotRules = Annotated[
    ApprovalRules | KnapsackRules | CumulativeRules | RankedRules,
    Field(discriminator="format"),
]
