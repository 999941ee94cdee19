"""The audit report as one self-contained, printable HTML page, in Danish or English (no I/O).

The page is the template `report.html`, rendered by Jinja2 with autoescape: every text from the
events is escaped by the engine, and only `Markup` built here (a translated sentence whose
parameters were escaped as it was formatted) goes in as it is. The page has no script and loads
nothing. Money is shown in kroner with two decimals, times in UTC, pseudonyms in full so they
can be looked up in the record.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, assert_never

import jinja2
from markupsafe import Markup, escape

from events.base import Actor
from events.budgeting_common import (
    ApprovalRules,
    BallotChannel,
    CumulativeRules,
    KnapsackRules,
    Phase,
    RankedRules,
)
from services.audit.report import AreaAllocation, AuditReport, PhaseStep
from services.audit.report_texts import CHANNELS, CSS, ROLES, SCOPES, TEXT
from services.domain.budgeting.process import AnyRules
from services.texts.words import PHASE_NAMES, TALLY_RULE_NAMES, Lang, in_words


@functools.cache
def _template() -> jinja2.Template:
    """The page template, loaded on first use (nothing is read at import time)."""
    environment = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    source = resources.files("services.audit").joinpath("report.html").read_text("utf-8")
    return environment.from_string(source)


@dataclass(frozen=True)
class _Page:
    """The language of one page, and the helpers that write its pieces."""

    lang: Lang

    @property
    def i(self) -> int:
        return 0 if self.lang == "da" else 1

    def t(self, key: str, **params: object) -> Markup:
        """A translated text; `params` are escaped unless they are `Markup` already."""
        return escape(TEXT[key][self.i]).format(**params)

    def name(self, names: dict[Any, tuple[str, str]], value: Any) -> str:
        return names[value][self.i]

    def phase(self, phase: Phase) -> str:
        return PHASE_NAMES[phase][self.i]

    def rule(self, rule: str) -> Markup:
        """A tally rule in words, with the name `samskab tally --rule` takes."""
        words = in_words(TALLY_RULE_NAMES, rule)[self.lang]
        return Markup('{} (<span class="mono">{}</span>)').format(words, rule)

    def who(self, actor: Actor) -> Markup:
        role = ROLES[actor.role][self.i]
        return Markup('<span class="mono">{}</span> ({})').format(actor.subject, role)

    def kr(self, ore: int | None) -> str:
        return kroner(ore, self.lang)


@dataclass(frozen=True)
class _Table:
    """A table's cells (escaped by the template unless `Markup`); columns in `numeric` are
    right-aligned; `total` is a last, bold row."""

    head: Sequence[object]
    rows: Sequence[Sequence[object]]
    numeric: frozenset[int]
    total: Sequence[object] | None = None


def _table(
    head: Sequence[object],
    rows: Sequence[Sequence[object]],
    numeric: set[int],
    total: Sequence[object] | None = None,
) -> _Table:
    return _Table(head, rows, frozenset(numeric), total)


def kroner(ore: int | None, lang: Lang) -> str:
    """`125000050` → "1.250.000,50 kr." (da) / "1,250,000.50 kr." (en); None → "–"."""
    if ore is None:
        return "–"
    sign = "-" if ore < 0 else ""
    whole, rest = divmod(abs(ore), 100)
    grouped = f"{whole:,}"
    if lang == "da":
        return f"{sign}{grouped.replace(',', '.')},{rest:02d} kr."
    return f"{sign}{grouped}.{rest:02d} kr."


def _when(at: datetime | None) -> str:
    return "–" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _code(text: object) -> Markup:
    return Markup("<code>{}</code>").format(text)


def _titled(title: str, proposal_id: object) -> Markup:
    return Markup("{}<br>{}").format(title, _code(proposal_id))


def render_html(report: AuditReport, lang: Lang = "da") -> str:
    """The whole page; the same report and language always give the same bytes."""
    page = _Page(lang)
    t = page.t
    title = report.title if lang == "da" or not report.title_en else report.title_en
    other = report.title_en if lang == "da" else report.title
    a = report.activity
    versions = ", ".join(f"v{v}: {n}" for v, n in a.by_rules_version.items()) or t("none")
    return _template().render(
        t=t,
        lang=lang,
        title=title,
        other=other if other and other != title else None,
        other_lang="en" if lang == "da" else "da",
        css=Markup(CSS),
        municipality=report.municipality,
        process_id=report.process_id,
        phase=page.phase(report.phase),
        banner=_banner(report, page),
        basis=t("basis", seq=report.coverage.last_seq),
        **_timeline(report, page),
        **_rules(report, page),
        participation=_participation(report, page),
        activity=t("activity", cast=a.cast, replaced=a.replaced, withdrawn=a.withdrawn),
        by_rules_version=t("by_rules_version", versions=versions),
        allocations=[_allocation(report, area, page) for area in report.allocations],
        **_payments(report, page),
        **_integrity(report, page),
    )


@dataclass(frozen=True)
class _Banner:
    cls: str
    text: Markup


def _banner(report: AuditReport, page: _Page) -> _Banner:
    if report.closed:
        return _Banner("final", page.t("final"))
    return _Banner("provisional", page.t("provisional", phase=page.phase(report.phase)))


def _timeline(report: AuditReport, page: _Page) -> dict[str, _Table | None]:
    t = page.t

    def how(s: PhaseStep) -> Markup:
        if s.from_phase is None:
            return t("created")
        return t("by_schedule" if s.by_schedule else "by_hand")

    rows = [
        [
            _when(s.at),
            "–" if s.from_phase is None else page.phase(s.from_phase),
            page.phase(s.to_phase),
            page.who(s.step.actor),
            how(s),
            s.step.seq,
        ]
        for s in report.timeline
    ]
    timeline = _table([t("when"), t("from"), t("to"), t("by"), t("how"), t("seq")], rows, {5})
    schedule = None
    if report.schedule:
        rows = [
            [
                page.phase(s.phase),
                _when(s.starts_at),
                _when(s.ends_at),
                _when(s.step.occurred_at),
                page.who(s.step.actor),
                s.step.seq,
            ]
            for s in report.schedule
        ]
        head = [t("phase"), t("starts"), t("ends"), t("set_at"), t("by"), t("seq")]
        schedule = _table(head, rows, {5})
    return {"timeline": timeline, "schedule": schedule}


def describe_rules(rules: AnyRules, page: _Page) -> Markup:
    """One line for a version of the ballot rules."""
    t = page.t
    match rules:
        case ApprovalRules():
            hi = "∞" if rules.max_selections is None else rules.max_selections
            return t("rules_approval", lo=max(rules.min_selections, 1), hi=hi)
        case KnapsackRules():
            parts = [t("rules_knapsack")]
            if rules.min_spend_percent is not None:
                parts.append(t("min_spend", n=rules.min_spend_percent))
            if rules.min_projects is not None:
                parts.append(t("min_projects", n=rules.min_projects))
            return Markup(", ").join(parts)
        case CumulativeRules():
            text = t("rules_cumulative", n=rules.points)
            if rules.max_per_project is None:
                return text
            return Markup("{}, {}").format(text, t("max_per_project", n=rules.max_per_project))
        case RankedRules():
            return t("rules_ranked", n=rules.top_k)
        case _:
            assert_never(rules)


def _rules(report: AuditReport, page: _Page) -> dict[str, _Table | None]:
    t = page.t
    rows = [
        [
            r.rules_version,
            describe_rules(r.rules, page),
            page.name(SCOPES, r.budget_scope),
            _when(r.step.occurred_at),
            page.who(r.step.actor),
            t("yes") if r.in_force else "",
            r.step.seq,
        ]
        for r in report.rules
    ]
    head = [t("version"), t("rules_col"), t("scope"), t("set_at"), t("by"), t("in_force")]
    ballot = _table([*head, t("seq")], rows, {0, 6}) if rows else None
    rows = [
        [
            page.rule(r.rule),
            _when(r.step.occurred_at),
            page.who(r.step.actor),
            t("yes") if r.in_force else "",
            r.step.seq,
        ]
        for r in report.tally_rules
    ]
    head = [t("tally_rule"), t("set_at"), t("by"), t("in_force"), t("seq")]
    return {"ballot_rules": ballot, "tally_rules": _table(head, rows, {4}) if rows else None}


def _turnout(active: int, eligible: int | None, lang: Lang) -> str:
    if not eligible:
        return "–"
    percent = f"{100 * active / eligible:.1f} %"
    return percent.replace(".", ",") if lang == "da" else percent


def _participation(report: AuditReport, page: _Page) -> _Table:
    t = page.t
    channels = list(BallotChannel)

    def row(name: str, eligible: int | None, by_channel: list[int]) -> list[object]:
        active = sum(by_channel)
        shown = "–" if eligible is None else eligible
        return [name, shown, *by_channel, active, _turnout(active, eligible, page.lang)]

    rows = [
        row(c.local_area, c.eligible, [c.by_channel.get(ch, 0) for ch in channels])
        for c in report.counts
    ]
    known = [c.eligible for c in report.counts if c.eligible is not None]
    sums = [sum(c.by_channel.get(ch, 0) for c in report.counts) for ch in channels]
    total = row(t("total"), sum(known) if known else None, sums)
    head: list[object] = [t("area"), t("eligible"), *(page.name(CHANNELS, ch) for ch in channels)]
    head += [t("total"), t("turnout")]
    return _table(head, rows, set(range(1, len(head))), total)


@dataclass(frozen=True)
class _Area:
    """One local area's allocation: `decision` is None while undecided; `reason` is set when the
    decision deviates from the proposal."""

    name: str
    budget: str
    proposal: Markup | None
    proposals_made: Markup | None
    count_differs: Markup | None
    skipped: list[Markup]
    table: _Table
    decision: Markup | None
    reason: str | None


def _allocation(report: AuditReport, a: AreaAllocation, page: _Page) -> _Area:
    t = page.t
    rows = [
        [
            _titled(p.title, p.proposal_id),
            page.kr(p.price_ore),
            p.score,
            page.kr(p.proposed_ore),
            page.kr(p.decided_ore),
        ]
        for p in a.projects
    ]
    head = [t("project"), t("price"), t("score"), t("proposed"), t("decided")]
    total = [t("total"), "", "", page.kr(a.proposed_ore), page.kr(a.decided_ore)]
    decision, reason = None, None
    d = a.decision
    if d is not None:
        key = "confirmed" if d.confirmed else "deviation"
        decision = t(key, seq=d.step.seq, when=_when(d.step.occurred_at), by=page.who(d.step.actor))
        reason = None if d.confirmed else d.reason
    return _Area(
        name=a.local_area,
        budget=page.kr(a.budget_ore),
        **_proposal_lines(report, a, page),
        table=_table(head, rows, {1, 2, 3, 4}, total),
        decision=decision,
        reason=reason,
    )


def _proposal_lines(report: AuditReport, a: AreaAllocation, page: _Page) -> dict[str, Any]:
    t = page.t
    p = a.proposal
    if p is None:
        return {"proposal": None, "proposals_made": None, "count_differs": None, "skipped": []}
    line = t(
        "proposal_line",
        rule=page.rule(p.rule),
        counted=p.ballots_counted,
        seq=p.step.seq,
        when=_when(p.step.occurred_at),
        by=page.who(p.step.actor),
        hash=_code(p.input_hash or "–"),
    )
    active = next((c.total for c in report.counts if c.local_area == a.local_area), 0)
    titles = {x.proposal_id: x.title for x in a.projects}
    skipped = [
        t(
            "skipped",
            other=titles.get(s.incompatible_with) or s.incompatible_with,
            project=titles.get(s.proposal_id) or s.proposal_id,
        )
        for s in p.skipped
    ]
    return {
        "proposal": line,
        "proposals_made": t("proposals_made", n=a.proposals) if a.proposals > 1 else None,
        "count_differs": (
            t("count_differs", counted=p.ballots_counted, active=active)
            if p.ballots_counted != active
            else None
        ),
        "skipped": skipped,
    }


def _payments(report: AuditReport, page: _Page) -> dict[str, _Table | None]:
    t = page.t
    if not report.payments:
        return {"payments": None, "ledger": None}
    rows = [
        [
            _when(p.at),
            t("disbursed" if p.disbursed else "returned"),
            p.local_area,
            _titled(p.title, p.proposal_id),
            page.kr(p.amount_ore),
            p.note,
            page.who(p.step.actor),
            p.step.seq,
        ]
        for p in report.payments
    ]
    head = [t("when"), t("kind"), t("area"), t("project"), t("amount"), t("note"), t("by")]
    payments = _table([*head, t("seq")], rows, {4, 7})

    def paid(area: str, disbursed: bool) -> int:
        return sum(
            p.amount_ore
            for p in report.payments
            if p.disbursed is disbursed and p.local_area == area
        )

    rows = []
    for a in report.allocations:
        out_, back = paid(a.local_area, True), paid(a.local_area, False)
        rows.append(
            [
                a.local_area,
                page.kr(a.decided_ore),
                page.kr(out_),
                page.kr(back),
                page.kr(a.decided_ore - back - out_),
            ]
        )
    head = [t("area"), t("decided"), t("disbursed_total"), t("returned_total"), t("outstanding")]
    return {"payments": payments, "ledger": _table(head, rows, {1, 2, 3, 4})}


def _integrity(report: AuditReport, page: _Page) -> dict[str, Any]:
    t = page.t
    c = report.coverage
    rows: list[list[object]] = [
        [t("events"), c.events],
        [t("seq_range"), f"{c.first_seq}–{c.last_seq}"],
        [t("last_at"), _when(c.last_at)],
        [t("last_hash"), _code(c.last_hash)],
    ]
    check = t(
        "cross_check",
        verify=_code("samskab audit verify"),
        export=_code("samskab audit export"),
        verify_file=_code("samskab audit verify --file"),
        seq=c.last_seq,
    )
    return {"integrity": rows, "cross_check": check}
