"""Ways to spend what plain MES leaves unspent.

- `add1` (pabutools ``exhaustion_by_budget_increase`` with a step of one unit per voter):
  raise every voter's endowment by 1 from budget/voters on; stop at the first outcome that is
  exhaustive (nothing else fits) and return it, or at the first one that costs more than the
  budget and return the one before.
- `add1_then_compare` (equalshares.net's Add1 with its comparison step): start at the whole
  number below budget/voters, keep raising by 1 while the next outcome still fits the budget
  (no early stop when exhaustive), then compare with the greedy outcome: if more voters
  approve more projects of the greedy outcome than of the MES one, the greedy outcome wins.

Once every voter's endowment covers the cost of all projects, MES funds every supported
project whatever the endowment, so both loops stop there at the latest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from services.tally.greedy import greedy
from services.tally.mes import EqualSharesProblem, equal_shares
from services.tally.model import Money
from services.tally.profile import Support, SupportProfile


@dataclass(frozen=True, slots=True)
class Completed:
    """An outcome and the endowment per voter that produced it (None if not MES)."""

    funded: tuple[Support, ...]
    endowment: Fraction | None
    note: str = ""


def add1(profile: SupportProfile, problem: EqualSharesProblem) -> Completed:
    """MES with the Add1 completion as pabutools' budget-increase exhaustion does it.

    Like pabutools (whose default bound is budget * (voters + 1)), it gives up raising once
    the endowment has grown by more than the budget, returning the last outcome.
    """
    start = Fraction(profile.budget) / max(profile.voter_count, 1)
    endowment = start
    saturated = _saturation(problem)
    previous = Completed(funded=(), endowment=None)
    while endowment <= start + profile.budget:
        funded = equal_shares(problem, endowment)
        if _cost(funded) > profile.budget:
            return previous
        previous = Completed(funded=funded, endowment=endowment)
        if _exhaustive(funded, profile) or endowment >= saturated:
            return previous
        endowment += 1
    return previous


def add1_then_compare(profile: SupportProfile, problem: EqualSharesProblem) -> Completed:
    """MES with equalshares.net's Add1 completion (integral start) and comparison step."""
    mes = _add1_integral(profile, problem)
    greedy_outcome = greedy(profile)
    prefer_mes, prefer_greedy = _preferences(profile, mes.funded, greedy_outcome)
    if prefer_greedy > prefer_mes:
        note = f"comparison: {prefer_greedy} voters prefer greedy, {prefer_mes} prefer MES"
        return Completed(funded=greedy_outcome, endowment=None, note=note)
    note = f"comparison: {prefer_mes} voters prefer MES, {prefer_greedy} prefer greedy"
    return Completed(funded=mes.funded, endowment=mes.endowment, note=note)


def _add1_integral(profile: SupportProfile, problem: EqualSharesProblem) -> Completed:
    if _cost(profile.supports) <= profile.budget:
        endowment = Fraction(profile.budget) / max(profile.voter_count, 1)
        return Completed(funded=equal_shares(problem, endowment), endowment=endowment)
    endowment = Fraction(math.floor(Fraction(profile.budget) / max(profile.voter_count, 1)))
    saturated = _saturation(problem)
    current = Completed(funded=equal_shares(problem, endowment), endowment=endowment)
    while endowment < saturated:
        endowment += 1
        funded = equal_shares(problem, endowment)
        if _cost(funded) > profile.budget:
            break
        current = Completed(funded=funded, endowment=endowment)
    return current


def _preferences(
    profile: SupportProfile, mes: tuple[Support, ...], other: tuple[Support, ...]
) -> tuple[int, int]:
    """Voters approving more projects of ``mes``, and voters approving more of ``other``."""
    balance = np.zeros(len(profile.voters), dtype=np.int64)
    for support in mes:
        np.add.at(balance, support.groups, 1)
    for support in other:
        np.subtract.at(balance, support.groups, 1)
    return (
        int(profile.voters[balance > 0].sum()),
        int(profile.voters[balance < 0].sum()),
    )


def _saturation(problem: EqualSharesProblem) -> Money:
    """An endowment from which on MES funds every supported project."""
    return sum((p.support.project.cost for p in problem.buyable), start=0)


def _cost(funded: tuple[Support, ...]) -> Money:
    return sum((support.project.cost for support in funded), start=0)


def _exhaustive(funded: tuple[Support, ...], profile: SupportProfile) -> bool:
    left = profile.budget - _cost(funded)
    chosen = {support.project.id for support in funded}
    return all(s.project.cost > left for s in profile.supports if s.project.id not in chosen)
