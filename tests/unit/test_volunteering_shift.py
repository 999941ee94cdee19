"""Given/when/then for one shift: scheduling, sign-ups, waiting list, changes and attendance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce
from uuid import UUID, uuid4, uuid5

import pytest

from events.base import Actor, Event, Role
from events.volunteering import (
    AttendanceRecorded,
    Organizer,
    OrganizerKind,
    Place,
    Placement,
    ShiftCancelled,
    ShiftCapacityChanged,
    ShiftMoved,
    ShiftScheduled,
    SignUpCancelled,
    SignUpPromoted,
    SignUpRemoved,
    SignUpRescheduled,
    SignUpVoided,
    TaskAttestedAsAdditional,
    TaskCancelled,
    TaskDrafted,
    TaskPublished,
    Text,
    VolunteerSignedUp,
)
from services.domain.errors import CommandRejected, RejectionKind
from services.domain.volunteering import (
    SHIFT_INITIAL,
    TASK_INITIAL,
    Attendance,
    CancelShift,
    CancelSignUp,
    ChangeShiftCapacity,
    MoveShift,
    Msg,
    RecordAttendance,
    RemoveSignUp,
    ScheduleShift,
    ShiftCommand,
    ShiftState,
    SignUp,
    TaskState,
    decide_shift,
    evolve_shift,
    evolve_task,
    shift_stream,
)
from services.texts.rejections import rejection_text

ORGANIZER = Actor(subject="chair-of-toerring-council", role=Role.CITIZEN)
STAFF = Actor(subject="staff-anna", role=Role.STAFF)
STRANGER = Actor(subject="someone-else", role=Role.CITIZEN)
STARTS = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)  # Saturday 10:00 in Tørring
ENDS = STARTS + timedelta(hours=3)
NOW = STARTS - timedelta(days=7)
ADULT = date(1980, 1, 1)


class Given:
    """A published task (minimum age 13, sign-up closes 24 h before) and one of its shifts."""

    def __init__(self, *, minimum_age: int = 13, closes_minutes_before: int = 24 * 60) -> None:
        self.task_id = uuid4()
        self.shift_id = uuid4()
        self.task_events: list[Event] = [
            TaskDrafted(
                task_id=self.task_id,
                organizer=Organizer(kind=OrganizerKind.LOCAL_COUNCIL, name="Tørring Lokalråd"),
                local_area="Tørring",
                core_task="Fritid og fællesskab",
                title=Text(da="Grønt hold", en="Green Team"),
                description=Text(da="Vi holder byen ren", en="We keep the town tidy"),
                work=Text(da="Saml affald", en="Pick litter"),
                provided=Text(da="Handsker og kaffe", en="Gloves and coffee"),
                place=Place(address="Torvet 1, 7160 Tørring"),
                minimum_age=minimum_age,
                accessibility=Text(da="Grussti", en="Gravel path"),
                signup_closes_minutes_before=closes_minutes_before,
                drafted_by=ORGANIZER.subject,
            ),
            TaskAttestedAsAdditional(task_id=self.task_id, attested_by=STAFF.subject),
            TaskPublished(task_id=self.task_id),
        ]
        self.shift_events: list[Event] = []

    def scheduled(self, capacity: int = 2, waiting_list_limit: int = 2) -> Given:
        self.shift_events.append(
            ShiftScheduled(
                task_id=self.task_id,
                shift_id=self.shift_id,
                starts_at=STARTS,
                ends_at=ENDS,
                capacity=capacity,
                waiting_list_limit=waiting_list_limit,
            )
        )
        return self

    def signed_up(self, *people: str) -> Given:
        """Each person signs up in turn, placed as the decider places them."""
        for person in people:
            self.shift_events += decide_shift(self.sign_up(person), self.shift, self.task)
        return self

    def then(self, *events: Event) -> Given:
        self.shift_events += events
        return self

    def sign_up(self, person: str, **overrides: object) -> SignUp:
        fields: dict[str, object] = {
            "shift_id": self.shift_id,
            "signup_id": self.signup_id(person),
            "participant": person,
            "contact_ref": f"contact-{person}",
            "birth_date": ADULT,
            "now": NOW,
        }
        return SignUp(**{**fields, **overrides})  # type: ignore[arg-type]

    def signup_id(self, person: str) -> UUID:
        for event in self.shift_events:
            if isinstance(event, VolunteerSignedUp) and event.participant == person:
                return event.signup_id
        return uuid5(self.shift_id, person)

    @property
    def task(self) -> TaskState:
        return reduce(evolve_task, self.task_events, TASK_INITIAL)

    @property
    def shift(self) -> ShiftState:
        return reduce(evolve_shift, self.shift_events, SHIFT_INITIAL)

    def when(self, command: ShiftCommand) -> list[Event]:
        return decide_shift(command, self.shift, self.task)

    def refused(self, command: ShiftCommand) -> CommandRejected:
        with pytest.raises(CommandRejected) as caught:
            self.when(command)
        return caught.value


def placements(events: list[Event]) -> list[tuple[str, Placement]]:
    return [(e.participant, e.placement) for e in events if isinstance(e, VolunteerSignedUp)]


def code_of(error: CommandRejected) -> object:
    return getattr(error, "code", None)


# --- scheduling ------------------------------------------------------------------------------


def test_an_organizer_schedules_a_shift_with_a_capacity() -> None:
    g = Given()
    command = ScheduleShift(g.task_id, g.shift_id, STARTS, ENDS, 10, ORGANIZER, NOW)
    [event] = g.when(command)
    assert isinstance(event, ShiftScheduled)
    assert (event.capacity, event.waiting_list_limit) == (10, 50)
    assert event.partition_key() == str(g.task_id)


def test_scheduling_the_same_shift_again_records_nothing_but_a_different_one_is_refused() -> None:
    g = Given().scheduled(capacity=2, waiting_list_limit=2)
    same = ScheduleShift(g.task_id, g.shift_id, STARTS, ENDS, 2, ORGANIZER, NOW, 2)
    assert g.when(same) == []
    other = ScheduleShift(g.task_id, g.shift_id, STARTS, ENDS, 5, ORGANIZER, NOW, 2)
    assert code_of(g.refused(other)) is Msg.SHIFT_EXISTS


def test_a_shift_cannot_end_before_it_starts_or_start_in_the_past() -> None:
    g = Given()
    backwards = ScheduleShift(g.task_id, g.shift_id, ENDS, STARTS, 2, ORGANIZER, NOW)
    assert code_of(g.refused(backwards)) is Msg.SHIFT_TIMES_INVALID
    past = ScheduleShift(g.task_id, g.shift_id, STARTS, ENDS, 2, ORGANIZER, STARTS)
    assert code_of(g.refused(past)) is Msg.SHIFT_IN_PAST


def test_a_stranger_cannot_schedule_shifts_for_someone_elses_task() -> None:
    g = Given()
    command = ScheduleShift(g.task_id, g.shift_id, STARTS, ENDS, 2, STRANGER, NOW)
    assert code_of(g.refused(command)) is Msg.NOT_ORGANIZER


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_ups_are_confirmed_while_places_remain_then_wait_in_order() -> None:
    g = Given().scheduled(capacity=2, waiting_list_limit=2).signed_up("ada", "bo", "cy", "dan")
    assert placements(g.shift_events) == [
        ("ada", Placement.CONFIRMED),
        ("bo", Placement.CONFIRMED),
        ("cy", Placement.WAITING),
        ("dan", Placement.WAITING),
    ]


def test_a_full_shift_with_a_full_waiting_list_refuses_the_next_helper() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=1).signed_up("ada", "bo")
    error = g.refused(g.sign_up("cy"))
    assert code_of(error) is Msg.SHIFT_FULL
    assert error.kind is RejectionKind.CONFLICT


def test_without_a_waiting_list_a_full_shift_refuses() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=0).signed_up("ada")
    assert code_of(g.refused(g.sign_up("bo"))) is Msg.SHIFT_FULL


def test_a_citizen_cannot_sign_up_twice_for_the_same_shift() -> None:
    g = Given().scheduled().signed_up("ada")
    error = g.refused(g.sign_up("ada", signup_id=uuid4()))
    assert code_of(error) is Msg.ALREADY_SIGNED_UP


def test_the_same_sign_up_sent_twice_is_recorded_once() -> None:
    g = Given().scheduled().signed_up("ada")
    assert g.when(g.sign_up("ada")) == []


def test_a_citizen_who_cancelled_may_sign_up_again_with_a_new_sign_up() -> None:
    g = Given().scheduled().signed_up("ada")
    g.then(*g.when(CancelSignUp(g.shift_id, g.signup_id("ada"), "ada", NOW)))
    assert placements(g.when(g.sign_up("ada", signup_id=uuid4()))) == [("ada", Placement.CONFIRMED)]


def test_sign_up_closes_the_configured_time_before_the_shift() -> None:
    g = Given(closes_minutes_before=120).scheduled()
    assert g.when(g.sign_up("ada", now=STARTS - timedelta(minutes=121)))
    error = g.refused(g.sign_up("bo", now=STARTS - timedelta(minutes=120)))
    assert code_of(error) is Msg.SIGNUP_CLOSED


def test_a_helper_younger_than_the_minimum_age_on_the_day_is_refused() -> None:
    g = Given(minimum_age=13).scheduled()
    turns_13_the_day_after = date(2012, 6, 8)
    error = g.refused(g.sign_up("kid", birth_date=turns_13_the_day_after))
    assert code_of(error) is Msg.TOO_YOUNG
    assert error.kind is RejectionKind.FORBIDDEN
    assert "13" in rejection_text(error, "da") and "hjælpe" in rejection_text(error, "da")
    turns_13_that_day = date(2012, 6, 7)
    assert g.when(g.sign_up("teen", birth_date=turns_13_that_day))


def test_no_one_signs_up_for_a_draft_or_cancelled_task() -> None:
    g = Given().scheduled()
    g.task_events = g.task_events[:1]
    assert code_of(g.refused(g.sign_up("ada"))) is Msg.TASK_NOT_PUBLISHED
    g = Given().scheduled()
    g.task_events.append(TaskCancelled(task_id=g.task_id))
    assert code_of(g.refused(g.sign_up("ada"))) is Msg.TASK_CLOSED


def test_a_sign_up_carries_only_a_pseudonym_and_a_contact_reference() -> None:
    g = Given().scheduled()
    [event] = g.when(g.sign_up("ada", birth_date=ADULT))
    payload = event.model_dump(mode="json")
    assert payload["participant"] == "ada"
    assert payload["contact_ref"] == "contact-ada"
    assert "1980" not in str(payload)


# --- cancelling and removing -----------------------------------------------------------------


def test_cancelling_a_confirmed_place_promotes_the_first_waiting() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=5).signed_up("ada", "bo", "cy")
    events = g.when(CancelSignUp(g.shift_id, g.signup_id("ada"), "ada", NOW))
    assert [type(e) for e in events] == [SignUpCancelled, SignUpPromoted]
    assert isinstance(events[1], SignUpPromoted) and events[1].participant == "bo"
    state = g.then(*events).shift
    assert [e.participant for e in state.confirmed] == ["bo"]
    assert [e.participant for e in state.waiting] == ["cy"]


def test_cancelling_a_waiting_place_promotes_no_one() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=5).signed_up("ada", "bo", "cy")
    events = g.when(CancelSignUp(g.shift_id, g.signup_id("bo"), "bo", NOW))
    assert events == [
        SignUpCancelled(
            task_id=g.task_id,
            shift_id=g.shift_id,
            signup_id=g.signup_id("bo"),
            participant="bo",
            placement=Placement.WAITING,
        )
    ]


def test_a_citizen_can_only_cancel_their_own_sign_up() -> None:
    g = Given().scheduled().signed_up("ada")
    error = g.refused(CancelSignUp(g.shift_id, g.signup_id("ada"), "bo", NOW))
    assert code_of(error) is Msg.NOT_YOUR_SIGNUP


def test_no_cancellation_once_the_shift_has_started() -> None:
    g = Given().scheduled().signed_up("ada")
    error = g.refused(CancelSignUp(g.shift_id, g.signup_id("ada"), "ada", STARTS))
    assert code_of(error) is Msg.SHIFT_STARTED


def test_the_organizer_removes_a_sign_up_with_a_reason_and_the_first_waiting_moves_up() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=5).signed_up("ada", "bo")
    command = RemoveSignUp(g.shift_id, g.signup_id("ada"), "Signed up by mistake", ORGANIZER, NOW)
    events = g.when(command)
    assert [type(e) for e in events] == [SignUpRemoved, SignUpPromoted]
    removal = events[0]
    assert isinstance(removal, SignUpRemoved)
    assert (removal.reason, removal.removed_by) == ("Signed up by mistake", ORGANIZER.subject)


def test_removing_a_sign_up_needs_a_reason_and_an_organizer() -> None:
    g = Given().scheduled().signed_up("ada")
    no_reason = RemoveSignUp(g.shift_id, g.signup_id("ada"), " ", ORGANIZER, NOW)
    assert code_of(g.refused(no_reason)) is Msg.REASON_REQUIRED
    stranger = RemoveSignUp(g.shift_id, g.signup_id("ada"), "Because", STRANGER, NOW)
    assert code_of(g.refused(stranger)) is Msg.NOT_ORGANIZER


# --- shift changes ---------------------------------------------------------------------------


def test_moving_a_shift_tells_every_active_sign_up() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=2).signed_up("ada", "bo")
    later = STARTS + timedelta(days=7)
    events = g.when(MoveShift(g.shift_id, later, later + timedelta(hours=3), ORGANIZER, NOW))
    assert isinstance(events[0], ShiftMoved) and events[0].previous_starts_at == STARTS
    notices = [e for e in events if isinstance(e, SignUpRescheduled)]
    assert [(n.participant, n.placement, n.starts_at) for n in notices] == [
        ("ada", Placement.CONFIRMED, later),
        ("bo", Placement.WAITING, later),
    ]


def test_cancelling_a_shift_voids_every_active_sign_up() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=2).signed_up("ada", "bo")
    events = g.when(CancelShift(g.shift_id, ORGANIZER, NOW, "Storm warning"))
    assert isinstance(events[0], ShiftCancelled)
    voided = [e for e in events if isinstance(e, SignUpVoided)]
    assert [(v.participant, v.reason) for v in voided] == [
        ("ada", "Storm warning"),
        ("bo", "Storm warning"),
    ]
    state = g.then(*events).shift
    assert state.cancelled and state.active() == ()
    assert code_of(g.refused(g.sign_up("cy"))) is Msg.SHIFT_CANCELLED


def test_reducing_capacity_below_the_confirmed_helpers_is_refused_with_the_numbers() -> None:
    g = Given().scheduled(capacity=3).signed_up("ada", "bo", "cy")
    error = g.refused(ChangeShiftCapacity(g.shift_id, 2, ORGANIZER, NOW))
    assert code_of(error) is Msg.CAPACITY_BELOW_CONFIRMED
    assert "3" in rejection_text(error, "da") and "2" in rejection_text(error, "en")


def test_raising_capacity_promotes_the_waiting_in_order() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=3).signed_up("ada", "bo", "cy", "dan")
    events = g.when(ChangeShiftCapacity(g.shift_id, 3, ORGANIZER, NOW))
    assert isinstance(events[0], ShiftCapacityChanged)
    assert [e.participant for e in events if isinstance(e, SignUpPromoted)] == ["bo", "cy"]


# --- attendance ------------------------------------------------------------------------------


def test_attendance_is_recorded_after_the_start_with_the_shifts_length_by_default() -> None:
    g = Given().scheduled(capacity=2).signed_up("ada", "bo")
    command = RecordAttendance(
        g.shift_id,
        (
            Attendance(g.signup_id("ada"), attended=True),
            Attendance(g.signup_id("bo"), attended=False),
        ),
        ORGANIZER,
        ENDS,
    )
    events = g.when(command)
    assert [
        (e.participant, e.attended, e.minutes) for e in events if isinstance(e, AttendanceRecorded)
    ] == [
        ("ada", True, 180),
        ("bo", False, 0),
    ]


def test_attendance_cannot_be_recorded_before_the_shift_or_for_the_waiting() -> None:
    g = Given().scheduled(capacity=1, waiting_list_limit=1).signed_up("ada", "bo")
    early = RecordAttendance(g.shift_id, (Attendance(g.signup_id("ada"), True),), ORGANIZER, NOW)
    assert code_of(g.refused(early)) is Msg.SHIFT_NOT_STARTED
    waiting = RecordAttendance(g.shift_id, (Attendance(g.signup_id("bo"), True),), ORGANIZER, ENDS)
    assert code_of(g.refused(waiting)) is Msg.NOT_CONFIRMED


def test_hours_for_an_attendance_must_be_plausible() -> None:
    g = Given().scheduled().signed_up("ada")
    zero = RecordAttendance(g.shift_id, (Attendance(g.signup_id("ada"), True, 0),), ORGANIZER, ENDS)
    assert code_of(g.refused(zero)) is Msg.MINUTES_INVALID


def test_shift_streams_are_named_by_shift_id() -> None:
    shift_id = uuid4()
    assert shift_stream(shift_id) == f"volunteer-shift-{shift_id}"
