"""`samskab import pabulib FILE.pb`: a real participatory-budgeting election becomes a process.

The file is read by the tally engine's Pabulib reader, then the whole import is rehearsed in
memory through the deciders (process, proposals, ballots) before anything is written: a file
that cannot be represented is refused with every reason, and nothing is recorded. Then the same
decided events are appended, in phase order:

1. the process (draft, one budget in kroner: 1 unit of the file's currency = 1 krone, ballot
   rules for the vote type, the tally rule), then ideas;
2. one proposal per project, submitted; review; each found feasible, estimated and priced at
   its cost, and put on the ballot; the census summary (one voter per vote in the file); voting
   opens;
3. per voter: registered as eligible (keyed pseudonym of ``pabulib|<process>|<n>``), one paper
   ballot entered by the importer; then the process moves to tallying.

Projects keep their Pabulib id in the proposal description (``Pabulib project_id: <id>``), and
their proposal ids are minted so that they sort as the Pabulib ids do: the engine breaks ties
by project id, so the process decides every tie exactly as a count of the file would.

Every stream written is new (the process id is fresh), so the bulk path decides against the
initial state and appends at version 0 without loading; the event store's (stream, version)
key still refuses anything that is not.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import Any, assert_never
from uuid import UUID, uuid5

from events.base import Actor, Event, Role
from events.budgeting_common import (
    DEFAULT_CORE_TASKS,
    ApprovalRules,
    BallotChannel,
    Budget,
    CumulativeRules,
    Phase,
    RankedRules,
    TallyRule,
)
from services.domain import budgeting as domain
from services.domain.budgeting import ballots as voting
from services.domain.budgeting.process import AnyRules
from services.domain.errors import CommandRejected
from services.results.certify import PABULIB_MARK
from services.tally import Election, VoteType
from services.tally.model import Ballot, Money
from services.tally.profile import support_profile
from services.tally.recorded import RuleNotRecorded, recorded_rule
from services.texts.rejections import rejection_text

NAMESPACE = UUID("3c6f0d7a-91b4-4e2f-8a55-6d0e2b7f4c19")
IMPORTER = "pabulib-import"
CORE_TASK = DEFAULT_CORE_TASKS[0]
MAX_PROBLEMS = 20


class ImportRefused(ValueError):
    """The file cannot be represented as a process; `problems` says why, each on its own."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PlannedProject:
    proposal_id: UUID
    pabulib_id: str
    title: str
    cost_ore: int


@dataclass(frozen=True)
class PlannedBallot:
    """One way of voting (in proposal ids), cast by `voters` voters."""

    voters: int
    approvals: tuple[UUID, ...] = ()
    points: Mapping[UUID, int] = field(default_factory=dict)
    ranking: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    process_id: UUID
    title: str
    municipality: str
    description: str
    local_area: str
    budget_ore: int
    rules: AnyRules
    tally_rule: TallyRule
    projects: tuple[PlannedProject, ...]
    ballots: tuple[PlannedBallot, ...]
    notes: tuple[str, ...] = ()

    @property
    def voter_count(self) -> int:
        return sum(b.voters for b in self.ballots)


def minted_proposal_id(process_id: UUID, rank: int, pabulib_id: str) -> UUID:
    """A proposal id whose text starts with `rank` (8 hex digits), so ids sort by rank."""
    tail = uuid5(NAMESPACE, f"{process_id}|{pabulib_id}").hex[8:]
    return UUID(f"{rank:08x}{tail}")


def plan_import(
    election: Election, source: str, process_id: UUID, local_area: str | None = None
) -> ImportPlan:
    """What the import will record; `ImportRefused` names everything that cannot be."""
    problems: list[str] = []
    meta = election.parameters
    area = local_area or meta.get("subunit") or meta.get("unit") or "Pabulib"
    budget_ore = _ore(election.budget, "the budget", problems)
    ranked = sorted(p.id for p in election.projects)
    ids = {pid: minted_proposal_id(process_id, rank, pid) for rank, pid in enumerate(ranked)}
    projects = tuple(
        PlannedProject(
            proposal_id=ids[p.id],
            pabulib_id=p.id,
            title=p.name.strip() or f"Project {p.id}",
            cost_ore=_ore(p.cost, f"the cost of project {p.id}", problems),
        )
        for p in election.projects
    )
    over = [p.pabulib_id for p in projects if p.cost_ore > budget_ore]
    if over:
        problems.append(f"project(s) {', '.join(over)} cost more than the budget")
    _check_threshold(election, problems)
    notes: list[str] = list(election.notes)
    ballots = tuple(_ballot(b, election.vote_type, ids, problems, notes) for b in election.ballots)
    rules = _rules(election, meta, problems)
    if problems:
        raise ImportRefused(problems)
    return ImportPlan(
        process_id=process_id,
        title=meta.get("description", "").strip() or source,
        municipality=meta.get("unit", "").strip() or "Pabulib",
        description=_description(source, meta),
        local_area=area,
        budget_ore=budget_ore,
        rules=rules,
        tally_rule=_tally_rule(election, notes),
        projects=projects,
        ballots=ballots,
        notes=tuple(dict.fromkeys(notes)),
    )


def _ore(amount: Money, what: str, problems: list[str]) -> int:
    exact = Fraction(amount) * 100
    if exact.denominator != 1:
        problems.append(f"{what} ({amount}) is not a whole number of øre")
        return 0
    return int(exact)


def _check_threshold(election: Election, problems: list[str]) -> None:
    """A process has no score threshold; one that leaves no project out changes nothing."""
    below = support_profile(election).ineligible
    if below:
        problems.append(
            f"min_project_score_threshold {election.min_project_score_threshold} leaves out "
            f"{len(below)} project(s) ({', '.join(below[:10])}{', …' if len(below) > 10 else ''})"
            ": a process has no score threshold"
        )


def _ballot(
    ballot: Ballot,
    vote_type: VoteType,
    ids: Mapping[str, UUID],
    problems: list[str],
    notes: list[str],
) -> PlannedBallot:
    if not ballot.projects:
        problems.append(f"{ballot.voters} vote(s) select no project: a ballot names at least one")
        return PlannedBallot(ballot.voters)
    match vote_type:
        case VoteType.APPROVAL:
            return PlannedBallot(ballot.voters, approvals=tuple(ids[p] for p in ballot.projects))
        case VoteType.ORDINAL:
            return PlannedBallot(ballot.voters, ranking=tuple(ids[p] for p in ballot.projects))
        case VoteType.CUMULATIVE:
            points: dict[UUID, int] = {}
            for project, given in zip(ballot.projects, ballot.points or (), strict=True):
                if Fraction(given).denominator != 1:
                    problems.append(f"points {given} are not a whole number")
                elif given == 0:
                    notes.append("points of 0 were left out: they count for nothing")
                else:
                    points[ids[project]] = int(given)
            if not points:
                problems.append(f"{ballot.voters} vote(s) give no project any points")
            return PlannedBallot(ballot.voters, points=points)
        case _:
            assert_never(vote_type)


def _whole(meta: Mapping[str, str], key: str, problems: list[str]) -> int | None:
    raw = meta.get(key, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"META {key} {raw!r} is not a whole number")
        return None
    return value


def _rules(election: Election, meta: Mapping[str, str], problems: list[str]) -> AnyRules:
    longest = max((len(b.projects) for b in election.ballots), default=1)
    match election.vote_type:
        case VoteType.APPROVAL:
            most = _whole(meta, "max_length", problems)
            least = _whole(meta, "min_length", problems)
            return ApprovalRules(
                min_selections=max(least or 1, 1),
                max_selections=most if most is not None and most >= 1 else None,
            )
        case VoteType.CUMULATIVE:
            spent = max((sum(b.points or ()) for b in election.ballots), default=1)
            total = _whole(meta, "max_sum_points", problems) or max(int(spent), 1)
            per = _whole(meta, "max_points", problems)
            return CumulativeRules(
                points=total, max_per_project=per if per is not None and per <= total else None
            )
        case VoteType.ORDINAL:
            return RankedRules(top_k=_whole(meta, "max_length", problems) or longest)
        case _:
            assert_never(election.vote_type)


_RANKED_RULES = {
    TallyRule.GREEDY,
    TallyRule.GREEDY_SCORE,
    TallyRule.GREEDY_NO_SKIP,
    TallyRule.GREEDY_SCORE_NO_SKIP,
}


def _tally_rule(election: Election, notes: list[str]) -> TallyRule:
    """The rule the file records (see `recorded_rule`) where a process of its vote type can
    use it; otherwise Equal Shares for an ``equalshares`` file, greedy for any other, with a
    note saying so."""
    name = election.parameters.get("rule", "")
    fallback = (
        TallyRule.MES
        if name.startswith("equalshares") and election.vote_type is not VoteType.ORDINAL
        else TallyRule.GREEDY
    )
    try:
        rule = TallyRule(recorded_rule(election).rule.value)
    except RuleNotRecorded as exc:
        notes.append(f"{exc}; the process counts with {fallback.value}")
        return fallback
    ranked = election.vote_type is VoteType.ORDINAL
    comparison = rule is TallyRule.MES_ADD1_COMPARISON
    if (ranked and rule not in _RANKED_RULES) or (
        comparison and election.vote_type is not VoteType.APPROVAL
    ):
        notes.append(
            f"META rule {name!r} ({rule.value}) cannot count {election.vote_type} ballots in a "
            f"process; the process counts with {fallback.value}"
        )
        return fallback
    return rule


def _description(source: str, meta: Mapping[str, str]) -> str:
    where = ", ".join(meta[k] for k in ("country", "unit", "subunit", "instance") if meta.get(k))
    return f"Imported from the Pabulib file {source}" + (f" ({where})" if where else "") + "."


# --- the rehearsal: every decision, in memory ------------------------------------------------


Stage = list[tuple[str, list[Event]]]
"""Appends to different streams that may run together; stages run one after the other."""


@dataclass(frozen=True)
class Rehearsal:
    setup: list[Stage]
    voting: domain.ProcessState
    """The process as voters find it (voting open, every project on the ballot)."""


class _Process:
    """The process stream as the rehearsal builds it: state and the events decided so far."""

    def __init__(self) -> None:
        self.state = domain.PROCESS_INITIAL
        self.pending: list[Event] = []

    def decide(self, command: domain.ProcessCommand, proposal: Any = None) -> None:
        for event in domain.decide_process(command, self.state, proposal):
            self.state = domain.evolve_process(self.state, event)
            self.pending.append(event)

    def take(self) -> list[Event]:
        taken, self.pending = self.pending, []
        return taken


def rehearse(plan: ImportPlan, at: datetime, author: str) -> Rehearsal:
    """Decide the process and proposal commands in memory, and one ballot of each way of
    voting; raises `ImportRefused` with the deciders' reasons."""
    try:
        return _rehearse(plan, at, author)
    except CommandRejected as exc:
        raise ImportRefused([rejection_text(exc, "en")]) from exc


def _rehearse(plan: ImportPlan, at: datetime, author: str) -> Rehearsal:
    pid = plan.process_id
    stream = domain.process_stream(pid)
    process = _Process()
    process.decide(
        domain.CreateProcess(
            process_id=pid,
            title=plan.title,
            municipality=plan.municipality,
            description=plan.description,
            budgets=(Budget(local_area=plan.local_area, amount_ore=plan.budget_ore),),
            initial_phase=Phase.DRAFT,
        )
    )
    process.decide(domain.SetBallotRules(pid, plan.rules))
    process.decide(domain.ChooseTallyRule(pid, plan.tally_rule))
    process.decide(domain.AdvancePhase(pid, Phase.IDEAS, at))
    stages: list[Stage] = [[(stream, process.take())]]
    proposals = {p.proposal_id: domain.PROPOSAL_INITIAL for p in plan.projects}

    def on_proposals(make: Callable[[PlannedProject], list[domain.ProposalCommand]]) -> Stage:
        stage: Stage = []
        for project in plan.projects:
            decided: list[Event] = []
            for command in make(project):
                state = proposals[project.proposal_id]
                for event in domain.decide_proposal(command, state, process.state):
                    proposals[project.proposal_id] = domain.evolve_proposal(state, event)
                    state = proposals[project.proposal_id]
                    decided.append(event)
            stage.append((domain.proposal_stream(project.proposal_id), decided))
        return stage

    stages.append(
        on_proposals(
            lambda p: [
                domain.SubmitProposal(
                    proposal_id=p.proposal_id,
                    process_id=pid,
                    author=author,
                    title=p.title,
                    description=f"{PABULIB_MARK}{p.pabulib_id}",
                    estimated_cost_ore=p.cost_ore,
                    local_area=plan.local_area,
                    core_task=CORE_TASK,
                )
            ]
        )
    )
    process.decide(domain.AdvancePhase(pid, Phase.REVIEW, at))
    stages.append([(stream, process.take())])
    stages.append(
        on_proposals(
            lambda p: [
                domain.ReviewProposal(p.proposal_id, feasible=True, reason="Pabulib project"),
                domain.EstimateCost(p.proposal_id, p.cost_ore, note="cost in the Pabulib file"),
                domain.PublishPrice(p.proposal_id),
            ]
        )
    )
    for project in plan.projects:
        process.decide(domain.PutOnBallot(pid, project.proposal_id), proposals[project.proposal_id])
    eligible = {plan.local_area: plan.voter_count}
    process.decide(domain.RecordCensus(pid, census_id(plan), 0, at.date(), eligible))
    process.decide(domain.AdvancePhase(pid, Phase.VOTING, at))
    stages.append([(stream, process.take())])
    _rehearse_ballots(plan, process.state, at)
    return Rehearsal(setup=stages, voting=process.state)


def _rehearse_ballots(plan: ImportPlan, state: domain.ProcessState, at: datetime) -> None:
    refused: dict[str, int] = {}
    for ballot in plan.ballots:
        try:
            voter_events(plan, state, ballot, "rehearsal", at, IMPORTER, "0" * 32)
        except CommandRejected as exc:
            reason = rejection_text(exc, "en")
            refused[reason] = refused.get(reason, 0) + ballot.voters
    if refused:
        raise ImportRefused(
            [f"{n} vote(s) cannot be cast: {reason}" for reason, n in refused.items()]
        )


@dataclass(frozen=True)
class VoterEvents:
    eligibility_stream: str
    registered: list[Event]
    ballot_stream: str
    cast: list[Event]


def census_id(plan: ImportPlan) -> UUID:
    return uuid5(NAMESPACE, f"{plan.process_id}|census")


def voter_events(
    plan: ImportPlan,
    state: domain.ProcessState,
    ballot: PlannedBallot,
    voter: str,
    at: datetime,
    entered_by: str,
    nonce: str,
) -> VoterEvents:
    """Register `voter` (a pseudonym) and cast their paper ballot, both decided against new
    streams."""
    pid, area = plan.process_id, plan.local_area
    register = voting.RegisterVoter(pid, voter, area, census_id(plan))
    registered = voting.decide_eligibility(register, voting.ELIGIBILITY_INITIAL, state)
    eligibility = voting.ELIGIBILITY_INITIAL
    for event in registered:
        eligibility = voting.evolve_eligibility(eligibility, event)
    cast = voting.CastBallot(
        process_id=pid,
        local_area=area,
        voter=voter,
        channel=BallotChannel.PAPER,
        at=at,
        nonce=nonce,
        approvals=ballot.approvals,
        points=ballot.points,
        ranking=ballot.ranking,
        entered_by=entered_by,
    )
    return VoterEvents(
        eligibility_stream=voting.eligibility_stream(pid, voter),
        registered=registered,
        ballot_stream=voting.ballot_stream(pid, area, voter, state.budget_scope),
        cast=voting.decide_ballot(cast, voting.BALLOT_INITIAL, state, eligibility),
    )


def voters(plan: ImportPlan) -> Iterator[tuple[int, PlannedBallot]]:
    """Each voter's number (from 1) and ballot: the ways of voting, each repeated."""
    number = 0
    for ballot in plan.ballots:
        for _ in range(ballot.voters):
            number += 1
            yield number, replace(ballot, voters=1)


def closing(plan: ImportPlan, state: domain.ProcessState, at: datetime) -> list[Event]:
    """The move to tallying, once every ballot is in."""
    process = _Process()
    process.state = state
    process.decide(domain.AdvancePhase(plan.process_id, Phase.TALLYING, at))
    return process.take()


# --- recording -------------------------------------------------------------------------------


async def record_import(
    store: Any,
    plan: ImportPlan,
    rehearsal: Rehearsal,
    pseudonym: Callable[[str], str],
    at: datetime,
    advance: Callable[[int], None] = lambda _: None,
    chunk: int = 1000,
) -> None:
    """Append what the rehearsal decided, then every voter's registration and ballot."""
    from services.application.commands import Meta, pending

    meta = Meta(Actor(subject=IMPORTER, role=Role.SYSTEM), plan.process_id)
    versions: dict[str, int] = {}

    async def append(stream: str, events: list[Event]) -> None:
        if events:
            await store.append(stream, versions.get(stream, 0), pending(events, meta))
            versions[stream] = versions.get(stream, 0) + len(events)

    for stage in rehearsal.setup:
        await asyncio.gather(*(append(stream, events) for stream, events in stage))
    entered_by = pseudonym(IMPORTER)
    batch: list[tuple[int, PlannedBallot]] = []

    async def flush() -> None:
        appends = []
        for number, ballot in batch:
            voter = pseudonym(f"pabulib|{plan.process_id}|{number}")
            decided = voter_events(
                plan, rehearsal.voting, ballot, voter, at, entered_by, secrets.token_hex(16)
            )
            appends.append(
                store.append(decided.eligibility_stream, 0, pending(decided.registered, meta))
            )
            appends.append(store.append(decided.ballot_stream, 0, pending(decided.cast, meta)))
        await asyncio.gather(*appends)
        advance(len(batch))
        batch.clear()

    for item in voters(plan):
        batch.append(item)
        if len(batch) == chunk:
            await flush()
    if batch:
        await flush()
    await append(domain.process_stream(plan.process_id), closing(plan, rehearsal.voting, at))
