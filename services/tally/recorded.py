"""The rule an election was counted with, as its Pabulib META ``rule`` records it.

Pabulib names the rule a city used in META ``rule``; this maps each name the format defines to
the rule here that counts the same way, and refuses, with the reason, where the file does not
say enough to know what the city did:

- ``greedy`` and ``greedy-threshold``: projects in order of total score (approvals, points, or
  positional score), skipping what does not fit, i.e. ``greedy-score``. A threshold rule needs
  its META ``min_project_score_threshold``, which the reader applies before any rule.
- ``greedy-no-skip``: the same order, stopping at the first project that does not fit, i.e.
  ``greedy-score-no-skip``.
- ``equalshares/add1``: ``mes-add1``; ``equalshares/add1-comparison``: ``mes-add1-comparison``.
- ``greedy-per-cost`` and ``greedy-per-cost-no-skip`` (not the format's names: what
  ``samskab export pabulib`` writes for a process counted by satisfaction per cost on points or
  rankings): ``greedy`` and ``greedy-no-skip``.
- refused: ``greedy-custom`` (a city's own variant, described in prose at best), ``unknown``,
  plain ``equalshares`` (the file does not say whether or how the outcome was completed), any
  other name, and files whose META caps spending per category (``budget_per_category``) or
  spends what is left over in a way of its own (``leftover_budget``), which no rule here does.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.tally.model import Election, TallyInputError
from services.tally.rules import Rule

RECORDED_RULES: dict[str, Rule] = {
    "greedy": Rule.GREEDY_SCORE,
    "greedy-threshold": Rule.GREEDY_SCORE,
    "greedy-no-skip": Rule.GREEDY_SCORE_NO_SKIP,
    "equalshares/add1": Rule.MES_ADD1,
    "equalshares/add1-comparison": Rule.MES_ADD1_COMPARISON,
    "greedy-per-cost": Rule.GREEDY,
    "greedy-per-cost-no-skip": Rule.GREEDY_NO_SKIP,
}
"""META ``rule`` -> the rule that counts as the city did (when nothing else in META objects)."""

_REFUSED_RULES = {
    "greedy-custom": "the city used a variant of its own that the format does not define",
    "unknown": "the file does not know which rule the city used",
    "equalshares": "the file does not say whether or how the outcome of Equal Shares was completed",
}

_UNSUPPORTED_META = {
    "budget_per_category": "the city capped spending per category, which no rule here does",
    "leftover_budget": "the city spent the leftover budget in a way of its own",
}


class RuleNotRecorded(TallyInputError):
    """The file does not say enough to count as the city did; the message says why."""


@dataclass(frozen=True, slots=True)
class RecordedRule:
    """The rule to count with, and a sentence saying why it is that one."""

    rule: Rule
    reason: str


def recorded_rule(election: Election) -> RecordedRule:
    """The rule the election's META names, or `RuleNotRecorded` with the reason."""
    meta = election.parameters
    name = meta.get("rule", "").strip()
    if not name:
        raise RuleNotRecorded("the file's META names no rule")
    if name in _REFUSED_RULES:
        raise RuleNotRecorded(f"META rule {name!r}: {_REFUSED_RULES[name]}")
    if name not in RECORDED_RULES:
        known = ", ".join(RECORDED_RULES)
        raise RuleNotRecorded(f"META rule {name!r} is not one this engine knows ({known})")
    for key, why in _UNSUPPORTED_META.items():
        if meta.get(key, "").strip():
            raise RuleNotRecorded(f"META rule {name!r} with {key} {meta[key]!r}: {why}")
    if name == "greedy-threshold" and election.min_project_score_threshold is None:
        raise RuleNotRecorded(
            "META rule 'greedy-threshold' without min_project_score_threshold: "
            "the file does not say what the threshold was"
        )
    rule = RECORDED_RULES[name]
    threshold = (
        ""
        if election.min_project_score_threshold is None
        else f", projects scoring below {election.min_project_score_threshold} left out"
    )
    return RecordedRule(rule, f"META rule {name!r} counted as {rule.value}{threshold}")
