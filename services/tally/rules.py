"""The rules a count can use, by name, and the one entry point that runs them: `tally`."""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import assert_never

from services.tally.completion import Completed, add1, add1_then_compare
from services.tally.greedy import greedy, score_order
from services.tally.mes import equal_shares, prepare
from services.tally.model import (
    TIE_BREAK,
    Election,
    SelectedProject,
    TallyInputError,
    TallyResult,
    VoteType,
)
from services.tally.phragmen import sequential_phragmen
from services.tally.profile import SupportProfile, support_profile


class Rule(enum.StrEnum):
    """Counting rules, named as the CLI and the events name them."""

    GREEDY = "greedy"
    GREEDY_SCORE = "greedy-score"
    GREEDY_NO_SKIP = "greedy-no-skip"
    GREEDY_SCORE_NO_SKIP = "greedy-score-no-skip"
    MES = "mes"
    MES_PLAIN = "mes-plain"
    MES_ADD1 = "mes-add1"
    MES_ADD1_COMPARISON = "mes-add1-comparison"
    PHRAGMEN = "phragmen"


RULE_VERSIONS: dict[Rule, str] = {
    Rule.GREEDY: "greedy-utilitarian/1 (= pabutools 1.2.3 greedy_utilitarian_welfare)",
    Rule.GREEDY_SCORE: "greedy-score/1 (projects by decreasing total score: approvals, points, "
    "or positional score L-i+1 for ordinal ballots; skip what does not fit)",
    Rule.GREEDY_NO_SKIP: "greedy-no-skip/1 (the greedy-utilitarian order; stop at the first "
    "project that does not fit)",
    Rule.GREEDY_SCORE_NO_SKIP: "greedy-score-no-skip/1 (the greedy-score order; stop at the "
    "first project that does not fit)",
    Rule.MES: "mes-add1-greedy/1 (= pabutools 1.2.3 completion_by_rule_combination of "
    "exhaustion_by_budget_increase(method_of_equal_shares, +1 per voter) and greedy)",
    Rule.MES_PLAIN: "mes/1 (= pabutools 1.2.3 method_of_equal_shares)",
    Rule.MES_ADD1: "mes-add1/1 (= pabutools 1.2.3 exhaustion_by_budget_increase of "
    "method_of_equal_shares, +1 per voter)",
    Rule.MES_ADD1_COMPARISON: "mes-add1-comparison/1 (equalshares.net: Add1 from the whole "
    "endowment below budget/voters, then the satisfaction comparison with greedy)",
    Rule.PHRAGMEN: "seq-phragmen/1 (= pabutools 1.2.3 sequential_phragmen)",
}

BY_SCORE = frozenset({Rule.GREEDY_SCORE, Rule.GREEDY_SCORE_NO_SKIP})
"""Rules that order by total score; their results report that score for each project."""

SCORE: dict[VoteType, str] = {
    VoteType.APPROVAL: "approvals",
    VoteType.CUMULATIVE: "points",
    VoteType.ORDINAL: "positional (a ballot ranking L projects gives its i-th L-i+1 points)",
}

SATISFACTION: dict[VoteType, str] = {
    VoteType.APPROVAL: "cost (Cost_Sat)",
    VoteType.CUMULATIVE: "points (Additive_Cardinal_Sat)",
    VoteType.ORDINAL: "Borda (Additive_Borda_Sat)",
}


def parse_rule(name: str) -> Rule:
    """The rule called ``name``; `TallyInputError` names the known rules otherwise."""
    try:
        return Rule(name)
    except ValueError:
        known = ", ".join(rule.value for rule in Rule)
        raise TallyInputError(f"unknown rule {name!r} (known rules: {known})") from None


def tally(election: Election, rule: Rule) -> TallyResult:
    """Count the election with the rule; pure, deterministic, exact."""
    _check_applies(election, rule)
    profile = support_profile(election)
    outcome = _run(profile, rule)
    parameters = dict(election.parameters)
    if rule in BY_SCORE:
        parameters["score"] = SCORE[election.vote_type]
    else:
        parameters["satisfaction"] = SATISFACTION[election.vote_type]
    if election.min_project_score_threshold is not None:
        parameters["min_project_score_threshold"] = str(election.min_project_score_threshold)
    notes = [*election.notes]
    notes += [note for note in (outcome.note, _endowment_note(outcome.endowment)) if note]
    return TallyResult(
        rule=rule.value,
        rule_version=RULE_VERSIONS[rule],
        tie_break=TIE_BREAK,
        voter_count=profile.voter_count,
        budget=election.budget,
        selected=tuple(
            SelectedProject(
                id=s.project.id,
                cost=s.project.cost,
                score=s.total_score if rule in BY_SCORE else s.score,
            )
            for s in outcome.funded
        ),
        ineligible=profile.ineligible,
        parameters=parameters,
        notes=tuple(notes),
        endowment=outcome.endowment,
    )


def _check_applies(election: Election, rule: Rule) -> None:
    needs_approval = rule in (Rule.PHRAGMEN, Rule.MES_ADD1_COMPARISON)
    if needs_approval and election.vote_type is not VoteType.APPROVAL:
        raise TallyInputError(
            f"rule {rule.value} needs approval ballots, this election has {election.vote_type}"
        )


def _run(profile: SupportProfile, rule: Rule) -> Completed:
    match rule:
        case Rule.GREEDY:
            return Completed(funded=greedy(profile), endowment=None)
        case Rule.GREEDY_SCORE:
            return Completed(funded=greedy(profile, order=score_order), endowment=None)
        case Rule.GREEDY_NO_SKIP:
            return Completed(funded=greedy(profile, skip=False), endowment=None)
        case Rule.GREEDY_SCORE_NO_SKIP:
            funded = greedy(profile, order=score_order, skip=False)
            return Completed(funded=funded, endowment=None)
        case Rule.MES_PLAIN:
            endowment = Fraction(profile.budget) / max(profile.voter_count, 1)
            return Completed(funded=equal_shares(prepare(profile), endowment), endowment=endowment)
        case Rule.MES_ADD1:
            return add1(profile, prepare(profile))
        case Rule.MES:
            mes = add1(profile, prepare(profile))
            return Completed(funded=greedy(profile, mes.funded), endowment=mes.endowment)
        case Rule.MES_ADD1_COMPARISON:
            return add1_then_compare(profile, prepare(profile))
        case Rule.PHRAGMEN:
            return Completed(funded=sequential_phragmen(profile), endowment=None)
        case _ as unreachable:
            assert_never(unreachable)


def _endowment_note(endowment: Fraction | None) -> str:
    if endowment is None:
        return ""
    return f"endowment per voter: {endowment} (about {float(endowment):.2f})"
