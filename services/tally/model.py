"""The in-memory election a tally rule counts, and what a count returns.

Money is exact: costs and the budget are ``int`` or ``fractions.Fraction``, never ``float``.
Identical ballots are stored once with their number of voters (a multiprofile), which is
what makes a recount of 60,000 ballots fast.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction

Money = int | Fraction
"""An exact amount of money (a cost, a budget, a payment)."""

TIE_BREAK = "lexicographic by project id (code-point order, smallest id first)"
"""The single tie-breaking rule of every rule here, reported in every result.

It is pabutools' default (``lexico_tie_breaking`` orders projects by name with Python's
string order), so "10" comes before "9"."""


class TallyInputError(ValueError):
    """Bad input for a count: a missing or malformed file, an unknown rule, a rule that does not
    apply to the ballots. The message says what is wrong and where."""


class VoteType(enum.StrEnum):
    """How voters expressed themselves; ``choose-1`` and knapsack files are approval ballots."""

    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot; ``id`` is the string id as written in the source."""

    id: str
    cost: Money
    name: str = ""


@dataclass(frozen=True, slots=True)
class Ballot:
    """One way of voting, cast by ``voters`` voters.

    ``projects`` are project ids: a set for approval (kept sorted), the ranking for ordinal
    (most preferred first), the supported projects for cumulative with ``points`` alongside.
    """

    projects: tuple[str, ...]
    voters: int = 1
    points: tuple[Money, ...] | None = None


@dataclass(frozen=True, slots=True)
class Election:
    """Projects, budget and ballots of one participatory-budgeting vote.

    ``min_project_score_threshold`` (from a file's META) makes projects whose score (approvals,
    points for cumulative ballots, positional score for ordinal ones) is below it ineligible
    before any rule runs. ``parameters`` keeps the other rule-relevant META values so results
    can show them; ``notes`` says what reading the ballots had to decide (results repeat it).
    """

    projects: tuple[Project, ...]
    budget: Money
    vote_type: VoteType
    ballots: tuple[Ballot, ...]
    min_project_score_threshold: Money | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def voter_count(self) -> int:
        """Number of voters (ballots counted with their multiplicity)."""
        return sum(ballot.voters for ballot in self.ballots)


@dataclass(frozen=True, slots=True)
class SelectedProject:
    """A funded project with its cost and its score (approvals, points or Borda score)."""

    id: str
    cost: Money
    score: Money


@dataclass(frozen=True, slots=True)
class TallyResult:
    """The outcome of one rule on one election, with everything needed to explain it."""

    rule: str
    rule_version: str
    tie_break: str
    voter_count: int
    budget: Money
    selected: tuple[SelectedProject, ...]
    ineligible: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    endowment: Money | None = None
    """Virtual money per voter MES used (after any Add1 raise); None for other rules."""

    @property
    def total_cost(self) -> Money:
        """Money spent on the selected projects."""
        return sum((project.cost for project in self.selected), start=0)

    @property
    def selected_ids(self) -> tuple[str, ...]:
        """Ids of the selected projects, in selection order."""
        return tuple(project.id for project in self.selected)
