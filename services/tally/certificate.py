"""A result certificate: what was counted, how, and what won, in a form anyone can recompute.

Rendering is pure and deterministic: the same input and result always give the same bytes (no
clock, no machine, fixed order). The `digest` is the SHA-256 of the certificate's canonical JSON
without the digest itself, so two municipalities compare one line to know they agree on every
figure, and the input's last event hash ties the certificate to the hash chain of the record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from services.tally.model import Money, TallyResult
from services.tally.pabulib_writer import format_money

CERTIFICATE_FORMAT = "samskab-result-certificate/1"


@dataclass(frozen=True, slots=True)
class CertificateInput:
    """Which process and budget were counted, from which events.

    ``events`` counts the process's events up to ``cut_off`` (every one when it is None);
    ``last_seq``/``last_hash`` name the last of them in the hash chain; ``last_ballot_hash`` is
    the hash of the last ballot event among them (what an allocation proposal records).
    """

    process_id: str
    process_title: str
    local_area: str
    cut_off: str | None
    events: int
    last_seq: int | None
    last_hash: str | None
    last_ballot_hash: str | None
    ballot_rules: str


@dataclass(frozen=True, slots=True)
class Certificate:
    input: CertificateInput
    result: TallyResult
    labels: Mapping[str, str] = field(default_factory=dict)
    """A project id -> how people know it (its Pabulib id, or its title)."""


def document(certificate: Certificate) -> dict[str, Any]:
    """The certificate as a JSON-ready mapping, without the digest."""
    given, result = certificate.input, certificate.result
    return {
        "certificate": CERTIFICATE_FORMAT,
        "process": {"id": given.process_id, "title": given.process_title},
        "local_area": given.local_area,
        "input": {
            "cut_off": given.cut_off,
            "events": given.events,
            "last_seq": given.last_seq,
            "last_hash": given.last_hash,
            "last_ballot_event_hash": given.last_ballot_hash,
            "ballots": result.voter_count,
        },
        "ballot_rules": given.ballot_rules,
        "rule": result.rule,
        "rule_version": result.rule_version,
        "tie_break": result.tie_break,
        "parameters": dict(sorted(result.parameters.items())),
        "notes": list(result.notes),
        "budget": _exact(result.budget),
        "selected": [
            {
                "id": p.id,
                "label": certificate.labels.get(p.id, ""),
                "cost": _exact(p.cost),
                "score": _exact(p.score),
            }
            for p in result.selected
        ],
        "total_spent": _exact(result.total_cost),
        "ineligible": list(result.ineligible),
    }


def digest(certificate: Certificate) -> str:
    canonical = json.dumps(
        document(certificate), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def render_json(certificate: Certificate) -> str:
    return json.dumps(
        {**document(certificate), "digest": digest(certificate)}, ensure_ascii=False, indent=2
    )


def render_text(certificate: Certificate) -> str:
    given, result = certificate.input, certificate.result
    up_to = given.cut_off or "the last one recorded"
    last = f"last seq {given.last_seq}, hash {given.last_hash}" if given.last_seq else "none"
    lines = [
        f"Samskab result certificate ({CERTIFICATE_FORMAT})",
        f"process: {given.process_id} {given.process_title}",
        f"local area: {given.local_area}",
        f"input: {given.events} events of the process up to {up_to}; {last}",
        f"ballots: {result.voter_count} counted; last ballot event hash "
        f"{given.last_ballot_hash or 'none'}",
        f"ballot rules: {given.ballot_rules}",
        f"rule: {result.rule} — {result.rule_version}",
        f"tie-break: {result.tie_break}",
    ]
    lines += [f"{key}: {value}" for key, value in sorted(result.parameters.items())]
    lines += [f"note: {note}" for note in result.notes]
    if result.ineligible:
        lines.append(f"ineligible (below score threshold): {', '.join(result.ineligible)}")
    lines.append(f"budget: {_text(result.budget)}")
    lines.append(f"selected ({len(result.selected)}):")
    labels = [certificate.labels.get(p.id, "") for p in result.selected]
    width = max((len(label) for label in labels), default=0)
    lines += [
        f"  {p.id}  {label:<{width}}  cost {_text(p.cost):>14}  score {_text(p.score)}"
        for p, label in zip(result.selected, labels, strict=True)
    ]
    lines.append(f"total spent: {_text(result.total_cost)} of {_text(result.budget)}")
    lines.append(f"digest: sha256 {digest(certificate)}")
    return "\n".join(lines)


def _exact(value: Money) -> int | str:
    """A whole amount as a JSON number, any other as an exact decimal or fraction string."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return format_money(value)
    return int(value)


def _text(value: Money) -> str:
    return format_money(value)
