"""Pricing one project under MES: the smallest payment per unit of weight its supporters cover.

Supporters holding ``b`` with weight ``w`` pay ``min(b, price * w)``; the price is the smallest
value at which the payments add up to the cost ("water filling"). An `Offer` is first
estimated in floating point with an error bound; `exact_price` then computes it exactly,
using the estimate only to guess which supporters pay everything they have, and checks that
guess exactly (falling back to an exact sort when it does not hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from services.tally.profile import IntArray, Support
from services.tally.wallets import BoolArray, FloatArray, Wallets

_UNIT_ROUNDOFF = 2.0**-53
_MARGIN = 1e-9


@dataclass(frozen=True, slots=True)
class Buyable:
    """A project with a positive cost and supporters, prepared for fast pricing."""

    support: Support
    weight_values: IntArray
    weight_index: IntArray
    voters_f: FloatArray
    voter_total: float
    rho_floor: float
    """A lower bound on the price per satisfaction in any round of any run."""
    cost_f: float
    scale_f: float


@dataclass(frozen=True, slots=True)
class Grouping:
    """A project's supporters grouped into entries (purse, weight), with aligned arrays.

    ``entries`` holds each entry's key ``purse * width + weight index`` (ascending), where
    ``width`` is the number of distinct weights the project gets.
    """

    entries: IntArray
    purses: IntArray
    weights: IntArray
    voters: FloatArray


@dataclass(frozen=True, slots=True)
class Offer:
    """A project's grouped supporters and its estimated price.

    ``order`` sorts entries by money per weight; the first ``split`` entries in that order are
    estimated to pay all they hold.
    """

    project: Buyable
    entries: IntArray
    purses: IntArray
    weights: IntArray
    voters: FloatArray
    ratios: FloatArray
    order: IntArray
    split: int
    rho_low: float
    rho_high: float


@dataclass(frozen=True, slots=True)
class Price:
    """The exact price per unit of weight and which entries pay all they hold."""

    per_weight: Fraction
    capped: BoolArray

    def rho(self, offer: Offer) -> Fraction:
        """Price per unit of satisfaction, the quantity MES minimises."""
        return self.per_weight / offer.project.support.scale


def supporter_keys(project: Buyable, wallets: Wallets) -> IntArray:
    """Each supporting group's entry key: its purse times the width plus its weight index."""
    width = len(project.weight_values)
    keys = wallets.purse_of[project.support.groups]
    if width > 1:
        keys = keys * width + project.weight_index
    return keys


def group(project: Buyable, wallets: Wallets) -> Grouping:
    """Group the project's supporters by the purse they hold and the weight they give."""
    width = len(project.weight_values)
    keys = supporter_keys(project, wallets)
    counts = np.asarray(np.bincount(keys, weights=project.voters_f), dtype=np.float64)
    entries = counts.nonzero()[0]
    if width > 1:
        purses = entries // width
        weights = project.weight_values[entries % width]
    else:
        purses = entries
        weights = np.full(len(entries), project.weight_values[0])
    grouping = Grouping(entries=entries, purses=purses, weights=weights, voters=counts[entries])
    for array in (grouping.entries, grouping.purses, grouping.weights, grouping.voters):
        array.flags.writeable = False  # shared by every run that follows the same course
    return grouping


def estimate(project: Buyable, grouping: Grouping, wallets: Wallets) -> Offer | None:
    """Estimate the project's price, or None when its supporters cannot afford it."""
    entries = grouping.entries
    purses = grouping.purses
    weights = grouping.weights
    voters = grouping.voters
    money = wallets.approx[purses]
    total = float(voters @ money)
    slack = project.voter_total * wallets.error + total * len(entries) * _UNIT_ROUNDOFF * 4
    if total + slack < project.cost_f:
        return None
    if total - slack <= project.cost_f and not _affordable(project, wallets, purses, voters):
        return None
    ratios = money / weights
    order = np.argsort(ratios, kind="stable")
    voters_sorted = voters[order]
    paid = voters_sorted * money[order]
    before = np.cumsum(paid) - paid
    weighed = voters_sorted * weights[order]
    weight_after = weighed.sum() - np.cumsum(weighed) + weighed  # whole numbers: exact, > 0
    prices = (project.cost_f - before) / weight_after
    fits = prices <= ratios[order]
    split = int(np.argmax(fits))
    if not fits[split]:
        split = len(order) - 1
    price = float(prices[split])
    error = (
        (project.cost_f + before[split]) * (len(order) + 4) * 4 * _UNIT_ROUNDOFF + slack
    ) / weight_after[split] + abs(price) * 8 * _UNIT_ROUNDOFF
    return Offer(
        project=project,
        entries=entries,
        purses=purses,
        weights=weights,
        voters=voters,
        ratios=ratios,
        order=order,
        split=split,
        rho_low=(price - error) / project.scale_f * (1 - 4 * _UNIT_ROUNDOFF),
        rho_high=(price + error) / project.scale_f * (1 + 4 * _UNIT_ROUNDOFF),
    )


def exact_price(offer: Offer, wallets: Wallets) -> Price:
    """The exact price of an affordable offer."""
    guess = _price_of_split(offer, wallets)
    if guess is not None:
        return guess
    return _price_by_exact_sort(offer, wallets)


def buy(offer: Offer, price: Price, wallets: Wallets) -> IntArray:
    """Take the payments for the offer's project; the new purse of each entry."""
    return wallets.pay(offer.purses, offer.weights, price.capped, price.per_weight)


def _affordable(project: Buyable, wallets: Wallets, purses: IntArray, voters: FloatArray) -> bool:
    held = wallets.exact_total(purses, voters.astype(np.int64))
    return held >= project.support.project.cost


def _price_of_split(offer: Offer, wallets: Wallets) -> Price | None:
    """Exact price assuming the estimated split; None if the split turns out wrong."""
    capped_at = offer.order[: offer.split]
    rest_at = offer.order[offer.split :]
    weight_left = int((offer.voters[rest_at].astype(np.int64) * offer.weights[rest_at]).sum())
    if weight_left == 0:
        return None
    spent = wallets.exact_total(offer.purses[capped_at], offer.voters[capped_at].astype(np.int64))
    per_weight = (offer.project.support.project.cost - spent) / Fraction(weight_left)
    if per_weight <= 0 or not _split_holds(offer, wallets, per_weight):
        return None
    capped = np.zeros(len(offer.entries), dtype=np.bool_)
    capped[capped_at] = True
    return Price(per_weight=per_weight, capped=capped)


def _split_holds(offer: Offer, wallets: Wallets, per_weight: Fraction) -> bool:
    """Capped entries hold at most ``per_weight * weight``; the others at least that."""
    near = float(per_weight)
    capped_at = offer.order[: offer.split]
    rest_at = offer.order[offer.split :]
    doubtful_capped = capped_at[offer.ratios[capped_at] >= near * (1 - _MARGIN)]
    doubtful_rest = rest_at[offer.ratios[rest_at] <= near * (1 + _MARGIN)]
    held_capped = wallets.exact_amounts(offer.purses[doubtful_capped])
    held_rest = wallets.exact_amounts(offer.purses[doubtful_rest])
    return all(
        held <= per_weight * int(w)
        for held, w in zip(held_capped, offer.weights[doubtful_capped].tolist(), strict=True)
    ) and all(
        held >= per_weight * int(w)
        for held, w in zip(held_rest, offer.weights[doubtful_rest].tolist(), strict=True)
    )


def _price_by_exact_sort(offer: Offer, wallets: Wallets) -> Price:
    amounts = wallets.exact_amounts(offer.purses)
    entries = [
        (held / weight, held, weight, int(voters), at)
        for at, (held, weight, voters) in enumerate(
            zip(amounts, offer.weights.tolist(), offer.voters.tolist(), strict=True)
        )
    ]
    entries.sort()
    left: Fraction = Fraction(offer.project.support.project.cost)
    weight_left = sum(weight * voters for _, _, weight, voters, _ in entries)
    capped = np.zeros(len(entries), dtype=np.bool_)
    for ratio, held, weight, voters, at in entries:
        per_weight = left / weight_left
        if per_weight <= ratio:
            return Price(per_weight=per_weight, capped=capped)
        capped[at] = True
        left -= held * voters
        weight_left -= weight * voters
    raise ArithmeticError(f"project {offer.project.support.project.id} is not affordable")
