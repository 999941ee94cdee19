"""Why a volunteering command was refused, as the deciders say it: a code and what kind of "no" it
is.

The code and its params travel with the rejection (`VolunteeringRejected`); the words people
read, in the deployment's wording, are rendered at the edge (`services/texts/volunteering.py`).
"""

from __future__ import annotations

from enum import StrEnum

from services.domain.errors import CommandRejected, Param, RejectionKind, kinds


class Msg(StrEnum):
    TASK_EXISTS = "task_exists"
    TASK_NOT_FOUND = "task_not_found"
    NOT_ORGANIZER = "not_organizer"
    STAFF_ONLY = "staff_only"
    TASK_NOT_DRAFT = "task_not_draft"
    TASK_NOT_ATTESTED = "task_not_attested"
    TASK_NOT_PUBLISHED = "task_not_published"
    TASK_CLOSED = "task_closed"
    WORK_LOCKED = "work_locked"
    FIELD_REQUIRED = "field_required"
    MINIMUM_AGE_INVALID = "minimum_age_invalid"
    SHIFT_EXISTS = "shift_exists"
    SHIFT_NOT_FOUND = "shift_not_found"
    SHIFT_WRONG_TASK = "shift_wrong_task"
    SHIFT_CANCELLED = "shift_cancelled"
    SHIFT_TIMES_INVALID = "shift_times_invalid"
    SHIFT_IN_PAST = "shift_in_past"
    SHIFT_STARTED = "shift_started"
    SHIFT_NOT_STARTED = "shift_not_started"
    CAPACITY_INVALID = "capacity_invalid"
    CAPACITY_BELOW_CONFIRMED = "capacity_below_confirmed"
    SERIES_INVALID = "series_invalid"
    SIGNUP_CLOSED = "signup_closed"
    TOO_YOUNG = "too_young"
    ALREADY_SIGNED_UP = "already_signed_up"
    SIGNUP_ID_TAKEN = "signup_id_taken"
    SHIFT_FULL = "shift_full"
    SIGNUP_NOT_FOUND = "signup_not_found"
    NOT_YOUR_SIGNUP = "not_your_signup"
    REASON_REQUIRED = "reason_required"
    NOT_CONFIRMED = "not_confirmed"
    MINUTES_INVALID = "minutes_invalid"


# Each code's kind of refusal: not found, forbidden, conflict, invalid.
KIND = kinds(
    {
        RejectionKind.NOT_FOUND: (
            Msg.TASK_NOT_FOUND,
            Msg.SHIFT_NOT_FOUND,
            Msg.SIGNUP_NOT_FOUND,
        ),
        RejectionKind.FORBIDDEN: (
            Msg.NOT_ORGANIZER,
            Msg.STAFF_ONLY,
            Msg.TOO_YOUNG,
            Msg.NOT_YOUR_SIGNUP,
        ),
        RejectionKind.CONFLICT: (
            Msg.TASK_EXISTS,
            Msg.TASK_NOT_DRAFT,
            Msg.TASK_NOT_ATTESTED,
            Msg.TASK_NOT_PUBLISHED,
            Msg.TASK_CLOSED,
            Msg.WORK_LOCKED,
            Msg.SHIFT_EXISTS,
            Msg.SHIFT_CANCELLED,
            Msg.SHIFT_STARTED,
            Msg.SHIFT_NOT_STARTED,
            Msg.CAPACITY_BELOW_CONFIRMED,
            Msg.SIGNUP_CLOSED,
            Msg.ALREADY_SIGNED_UP,
            Msg.SIGNUP_ID_TAKEN,
            Msg.SHIFT_FULL,
            Msg.NOT_CONFIRMED,
        ),
        RejectionKind.INVALID: (
            Msg.FIELD_REQUIRED,
            Msg.MINIMUM_AGE_INVALID,
            Msg.SHIFT_WRONG_TASK,
            Msg.SHIFT_TIMES_INVALID,
            Msg.SHIFT_IN_PAST,
            Msg.CAPACITY_INVALID,
            Msg.SERIES_INVALID,
            Msg.REASON_REQUIRED,
            Msg.MINUTES_INVALID,
        ),
    }
)


class VolunteeringRejected(CommandRejected):
    """A volunteering command refused: its code, and the params its text needs."""

    def __init__(self, code: Msg, **params: Param) -> None:
        super().__init__(KIND[code], code, params)
        self.code: Msg = code
