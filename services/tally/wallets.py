"""The voters' virtual money during one run of the Method of Equal Shares, kept exact.

Ballot groups that have paid for the same projects with the same weights hold the same money,
so money is stored per *purse*: the groups sharing a payment history. A voter either paid
everything at some point (their purse is marked broke and holds exactly 0) or holds exactly
``endowment - sum(price[r] * paid[r])`` over the rounds ``r``. So the exact state is just the
list of exact prices and an integer matrix of weights paid per purse and round; every exact
amount or sum is an integer dot product and one fraction: prices and the endowment are kept
as integer numerators over one common denominator. Floats mirror the amounts, with an error
bound, for fast estimates; all bookkeeping is vectorised.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from services.tally.profile import IntArray

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_START = 1
"""Every voter's first purse; purse 0 is never held."""


class Wallets:
    """Each ballot group's purse, and each purse's payment history and approximate money."""

    def __init__(
        self, group_count: int, endowment: Fraction, max_rounds: int, capacity: int
    ) -> None:
        self.endowment = endowment
        self._endowment_f = float(endowment)
        self.prices: list[Fraction] = []
        self._denominator = endowment.denominator
        self._endowment = endowment.numerator  # over the common denominator, as are the prices
        self._numerators: list[int] = []
        self._purse_of: IntArray = np.full(group_count, _START, dtype=np.int64)
        self._moves: list[tuple[IntArray, IntArray]] = []
        self.approx: FloatArray = np.zeros(capacity)
        self.approx[_START] = float(endowment)
        self.paid: IntArray = np.zeros((capacity, max(max_rounds, 1)), dtype=np.int64)
        self.broke: BoolArray = np.zeros(capacity, dtype=np.bool_)
        self._size = 2

    @property
    def purse_of(self) -> IntArray:
        """The purse each ballot group holds."""
        for groups, purses in self._moves:
            self._purse_of[groups] = purses
        self._moves.clear()
        return self._purse_of

    @property
    def purses(self) -> int:
        """How many purses have been numbered."""
        return self._size

    @property
    def error(self) -> float:
        """Bound on the absolute error of any approximate amount."""
        return self._endowment_f * (len(self.prices) + 2) * 2.0**-49

    def exact_amounts(self, purses: IntArray) -> list[Fraction]:
        """Exact money per voter in each purse."""
        rounds = len(self.prices)
        held = [
            0
            if broke
            else self._endowment - sum(map(operator.mul, self._numerators, paid), start=0)
            for broke, paid in zip(
                self.broke[purses].tolist(), self.paid[purses, :rounds].tolist(), strict=True
            )
        ]
        return [Fraction(amount, self._denominator) for amount in held]

    def exact_total(self, purses: IntArray, voters: IntArray) -> Fraction:
        """Exact money held together by ``voters[i]`` voters of each purse ``purses[i]``."""
        holding = ~self.broke[purses]
        counts = voters[holding]
        spent = counts @ self.paid[purses[holding], : len(self.prices)]
        total = self._endowment * int(counts.sum())
        total -= sum(map(operator.mul, self._numerators, spent.tolist()), start=0)
        return Fraction(total, self._denominator)

    def pay(
        self,
        entry_purses: IntArray,
        entry_weights: IntArray,
        capped: BoolArray,
        price: Fraction,
    ) -> IntArray:
        """Each voter in entry ``e`` pays ``price * entry_weights[e]``, or all they hold if capped.

        ``entry_purses[e]`` is the purse all voters of entry ``e`` hold now; uncapped entries
        can afford their payment. Returns the new purse of each entry (a capped entry's new
        purse is broke); `move` hands them to the ballot groups. New purses are numbered in
        order, so runs that buy alike number their purses alike.
        """
        round_ = len(self.prices)
        self._record(price)
        new = np.arange(self._size, self._size + len(entry_purses), dtype=np.int64)
        self._grow(self._size + len(entry_purses))
        self.approx[new] = np.maximum(self.approx[entry_purses] - float(price) * entry_weights, 0.0)
        self.paid[new] = self.paid[entry_purses]
        self.paid[new, round_] = entry_weights
        self.broke[new] = capped
        self.approx[new[capped]] = 0.0
        self._size += len(entry_purses)
        return new

    def move(self, groups: IntArray, purses: IntArray) -> None:
        """Ballot group ``groups[i]`` now holds purse ``purses[i]`` (applied when next asked)."""
        self._moves.append((groups, purses))

    def _record(self, price: Fraction) -> None:
        self.prices.append(price)
        factor = price.denominator // math.gcd(self._denominator, price.denominator)
        if factor != 1:
            self._denominator *= factor
            self._endowment *= factor
            self._numerators = [n * factor for n in self._numerators]
        self._numerators.append(price.numerator * (self._denominator // price.denominator))

    def _grow(self, size: int) -> None:
        if size <= len(self.approx):
            return
        capacity = max(size, 2 * len(self.approx))
        extra = capacity - len(self.approx)
        self.approx = np.concatenate([self.approx, np.zeros(extra)])
        self.broke = np.concatenate([self.broke, np.zeros(extra, dtype=np.bool_)])
        self.paid = np.concatenate([self.paid, np.zeros((extra, self.paid.shape[1]), np.int64)])
