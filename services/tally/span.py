"""How far every voter's endowment can rise before MES funds anything else: the Add1 skip.

Fix the course of one MES run — which project each round funds, and which of its supporters
pay all they hold — and raise every voter's endowment by ``t``. Along that fixed course every
amount of money and every price is affine in ``t``: capped supporters end with nothing,
uncapped ones pay ``price * weight`` and the price is ``(cost - money of the capped) / weight
of the others``. The course stays the run's own as long as affine inequalities hold:

- the funded project's split stays right (capped supporters hold less than their share, the
  others at least their share);
- every other affordable project stays dearer: its price is at least
  ``(cost - money of S) / weight outside S`` for *any* set ``S`` of its supporters (water
  filling is concave), so with ``S`` the supporters capped at ``t = 0`` that bound is affine,
  exact at ``t = 0``, and a sound lower bound for every ``t``;
- every unaffordable project stays unaffordable, in the round where it dropped out and at
  the end.

The smallest ``t`` at which one of them fails bounds the span: for every endowment in
``[e, e + span)`` MES funds exactly the same projects in the same order. The Add1 completion
uses it to skip the whole-unit steps whose outcome cannot differ. Everything is exact
(fractions), and it prices every remaining project in every round, so it is only worth it on
small elections — which are the ones where Add1 takes many steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from services.tally.mes import EqualSharesProblem
from services.tally.profile import IntArray, Support

SMALL = 4_000
"""Supporter entries (ballot groups over all projects) up to which the span is worth computing."""


@dataclass(frozen=True, slots=True)
class _Purse:
    """Money per voter at endowment ``e + t``: ``now + slope * t``. Ballot groups with the same
    payment history share one purse."""

    now: Fraction
    slope: Fraction


@dataclass(frozen=True, slots=True)
class _Entry:
    """The supporters of one project who hold one purse and give it one weight."""

    purse: int
    weight: int
    voters: int
    groups: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Priced:
    """A project's water filling at ``t = 0`` and the affine parts of its price."""

    support: Support
    entries: tuple[_Entry, ...]
    per_weight: Fraction
    slope: Fraction
    capped: frozenset[int]
    """Positions in ``entries`` of those who pay all they hold."""

    @property
    def rho(self) -> Fraction:
        return self.per_weight / self.support.scale

    @property
    def rho_slope(self) -> Fraction:
        return self.slope / self.support.scale


@dataclass(frozen=True, slots=True)
class _Bound:
    now: Fraction
    slope: Fraction


class _Limit:
    """The smallest ``t`` at which some required inequality may fail."""

    def __init__(self) -> None:
        self.value: Fraction | None = None

    def keep_positive(self, now: Fraction, slope: Fraction, strict: bool = True) -> None:
        """Require ``now + slope * t`` to stay > 0 (``strict``) or >= 0 for ``t`` above 0."""
        if slope >= 0:
            if now == 0 and slope == 0 and strict:
                self.value = Fraction(0)
            return
        at = now / -slope
        if self.value is None or at < self.value:
            self.value = at


class _Course:
    """Every ballot group's purse along the course of the run being followed."""

    def __init__(self, problem: EqualSharesProblem, voters: IntArray, endowment: Fraction) -> None:
        self.purses = [_Purse(Fraction(0), Fraction(0)), _Purse(endowment, Fraction(1))]
        self.purse_of = [1] * problem.group_count
        self.voters = voters.tolist()

    def entries(self, support: Support) -> tuple[_Entry, ...]:
        grouped: dict[tuple[int, int], tuple[int, list[int]]] = {}
        for group, weight in zip(support.groups.tolist(), support.weights.tolist(), strict=True):
            key = (self.purse_of[group], weight)
            count, members = grouped.get(key, (0, []))
            members.append(group)
            grouped[key] = (count + self.voters[group], members)
        return tuple(
            _Entry(purse, weight, count, tuple(members))
            for (purse, weight), (count, members) in grouped.items()
        )

    def held(self, entries: tuple[_Entry, ...]) -> tuple[Fraction, Fraction]:
        """Money the entries hold together, and how fast it rises with ``t``."""
        now, slope = Fraction(0), Fraction(0)
        for entry in entries:
            purse = self.purses[entry.purse]
            now += purse.now * entry.voters
            slope += purse.slope * entry.voters
        return now, slope

    def water_fill(self, support: Support) -> _Priced | None:
        """The project's price at ``t = 0``, or None when its supporters cannot afford it."""
        entries = self.entries(support)
        cost = Fraction(support.project.cost)
        if self.held(entries)[0] < cost:
            return None
        order = sorted(range(len(entries)), key=lambda i: self._share(entries[i]))
        left, left_slope = cost, Fraction(0)
        weight_left = sum(entry.weight * entry.voters for entry in entries)
        capped: set[int] = set()
        for at in order:
            entry = entries[at]
            purse = self.purses[entry.purse]
            per_weight = left / weight_left
            if per_weight <= self._share(entry):
                slope = left_slope / weight_left
                return _Priced(support, entries, per_weight, slope, frozenset(capped))
            capped.add(at)
            left -= purse.now * entry.voters
            left_slope -= purse.slope * entry.voters
            weight_left -= entry.weight * entry.voters
        raise ArithmeticError(f"project {support.project.id} priced without payers")

    def pay(self, offer: _Priced, limit: _Limit) -> None:
        """Take the payments, requiring the split to stay right for ``t`` above 0."""
        for at, entry in enumerate(offer.entries):
            purse = self.purses[entry.purse]
            share = offer.per_weight * entry.weight
            share_slope = offer.slope * entry.weight
            if at in offer.capped:
                limit.keep_positive(share - purse.now, share_slope - purse.slope)
                target = 0
            else:
                limit.keep_positive(purse.now - share, purse.slope - share_slope, strict=False)
                self.purses.append(_Purse(purse.now - share, purse.slope - share_slope))
                target = len(self.purses) - 1
            for group in entry.groups:
                self.purse_of[group] = target

    def _share(self, entry: _Entry) -> Fraction:
        return self.purses[entry.purse].now / entry.weight


def supporter_entries(problem: EqualSharesProblem) -> int:
    return sum(len(p.support.groups) for p in problem.buyable)


def stable_span(
    problem: EqualSharesProblem, voters: IntArray, endowment: Fraction, funded: tuple[Support, ...]
) -> Fraction | None:
    """The span above ``endowment`` over which MES funds ``funded`` (its own run at
    ``endowment``), or None when no rise of the endowment changes it. 0 when unsure."""
    course = _Course(problem, voters, endowment)
    # A lower bound on each project's price per satisfaction, affine in t and valid for every
    # t in every later round (money only shrinks during a run): first the price if nobody were
    # capped, then the bound from the last round the project was priced in.
    bounds = {
        p.support.project.id: _Bound(_initial_rho(p.support), Fraction(0)) for p in problem.buyable
    }
    remaining = {p.support.project.id: p.support for p in problem.buyable}
    limit = _Limit()
    followed: list[Support] = list(problem.free)
    while remaining:
        best: _Priced | None = None
        for project_id in sorted(remaining, key=lambda i: (bounds[i].now, i)):
            if best is not None and bounds[project_id].now > best.rho:
                break  # this one and all after it cost more than the best, whatever t is
            offer = course.water_fill(remaining[project_id])
            if offer is None:
                # it drops out; it must not become affordable as t rises
                now, slope = course.held(course.entries(remaining[project_id]))
                limit.keep_positive(remaining[project_id].project.cost - now, -slope)
                del remaining[project_id]
                continue
            bounds[project_id] = _Bound(offer.rho, offer.rho_slope)
            if best is None or (offer.rho, project_id) < (best.rho, best.support.project.id):
                best = offer
        if best is None:
            break
        chosen = best.support.project.id
        for project_id in remaining:
            if project_id != chosen:
                bound = bounds[project_id]
                limit.keep_positive(
                    bound.now - best.rho,
                    bound.slope - best.rho_slope,
                    strict=project_id < chosen,
                )
        course.pay(best, limit)
        followed.append(best.support)
        del remaining[chosen]
    if [s.project.id for s in followed] != [s.project.id for s in funded]:
        return Fraction(0)  # not the run it was asked about: claim nothing
    return limit.value


def _initial_rho(support: Support) -> Fraction:
    return Fraction(support.project.cost) / support.total_satisfaction
