"""The voters' virtual money during one run of the Method of Equal Shares, kept exact.

Voters with the same ballot always hold the same amount, and many ballots end up holding the
same amount too (everyone who paid for the same projects, everyone who is broke). So money
is stored per *purse*: a class of ballot groups holding the same amount. Amounts are exact
integers over one shared denominator (so exact sums are integer sums), mirrored as floats
for fast estimates. Only `pay` changes anything.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from services.tally.profile import IntArray

FloatArray = npt.NDArray[np.float64]


class Wallets:
    """Exact money per purse, one purse per distinct amount, and each ballot group's purse."""

    def __init__(self, group_count: int, endowment: Fraction) -> None:
        self.purse_of: IntArray = np.zeros(group_count, dtype=np.int64)
        self.denominator = endowment.denominator
        self.numerators: list[int] = [endowment.numerator]
        self.approx: FloatArray = np.full(16, float(endowment), dtype=np.float64)
        self._purse_by_numerator = {endowment.numerator: 0}

    @property
    def purse_count(self) -> int:
        """Number of purses so far (some may be empty now)."""
        return len(self.numerators)

    def amount(self, purse: int) -> Fraction:
        """Exact money per voter in one purse."""
        return Fraction(self.numerators[purse], self.denominator)

    def pay(
        self,
        groups: IntArray,
        entry_of_group: IntArray,
        entry_purses: list[int],
        entry_weights: list[int],
        capped: list[bool],
        price: Fraction,
    ) -> None:
        """Each voter in entry ``e`` pays ``price * entry_weights[e]``, or all they hold if capped.

        ``entry_of_group[i]`` is the entry of ballot group ``groups[i]`` and ``entry_purses[e]``
        the purse all groups of entry ``e`` hold now. The caller guarantees that an uncapped
        entry can afford its payment.
        """
        self._rescale(price.denominator)
        unit = price.numerator * (self.denominator // price.denominator)
        new_purses = np.fromiter(
            (
                self._purse(0 if is_capped else self.numerators[purse] - unit * weight)
                for purse, weight, is_capped in zip(entry_purses, entry_weights, capped, strict=True)
            ),
            dtype=np.int64,
            count=len(entry_purses),
        )
        self.purse_of[groups] = new_purses[entry_of_group]

    def _purse(self, numerator: int) -> int:
        purse = self._purse_by_numerator.get(numerator)
        if purse is None:
            purse = len(self.numerators)
            self.numerators.append(numerator)
            self._purse_by_numerator[numerator] = purse
            if purse >= len(self.approx):
                self.approx = np.concatenate([self.approx, np.zeros_like(self.approx)])
            self.approx[purse] = numerator / self.denominator
        return purse

    def _rescale(self, denominator: int) -> None:
        common = math.lcm(self.denominator, denominator)
        if common == self.denominator:
            return
        factor = common // self.denominator
        self.denominator = common
        self.numerators = [numerator * factor for numerator in self.numerators]
        self._purse_by_numerator = {n: purse for purse, n in enumerate(self.numerators)}
