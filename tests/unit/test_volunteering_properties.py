"""Properties of a shift under any interleaving of sign-ups, cancellations and removals.

The event store serializes every decision on a shift stream, so any concurrent run is one of
these sequential interleavings: proving the rules for all of them proves them for the race.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce
from uuid import UUID, uuid4, uuid5

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.base import Actor, Event, Role
from events.volunteering import (
    Organizer,
    OrganizerKind,
    Place,
    ShiftScheduled,
    SignUpPromoted,
    TaskAttestedAsAdditional,
    TaskDrafted,
    TaskPublished,
    Text,
)
from services.domain.errors import CommandRejected
from services.domain.volunteering import (
    SHIFT_INITIAL,
    TASK_INITIAL,
    CancelSignUp,
    ChangeShiftCapacity,
    Msg,
    RemoveSignUp,
    ShiftCommand,
    ShiftState,
    SignUp,
    TaskState,
    decide_shift,
    evolve_shift,
    evolve_task,
)

ORGANIZER = Actor(subject="organizer", role=Role.STAFF)
STARTS = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)
NOW = STARTS - timedelta(days=3)
PEOPLE = [f"p{i}" for i in range(8)]


def published_task(task_id: UUID) -> TaskState:
    text = Text(da="x", en="x")
    events: list[Event] = [
        TaskDrafted(
            task_id=task_id,
            organizer=Organizer(kind=OrganizerKind.STAFF, name="Kommunen"),
            local_area="Tørring",
            core_task="Fritid og fællesskab",
            title=text,
            description=text,
            work=text,
            provided=text,
            place=Place(address="Torvet 1"),
            minimum_age=0,
            accessibility=text,
            signup_closes_minutes_before=60,
            drafted_by=ORGANIZER.subject,
        ),
        TaskAttestedAsAdditional(task_id=task_id, attested_by=ORGANIZER.subject),
        TaskPublished(task_id=task_id),
    ]
    return reduce(evolve_task, events, TASK_INITIAL)


def new_shift(task_id: UUID, shift_id: UUID, capacity: int, limit: int) -> ShiftState:
    scheduled = ShiftScheduled(
        task_id=task_id,
        shift_id=shift_id,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
        capacity=capacity,
        waiting_list_limit=limit,
    )
    return evolve_shift(SHIFT_INITIAL, scheduled)


class Model:
    """The rules stated plainly: first come first confirmed, then a queue, promoted in order."""

    def __init__(self, capacity: int, limit: int) -> None:
        self.capacity, self.limit = capacity, limit
        self.confirmed: list[str] = []
        self.waiting: list[str] = []

    def sign_up(self, who: str) -> bool:
        if who in self.confirmed or who in self.waiting:
            return False
        if len(self.confirmed) < self.capacity:
            self.confirmed.append(who)
        elif len(self.waiting) < self.limit:
            self.waiting.append(who)
        else:
            return False
        return True

    def leave(self, who: str) -> list[str]:
        """Who is promoted when `who` leaves."""
        if who in self.waiting:
            self.waiting.remove(who)
            return []
        self.confirmed.remove(who)
        return self.fill()

    def resize(self, capacity: int) -> list[str]:
        self.capacity = capacity
        return self.fill()

    def fill(self) -> list[str]:
        promoted = self.waiting[: max(self.capacity - len(self.confirmed), 0)]
        self.waiting = self.waiting[len(promoted) :]
        self.confirmed += promoted
        return promoted


steps = st.lists(
    st.tuples(
        st.sampled_from(["sign_up", "sign_up", "cancel", "remove", "resize"]),
        st.integers(0, len(PEOPLE) - 1),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(1, 4), limit=st.integers(0, 4), steps=steps)
def test_any_interleaving_keeps_confirmed_within_capacity_and_promotes_in_order(
    capacity: int, limit: int, steps: list[tuple[str, int]]
) -> None:
    task_id, shift_id = uuid4(), uuid4()
    task = published_task(task_id)
    state = new_shift(task_id, shift_id, capacity, limit)
    model = Model(capacity, limit)
    attempts: dict[str, int] = {}

    for action, index in steps:
        who = PEOPLE[index]
        active = {e.participant: e.signup_id for e, _ in state.active()}
        command: ShiftCommand
        expected_promoted: list[str] | None
        if action == "sign_up":
            attempts[who] = attempts.get(who, 0) + 1
            signup_id = uuid5(shift_id, f"{who}/{attempts[who]}")
            command = SignUp(shift_id, signup_id, who, f"ref-{who}", date(1990, 1, 1), NOW)
            expected_promoted = [] if model.sign_up(who) else None
        elif action == "resize":
            size = index % 4 + 1
            command = ChangeShiftCapacity(shift_id, size, ORGANIZER, NOW)
            expected_promoted = model.resize(size) if size >= len(model.confirmed) else None
        elif who in active:
            signup_id = active[who]
            command = (
                CancelSignUp(shift_id, signup_id, who, NOW)
                if action == "cancel"
                else RemoveSignUp(shift_id, signup_id, "No longer needed", ORGANIZER, NOW)
            )
            expected_promoted = model.leave(who)
        else:
            continue

        try:
            events = decide_shift(command, state, task)
        except CommandRejected:
            assert expected_promoted is None, f"{action} {who} was refused"
            continue
        assert expected_promoted is not None, f"{action} {who} was accepted"
        assert [e.participant for e in events if isinstance(e, SignUpPromoted)] == (
            expected_promoted
        )
        state = reduce(evolve_shift, events, state)

        assert len(state.confirmed) <= state.capacity
        assert len(state.waiting) <= state.waiting_list_limit
        assert not state.waiting or len(state.confirmed) == state.capacity
        assert [e.participant for e in state.confirmed] == model.confirmed
        assert [e.participant for e in state.waiting] == model.waiting


def test_two_hundred_sign_ups_for_ten_places_confirm_ten_and_queue_the_rest_in_order() -> None:
    task_id, shift_id = uuid4(), uuid4()
    task = published_task(task_id)
    state = new_shift(task_id, shift_id, capacity=10, limit=190)
    people = [f"citizen-{i:03}" for i in range(200)]
    for who in people:
        command = SignUp(shift_id, uuid5(shift_id, who), who, f"ref-{who}", date(1990, 1, 1), NOW)
        state = reduce(evolve_shift, decide_shift(command, state, task), state)
    assert [e.participant for e in state.confirmed] == people[:10]
    assert [e.participant for e in state.waiting] == people[10:]

    late = SignUp(shift_id, uuid4(), "late", "ref-late", date(1990, 1, 1), NOW)
    with pytest.raises(CommandRejected) as refused:
        decide_shift(late, state, task)
    assert getattr(refused.value, "code", None) is Msg.SHIFT_FULL

    for leaver in people[:5]:
        events = decide_shift(
            CancelSignUp(shift_id, uuid5(shift_id, leaver), leaver, NOW), state, task
        )
        assert len([e for e in events if isinstance(e, SignUpPromoted)]) == 1
        state = reduce(evolve_shift, events, state)
    assert [e.participant for e in state.confirmed] == people[5:15]
