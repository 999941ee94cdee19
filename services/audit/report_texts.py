"""The words of the audit report in Danish and English, and its print-friendly style sheet."""

from __future__ import annotations

from events.base import Role
from events.budgeting_common import BallotChannel, BudgetScope

# key -> (Danish, English)
TEXT: dict[str, tuple[str, str]] = {
    "heading": ("Revisionsrapport", "Audit report"),
    "process": ("Proces", "Process"),
    "municipality": ("Kommune", "Municipality"),
    "phase": ("Fase", "Phase"),
    "final": (
        "Endelig: processen er afsluttet.",
        "Final: the process is closed.",
    ),
    "provisional": (
        "Foreløbig: processen er i fasen «{phase}» og ikke afsluttet; tallene kan stadig "
        "ændre sig.",
        "Provisional: the process is in phase “{phase}”, not closed; the figures may still change.",
    ),
    "basis": (
        "Rapporten er beregnet alene ud fra hændelserne i hændelseslageret (ikke fra læsemodeller) "
        "til og med hændelse nr. {seq}; de samme hændelser giver altid den samme rapport.",
        "Computed from the events in the event store alone (not from read models), up to and "
        "including event seq {seq}; the same events always give the same report.",
    ),
    "timeline": ("Tidslinje for faser", "Phase timeline"),
    "when": ("Tidspunkt (UTC)", "When (UTC)"),
    "from": ("Fra", "From"),
    "to": ("Til", "To"),
    "by": ("Af (pseudonym, rolle)", "By (pseudonym, role)"),
    "how": ("Hvordan", "How"),
    "created": ("oprettet", "created"),
    "by_schedule": ("efter tidsplan", "by schedule"),
    "by_hand": ("manuelt", "by hand"),
    "seq": ("Nr.", "Seq"),
    "schedule": ("Tidsplan", "Schedule"),
    "starts": ("Starter", "Starts"),
    "ends": ("Slutter", "Ends"),
    "set_at": ("Fastsat (UTC)", "Set at (UTC)"),
    "rules": ("Regler", "Rules"),
    "ballot_rules": ("Stemmeregler (versioner)", "Ballot rules (versions)"),
    "version": ("Version", "Version"),
    "rules_col": ("Regler", "Rules"),
    "scope": ("Budgetter en vælger kan stemme i", "Budgets a voter may vote in"),
    "in_force": ("Gældende", "In force"),
    "tally_rule": ("Optællingsregel", "Tally rule"),
    "none": ("ingen", "none"),
    "default_tally_rule": (
        "Ikke valgt: flest stemmer først (greedy) gælder.",
        "Not chosen: most votes first (greedy) applies.",
    ),
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    "participation": ("Deltagelse", "Participation"),
    "participation_note": (
        "Aktive stemmesedler: en erstattet stemmeseddel tæller én gang (i sin seneste form), en "
        "tilbagetrukket tæller ikke.",
        "Active ballots: a replaced ballot counts once (in its latest form), a withdrawn one not "
        "at all.",
    ),
    "area": ("Lokalområde", "Local area"),
    "eligible": ("Stemmeberettigede", "Eligible"),
    "total": ("I alt", "Total"),
    "turnout": ("Deltagelse", "Turnout"),
    "activity": (
        "Stemmehændelser: {cast} afgivet, {replaced} erstattet, {withdrawn} trukket tilbage.",
        "Ballot events: {cast} cast, {replaced} replaced, {withdrawn} withdrawn.",
    ),
    "by_rules_version": (
        "Aktive stemmesedler efter stemmeregel-version: {versions}.",
        "Active ballots by ballot-rules version: {versions}.",
    ),
    "allocation": ("Fordeling", "Allocation"),
    "budget": ("Budget", "Budget"),
    "project": ("Projekt", "Project"),
    "price": ("Pris", "Price"),
    "score": ("Point", "Score"),
    "proposed": ("Foreslået", "Proposed"),
    "decided": ("Besluttet", "Decided"),
    "proposal_line": (
        "Foreslået med reglen {rule}; optalte stemmesedler: {counted} (nr. {seq}, {when}, af "
        "{by}); optællingens input-hash: {hash}.",
        "Proposed by the rule {rule}; ballots counted: {counted} (seq {seq}, {when}, by {by}); "
        "the count's input hash: {hash}.",
    ),
    "proposals_made": (
        "Der blev foreslået {n} gange; det seneste forslag vises.",
        "Proposed {n} times; the last proposal is shown.",
    ),
    "count_differs": (
        "Bemærk: forslaget talte {counted} stemmesedler, hændelserne viser {active} aktive.",
        "Note: the proposal counted {counted} ballots, the events show {active} active.",
    ),
    "no_proposal": ("Ingen fordeling foreslået.", "No allocation proposed."),
    "skipped": (
        "Udeladt som uforeneligt med {other}: {project}.",
        "Left out as incompatible with {other}: {project}.",
    ),
    "confirmed": (
        "Besluttet: forslaget bekræftet (nr. {seq}, {when}, af {by}).",
        "Decided: the proposal confirmed (seq {seq}, {when}, by {by}).",
    ),
    "deviation": (
        "Besluttet med afvigelse fra forslaget (nr. {seq}, {when}, af {by}).",
        "Decided with a deviation from the proposal (seq {seq}, {when}, by {by}).",
    ),
    "reason": ("Begrundelse", "Reason"),
    "undecided": ("Ingen fordeling besluttet.", "No allocation decided."),
    "payments": ("Udbetalinger og tilbageførsler", "Disbursements and returns"),
    "kind": ("Art", "Kind"),
    "disbursed": ("udbetalt", "disbursed"),
    "returned": ("tilbageført", "returned"),
    "amount": ("Beløb", "Amount"),
    "note": ("Bilag / begrundelse", "Reference / reason"),
    "no_payments": ("Ingen udbetalinger.", "No disbursements."),
    "ledger": ("Status pr. lokalområde", "Balance per local area"),
    "outstanding": ("Udestående", "Outstanding"),
    "disbursed_total": ("Udbetalt", "Disbursed"),
    "returned_total": ("Tilbageført", "Returned"),
    "integrity": ("Integritet", "Integrity"),
    "events": ("Hændelser i rapporten", "Events in the report"),
    "seq_range": ("Første og sidste nr.", "First and last seq"),
    "last_hash": ("Hash af sidste hændelse", "Hash of the last event"),
    "last_at": ("Sidste hændelse (UTC)", "Last event (UTC)"),
    "cross_check": (
        "Kontrol: {verify} beviser hash-kæden i hele lageret og viser dens sidste hash; i en "
        "eksport ({export}) skal hændelsen med nr. {seq} have hashen ovenfor, og "
        "{verify_file} beviser kæden igennem den.",
        "To cross-check: {verify} proves the hash chain of the whole store and prints its last "
        "hash; in an export ({export}) the event with seq {seq} must carry the hash above, and "
        "{verify_file} proves the chain through it.",
    ),
    "rules_approval": ("afkrydsning af {lo}–{hi} projekter", "approval, {lo}–{hi} projects"),
    "rules_knapsack": ("afkrydsning inden for budgettet", "ticks within the budget (knapsack)"),
    "min_spend": ("mindst {n} % af budgettet", "at least {n} % of the budget"),
    "min_projects": ("mindst {n} projekter", "at least {n} projects"),
    "rules_cumulative": ("fordeling af {n} point", "{n} points shared out (cumulative)"),
    "max_per_project": ("højst {n} pr. projekt", "at most {n} per project"),
    "rules_ranked": ("rangordning af højst {n} projekter", "ranking of at most {n} projects"),
}

ROLES: dict[Role, tuple[str, str]] = {
    Role.CITIZEN: ("borger", "citizen"),
    Role.STAFF: ("medarbejder", "staff"),
    Role.ADMIN: ("administrator", "administrator"),
    Role.AUDITOR: ("revisor", "auditor"),
    Role.SYSTEM: ("system", "system"),
}
CHANNELS: dict[BallotChannel, tuple[str, str]] = {
    BallotChannel.WEB: ("web", "web"),
    BallotChannel.PAPER: ("papir", "paper"),
    BallotChannel.ASSISTED: ("assisteret", "assisted"),
}
SCOPES: dict[BudgetScope, tuple[str, str]] = {
    BudgetScope.OWN_AREA: ("eget lokalområde", "own local area"),
    BudgetScope.ANY_ONE: ("ét valgfrit", "any one"),
    BudgetScope.ALL: ("alle", "all"),
}

CSS = """
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:2em auto;
max-width:60em;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.1em}
h2{font-size:1.25em;border-bottom:1px solid #999;margin-top:1.6em}
h3{font-size:1.05em;margin-bottom:.3em}.sub{color:#444;margin-top:0}
table{border-collapse:collapse;width:100%;margin:.4em 0 .8em}
th,td{border:1px solid #bbb;padding:.2em .45em;text-align:left;vertical-align:top}
th{background:#eee}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n{white-space:nowrap}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.banner{padding:.5em .8em;border:2px solid;margin:1em 0}
.final{border-color:#2a7a2a;background:#eef7ee}.provisional{border-color:#b36b00;background:#fff4e0}
.deviation{border-left:4px solid #b36b00;padding-left:.6em}.reason{white-space:pre-wrap}
tr.total td{font-weight:bold}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}
table,.deviation{break-inside:avoid}th{background:#eee !important;-webkit-print-color-adjust:exact}}
"""
