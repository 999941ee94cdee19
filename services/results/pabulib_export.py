"""`samskab export pabulib PROCESS BUDGET`: one budget of a process as a Pabulib ``.pb`` file.

The projects are those on the area's ballot, the votes the area's active ballots, read from
the record (the event store). A project imported from Pabulib gets its Pabulib id back; any
other keeps its proposal id, whose order is the order the engine breaks ties by, so a count of
the file decides as a count of the process does. Amounts are kroner (``currency`` DKK);
``voter_id`` is the voter's place in this file (1, 2, …), never a pseudonym.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from events.budgeting_common import (
    ApprovalRules,
    CumulativeRules,
    KnapsackRules,
    RankedRules,
    TallyRule,
)
from services.results.certify import area_election, pabulib_id
from services.results.record import ProcessRecord
from services.tally import Ballot, Election
from services.tally.pabulib_writer import write_pabulib

PABULIB_RULES = {
    TallyRule.GREEDY_SCORE: "greedy",
    TallyRule.GREEDY_SCORE_NO_SKIP: "greedy-no-skip",
    TallyRule.MES_ADD1: "equalshares/add1",
    TallyRule.MES_ADD1_COMPARISON: "equalshares/add1-comparison",
    TallyRule.PHRAGMEN: "seq-phragmen",
}
"""How META ``rule`` names the process's tally rule. Other MES variants are ``equalshares``
(the format has no name for their completion)."""

PER_COST_RULES = {
    TallyRule.GREEDY: ("greedy", "greedy-per-cost"),
    TallyRule.GREEDY_NO_SKIP: ("greedy-no-skip", "greedy-per-cost-no-skip"),
}
"""Greedy by satisfaction per cost: on approval ballots that is the order of approvals, which
the format's ``greedy`` names; on points or rankings it is not, and the name says so."""


def pabulib_rule(rule: TallyRule, approval: bool) -> str:
    """META ``rule`` for a process counted with ``rule`` (``approval``: approval-like ballots)."""
    if rule in PER_COST_RULES:
        same, own = PER_COST_RULES[rule]
        return same if approval else own
    return PABULIB_RULES.get(rule, "equalshares")


def export_election(record: ProcessRecord, local_area: str) -> Election:
    """The area's election with each project under the id the file will carry."""
    election = area_election(record, local_area)
    titles = {str(pid): p for pid, p in record.proposals.items()}
    ids = {
        p.id: (pabulib_id(titles[p.id].description) if p.id in titles else None) or p.id
        for p in election.projects
    }
    projects = tuple(
        replace(p, id=ids[p.id], name=titles[p.id].title if p.id in titles else "")
        for p in election.projects
    )
    ballots = tuple(
        Ballot(projects=tuple(ids[i] for i in b.projects), voters=b.voters, points=b.points)
        for b in election.ballots
    )
    return replace(election, projects=projects, ballots=ballots)


def export_pabulib(record: ProcessRecord, local_area: str) -> str:
    """The ``.pb`` text of one budget of the process."""
    process = record.process
    assert process.rules is not None  # export_election refuses a process without rules
    election = export_election(record, local_area)
    meta = {
        "description": process.title,
        "unit": process.municipality,
        "subunit": local_area,
        "instance": str(record.process_id),
        "rule": pabulib_rule(
            process.tally_rule, isinstance(process.rules, ApprovalRules | KnapsackRules)
        ),
        "currency": "DKK",
        **_limits(process.rules),
    }
    return write_pabulib(election, meta)


def _limits(rules: ApprovalRules | KnapsackRules | CumulativeRules | RankedRules) -> dict[str, str]:
    match rules:
        case ApprovalRules():
            most = {} if rules.max_selections is None else {"max_length": str(rules.max_selections)}
            return {"min_length": str(max(rules.min_selections, 1)), **most}
        case KnapsackRules():
            return {"min_length": str(max(rules.min_projects or 1, 1))}
        case CumulativeRules():
            per = (
                {} if rules.max_per_project is None else {"max_points": str(rules.max_per_project)}
            )
            return {"min_length": "1", "max_sum_points": str(rules.points), **per}
        case RankedRules():
            return {"min_length": "1", "max_length": str(rules.top_k)}
        case _:
            assert_never(rules)
