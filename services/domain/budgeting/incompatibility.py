"""Proposals staff marked incompatible cannot both win (pure: no I/O, no tally).

The rule: a count selects projects in an order (its selection order). Walking that order, a
project incompatible with one already kept is *skipped*: the project the rule selected first
wins. The allocation then counts again without the skipped project, so its money can go to the
next project in line, until the selection holds no incompatible pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from events.budgeting_common import SkippedProject

Pairs = frozenset[frozenset[UUID]]
"""Unordered pairs of proposals that cannot both win."""


def pairs_of(marked: Iterable[tuple[UUID, UUID]]) -> Pairs:
    """The unordered pairs of `(proposal_id, other_proposal_id)` markings."""
    return frozenset(frozenset(pair) for pair in marked if pair[0] != pair[1])


def first_conflict(order: Sequence[UUID], pairs: Pairs) -> tuple[UUID, UUID] | None:
    """Walking the selection order: `(kept, skipped)` for the first project incompatible with
    one selected before it, or None when the order holds no incompatible pair."""
    kept: list[UUID] = []
    for candidate in order:
        for earlier in kept:
            if frozenset((earlier, candidate)) in pairs:
                return earlier, candidate
        kept.append(candidate)
    return None


@dataclass(frozen=True)
class Compatible:
    """The selection order of the last count and the projects skipped on the way to it."""

    order: tuple[UUID, ...]
    skipped: tuple[SkippedProject, ...]


def count_compatible(
    count: Callable[[frozenset[UUID]], Sequence[UUID]], pairs: Pairs
) -> Compatible:
    """Count (`count(excluded)` answers the selection order without the excluded projects),
    skip the first project incompatible with one selected before it, and count again without
    it, until no two selected projects are incompatible. Each round excludes one more project,
    so this ends."""
    excluded: frozenset[UUID] = frozenset()
    skipped: list[SkippedProject] = []
    while True:
        order = tuple(count(excluded))
        conflict = first_conflict(order, pairs)
        if conflict is None:
            return Compatible(order, tuple(skipped))
        winner, loser = conflict
        skipped.append(SkippedProject(proposal_id=loser, incompatible_with=winner))
        excluded = excluded | {loser}
