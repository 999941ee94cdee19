"""The result certificate of one budget of a process, computed from its record (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_never

from events.budgeting_common import ApprovalRules, CumulativeRules, KnapsackRules, RankedRules
from services.domain.budgeting.process import AnyRules
from services.domain.budgeting.tally_input import election_for
from services.results.record import ProcessRecord, RecordError
from services.tally import Election, Rule, tally
from services.tally.certificate import Certificate, CertificateInput

PABULIB_MARK = "Pabulib project_id: "
"""How an imported proposal's description names its project id in the Pabulib file."""


def pabulib_id(description: str) -> str | None:
    for line in description.splitlines():
        if line.startswith(PABULIB_MARK):
            return line.removeprefix(PABULIB_MARK).strip() or None
    return None


def choose_area(record: ProcessRecord, local_area: str | None) -> str:
    """The budget asked for, or the process's only budget; a clear error otherwise."""
    areas = sorted(record.process.budgets)
    if local_area is None:
        if len(areas) == 1:
            return areas[0]
        raise RecordError(
            f"the process has {len(areas)} budgets; name one with --budget "
            f"({', '.join(areas) or 'none'})"
        )
    if local_area not in record.process.budgets:
        raise RecordError(
            f"the process has no budget for {local_area!r} (known: {', '.join(areas) or 'none'})"
        )
    return local_area


def area_election(record: ProcessRecord, local_area: str) -> Election:
    """The election of one budget: its projects on the ballot, its active ballots."""
    process = record.process
    if process.rules is None:
        raise RecordError("the process has no ballot rules yet, so there is nothing to count")
    return election_for(
        process.rules,
        local_area,
        process.budgets[local_area],
        process.ballot.get(local_area, {}),
        record.ballots,
    )


def labels(record: ProcessRecord) -> dict[str, str]:
    """Each proposal's Pabulib id if it was imported from a file, else its title."""
    return {str(pid): pabulib_id(p.description) or p.title for pid, p in record.proposals.items()}


def certificate(record: ProcessRecord, local_area: str, rule: Rule | None) -> Certificate:
    """Count the budget with `rule` (default: the process's tally rule); raises
    `TallyInputError` when the rule does not apply to the ballots."""
    process = record.process
    election = area_election(record, local_area)
    chosen = rule if rule is not None else Rule(process.tally_rule.value)
    result = tally(election, chosen)
    assert process.rules is not None  # area_election checked it
    given = CertificateInput(
        process_id=str(record.process_id),
        process_title=process.title,
        local_area=local_area,
        cut_off=iso(record.cut_off) if record.cut_off else None,
        events=record.events,
        last_seq=record.last_seq,
        last_hash=record.last_hash,
        last_ballot_hash=record.last_ballot_hash,
        ballot_rules=f"{describe_rules(process.rules)} (rules version {process.rules_version})",
    )
    on_ballot = {str(pid) for pid in process.ballot.get(local_area, {})}
    named = {pid: label for pid, label in labels(record).items() if pid in on_ballot}
    return Certificate(input=given, result=result, labels=named)


def describe_rules(rules: AnyRules) -> str:
    match rules:
        case ApprovalRules():
            most = rules.max_selections if rules.max_selections is not None else "any number of"
            return f"approval, {max(rules.min_selections, 1)} to {most} projects"
        case KnapsackRules():
            return (
                f"knapsack, min spend {rules.min_spend_percent or 0}%, "
                f"min projects {rules.min_projects or 0}"
            )
        case CumulativeRules():
            per = rules.max_per_project if rules.max_per_project is not None else rules.points
            return f"cumulative, {rules.points} points, at most {per} on one project"
        case RankedRules():
            return f"ranked, top {rules.top_k}"
        case _:
            assert_never(rules)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
