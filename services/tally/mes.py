"""The Method of Equal Shares with a fixed budget per voter (Peters & Skowron; equalshares.net).

Every voter gets the same virtual endowment. In each round, for every project its supporters
could still afford, find the smallest ``rho`` such that supporters paying
``min(money, rho * satisfaction)`` cover the cost; fund the project with the smallest ``rho``
(ties: smallest project id) and take those payments. Stop when nothing is affordable.
Projects that cost nothing but have supporters are funded up front.

Decisions are exact. Estimates in floating point, with an error bound, only decide which
projects need to be looked at exactly: a project is priced exactly when its estimate cannot
be told apart from the best one. Since budgets only shrink, a project's previous ``rho`` is a
lower bound on its current one, which prunes most estimates too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from services.tally.profile import IntArray, Support, SupportProfile
from services.tally.wallets import FloatArray, Wallets

_EPSILON = 2.0**-52


@dataclass(frozen=True, slots=True)
class _Buyable:
    """A project with a cost and supporters, prepared for fast pricing."""

    support: Support
    weight_values: tuple[int, ...]
    weight_values_f: FloatArray
    weight_index: IntArray
    voters_f: FloatArray
    cost_f: float
    scale_f: float
    initial_rho_f: float


@dataclass(frozen=True, slots=True)
class EqualSharesProblem:
    """What MES needs from an election, prepared once and reused for every endowment."""

    free: tuple[Support, ...]
    buyable: tuple[_Buyable, ...]
    group_count: int
    voter_count: int


def prepare(profile: SupportProfile) -> EqualSharesProblem:
    """Split the eligible projects into free ones, buyable ones and those nobody supports."""
    free: list[Support] = []
    buyable: list[_Buyable] = []
    for support in profile.supports:
        if support.total_satisfaction <= 0:
            continue
        if support.project.cost == 0:
            free.append(support)
            continue
        values, index = np.unique(support.weights, return_inverse=True)
        buyable.append(
            _Buyable(
                support=support,
                weight_values=tuple(int(v) for v in values),
                weight_values_f=values.astype(np.float64),
                weight_index=index.astype(np.int64),
                voters_f=profile.voters[support.groups].astype(np.float64),
                cost_f=float(support.project.cost),
                scale_f=float(support.scale),
                initial_rho_f=float(Fraction(support.project.cost) / support.total_satisfaction),
            )
        )
    return EqualSharesProblem(
        free=tuple(free),
        buyable=tuple(buyable),
        group_count=len(profile.voters),
        voter_count=profile.voter_count,
    )


def equal_shares(problem: EqualSharesProblem, endowment: Fraction) -> tuple[Support, ...]:
    """Projects funded by MES when every voter starts with ``endowment``, in funding order."""
    wallets = Wallets(problem.group_count, endowment)
    floor = {p.support.project.id: p.initial_rho_f * (1 - 1e-9) for p in problem.buyable}
    remaining = list(problem.buyable)
    funded = list(problem.free)
    while remaining:
        remaining.sort(key=lambda p: floor[p.support.project.id])
        offers: list[_Offer] = []
        best_high = math.inf
        for project in remaining:
            if floor[project.support.project.id] > best_high:
                break
            offer = _estimate(project, wallets)
            if offer is None:
                continue
            floor[project.support.project.id] = offer.rho_low
            offers.append(offer)
            best_high = min(best_high, offer.rho_high)
        remaining = [p for p in remaining if floor[p.support.project.id] != -math.inf]
        if not offers:
            break
        winner, price = _cheapest(o for o in offers if o.rho_low <= best_high)
        winner.buy(price, wallets)
        funded.append(winner.project.support)
        remaining.remove(winner.project)
    return tuple(funded)


def _cheapest(contenders: object) -> tuple[_Offer, Fraction]:
    priced = [(offer.exact_price(), offer) for offer in contenders]  # type: ignore[attr-defined]
    best = min(
        priced, key=lambda item: (item[0] / item[1].project.support.scale, item[1].project.support.project.id)
    )
    return best[1], best[0]
