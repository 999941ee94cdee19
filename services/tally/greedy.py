"""Greedy utilitarian welfare: fund projects in order of satisfaction per unit of cost.

With cost satisfaction on approval ballots the ratio is the number of approvals, so this is
the "most votes first, skip what no longer fits" rule most cities use. It matches pabutools'
``greedy_utilitarian_welfare`` with additive satisfaction: a project without supporters has
ratio 0 (and is still funded if money is left), a free project with supporters comes first,
and ties go to the smallest project id.

Many cities count more simply, and the variants here count as they do:

- *by score* (`score_order`): projects by decreasing total score as Pabulib counts it
  (approvals, points, or positional score for ordinal ballots), whatever they cost;
- *without skipping* (``skip=False``): funding stops at the first project, in the order,
  that no longer fits, even if a cheaper one further down would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

from services.tally.profile import Support, SupportProfile


def greedy_order(supports: Iterable[Support]) -> list[Support]:
    """Projects by decreasing satisfaction per unit of cost, ties by project id."""
    return sorted(supports, key=_priority)


def score_order(supports: Iterable[Support]) -> list[Support]:
    """Projects by decreasing total score, ties by project id."""
    return sorted(supports, key=lambda s: (-s.total_score, s.project.id))


def greedy(
    profile: SupportProfile,
    already: tuple[Support, ...] = (),
    order: Callable[[Iterable[Support]], list[Support]] = greedy_order,
    skip: bool = True,
) -> tuple[Support, ...]:
    """Complete ``already`` greedily within the budget; returns ``already`` plus what it adds.

    Projects are taken in ``order``; one that does not fit is skipped, or with ``skip=False``
    ends the count."""
    taken = {support.project.id for support in already}
    left = profile.budget - sum((s.project.cost for s in already), start=0)
    chosen = list(already)
    for support in order(s for s in profile.supports if s.project.id not in taken):
        if support.project.cost <= left:
            chosen.append(support)
            left -= support.project.cost
        elif not skip:
            break
    return tuple(chosen)


def _priority(support: Support) -> tuple[int, Fraction, str]:
    satisfaction = support.total_satisfaction
    cost = support.project.cost
    if satisfaction > 0 and cost == 0:
        return (0, Fraction(0), support.project.id)
    ratio = Fraction(satisfaction) / cost if satisfaction > 0 else Fraction(0)
    return (1, -ratio, support.project.id)
