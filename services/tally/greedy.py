"""Greedy utilitarian welfare: fund projects in order of satisfaction per unit of cost.

With cost satisfaction on approval ballots the ratio is the number of approvals, so this is
the "most votes first, skip what no longer fits" rule most cities use. It matches pabutools'
``greedy_utilitarian_welfare`` with additive satisfaction: a project without supporters has
ratio 0 (and is still funded if money is left), a free project with supporters comes first,
and ties go to the smallest project id.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from services.tally.profile import Support, SupportProfile


def greedy_order(supports: Iterable[Support]) -> list[Support]:
    """Projects by decreasing satisfaction per unit of cost, ties by project id."""
    return sorted(supports, key=_priority)


def greedy(profile: SupportProfile, already: tuple[Support, ...] = ()) -> tuple[Support, ...]:
    """Complete ``already`` greedily within the budget; returns ``already`` plus what it adds."""
    taken = {support.project.id for support in already}
    left = profile.budget - sum((s.project.cost for s in already), start=0)
    chosen = list(already)
    for support in greedy_order(s for s in profile.supports if s.project.id not in taken):
        if support.project.cost <= left:
            chosen.append(support)
            left -= support.project.cost
    return tuple(chosen)


def _priority(support: Support) -> tuple[int, Fraction, str]:
    satisfaction = support.total_satisfaction
    cost = support.project.cost
    if satisfaction > 0 and cost == 0:
        return (0, Fraction(0), support.project.id)
    ratio = Fraction(satisfaction) / cost if satisfaction > 0 else Fraction(0)
    return (1, -ratio, support.project.id)
