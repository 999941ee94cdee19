"""Ballots turned into per-project supporter arrays: the form every rule counts on.

A voter's satisfaction from project ``j`` is ``scale[j] * weight`` where the weight comes
from the ballot and the scale from the satisfaction measure:

- approval ballots, cost satisfaction (pabutools ``Cost_Sat``): weight 1, scale = cost;
- cumulative ballots, additive cardinal satisfaction (``Additive_Cardinal_Sat``):
  weight = points, scale 1;
- ordinal ballots, additive Borda satisfaction (``Additive_Borda_Sat``): weight = number of
  projects ranked below it on that ballot, scale 1.

Weights are stored as integers: non-integer points are multiplied by a common denominator
and the scale divided by it, which leaves every satisfaction unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from services.tally.model import Ballot, Election, Money, Project, VoteType

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Support:
    """Who supports one project: ballot groups with a positive weight, and those weights."""

    project: Project
    scale: Money
    groups: IntArray
    weights: IntArray
    score: Money
    """Sum of weights times voters: approvals, points, or Borda score."""
    total_score: Money
    """The project's score as Pabulib counts it: approvals, points, or for ordinal ballots the
    positional score (a ballot ranking L projects gives its i-th L - i + 1 points)."""

    @property
    def total_satisfaction(self) -> Money:
        """Sum over voters of their satisfaction from this project alone."""
        return self.scale * self.score


@dataclass(frozen=True, slots=True)
class SupportProfile:
    """The eligible projects of an election with their supporters, in file order."""

    supports: tuple[Support, ...]
    voters: IntArray
    """Number of voters behind each ballot group."""
    voter_count: int
    budget: Money
    ineligible: tuple[str, ...]


def support_profile(election: Election) -> SupportProfile:
    """Group supporters per project and drop projects below the election's score threshold."""
    groups: dict[str, list[int]] = {project.id: [] for project in election.projects}
    positional: dict[str, int] = {project.id: 0 for project in election.projects}
    weights: dict[str, list[Money]] = {project.id: [] for project in election.projects}
    for index, ballot in enumerate(election.ballots):
        for project_id, weight in _weights(ballot, election.vote_type):
            if weight > 0:
                groups[project_id].append(index)
                weights[project_id].append(weight)
        if election.vote_type is VoteType.ORDINAL:
            for rank, project_id in enumerate(ballot.projects):
                positional[project_id] += ballot.voters * (len(ballot.projects) - rank)
    voters = np.fromiter((ballot.voters for ballot in election.ballots), dtype=np.int64)
    supports = [
        _support(project, election.vote_type, groups[project.id], weights[project.id], voters)
        for project in election.projects
    ]
    if election.vote_type is VoteType.ORDINAL:
        supports = [replace(s, total_score=positional[s.project.id]) for s in supports]
    threshold = election.min_project_score_threshold
    ineligible = tuple(
        s.project.id for s in supports if threshold is not None and s.total_score < threshold
    )
    return SupportProfile(
        supports=tuple(s for s in supports if s.project.id not in ineligible),
        voters=voters,
        voter_count=int(voters.sum()),
        budget=election.budget,
        ineligible=ineligible,
    )


def _weights(ballot: Ballot, vote_type: VoteType) -> list[tuple[str, Money]]:
    match vote_type:
        case VoteType.APPROVAL:
            return [(project, 1) for project in ballot.projects]
        case VoteType.CUMULATIVE:
            return list(zip(ballot.projects, ballot.points or (), strict=True))
        case VoteType.ORDINAL:
            last = len(ballot.projects) - 1
            return [(project, last - rank) for rank, project in enumerate(ballot.projects)]


def _support(
    project: Project,
    vote_type: VoteType,
    groups: list[int],
    weights: list[Money],
    voters: IntArray,
) -> Support:
    scale: Money = project.cost if vote_type is VoteType.APPROVAL else 1
    denominator = math.lcm(1, *{w.denominator for w in weights})
    whole = weights if denominator == 1 else [int(w * denominator) for w in weights]
    group_array = np.array(groups, dtype=np.int64)
    weight_array = np.array(whole, dtype=np.int64)
    score = int((voters[group_array] * weight_array).sum()) if groups else 0
    exact_score = score if denominator == 1 else Fraction(score, denominator)
    return Support(
        project=project,
        scale=scale if denominator == 1 else Fraction(scale, denominator),
        groups=group_array,
        weights=weight_array,
        score=exact_score,
        total_score=exact_score,
    )
