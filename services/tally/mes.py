"""The Method of Equal Shares with a fixed budget per voter (Peters & Skowron; equalshares.net).

Every voter gets the same virtual endowment. In each round, for every project its supporters
can still afford, find the smallest ``rho`` such that supporters paying
``min(money, rho * satisfaction)`` cover the cost; fund the project with the smallest ``rho``
(ties: smallest project id) and take those payments. Stop when nothing is affordable.
Projects that cost nothing but have supporters are funded up front.

Decisions are exact. Floating-point estimates with an error bound only decide which projects
must be priced exactly: those whose estimate cannot be told apart from the best one. Money
only shrinks during a run, so a project's earlier ``rho`` bounds its current one from below,
which spares most estimates.

The Add1 completion runs MES at hundreds of endowments, and runs at nearby endowments mostly
buy the same projects in the same order. Which ballot groups share a purse depends only on
what was bought so far, not on the endowment (a supporter who paid all they held keeps a purse
of their own, marked broke), so each such course is remembered in a `Course` with every
grouping of supporters computed on it, and later runs that follow it reuse them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from services.tally.pricing import (
    Buyable,
    Grouping,
    Offer,
    Price,
    buy,
    estimate,
    exact_price,
    group,
    supporter_keys,
)
from services.tally.profile import IntArray, Support, SupportProfile
from services.tally.wallets import Wallets


@dataclass(frozen=True, slots=True)
class EqualSharesProblem:
    """What MES needs from an election, prepared once and reused for every endowment."""

    free: tuple[Support, ...]
    buyable: tuple[Buyable, ...]
    group_count: int
    voter_count: int
    memory: Memory = field(default_factory=lambda: Memory(start=Course()))
    """What earlier runs on this problem learned, shared by every later run."""


@dataclass(slots=True)
class Memory:
    """The purchase courses earlier runs took, and the most purses a run has needed (the
    next run's wallets start that large rather than growing to it)."""

    start: Course
    purses: int = 4096


class Course:
    """A sequence of purchases from the start of a run: the groupings of supporters seen
    after it, and where each next purchase leads (with the purse each supporting ballot group
    of the bought project holds then)."""

    __slots__ = ("groupings", "next")

    def __init__(self) -> None:
        self.groupings: dict[str, Grouping] = {}
        self.next: dict[str, tuple[Course, IntArray]] = {}

    def grouping(self, project: Buyable, wallets: Wallets) -> Grouping:
        """The project's supporters grouped by purse and weight on this course."""
        project_id = project.support.project.id
        found = self.groupings.get(project_id)
        if found is None:
            found = self.groupings[project_id] = group(project, wallets)
        return found

    def buy(self, offer: Offer, price: Price, wallets: Wallets) -> Course:
        """Take the payments for the offer's project; the course that follows."""
        project = offer.project
        new = buy(offer, price, wallets)
        project_id = project.support.project.id
        known = self.next.get(project_id)
        if known is None:
            keys = supporter_keys(project, wallets)  # nobody has moved yet
            purse_of_key = np.empty(int(offer.entries[-1]) + 1, dtype=np.int64)
            purse_of_key[offer.entries] = new
            known = self.next[project_id] = (Course(), purse_of_key[keys])
        wallets.move(project.support.groups, known[1])
        return known[0]


def prepare(profile: SupportProfile) -> EqualSharesProblem:
    """Sort the eligible projects into free ones and buyable ones; drop the unsupported."""
    free: list[Support] = []
    buyable: list[Buyable] = []
    for support in profile.supports:
        if support.total_satisfaction <= 0:
            continue
        if support.project.cost == 0:
            free.append(support)
            continue
        values, index = np.unique(support.weights, return_inverse=True)
        buyable.append(
            Buyable(
                support=support,
                weight_values=values.astype(np.int64),
                weight_index=index.astype(np.int64).reshape(-1),
                voters_f=profile.voters[support.groups].astype(np.float64),
                voter_total=float(profile.voters[support.groups].sum()),
                rho_floor=_rho_floor(support),
                cost_f=float(support.project.cost),
                scale_f=float(support.scale),
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
    memory = problem.memory
    wallets = Wallets(problem.group_count, endowment, len(problem.buyable), memory.purses)
    lower_bound = {p.support.project.id: p.rho_floor for p in problem.buyable}
    remaining = list(problem.buyable)
    funded = list(problem.free)
    course = memory.start
    while remaining:
        remaining.sort(key=lambda p: lower_bound[p.support.project.id])
        offers, unaffordable = _round_offers(remaining, lower_bound, wallets, course)
        remaining = [p for p in remaining if p.support.project.id not in unaffordable]
        if not offers:
            break
        best_high = min(offer.rho_high for offer in offers)
        offer, price = _cheapest([o for o in offers if o.rho_low <= best_high], wallets)
        course = course.buy(offer, price, wallets)
        funded.append(offer.project.support)
        remaining.remove(offer.project)
    memory.purses = max(memory.purses, wallets.purses)
    return tuple(funded)


def _rho_floor(support: Support) -> float:
    return float(Fraction(support.project.cost) / support.total_satisfaction) * (1 - 1e-9)


def _round_offers(
    remaining: list[Buyable], lower_bound: dict[str, float], wallets: Wallets, course: Course
) -> tuple[list[Offer], set[str]]:
    """Estimate projects from the most promising on, until none can beat the best estimate."""
    offers: list[Offer] = []
    unaffordable: set[str] = set()
    best_high = math.inf
    for project in remaining:
        project_id = project.support.project.id
        if lower_bound[project_id] > best_high:
            break
        offer = estimate(project, course.grouping(project, wallets), wallets)
        if offer is None:
            unaffordable.add(project_id)
            continue
        lower_bound[project_id] = offer.rho_low
        offers.append(offer)
        best_high = min(best_high, offer.rho_high)
    return offers, unaffordable


def _cheapest(contenders: list[Offer], wallets: Wallets) -> tuple[Offer, Price]:
    """The contender with the exactly smallest rho; ties go to the smallest project id."""
    priced = [(offer, exact_price(offer, wallets)) for offer in contenders]
    return min(
        priced,
        key=lambda item: (item[1].rho(item[0]), item[0].project.support.project.id),
    )
