"""The audit report as one self-contained, printable HTML page, in Danish or English (no I/O).

Every text from the events is escaped; the page has no script and loads nothing. Money is
shown in kroner with two decimals, times in UTC, pseudonyms in full so they can be looked up in
the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any, assert_never

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
from services.domain.messages import PHASE_NAMES, TALLY_RULE_NAMES, Lang, in_words
from services.domain.process import AnyRules


class Html(str):
    """Text that is already HTML: everything taken from the events in it was escaped."""


def _html(value: object) -> str:
    return value if isinstance(value, Html) else escape(str(value))


@dataclass(frozen=True)
class _Page:
    """The language of one page, and the helpers that write its pieces."""

    lang: Lang

    @property
    def i(self) -> int:
        return 0 if self.lang == "da" else 1

    def t(self, key: str, **params: object) -> Html:
        """A translated text; `params` are escaped unless they are `Html` already."""
        return Html(escape(TEXT[key][self.i]).format(**{k: _html(v) for k, v in params.items()}))

    def name(self, names: dict[Any, tuple[str, str]], value: Any) -> str:
        return names[value][self.i]

    def phase(self, phase: Phase) -> str:
        return PHASE_NAMES[phase][self.i]

    def rule(self, rule: str) -> Html:
        """A tally rule in words, with the name `samskab tally --rule` takes."""
        words = escape(in_words(TALLY_RULE_NAMES, rule)[self.lang])
        return Html(f'{words} (<span class="mono">{escape(rule)}</span>)')

    def who(self, actor: Actor) -> Html:
        role = escape(ROLES[actor.role][self.i])
        return Html(f'<span class="mono">{escape(actor.subject)}</span> ({role})')

    def kr(self, ore: int | None) -> str:
        return kroner(ore, self.lang)


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


def _code(text: object) -> Html:
    return Html(f"<code>{escape(str(text))}</code>")


def _row(values: Sequence[object], numeric: set[int], cls: str = "", tag: str = "td") -> str:
    cells = "".join(
        f'<{tag} class="n">{_html(v)}</{tag}>' if n in numeric else f"<{tag}>{_html(v)}</{tag}>"
        for n, v in enumerate(values)
    )
    return f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>"


def _table(
    head: Sequence[object],
    rows: Iterable[Sequence[object]],
    numeric: set[int],
    total: Sequence[object] | None = None,
) -> list[str]:
    """A table; cells are escaped unless `Html`; columns in `numeric` are right-aligned."""
    body = [_row(r, numeric) for r in rows]
    if total is not None:
        body.append(_row(total, numeric, "total"))
    return [
        "<table>",
        f"<thead>{_row(head, numeric, tag='th')}</thead>",
        "<tbody>",
        *body,
        "</tbody></table>",
    ]


def render_html(report: AuditReport, lang: Lang = "da") -> str:
    """The whole page; the same report and language always give the same bytes."""
    page = _Page(lang)
    t = page.t
    title = report.title if lang == "da" or not report.title_en else report.title_en
    other = report.title_en if lang == "da" else report.title
    other_lang = "en" if lang == "da" else "da"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t('heading')}: {escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    if other and other != title:
        parts.append(f'<p class="sub" lang="{other_lang}">{escape(other)}</p>')
    parts += [
        f'<p class="sub">{t("heading")} · {t("municipality")}: {escape(report.municipality)} · '
        f"{t('process')}: {_code(report.process_id)} · {t('phase')}: "
        f"{escape(page.phase(report.phase))}</p>",
        _banner(report, page),
        f"<p>{t('basis', seq=report.coverage.last_seq)}</p>",
        *_timeline(report, page),
        *_rules(report, page),
        *_participation(report, page),
        f"<h2>{t('allocation')}</h2>",
        *(line for a in report.allocations for line in _allocation(report, a, page)),
        *_payments(report, page),
        *_integrity(report, page),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _banner(report: AuditReport, page: _Page) -> str:
    if report.closed:
        return f'<p class="banner final">{page.t("final")}</p>'
    text = page.t("provisional", phase=page.phase(report.phase))
    return f'<p class="banner provisional">{text}</p>'


def _timeline(report: AuditReport, page: _Page) -> list[str]:
    t = page.t

    def how(s: PhaseStep) -> str:
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
    out = [f"<h2>{t('timeline')}</h2>"]
    out += _table([t("when"), t("from"), t("to"), t("by"), t("how"), t("seq")], rows, {5})
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
        out += [f"<h3>{t('schedule')}</h3>", *_table(head, rows, {5})]
    return out


def describe_rules(rules: AnyRules, page: _Page) -> Html:
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
            return Html(", ".join(parts))
        case CumulativeRules():
            text = t("rules_cumulative", n=rules.points)
            if rules.max_per_project is None:
                return text
            return Html(f"{text}, {t('max_per_project', n=rules.max_per_project)}")
        case RankedRules():
            return t("rules_ranked", n=rules.top_k)
        case _:
            assert_never(rules)


def _rules(report: AuditReport, page: _Page) -> list[str]:
    t = page.t
    out = [f"<h2>{t('rules')}</h2>", f"<h3>{t('ballot_rules')}</h3>"]
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
    out += _table([*head, t("seq")], rows, {0, 6}) if rows else [f"<p>{t('none')}</p>"]
    out.append(f"<h3>{t('tally_rule')}</h3>")
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
    out += _table(head, rows, {4}) if rows else [f"<p>{t('default_tally_rule')}</p>"]
    return out


def _turnout(active: int, eligible: int | None, lang: Lang) -> str:
    if not eligible:
        return "–"
    percent = f"{100 * active / eligible:.1f} %"
    return percent.replace(".", ",") if lang == "da" else percent


def _participation(report: AuditReport, page: _Page) -> list[str]:
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
    head = [t("area"), t("eligible"), *(page.name(CHANNELS, ch) for ch in channels)]
    head += [t("total"), t("turnout")]
    a = report.activity
    versions = ", ".join(f"v{v}: {n}" for v, n in a.by_rules_version.items()) or t("none")
    return [
        f"<h2>{t('participation')}</h2>",
        f"<p>{t('participation_note')}</p>",
        *_table(head, rows, set(range(1, len(head))), total),
        f"<p>{t('activity', cast=a.cast, replaced=a.replaced, withdrawn=a.withdrawn)} "
        f"{t('by_rules_version', versions=versions)}</p>",
    ]


def _allocation(report: AuditReport, a: AreaAllocation, page: _Page) -> list[str]:
    t = page.t
    out = [f"<h3>{escape(a.local_area)} · {t('budget')}: {page.kr(a.budget_ore)}</h3>"]
    out += _proposal_lines(report, a, page)
    rows = [
        [
            Html(f"{escape(p.title)}<br>{_code(p.proposal_id)}"),
            page.kr(p.price_ore),
            p.score,
            page.kr(p.proposed_ore),
            page.kr(p.decided_ore),
        ]
        for p in a.projects
    ]
    head = [t("project"), t("price"), t("score"), t("proposed"), t("decided")]
    total = [t("total"), "", "", page.kr(a.proposed_ore), page.kr(a.decided_ore)]
    out += _table(head, rows, {1, 2, 3, 4}, total)
    d = a.decision
    if d is None:
        return [*out, f"<p><strong>{t('undecided')}</strong></p>"]
    when = _when(d.step.occurred_at)
    if d.confirmed:
        return [
            *out,
            f"<p>{t('confirmed', seq=d.step.seq, when=when, by=page.who(d.step.actor))}</p>",
        ]
    deviation = t("deviation", seq=d.step.seq, when=when, by=page.who(d.step.actor))
    return [
        *out,
        '<div class="deviation">',
        f"<p><strong>{deviation}</strong></p>",
        f'<p>{t("reason")}: <span class="reason">{escape(d.reason)}</span></p>',
        "</div>",
    ]


def _proposal_lines(report: AuditReport, a: AreaAllocation, page: _Page) -> list[str]:
    t = page.t
    p = a.proposal
    if p is None:
        return [f"<p>{t('no_proposal')}</p>"]
    by, when = page.who(p.step.actor), _when(p.step.occurred_at)
    line = t(
        "proposal_line",
        rule=page.rule(p.rule),
        counted=p.ballots_counted,
        seq=p.step.seq,
        when=when,
        by=by,
        hash=_code(p.input_hash or "–"),
    )
    out = [f"<p>{line}</p>"]
    if a.proposals > 1:
        out.append(f"<p>{t('proposals_made', n=a.proposals)}</p>")
    active = next((c.total for c in report.counts if c.local_area == a.local_area), 0)
    if p.ballots_counted != active:
        differs = t("count_differs", counted=p.ballots_counted, active=active)
        out.append(f"<p><strong>{differs}</strong></p>")
    titles = {x.proposal_id: x.title for x in a.projects}
    for s in p.skipped:
        other = titles.get(s.incompatible_with) or s.incompatible_with
        project = titles.get(s.proposal_id) or s.proposal_id
        out.append(f"<p>{t('skipped', other=other, project=project)}</p>")
    return out


def _payments(report: AuditReport, page: _Page) -> list[str]:
    t = page.t
    out = [f"<h2>{t('payments')}</h2>"]
    if not report.payments:
        return [*out, f"<p>{t('no_payments')}</p>"]
    rows = [
        [
            _when(p.at),
            t("disbursed" if p.disbursed else "returned"),
            p.local_area,
            Html(f"{escape(p.title)}<br>{_code(p.proposal_id)}"),
            page.kr(p.amount_ore),
            p.note,
            page.who(p.step.actor),
            p.step.seq,
        ]
        for p in report.payments
    ]
    head = [t("when"), t("kind"), t("area"), t("project"), t("amount"), t("note"), t("by")]
    out += _table([*head, t("seq")], rows, {4, 7})

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
    return [*out, f"<h3>{t('ledger')}</h3>", *_table(head, rows, {1, 2, 3, 4})]


def _integrity(report: AuditReport, page: _Page) -> list[str]:
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
    return [
        f"<h2>{t('integrity')}</h2>",
        '<table class="integrity"><tbody>',
        *(_row(r, set()) for r in rows),
        "</tbody></table>",
        f"<p>{check}</p>",
    ]
