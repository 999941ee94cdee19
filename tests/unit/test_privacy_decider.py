"""The erasure decider: what the log records about an erasure."""

from __future__ import annotations

import pytest

from events.privacy import SubjectErased
from services.domain.errors import CommandRejected
from services.domain.privacy import (
    SUBJECT_INITIAL,
    EraseSubject,
    decide_subject,
    evolve_subject,
    subject_stream,
)

SUBJECT = "0123456789abcdef0123456789abcdef"


def test_an_erasure_records_what_was_destroyed() -> None:
    events = decide_subject(EraseSubject(SUBJECT, 1, 3), SUBJECT_INITIAL)
    assert events == [SubjectErased(subject=SUBJECT, keys_destroyed=1, records_destroyed=3)]


def test_an_erasure_with_nothing_left_is_still_recorded() -> None:
    state = evolve_subject(
        SUBJECT_INITIAL, SubjectErased(subject=SUBJECT, keys_destroyed=1, records_destroyed=0)
    )
    events = decide_subject(EraseSubject(SUBJECT, 0, 0), state)
    assert events == [SubjectErased(subject=SUBJECT, keys_destroyed=0, records_destroyed=0)]
    assert state.erasures == 1


@pytest.mark.parametrize("subject", ["anna", SUBJECT.upper(), SUBJECT[:-1], ""])
def test_anything_but_a_pseudonym_is_refused(subject: str) -> None:
    with pytest.raises(CommandRejected, match="not_a_pseudonym"):
        decide_subject(EraseSubject(subject, 1, 0), SUBJECT_INITIAL)


def test_the_subject_stream_does_not_carry_the_pseudonym() -> None:
    stream = subject_stream(SUBJECT)
    assert stream.startswith("subject-") and SUBJECT not in stream
    assert stream == subject_stream(SUBJECT)
