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
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from services.tally.greedy import greedy
from services.tally.mes import EqualSharesProblem, equal_shares
from services.tally.model import Money
from services.tally.profile import Support, SupportProfile
from services.tally.span import SMALL, stable_span, supporter_entries


@dataclass(frozen=True, slots=True)
class Completed:
    """An outcome and the endowment per voter that produced it (None if not MES)."""

    funded: tuple[Support, ...]
    endowment: Fraction | None
    note: str = ""


def add1(profile: SupportProfile, problem: EqualSharesProblem) -> Completed:
    """MES with the Add1 completion as pabutools' budget-increase exhaustion does it.

    Like pabutools (whose default bound is budget * (voters + 1)), it gives up raising once
    the endowment has grown by more than the budget, returning the last outcome. Steps whose
    outcome provably equals the current one are skipped (`services.tally.span`): they could
    only stop the loop by its bounds, which are checked directly.
    """
    start = Fraction(profile.budget) / max(profile.voter_count, 1)
    last = start + profile.budget
    endowment = start
    saturated = _saturation(problem)
    stepper = _Stepper(problem, profile)
    previous = Completed(funded=(), endowment=None)
    while endowment <= last:
        funded = stepper.run(endowment)
        if _cost(funded) > profile.budget:
            return previous
        if _exhaustive(funded, profile) or endowment >= saturated:
            return Completed(funded=funded, endowment=endowment)
        to_saturation = max(1, math.ceil(saturated - endowment))
        to_last = math.floor(last - endowment)
        alike = stepper.alike(endowment, funded, min(to_saturation, to_last))
        if alike == to_saturation:
            return Completed(funded=funded, endowment=endowment + to_saturation)
        if alike == to_last:
            return Completed(funded=funded, endowment=endowment + to_last)
        previous = Completed(funded=funded, endowment=endowment + alike)
        endowment += alike + 1
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
    stepper = _Stepper(problem, profile)
    funded = stepper.run(endowment)
    while True:
        if endowment < saturated:
            endowment += stepper.alike(endowment, funded, math.ceil(saturated - endowment))
        current = Completed(funded=funded, endowment=endowment)
        if endowment >= saturated:
            return current
        endowment += 1
        funded = stepper.run(endowment)
        if _cost(funded) > profile.budget:
            return current


class _Stepper:
    """Runs MES at each Add1 step and says how many steps ahead certainly end alike.

    Computing a span (`services.tally.span`) costs several MES runs, and on large elections it
    often spans only a step or two, so spans are computed only while they pay: the time spent
    on them may not exceed a tenth of the time spent counting plus the time they have saved.
    The outcome never depends on this: a skipped step would have counted the same.
    """

    def __init__(self, problem: EqualSharesProblem, profile: SupportProfile) -> None:
        self.problem = problem
        self.voters = profile.voters
        self.small = supporter_entries(problem) <= SMALL
        self.counting = self.spanning = self.saved = 0.0
        self.runs = 0

    def run(self, endowment: Fraction) -> tuple[Support, ...]:
        started = time.perf_counter()
        funded = equal_shares(self.problem, endowment)
        self.counting += time.perf_counter() - started
        self.runs += 1
        return funded

    def alike(self, endowment: Fraction, funded: tuple[Support, ...], most: int) -> int:
        """How many whole steps above ``endowment``, up to ``most``, certainly fund ``funded``."""
        if most <= 0 or not self.small or self.spanning > self.counting / 10 + self.saved:
            return 0
        started = time.perf_counter()
        span = stable_span(self.problem, self.voters, endowment, funded)
        self.spanning += time.perf_counter() - started
        steps = most if span is None else min(max(math.ceil(span) - 1, 0), most)
        self.saved += steps * self.counting / self.runs
        return steps


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
