"""The audit report from events held in memory: a process driven through the deciders, its
events sealed into a hash chain as the store would, then folded and rendered."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from events.base import Actor, Event, Role
from events.budgeting import (
    ApprovalRules,
    BallotChannel,
    Phase,
    ProjectFunding,
    TallyRule,
)
from events.envelope import GENESIS_HASH, Envelope, seal
from services.audit.report import AuditReport, ReportError, build_report
from services.audit.report_html import kroner, render_html
from services.domain.budgeting.ballots import (
    BALLOT_INITIAL,
    ELIGIBILITY_INITIAL,
    BallotState,
    CastBallot,
    EligibilityState,
    RegisterVoter,
    WithdrawBallot,
    ballot_stream,
    decide_ballot,
    decide_eligibility,
    eligibility_stream,
    evolve_ballot,
    evolve_eligibility,
)
from services.domain.budgeting.ledger import (
    LEDGER_INITIAL,
    DisburseFunds,
    decide_ledger,
    ledger_stream,
)
from services.domain.budgeting.process import (
    AdvancePhase,
    ChangeProcessDetails,
    ChooseTallyRule,
    DecideAllocation,
    ProcessCommand,
    ProposeAllocation,
    RecordCensus,
    SchedulePhase,
    SetBallotRules,
    process_stream,
)
from services.domain.budgeting.proposal_state import ProposalState
from services.domain.budgeting.proposals import ProposalCommand, proposal_stream
from tests.unit.budgeting_given import AREA, KR, OTHER_AREA, World, fold

ADMIN = Actor(subject="ps-admin-1a2b", role=Role.ADMIN)
STAFF = Actor(subject="ps-staff-3c4d", role=Role.STAFF)
SYSTEM = Actor(subject="system", role=Role.SYSTEM)
REASON = "Byrådet finansierer <b>halvdelen</b> & resten søges fra fonde"


class Recorded(World):
    """A World whose every event is also sealed into an envelope, as the event store does:
    one global `seq`, a version per stream, each hash chained to the one before."""

    def __init__(self, initial_phase: Phase = Phase.DRAFT) -> None:
        self.log: list[Envelope] = []
        self.actor = ADMIN
        self.ballots: dict[str, BallotState] = {}
        self.voters: dict[str, EligibilityState] = {}
        super().__init__(initial_phase)

    def store(self, stream: str, events: Sequence[Event], actor: Actor | None = None) -> None:
        for event in events:
            version = 1 + sum(1 for e in self.log if e.stream_id == stream)
            prev = self.log[-1].hash if self.log else GENESIS_HASH
            self.log.append(
                seal(
                    event,
                    stream_id=stream,
                    stream_version=version,
                    seq=len(self.log) + 1,
                    occurred_at=self.now,
                    actor=actor or self.actor,
                    correlation_id=uuid4(),
                    prev_hash=prev,
                )
            )

    def apply(self, command: ProcessCommand, proposal: ProposalState | None = None) -> list[Event]:
        events = super().apply(command, proposal)
        self.store(process_stream(self.process_id), events)
        return events

    def proposal_do(
        self, pid: UUID, command: ProposalCommand, other: ProposalState | None = None
    ) -> list[Event]:
        events = super().proposal_do(pid, command, other)
        self.store(proposal_stream(pid), events, STAFF)
        return events

    def register(self, voter: str, area: str) -> None:
        command = RegisterVoter(self.process_id, voter, area, uuid4())
        events = decide_eligibility(command, ELIGIBILITY_INITIAL, self.process)
        self.voters[voter] = fold(evolve_eligibility, ELIGIBILITY_INITIAL, events)
        self.store(eligibility_stream(self.process_id, voter), events, SYSTEM)

    def ballot(self, command: CastBallot | WithdrawBallot) -> None:
        stream = ballot_stream(
            self.process_id, command.local_area, command.voter, self.process.budget_scope
        )
        state = self.ballots.get(stream, BALLOT_INITIAL)
        events = decide_ballot(command, state, self.process, self.voters[command.voter])
        self.ballots[stream] = fold(evolve_ballot, state, events)
        self.store(stream, events, Actor(subject=command.voter, role=Role.CITIZEN))

    def vote(
        self,
        voter: str,
        approvals: Sequence[UUID],
        area: str = AREA,
        channel: BallotChannel = BallotChannel.WEB,
    ) -> None:
        self.now += timedelta(minutes=1)
        staff = None if channel is BallotChannel.WEB else STAFF.subject
        self.ballot(
            CastBallot(
                self.process_id,
                area,
                voter,
                channel,
                self.now,
                uuid4().hex,
                tuple(approvals),
                entered_by=staff,
            )
        )


def closed_process() -> tuple[Recorded, list[UUID]]:
    """Two budgets, two versions of the rules, ballots on every channel (one replaced, one
    withdrawn), Tørring's allocation confirmed, Juelsminde's decided with a deviation, a
    disbursement, and the process closed."""
    w = Recorded(Phase.DRAFT)
    w.apply(ChangeProcessDetails(w.process_id, title="Borgerbudget <2026> & co", title_en="PB 26"))
    w.apply(SetBallotRules(w.process_id, ApprovalRules(max_selections=5)))
    w.apply(SetBallotRules(w.process_id, ApprovalRules(max_selections=2)))
    w.apply(ChooseTallyRule(w.process_id, TallyRule.GREEDY))
    w.advance(Phase.IDEAS)
    ids = [w.submit(cost_kr=p) for p in (400_000, 300_000, 300_000)]
    other = w.submit(area=OTHER_AREA, cost_kr=100_000)
    w.advance(Phase.REVIEW)
    for pid, price in zip([*ids, other], (400_000, 300_000, 300_000, 100_000), strict=True):
        w.make_ready(pid, price)
        w.price(pid)
        w.put_on_ballot(pid)
    census = {AREA: 10, OTHER_AREA: 5}
    w.apply(RecordCensus(w.process_id, uuid4(), 15, w.now.date(), census))
    for voter, area in [("a", AREA), ("b", AREA), ("c", AREA), ("d", AREA), ("e", OTHER_AREA)]:
        w.register(voter, area)
    w.apply(SchedulePhase(w.process_id, Phase.VOTING, ends_at=w.now + timedelta(days=2)))
    w.advance(Phase.VOTING)
    w.vote("a", [ids[0], ids[1]])
    w.vote("b", [ids[0]], channel=BallotChannel.PAPER)
    w.vote("c", [ids[2]])
    w.vote("c", [ids[1]], channel=BallotChannel.ASSISTED)  # replaces c's web ballot
    w.vote("d", [ids[2]])
    w.ballot(WithdrawBallot(w.process_id, AREA, "d", w.now))
    w.vote("e", [other], area=OTHER_AREA)
    w.now += timedelta(days=2)
    w.apply(AdvancePhase(w.process_id, Phase.TALLYING, w.now, by_schedule=True))
    funded = (
        ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),
        ProjectFunding(proposal_id=ids[1], amount_ore=300_000 * KR),
    )
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, 3, "h" * 64))
    w.apply(DecideAllocation(w.process_id, AREA, ADMIN.subject))
    proposed = (ProjectFunding(proposal_id=other, amount_ore=100_000 * KR),)
    w.apply(ProposeAllocation(w.process_id, OTHER_AREA, TallyRule.GREEDY, proposed, 1, "i" * 64))
    half = (ProjectFunding(proposal_id=other, amount_ore=50_000 * KR + 50),)
    w.apply(DecideAllocation(w.process_id, OTHER_AREA, ADMIN.subject, half, REASON))
    w.advance(Phase.RESULTS_PUBLISHED)
    pay = DisburseFunds(w.process_id, AREA, ids[0], 150_000 * KR, w.now, "FAK-2026-17")
    w.store(ledger_stream(w.process_id, AREA), decide_ledger(pay, LEDGER_INITIAL, w.process))
    w.advance(Phase.CLOSED)
    return w, [*ids, other]


def area(report: AuditReport, name: str) -> tuple[object, ...]:
    count = next(c for c in report.counts if c.local_area == name)
    return tuple(count.by_channel[ch] for ch in BallotChannel)


def test_the_report_of_a_closed_process_is_final_and_follows_its_phases() -> None:
    w, _ = closed_process()
    report = build_report(w.process_id, w.log)
    assert report.closed and report.phase is Phase.CLOSED
    assert (report.title, report.title_en, report.municipality) == (
        "Borgerbudget <2026> & co",
        "PB 26",
        "Hedensted",
    )
    steps = [(s.from_phase, s.to_phase, s.by_schedule) for s in report.timeline]
    assert steps == [
        (None, Phase.DRAFT, False),
        (Phase.DRAFT, Phase.IDEAS, False),
        (Phase.IDEAS, Phase.REVIEW, False),
        (Phase.REVIEW, Phase.VOTING, False),
        (Phase.VOTING, Phase.TALLYING, True),
        (Phase.TALLYING, Phase.RESULTS_PUBLISHED, False),
        (Phase.RESULTS_PUBLISHED, Phase.CLOSED, False),
    ]
    assert all(s.step.actor == ADMIN for s in report.timeline)
    assert [s.phase for s in report.schedule] == [Phase.VOTING]


def test_the_rules_version_in_force_is_the_last_set_before_voting_opened() -> None:
    w, _ = closed_process()
    report = build_report(w.process_id, w.log)
    assert [(r.rules_version, r.in_force) for r in report.rules] == [(1, False), (2, True)]
    assert report.rules[1].rules == ApprovalRules(max_selections=2)
    assert [(r.rule, r.in_force) for r in report.tally_rules] == [("greedy", True)]
    assert report.activity.by_rules_version == {2: 4}


def test_a_replaced_ballot_counts_once_in_its_last_channel_and_a_withdrawn_one_not() -> None:
    w, ids = closed_process()
    report = build_report(w.process_id, w.log)
    # web, paper, assisted: a (web), b (paper), c replaced web by assisted; d withdrawn
    assert area(report, AREA) == (1, 1, 1)
    assert area(report, OTHER_AREA) == (1, 0, 0)
    assert [(c.local_area, c.eligible, c.total) for c in report.counts] == [
        (AREA, 10, 3),
        (OTHER_AREA, 5, 1),
    ]
    a = report.activity
    assert (a.cast, a.replaced, a.withdrawn) == (5, 1, 1)
    torring = report.allocations[0]
    assert {p.proposal_id: p.score for p in torring.projects} == {
        ids[0]: 2,
        ids[1]: 2,
        ids[2]: 0,
    }


def test_the_allocation_proposed_and_decided_and_a_deviation_with_its_reason() -> None:
    w, ids = closed_process()
    torring, juelsminde = build_report(w.process_id, w.log).allocations
    assert torring.decision is not None and torring.decision.confirmed and not torring.deviates
    assert torring.proposal is not None and torring.proposal.ballots_counted == 3
    assert [(p.proposed_ore, p.decided_ore) for p in torring.projects] == [
        (400_000 * KR, 400_000 * KR),
        (300_000 * KR, 300_000 * KR),
        (None, None),
    ]
    assert torring.budget_ore == 1_000_000 * KR and torring.decided_ore == 700_000 * KR
    assert juelsminde.deviates and juelsminde.decision is not None
    assert juelsminde.decision.reason == REASON
    assert [(p.proposed_ore, p.decided_ore) for p in juelsminde.projects] == [
        (100_000 * KR, 50_000 * KR + 50)
    ]
    assert juelsminde.projects[0].proposal_id == ids[3]
    assert juelsminde.projects[0].title.startswith("Forslag")


def test_disbursements_and_the_last_event_tie_the_report_to_the_chain() -> None:
    w, ids = closed_process()
    report = build_report(w.process_id, w.log)
    [paid] = report.payments
    assert (paid.disbursed, paid.local_area, paid.proposal_id) == (True, AREA, ids[0])
    assert (paid.amount_ore, paid.note) == (150_000 * KR, "FAK-2026-17")
    c = report.coverage
    assert (c.events, c.first_seq, c.last_seq) == (len(w.log), 1, w.log[-1].seq)
    assert c.last_hash == w.log[-1].hash
    assert all(e.hash_is_valid() for e in w.log)


def test_events_of_another_process_and_the_order_given_change_nothing() -> None:
    w, _ = closed_process()
    stranger, _ = closed_process()
    mixed = [*w.log, *stranger.log]
    random.Random(7).shuffle(mixed)
    assert build_report(w.process_id, mixed) == build_report(w.process_id, w.log)


def test_an_unknown_process_is_refused() -> None:
    w, _ = closed_process()
    with pytest.raises(ReportError, match="no process"):
        build_report(uuid4(), w.log)
    with pytest.raises(ReportError):
        build_report(w.process_id, [])


def test_an_event_this_code_cannot_read_is_named_not_skipped() -> None:
    w, _ = closed_process()
    future = w.log[-1].model_copy(update={"version": 99})
    with pytest.raises(ReportError, match=f"event seq {future.seq} cannot be read"):
        build_report(w.process_id, [*w.log[:-1], future])


def test_the_page_shows_the_decisions_the_counts_and_the_hash_with_every_text_escaped() -> None:
    w, ids = closed_process()
    report = build_report(w.process_id, w.log)
    page = render_html(report, "da")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<b>halvdelen</b>" not in page
    assert "Byrådet finansierer &lt;b&gt;halvdelen&lt;/b&gt; &amp; resten søges fra fonde" in page
    assert "Borgerbudget &lt;2026&gt; &amp; co" in page and "<2026>" not in page
    assert "Endelig: processen er afsluttet." in page
    assert report.coverage.last_hash in page
    assert "1.000.000,00 kr." in page and "50.000,50 kr." in page
    assert "FAK-2026-17" in page and ADMIN.subject in page
    rule = 'flest stemmer først, så længe budgettet rækker (<span class="mono">greedy</span>)'
    assert rule in page  # the tally rule in words, with the name `samskab tally` takes
    assert not re.search(r"knapsack|cumulative|kumulativ", page, re.IGNORECASE)
    for pid in ids:
        assert str(pid) in page
    assert "<script" not in page and "http" not in page.replace('content="width', "")
    assert page == render_html(build_report(w.process_id, list(reversed(w.log))), "da")


def test_a_script_in_any_text_from_the_events_is_shown_as_text_never_run() -> None:
    w, _ = closed_process()
    script = "<script>alert('x')</script>"
    report = build_report(w.process_id, w.log)
    (area, *others) = report.allocations
    report = dataclasses.replace(
        report,
        title=script,
        municipality=script,
        allocations=(dataclasses.replace(area, local_area=script), *others),
    )
    for lang in ("da", "en"):
        page = render_html(report, lang)
        assert "<script" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert page.count("&lt;script&gt;") >= 3  # title, municipality, the area's heading


def test_the_page_in_english_names_phases_channels_and_amounts_in_english() -> None:
    w, _ = closed_process()
    page = render_html(build_report(w.process_id, w.log), "en")
    assert '<html lang="en">' in page and "<h1>PB 26</h1>" in page
    assert "Final: the process is closed." in page
    assert "results published" in page and "by schedule" in page
    assert "assisted" in page and "1,000,000.00 kr." in page
    assert "Decided with a deviation from the proposal" in page


def test_a_process_not_yet_closed_gets_a_provisional_report() -> None:
    w = Recorded(Phase.DRAFT)
    w.advance(Phase.IDEAS)
    report = build_report(w.process_id, w.log)
    assert not report.closed and report.allocations[0].decision is None
    page = render_html(report, "da")
    assert "Foreløbig: processen er i fasen «idéindsamling»" in page
    assert "Ingen fordeling besluttet." in page and "Ingen udbetalinger." in page
    assert re.search(r"Provisional: the process is in phase “ideas”", render_html(report, "en"))


def test_kroner_have_two_decimals_in_both_languages() -> None:
    assert kroner(125_000_050, "da") == "1.250.000,50 kr."
    assert kroner(125_000_050, "en") == "1,250,000.50 kr."
    assert kroner(0, "da") == "0,00 kr." and kroner(None, "en") == "–"
