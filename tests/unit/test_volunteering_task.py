"""Given/when/then for the volunteer task decider: draft → attested → published → closed."""

from __future__ import annotations

from functools import reduce
from uuid import UUID, uuid4

import pytest

from events.base import Actor, Event, Role
from events.registry import EVENT_TYPES, decode, encode
from events.volunteering import (
    EVENTS,
    TOPIC,
    Organizer,
    OrganizerKind,
    Place,
    TaskAttestedAsAdditional,
    TaskCancelled,
    TaskCompleted,
    TaskDrafted,
    TaskPublished,
    TaskRevised,
    Text,
)
from services.domain.errors import CommandRejected, RejectionKind
from services.domain.volunteering import (
    TASK_INITIAL,
    AttestTaskAsAdditional,
    CancelTask,
    CompleteTask,
    DraftTask,
    Msg,
    PublishTask,
    ReviseTask,
    TaskCommand,
    TaskState,
    TaskStatus,
    decide_task,
    evolve_task,
    task_stream,
)
from services.texts.rejections import rejection_text
from services.texts.volunteering import TEXTS

STAFF = Actor(subject="staff-anna", role=Role.STAFF)
CHAIR = Actor(subject="chair-of-toerring-council", role=Role.CITIZEN)
STRANGER = Actor(subject="someone-else", role=Role.CITIZEN)


def text(words: str) -> Text:
    return Text(da=f"{words} (da)", en=f"{words} (en)")


def draft(task_id: UUID, actor: Actor = CHAIR) -> DraftTask:
    return DraftTask(
        task_id=task_id,
        actor=actor,
        organizer=Organizer(kind=OrganizerKind.LOCAL_COUNCIL, name="Tørring Lokalråd"),
        local_area="Tørring",
        core_task="Fritid og fællesskab",
        title=text("Green Team"),
        description=text("We keep the town tidy"),
        work=text("Pick litter along the river path"),
        provided=text("Grabbers, gloves, bags and coffee"),
        place=Place(address="Torvet 1, 7160 Tørring", latitude=55.85, longitude=9.48),
        minimum_age=13,
        accessibility=text("Gravel path, not suitable for wheelchairs"),
    )


def given(*events: Event) -> TaskState:
    return reduce(evolve_task, events, TASK_INITIAL)


def drafted(task_id: UUID) -> Event:
    [event] = decide_task(draft(task_id), TASK_INITIAL)
    return event


def attested(task_id: UUID) -> Event:
    return TaskAttestedAsAdditional(task_id=task_id, attested_by=STAFF.subject)


def rejected(command: TaskCommand, state: TaskState) -> CommandRejected:
    with pytest.raises(CommandRejected) as caught:
        decide_task(command, state)
    return caught.value


def code_of(error: CommandRejected) -> object:
    return getattr(error, "code", None)


# --- drafting --------------------------------------------------------------------------------


def test_a_drafted_task_records_everything_a_helper_needs_to_know() -> None:
    task_id = uuid4()
    [event] = decide_task(draft(task_id), TASK_INITIAL)
    assert isinstance(event, TaskDrafted)
    assert event.drafted_by == CHAIR.subject
    assert event.work.da.startswith("Pick litter")
    assert event.minimum_age == 13
    assert event.partition_key() == str(task_id)


def test_the_drafter_may_manage_the_draft() -> None:
    task_id = uuid4()
    state = given(drafted(task_id))
    assert state.status is TaskStatus.DRAFT
    assert CHAIR.subject in state.managers


def test_a_task_cannot_be_drafted_twice() -> None:
    task_id = uuid4()
    error = rejected(draft(task_id), given(drafted(task_id)))
    assert code_of(error) is Msg.TASK_EXISTS
    assert error.kind is RejectionKind.CONFLICT


def test_a_title_is_required_in_both_languages() -> None:
    command = draft(uuid4())
    blank = DraftTask(**{**command.__dict__, "title": Text(da="Grønt hold", en=" ")})
    error = rejected(blank, TASK_INITIAL)
    assert code_of(error) is Msg.FIELD_REQUIRED
    assert "title" in rejection_text(error, "da") and "title" in rejection_text(error, "en")


# --- attestation and publishing --------------------------------------------------------------


def test_publishing_without_a_staff_attestation_is_refused() -> None:
    task_id = uuid4()
    error = rejected(PublishTask(task_id, CHAIR), given(drafted(task_id)))
    assert code_of(error) is Msg.TASK_NOT_ATTESTED
    assert "erstatter" in rejection_text(error, "da")


def test_only_staff_may_attest_that_a_task_is_additional() -> None:
    task_id = uuid4()
    error = rejected(AttestTaskAsAdditional(task_id, CHAIR), given(drafted(task_id)))
    assert code_of(error) is Msg.STAFF_ONLY
    assert error.kind is RejectionKind.FORBIDDEN


def test_an_attested_draft_can_be_published_by_its_organizer() -> None:
    task_id = uuid4()
    state = given(drafted(task_id))
    attestation = decide_task(AttestTaskAsAdditional(task_id, STAFF, "Not park staff work"), state)
    assert attestation == [
        TaskAttestedAsAdditional(
            task_id=task_id, attested_by=STAFF.subject, statement="Not park staff work"
        )
    ]
    state = given(drafted(task_id), *attestation)
    assert decide_task(PublishTask(task_id, CHAIR), state) == [TaskPublished(task_id=task_id)]


def test_a_stranger_cannot_publish_someone_elses_task() -> None:
    task_id = uuid4()
    error = rejected(PublishTask(task_id, STRANGER), given(drafted(task_id), attested(task_id)))
    assert code_of(error) is Msg.NOT_ORGANIZER


def test_changing_the_work_of_a_draft_voids_the_attestation() -> None:
    task_id = uuid4()
    state = given(drafted(task_id), attested(task_id))
    revision = decide_task(ReviseTask(task_id, CHAIR, work=text("Also trim bushes")), state)
    assert revision == [TaskRevised(task_id=task_id, work=text("Also trim bushes"))]
    state = given(drafted(task_id), attested(task_id), *revision)
    assert state.attested_by is None
    assert code_of(rejected(PublishTask(task_id, CHAIR), state)) is Msg.TASK_NOT_ATTESTED


def test_the_work_of_a_published_task_cannot_change() -> None:
    task_id = uuid4()
    state = given(drafted(task_id), attested(task_id), TaskPublished(task_id=task_id))
    error = rejected(ReviseTask(task_id, CHAIR, work=text("Something else")), state)
    assert code_of(error) is Msg.WORK_LOCKED


def test_a_published_task_can_still_change_its_place() -> None:
    task_id = uuid4()
    state = given(drafted(task_id), attested(task_id), TaskPublished(task_id=task_id))
    place = Place(address="Åvej 2, 7160 Tørring")
    assert decide_task(ReviseTask(task_id, CHAIR, place=place), state) == [
        TaskRevised(task_id=task_id, place=place)
    ]


def test_a_revision_that_changes_nothing_records_nothing() -> None:
    task_id = uuid4()
    state = given(drafted(task_id))
    assert decide_task(ReviseTask(task_id, CHAIR, local_area="Tørring"), state) == []


# --- closing ---------------------------------------------------------------------------------


def test_a_published_task_can_be_completed_and_then_nothing_more_happens() -> None:
    task_id = uuid4()
    state = given(drafted(task_id), attested(task_id), TaskPublished(task_id=task_id))
    assert decide_task(CompleteTask(task_id, STAFF), state) == [TaskCompleted(task_id=task_id)]
    closed = given(
        drafted(task_id),
        attested(task_id),
        TaskPublished(task_id=task_id),
        TaskCompleted(task_id=task_id),
    )
    assert code_of(rejected(CancelTask(task_id, STAFF), closed)) is Msg.TASK_CLOSED


def test_a_draft_can_be_cancelled_with_a_reason_but_not_completed() -> None:
    task_id = uuid4()
    state = given(drafted(task_id))
    assert decide_task(CancelTask(task_id, CHAIR, "Too few tools"), state) == [
        TaskCancelled(task_id=task_id, reason="Too few tools")
    ]
    assert code_of(rejected(CompleteTask(task_id, CHAIR), state)) is Msg.TASK_NOT_PUBLISHED


def test_commands_on_a_task_that_does_not_exist_are_refused_as_not_found() -> None:
    error = rejected(PublishTask(uuid4(), STAFF), TASK_INITIAL)
    assert error.kind is RejectionKind.NOT_FOUND


# --- contract and wording --------------------------------------------------------------------


def test_every_volunteering_event_is_registered_on_the_volunteering_topic() -> None:
    assert set(EVENTS) <= set(EVENT_TYPES)
    assert all(cls.topic == TOPIC for cls in EVENTS)
    assert len({cls.type_name for cls in EVENTS}) == len(EVENTS)


def test_a_drafted_task_survives_the_round_trip_through_the_registry() -> None:
    event = drafted(uuid4())
    assert decode(event.type_name, event.version, encode(event)) == event


def test_every_refusal_has_a_danish_and_an_english_text_without_the_word_frivillig() -> None:
    assert set(TEXTS) == set(Msg)
    for _kind, da, en in TEXTS.values():
        assert da and en and da != en
        assert "frivillig" not in da.lower()


def test_task_streams_are_named_by_task_id() -> None:
    task_id = uuid4()
    assert task_stream(task_id) == f"volunteer-task-{task_id}"
