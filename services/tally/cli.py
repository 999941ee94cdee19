"""``samskab tally --pabulib FILE.pb --rule RULE [--json]`` as a plain function.

The typer command that calls it lives in ``services/cli``; this module only turns a file and a
rule name into the text to print.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from services.tally.model import Money, TallyResult
from services.tally.pabulib import read_pabulib
from services.tally.recorded import RuleNotRecorded, recorded_rule
from services.tally.rules import parse_rule, tally

AS_RECORDED = "as-recorded"
"""The rule name that counts a file with the rule its META records (see `recorded_rule`)."""


def tally_pabulib(path: Path, rule: str, as_json: bool) -> str:
    """Count a Pabulib file with a rule, or ``as-recorded`` with the rule its META names;
    raises `TallyInputError` on bad input, `RuleNotRecorded` when the rule cannot be known."""
    chosen = parse_rule(rule) if rule != AS_RECORDED else None
    election = read_pabulib(path)
    if chosen is None:
        try:
            recorded = recorded_rule(election)
        except RuleNotRecorded as exc:
            raise RuleNotRecorded(f"{path}: cannot count as recorded: {exc}") from None
        chosen = recorded.rule
        election = replace(election, notes=(f"as recorded: {recorded.reason}", *election.notes))
    result = tally(election, chosen)
    return render_json(result) if as_json else render_text(result)


def render_json(result: TallyResult) -> str:
    """The result as a JSON object; ``selected`` lists project ids exactly as in the file."""
    return json.dumps(
        {
            "rule": result.rule,
            "rule_version": result.rule_version,
            "tie_break": result.tie_break,
            "ballots": result.voter_count,
            "budget": _exact(result.budget),
            "selected": list(result.selected_ids),
            "projects": [
                {"id": p.id, "cost": _exact(p.cost), "score": _exact(p.score)}
                for p in result.selected
            ],
            "total_cost": _exact(result.total_cost),
            "ineligible": list(result.ineligible),
            "parameters": result.parameters,
            "notes": list(result.notes),
        },
        ensure_ascii=False,
        indent=2,
    )


def render_text(result: TallyResult) -> str:
    """The result for a person: rule, tie-break, ballots, selected projects, total spent."""
    lines = [
        f"rule: {result.rule} — {result.rule_version}",
        f"tie-break: {result.tie_break}",
        f"ballots: {result.voter_count}",
        f"budget: {_money(result.budget)}",
    ]
    lines += [f"{key}: {value}" for key, value in sorted(result.parameters.items())]
    if result.ineligible:
        lines.append(f"ineligible (below score threshold): {', '.join(result.ineligible)}")
    lines += [f"note: {note}" for note in result.notes]
    lines.append(f"selected ({len(result.selected)}):")
    width = max((len(p.id) for p in result.selected), default=0)
    lines += [
        f"  {p.id:<{width}}  cost {_money(p.cost):>14}  score {_money(p.score)}"
        for p in result.selected
    ]
    lines.append(f"total spent: {_money(result.total_cost)} of {_money(result.budget)}")
    return "\n".join(lines)


def _money(value: Money) -> str:
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value} (~{float(value):.2f})"
    return str(int(value))


def _exact(value: Money) -> int | str:
    """An integer as a JSON number, a fraction as an exact string such as ``"171613817/100"``."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return str(value)
    return int(value)
