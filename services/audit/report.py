"""The audit report of one budgeting process, computed from its events alone (no I/O).

`build_report(process_id, envelopes)` folds the stored events whose partition key is the
process id — its process, proposal, eligibility, ballot, ledger and implementation streams —
into what an auditor checks: the phase timeline, the ballot and tally rules in force, the active
ballots per channel and budget, the allocation proposed and decided (with any deviation and its
reason), the money paid out and given back, and the last event included (seq and hash), so the
figures can be tied to the hash chain that `samskab audit verify` proves.

The same events always give the same report: nothing here reads a clock or a read model.
Ballots count as the tally counts them (`services/domain/budgeting/ballots.evolve_ballot` per
stream): a replaced ballot once, in its latest form; a withdrawn one not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from events.base import Actor, Event
from events.budgeting_ballots import BallotCast, BallotReplaced, BallotWithdrawn
from events.budgeting_common import TOPIC, BallotChannel, BudgetScope, Phase, SkippedProject
from events.budgeting_followup import FundsDisbursed, FundsReturned
from events.budgeting_process import (
    AllocationDecided,
    AllocationProposed,
    BallotRulesSet,
    PhaseChanged,
    PhaseScheduled,
    ProcessCreated,
    TallyRuleChosen,
)
from events.budgeting_proposals import EVENTS as PROPOSAL_EVENTS
from events.envelope import Envelope
from events.registry import InvalidEventData, UnknownEventType, decode
from services.domain import budgeting as domain
from services.domain.budgeting.ballots import BALLOT_INITIAL, BallotState, evolve_ballot
from services.domain.budgeting.live_tally import contribution
from services.domain.budgeting.process import AnyRules

PROPOSAL_TYPES = frozenset(cls.type_name for cls in PROPOSAL_EVENTS)


class ReportError(ValueError):
    """The events do not describe the process asked for."""


class UnknownProcess(ReportError):
    """No process with the id asked for."""


@dataclass(frozen=True)
class Step:
    """One fact in the record, with when it was stored and who caused it (a pseudonym)."""

    seq: int
    occurred_at: datetime
    actor: Actor


@dataclass(frozen=True)
class PhaseStep:
    """A phase change; the first step is the creation (`from_phase` None)."""

    step: Step
    from_phase: Phase | None
    to_phase: Phase
    at: datetime
    by_schedule: bool


@dataclass(frozen=True)
class ScheduledPhase:
    step: Step
    phase: Phase
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class RulesVersion:
    step: Step
    rules_version: int
    rules: AnyRules
    budget_scope: BudgetScope
    in_force: bool
    """The version ballots were validated against: the last one set before voting opened."""


@dataclass(frozen=True)
class TallyRuleStep:
    step: Step
    rule: str
    in_force: bool


@dataclass(frozen=True)
class AreaCount:
    """Active ballots of one budget (local area)."""

    local_area: str
    eligible: int | None
    by_channel: Mapping[BallotChannel, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


@dataclass(frozen=True)
class BallotActivity:
    """Ballot events of the process, before replacements and withdrawals are resolved."""

    cast: int = 0
    replaced: int = 0
    withdrawn: int = 0
    by_rules_version: Mapping[int, int] = field(default_factory=dict)
    """Active ballots by the rules version they were cast under."""


@dataclass(frozen=True)
class Project:
    """A project of one budget: its price on the ballot, its score, what it was given."""

    proposal_id: UUID
    title: str
    price_ore: int | None
    score: int
    proposed_ore: int | None
    decided_ore: int | None


@dataclass(frozen=True)
class Proposal:
    step: Step
    rule: str
    ballots_counted: int
    input_hash: str
    skipped: tuple[SkippedProject, ...]


@dataclass(frozen=True)
class Decision:
    step: Step
    confirmed: bool
    reason: str
    decided_by: str


@dataclass(frozen=True)
class AreaAllocation:
    local_area: str
    budget_ore: int | None
    projects: tuple[Project, ...]
    proposal: Proposal | None
    """The last allocation proposed (the tally's outcome); `proposals` counts them all."""
    proposals: int
    decision: Decision | None

    @property
    def deviates(self) -> bool:
        return self.decision is not None and not self.decision.confirmed

    @property
    def proposed_ore(self) -> int:
        return sum(p.proposed_ore or 0 for p in self.projects)

    @property
    def decided_ore(self) -> int:
        return sum(p.decided_ore or 0 for p in self.projects)


@dataclass(frozen=True)
class Payment:
    step: Step
    disbursed: bool
    """True for money paid out, False for money given back to the area."""
    local_area: str
    proposal_id: UUID
    title: str
    amount_ore: int
    at: datetime
    note: str
    """The voucher reference of a disbursement, the reason for a return."""


@dataclass(frozen=True)
class Coverage:
    """The events the report includes: how many, and the last one's place in the chain."""

    events: int
    first_seq: int
    last_seq: int
    last_hash: str
    last_at: datetime


@dataclass(frozen=True)
class AuditReport:
    process_id: UUID
    title: str
    title_en: str
    municipality: str
    phase: Phase
    timeline: tuple[PhaseStep, ...]
    schedule: tuple[ScheduledPhase, ...]
    rules: tuple[RulesVersion, ...]
    tally_rules: tuple[TallyRuleStep, ...]
    counts: tuple[AreaCount, ...]
    activity: BallotActivity
    allocations: tuple[AreaAllocation, ...]
    payments: tuple[Payment, ...]
    coverage: Coverage

    @property
    def closed(self) -> bool:
        return self.phase is Phase.CLOSED


@dataclass
class _Fold:
    """The fold's working memory; `apply` takes one envelope and its decoded event."""

    process_id: UUID
    process: domain.ProcessState = domain.PROCESS_INITIAL
    proposals: dict[UUID, domain.ProposalState] = field(default_factory=dict)
    ballots: dict[str, BallotState] = field(default_factory=dict)
    timeline: list[PhaseStep] = field(default_factory=list)
    schedule: list[ScheduledPhase] = field(default_factory=list)
    rules: list[tuple[Step, BallotRulesSet]] = field(default_factory=list)
    tally_rules: list[tuple[Step, TallyRuleChosen]] = field(default_factory=list)
    voting_opened_at: int | None = None  # seq of the change into voting
    proposed: dict[str, tuple[Step, AllocationProposed]] = field(default_factory=dict)
    proposal_count: dict[str, int] = field(default_factory=dict)
    decided: dict[str, tuple[Step, AllocationDecided]] = field(default_factory=dict)
    ledger: list[tuple[Step, FundsDisbursed | FundsReturned]] = field(default_factory=list)
    cast: int = 0
    replaced: int = 0
    withdrawn: int = 0

    def apply(self, env: Envelope, event: Event) -> None:
        step = Step(env.seq, env.occurred_at, env.actor)
        if env.stream_id == domain.process_stream(self.process_id):
            self.process = domain.evolve_process(self.process, event)
            self._process_event(step, event)
        elif env.type in PROPOSAL_TYPES and env.stream_id.startswith("proposal-"):
            pid = UUID(env.stream_id.removeprefix("proposal-"))
            proposal = self.proposals.get(pid, domain.PROPOSAL_INITIAL)
            self.proposals[pid] = domain.evolve_proposal(proposal, event)
        match event:
            case BallotCast() | BallotReplaced() | BallotWithdrawn():
                ballot = self.ballots.get(env.stream_id, BALLOT_INITIAL)
                self.ballots[env.stream_id] = evolve_ballot(ballot, event)
                self.cast += isinstance(event, BallotCast)
                self.replaced += isinstance(event, BallotReplaced)
                self.withdrawn += isinstance(event, BallotWithdrawn)
            case FundsDisbursed() | FundsReturned():
                self.ledger.append((step, event))
            case _:
                pass

    def _process_event(self, step: Step, event: Event) -> None:
        match event:
            case ProcessCreated():
                self.timeline.append(
                    PhaseStep(step, None, event.initial_phase, step.occurred_at, False)
                )
            case PhaseChanged():
                self.timeline.append(
                    PhaseStep(step, event.from_phase, event.to_phase, event.at, event.by_schedule)
                )
                if event.to_phase is Phase.VOTING and self.voting_opened_at is None:
                    self.voting_opened_at = step.seq
            case PhaseScheduled():
                self.schedule.append(
                    ScheduledPhase(step, event.phase, event.starts_at, event.ends_at)
                )
            case BallotRulesSet():
                self.rules.append((step, event))
            case TallyRuleChosen():
                self.tally_rules.append((step, event))
            case AllocationProposed():
                self.proposed[event.local_area] = (step, event)
                self.proposal_count[event.local_area] = (
                    self.proposal_count.get(event.local_area, 0) + 1
                )
            case AllocationDecided():
                self.decided[event.local_area] = (step, event)
            case _:
                pass


def build_report(process_id: UUID, envelopes: Iterable[Envelope]) -> AuditReport:
    """The report of `process_id` from its stored events (any order; others are ignored)."""
    key = str(process_id)
    mine = sorted((e for e in envelopes if e.key == key and e.topic == TOPIC), key=lambda e: e.seq)
    fold = _Fold(process_id)
    for env in mine:
        try:
            event = decode(env.type, env.version, env.data)
        except (UnknownEventType, InvalidEventData) as exc:
            raise ReportError(f"event seq {env.seq} cannot be read: {exc}") from exc
        fold.apply(env, event)
    if not fold.process.exists:
        raise UnknownProcess(f"no process {process_id} in the event store")
    last = mine[-1]
    process = fold.process
    return AuditReport(
        process_id=process_id,
        title=process.title,
        title_en=process.title_en,
        municipality=process.municipality,
        phase=process.phase,
        timeline=tuple(fold.timeline),
        schedule=tuple(fold.schedule),
        rules=_rules_versions(fold),
        tally_rules=_tally_rules(fold),
        counts=_counts(fold),
        activity=BallotActivity(
            fold.cast, fold.replaced, fold.withdrawn, _by_rules_version(fold.ballots)
        ),
        allocations=_allocations(fold),
        payments=tuple(_payment(fold, step, event) for step, event in fold.ledger),
        coverage=Coverage(len(mine), mine[0].seq, last.seq, last.hash, last.occurred_at),
    )


def _in_force(fold: _Fold, seqs: list[int]) -> int | None:
    """The seq of the setting in force: the last one before voting opened (or the last one)."""
    cut = fold.voting_opened_at
    before = [s for s in seqs if cut is None or s < cut]
    return before[-1] if before else None


def _rules_versions(fold: _Fold) -> tuple[RulesVersion, ...]:
    chosen = _in_force(fold, [step.seq for step, _ in fold.rules])
    return tuple(
        RulesVersion(step, e.rules_version, e.rules, e.budget_scope, step.seq == chosen)
        for step, e in fold.rules
    )


def _tally_rules(fold: _Fold) -> tuple[TallyRuleStep, ...]:
    chosen = _in_force(fold, [step.seq for step, _ in fold.tally_rules])
    return tuple(
        TallyRuleStep(step, e.rule.value, step.seq == chosen) for step, e in fold.tally_rules
    )


def _active(ballots: Mapping[str, BallotState]) -> list[BallotState]:
    return [b for b in ballots.values() if b.active and b.last_ballot is not None]


def _by_rules_version(ballots: Mapping[str, BallotState]) -> dict[int, int]:
    out: dict[int, int] = {}
    for b in _active(ballots):
        out[b.rules_version] = out.get(b.rules_version, 0) + 1
    return dict(sorted(out.items()))


def _areas(fold: _Fold) -> list[str]:
    """Budgets first (in the order they were set), then any other area the events name."""
    named = list(fold.process.budgets)
    named += [b.local_area for b in _active(fold.ballots)]
    named += list(fold.proposed) + list(fold.decided)
    return list(dict.fromkeys(named))


def _counts(fold: _Fold) -> tuple[AreaCount, ...]:
    eligible = fold.process.eligible_by_area
    census = fold.process.minimum_age is not None or bool(eligible)
    rows = []
    for area in _areas(fold):
        by_channel = dict.fromkeys(BallotChannel, 0)
        for b in _active(fold.ballots):
            if b.local_area == area and b.channel is not None:
                by_channel[b.channel] += 1
        rows.append(AreaCount(area, eligible.get(area, 0) if census else None, by_channel))
    return tuple(rows)


def _title(fold: _Fold, proposal_id: UUID) -> str:
    state = fold.proposals.get(proposal_id)
    return state.title if state is not None else ""


def _scores(fold: _Fold, area: str) -> dict[str, int]:
    scores: dict[str, int] = {}
    for b in _active(fold.ballots):
        if b.local_area != area or b.last_ballot is None:
            continue
        given = contribution(b.last_ballot.ballot_format, b.approvals, b.points, b.ranking)
        for proposal, value in given.items():
            scores[proposal] = scores.get(proposal, 0) + value
    return scores


def _allocations(fold: _Fold) -> tuple[AreaAllocation, ...]:
    out = []
    for area in _areas(fold):
        proposed = fold.proposed.get(area)
        decided = fold.decided.get(area)
        prices = fold.process.ballot.get(area, {})
        proposed_ore = {f.proposal_id: f.amount_ore for f in proposed[1].funded} if proposed else {}
        decided_ore = {f.proposal_id: f.amount_ore for f in decided[1].funded} if decided else {}
        scores = _scores(fold, area)
        ids = list(dict.fromkeys([*prices, *proposed_ore, *decided_ore]))
        projects = tuple(
            Project(
                proposal_id=pid,
                title=_title(fold, pid),
                price_ore=prices.get(pid),
                score=scores.get(str(pid), 0),
                proposed_ore=proposed_ore.get(pid),
                decided_ore=decided_ore.get(pid),
            )
            for pid in ids
        )
        out.append(
            AreaAllocation(
                local_area=area,
                budget_ore=fold.process.budgets.get(area),
                projects=projects,
                proposal=_proposal(*proposed) if proposed else None,
                proposals=fold.proposal_count.get(area, 0),
                decision=_decision(*decided) if decided else None,
            )
        )
    return tuple(out)


def _proposal(step: Step, e: AllocationProposed) -> Proposal:
    return Proposal(step, e.rule.value, e.ballots_counted, e.input_hash, e.skipped)


def _decision(step: Step, e: AllocationDecided) -> Decision:
    return Decision(step, e.confirmed, e.reason, e.decided_by)


def _payment(fold: _Fold, step: Step, e: FundsDisbursed | FundsReturned) -> Payment:
    disbursed = isinstance(e, FundsDisbursed)
    note = e.reference if isinstance(e, FundsDisbursed) else e.reason
    title = _title(fold, e.proposal_id)
    return Payment(step, disbursed, e.local_area, e.proposal_id, title, e.amount_ore, e.at, note)
