"""Readable one-line summaries of events, in Danish and English, and field-level changes."""

from __future__ import annotations

import functools
import re
from typing import Any

# type -> (Danish, English); placeholders name payload fields, `{kr:<field>}` formats øre as kroner.
TEMPLATES: dict[str, tuple[str, str]] = {
    "ProcessCreated": (
        "Proces oprettet: «{title}» ({municipality})",
        "Process created: «{title}» ({municipality})",
    ),
    "ProcessDetailsChanged": ("Procesbeskrivelse ændret", "Process details changed"),
    "BudgetSet": ("Budget fastsat", "Budget set"),
    "BudgetRemoved": ("Budget fjernet for {local_area}", "Budget removed for {local_area}"),
    "CoreTasksSet": ("Kerneopgaver fastsat", "Core tasks set"),
    "PhaseScheduled": ("Fase {phase} planlagt", "Phase {phase} scheduled"),
    "PhaseChanged": (
        "Fase skiftet fra {from_phase} til {to_phase}",
        "Phase changed from {from_phase} to {to_phase}",
    ),
    "BallotRulesSet": (
        "Stemmeregler fastsat (version {rules_version})",
        "Ballot rules set (version {rules_version})",
    ),
    "TallyRuleChosen": ("Optællingsregel valgt: {rule}", "Tally rule chosen: {rule}"),
    "LiveResultsVisibilitySet": (
        "Synlighed af løbende resultater: {public}",
        "Live results visibility: {public}",
    ),
    "SupportThresholdSet": (
        "Tærskel for støtte: {min_supports}",
        "Support threshold: {min_supports}",
    ),
    "CensusImported": ("Vælgerliste importeret ({census_id})", "Census imported ({census_id})"),
    "ProposalPutOnBallot": (
        "Forslag sat på stemmesedlen i {local_area} til {kr:price_ore}",
        "Proposal put on the ballot in {local_area} at {kr:price_ore}",
    ),
    "ProposalRemovedFromBallot": (
        "Forslag fjernet fra stemmesedlen i {local_area}",
        "Proposal removed from the ballot in {local_area}",
    ),
    "AllocationProposed": (
        "Fordeling foreslået for {local_area} ({rule}, {ballots_counted} stemmer)",
        "Allocation proposed for {local_area} ({rule}, {ballots_counted} ballots)",
    ),
    "AllocationDecided": (
        "Fordeling besluttet for {local_area}",
        "Allocation decided for {local_area}",
    ),
    "ProposalSubmitted": (
        "Forslag indsendt: «{title}» ({kr:estimated_cost_ore}, {local_area})",
        "Proposal submitted: «{title}» ({kr:estimated_cost_ore}, {local_area})",
    ),
    "ProposalEdited": ("Forslag redigeret", "Proposal edited"),
    "ProposalWithdrawn": ("Forslag trukket tilbage", "Proposal withdrawn"),
    "ProposalSupported": ("Forslag støttet", "Proposal supported"),
    "ProposalMerged": (
        "Forslag lagt sammen med {into_proposal_id}",
        "Proposal merged into {into_proposal_id}",
    ),
    "ProposalReviewed": (
        "Forslag vurderet: gennemførligt = {feasible}",
        "Proposal reviewed: feasible = {feasible}",
    ),
    "ProposalCostEstimated": ("Pris anslået til {kr:cost_ore}", "Cost estimated at {kr:cost_ore}"),
    "ProposalsMarkedIncompatible": (
        "Forslag markeret uforenelige med {other_proposal_id}",
        "Proposals marked incompatible with {other_proposal_id}",
    ),
    "ProposalPricePublished": (
        "Pris offentliggjort: {kr:price_ore}",
        "Price published: {kr:price_ore}",
    ),
    "VoterRegistered": ("Vælger registreret i {local_area}", "Voter registered in {local_area}"),
    "BallotCast": (
        "Stemme afgivet i {local_area} ({channel})",
        "Ballot cast in {local_area} ({channel})",
    ),
    "BallotReplaced": (
        "Stemme erstattet i {local_area} ({channel})",
        "Ballot replaced in {local_area} ({channel})",
    ),
    "BallotWithdrawn": (
        "Stemme trukket tilbage i {local_area}",
        "Ballot withdrawn in {local_area}",
    ),
    "FundsDisbursed": (
        "{kr:amount_ore} udbetalt ({local_area})",
        "{kr:amount_ore} disbursed ({local_area})",
    ),
    "FundsReturned": (
        "{kr:amount_ore} returneret ({local_area})",
        "{kr:amount_ore} returned ({local_area})",
    ),
    "ImplementationUpdated": (
        "Gennemførelse: {status} ({progress_percent} %)",
        "Implementation: {status} ({progress_percent} %)",
    ),
    "MilestoneAdded": ("Milepæl tilføjet: «{title}»", "Milestone added: «{title}»"),
    "MilestoneCompleted": ("Milepæl nået", "Milestone completed"),
    "TaskDrafted": (
        "Opgave oprettet som kladde: «{title}» ({local_area})",
        "Task drafted: «{title}» ({local_area})",
    ),
    "TaskRevised": ("Opgave revideret", "Task revised"),
    "TaskAttestedAsAdditional": (
        "Opgave bekræftet som ekstra (ikke en erstatning for ansatte)",
        "Task attested as additional (not replacing staff)",
    ),
    "TaskPublished": ("Opgave offentliggjort", "Task published"),
    "TaskCancelled": ("Opgave aflyst", "Task cancelled"),
    "TaskCompleted": ("Opgave afsluttet", "Task completed"),
    "ShiftScheduled": ("Vagt planlagt ({capacity} pladser)", "Shift scheduled ({capacity} places)"),
    "ShiftMoved": ("Vagt flyttet", "Shift moved"),
    "ShiftCapacityChanged": (
        "Antal pladser ændret fra {previous_capacity} til {capacity}",
        "Capacity changed from {previous_capacity} to {capacity}",
    ),
    "ShiftCancelled": ("Vagt aflyst", "Shift cancelled"),
    "VolunteerSignedUp": ("Hjælper tilmeldt ({placement})", "Helper signed up ({placement})"),
    "SignUpCancelled": ("Tilmelding afmeldt", "Sign-up cancelled"),
    "SignUpRemoved": ("Tilmelding fjernet", "Sign-up removed"),
    "SignUpPromoted": (
        "Tilmelding rykket op fra venteliste",
        "Sign-up promoted from the waiting list",
    ),
    "SignUpRescheduled": ("Tilmelding flyttet", "Sign-up rescheduled"),
    "SignUpVoided": ("Tilmelding annulleret", "Sign-up voided"),
    "AttendanceRecorded": ("Fremmøde registreret", "Attendance recorded"),
    "SubjectErased": (
        "Personoplysninger slettet (nøgler destrueret: {keys_destroyed})",
        "Personal data erased (keys destroyed: {keys_destroyed})",
    ),
}

_FIELD = re.compile(r"\{(kr:)?([a-z_]+)\}")
# Fields that identify rather than describe; never listed as changed.
_NOT_COMPARED = re.compile(r".*_id$|^revision$|^previous_.*|^nonce$|^at$|^cast_at$")


def kroner(ore: Any) -> str:
    if not isinstance(ore, int):
        return "?"
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole:,}.{cents:02d} kr.".replace(",", "\u00a0")


def _words(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type_name).lower()


# (literal text, field to fill in after it or None, whether that field is øre)
Part = tuple[str, str | None, bool]


@functools.cache
def _parts(template: str) -> tuple[Part, ...]:
    """A template split once at its placeholders, so filling it in needs no regex."""
    parts: list[Part] = []
    start = 0
    for match in _FIELD.finditer(template):
        parts.append((template[start : match.start()], match.group(2), bool(match.group(1))))
        start = match.end()
    parts.append((template[start:], None, False))
    return tuple(parts)


def _fill(template: str, data: dict[str, Any]) -> str:
    out: list[str] = []
    for text, name, in_ore in _parts(template):
        out.append(text)
        if name is not None:
            value = data.get(name)
            out.append(kroner(value) if in_ore else "–" if value is None else str(value))
    return "".join(out)


def summarize(type_name: str, data: dict[str, Any], changed: list[str]) -> tuple[str, str]:
    """(Danish, English) for one event; edits name the fields they changed."""
    da, en = TEMPLATES.get(type_name, (_words(type_name), _words(type_name)))
    da, en = _fill(da, data), _fill(en, data)
    if changed:
        fields = ", ".join(changed)
        da, en = f"{da} (ændret: {fields})", f"{en} (changed: {fields})"
    return da, en


@functools.cache
def _compared(name: str) -> bool:
    return _NOT_COMPARED.match(name) is None


def changes(before: dict[str, Any], data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields of `data` that carry a value different from the stream's previous one."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in data.items():
        if value is None or name not in before or not _compared(name):
            continue
        if before[name] != value:
            out[name] = {"before": before[name], "after": value}
    return out
