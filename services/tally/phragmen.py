"""Phragmén's sequential rule for approval ballots (as pabutools' ``sequential_phragmen``).

Voters earn virtual money at the same rate; a project is bought as soon as its supporters
together hold its cost, which leaves each of them with the same load (money spent). In each
round the project reachable at the lowest new load ``(supporters' loads + cost) / approvals``
is bought; ties go to the smallest project id. Projects nobody approves come last, at an
infinite load. The rule stops as soon as one of the tied cheapest projects no longer fits the
budget. Projects costing more than the whole budget are never considered.

Loads are exact; voters sharing a load share a *load class*, so a round is a few vector sums.
Floating point only preselects which projects are compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from services.tally.profile import IntArray, Support, SupportProfile
from services.tally.wallets import FloatArray

_MARGIN = 1e-9


@dataclass(slots=True)
class _Loads:
    """Each ballot group's load class and the exact load of every class."""

    class_of: IntArray
    loads: list[Fraction]

    def floats(self) -> FloatArray:
        return np.array([float(load) for load in self.loads], dtype=np.float64)


def sequential_phragmen(profile: SupportProfile) -> tuple[Support, ...]:
    """Projects bought by sequential Phragmén, in buying order."""
    remaining = [s for s in profile.supports if s.project.cost <= profile.budget]
    loads = _Loads(class_of=np.zeros(len(profile.voters), dtype=np.int64), loads=[Fraction(0)])
    bought: list[Support] = []
    spent: int | Fraction = 0
    while remaining:
        tied, new_load = _lowest_new_load(remaining, profile, loads)
        if any(spent + s.project.cost > profile.budget for s in tied):
            break
        chosen = min(tied, key=lambda s: s.project.id)
        if new_load is not None:
            loads.class_of[chosen.groups] = len(loads.loads)
            loads.loads.append(new_load)
        bought.append(chosen)
        spent += chosen.project.cost
        remaining.remove(chosen)
    return tuple(bought)


def _lowest_new_load(
    remaining: list[Support], profile: SupportProfile, loads: _Loads
) -> tuple[list[Support], Fraction | None]:
    """The projects tied at the lowest new load, and that load (None when infinite)."""
    approved = [s for s in remaining if s.score > 0]
    if not approved:
        return remaining, None
    load_f = loads.floats()
    estimates = [_estimate(s, profile, loads, load_f) for s in approved]
    best = min(estimates)
    contenders = [s for s, e in zip(approved, estimates, strict=True) if e <= best * (1 + _MARGIN)]
    exact = [(_exact_new_load(s, profile, loads), s) for s in contenders]
    lowest = min(load for load, _ in exact)
    return [s for load, s in exact if load == lowest], lowest


def _class_voters(support: Support, profile: SupportProfile, loads: _Loads) -> FloatArray:
    counts = np.bincount(
        loads.class_of[support.groups],
        weights=profile.voters[support.groups],
        minlength=len(loads.loads),
    )
    return np.asarray(counts, dtype=np.float64)


def _estimate(
    support: Support, profile: SupportProfile, loads: _Loads, load_f: FloatArray
) -> float:
    carried = float(_class_voters(support, profile, loads) @ load_f)
    return (carried + float(support.project.cost)) / float(support.score)


def _exact_new_load(support: Support, profile: SupportProfile, loads: _Loads) -> Fraction:
    counts = _class_voters(support, profile, loads)
    carried = sum(
        (loads.loads[c] * int(counts[c]) for c in np.flatnonzero(counts).tolist()),
        start=Fraction(0),
    )
    return (carried + support.project.cost) / support.score
