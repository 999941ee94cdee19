"""Erasure of a data subject (GDPR art. 17), as a decider.

The personal-data key is destroyed at the edge (in the same transaction as the event); the
decision here is only what the log records about it. An erasure is always recorded, even when
nothing was left to destroy: the request was honoured, and the auditor sees that it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never
from uuid import UUID, uuid5

from events.base import Event
from events.privacy import SubjectErased
from services.domain.errors import CommandRejected, RejectionKind

NAMESPACE = UUID("5d0c2a6e-8b41-4f37-a9e2-1c7b3f90d4a8")
_PSEUDONYM = re.compile(r"[0-9a-f]{32}")


class PrivacyMsg(StrEnum):
    """Why an erasure was refused (its words: `services/texts/privacy.py`)."""

    NOT_A_PSEUDONYM = "not_a_pseudonym"
    COUNTS_NEGATIVE = "counts_negative"


def subject_stream(subject: str) -> str:
    """One stream per subject, named without the pseudonym itself."""
    return f"subject-{uuid5(NAMESPACE, subject)}"


@dataclass(frozen=True)
class EraseSubject:
    subject: str  # the keyed pseudonym
    keys_destroyed: int
    records_destroyed: int


@dataclass(frozen=True)
class SubjectState:
    erasures: int = 0


SUBJECT_INITIAL = SubjectState()


def decide_subject(command: EraseSubject, state: SubjectState) -> list[Event]:
    match command:
        case EraseSubject():
            if not _PSEUDONYM.fullmatch(command.subject):
                raise CommandRejected(
                    RejectionKind.INVALID,
                    PrivacyMsg.NOT_A_PSEUDONYM,
                    {"subject": command.subject},
                )
            if command.keys_destroyed < 0 or command.records_destroyed < 0:
                raise CommandRejected(RejectionKind.INVALID, PrivacyMsg.COUNTS_NEGATIVE)
            return [
                SubjectErased(
                    subject=command.subject,
                    keys_destroyed=command.keys_destroyed,
                    records_destroyed=command.records_destroyed,
                )
            ]
        case _:
            assert_never(command)


def evolve_subject(state: SubjectState, event: Event) -> SubjectState:
    if isinstance(event, SubjectErased):
        return SubjectState(erasures=state.erasures + 1)
    return state
