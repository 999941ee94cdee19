"""Why a volunteering command was refused: a code, its params, and the text in Danish and English.

Citizen-facing words for the people taking part are `{helper}`, `{helpers}` and `{citizen}`,
filled from the deployment's `Wording` (default *hjælper* / *medborger*; *frivillig* is used
sparingly, here never). The code and params travel with the rejection so a client can render
its own wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import get_args

from services.domain.errors import CommandRejected, RejectionKind
from services.domain.messages import Lang, fill
from services.domain.wording import DEFAULT_WORDING, Wording


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


_K = RejectionKind
LANGS: tuple[Lang, ...] = get_args(Lang)

# code -> (kind, Danish, English); `{name}` placeholders are filled from the params.
TEXTS: dict[Msg, tuple[RejectionKind, str, str]] = {
    Msg.TASK_EXISTS: (_K.CONFLICT, "Opgaven findes allerede.", "The task already exists."),
    Msg.TASK_NOT_FOUND: (_K.NOT_FOUND, "Opgaven findes ikke.", "The task does not exist."),
    Msg.NOT_ORGANIZER: (
        _K.FORBIDDEN,
        "Kun opgavens arrangør eller en medarbejder kan gøre dette.",
        "Only the task's organizer or a staff member can do this.",
    ),
    Msg.STAFF_ONLY: (
        _K.FORBIDDEN,
        "Kun en medarbejder kan bekræfte, at opgaven kommer oven i medarbejdernes arbejde.",
        "Only a staff member can attest that the task comes on top of staff work.",
    ),
    Msg.TASK_NOT_DRAFT: (
        _K.CONFLICT,
        "Opgaven er ikke længere en kladde.",
        "The task is no longer a draft.",
    ),
    Msg.TASK_NOT_ATTESTED: (
        _K.CONFLICT,
        "En medarbejder skal bekræfte, at opgaven kommer oven i medarbejdernes arbejde og ikke "
        "erstatter det, før den kan offentliggøres.",
        "A staff member must attest that the task comes on top of staff work, replacing none of "
        "it, before it can be published.",
    ),
    Msg.TASK_NOT_PUBLISHED: (
        _K.CONFLICT,
        "Opgaven er ikke offentliggjort.",
        "The task is not published.",
    ),
    Msg.TASK_CLOSED: (
        _K.CONFLICT,
        "Opgaven er afsluttet eller aflyst.",
        "The task has been completed or cancelled.",
    ),
    Msg.WORK_LOCKED: (
        _K.CONFLICT,
        "Arbejdet i en offentliggjort opgave kan ikke ændres. Aflys den og opret en ny.",
        "The work of a published task cannot change. Cancel it and create a new one.",
    ),
    Msg.FIELD_REQUIRED: (
        _K.INVALID,
        "Feltet '{field}' skal udfyldes på dansk og engelsk.",
        "The field '{field}' is required in Danish and English.",
    ),
    Msg.MINIMUM_AGE_INVALID: (
        _K.INVALID,
        "Minimumsalderen skal være mellem 0 og 120 år.",
        "The minimum age must be between 0 and 120.",
    ),
    Msg.SHIFT_EXISTS: (_K.CONFLICT, "Vagten findes allerede.", "The shift already exists."),
    Msg.SHIFT_NOT_FOUND: (_K.NOT_FOUND, "Vagten findes ikke.", "The shift does not exist."),
    Msg.SHIFT_WRONG_TASK: (
        _K.INVALID,
        "Vagten hører ikke til denne opgave.",
        "The shift does not belong to this task.",
    ),
    Msg.SHIFT_CANCELLED: (_K.CONFLICT, "Vagten er aflyst.", "The shift has been cancelled."),
    Msg.SHIFT_TIMES_INVALID: (
        _K.INVALID,
        "En vagt skal slutte efter den begynder og vare højst et døgn.",
        "A shift must end after it starts and last at most a day.",
    ),
    Msg.SHIFT_IN_PAST: (
        _K.INVALID,
        "En vagt kan ikke lægges i fortiden.",
        "A shift cannot be placed in the past.",
    ),
    Msg.SHIFT_STARTED: (
        _K.CONFLICT,
        "Vagten er allerede begyndt.",
        "The shift has already started.",
    ),
    Msg.SHIFT_NOT_STARTED: (
        _K.CONFLICT,
        "Fremmøde kan først registreres, når vagten er begyndt.",
        "Attendance can be recorded only once the shift has started.",
    ),
    Msg.CAPACITY_INVALID: (
        _K.INVALID,
        "Der skal være plads til mindst én {helper}, og ventelisten kan ikke være negativ.",
        "A shift needs room for at least one {helper}, and the waiting list cannot be negative.",
    ),
    Msg.CAPACITY_BELOW_CONFIRMED: (
        _K.CONFLICT,
        "Vagten har allerede {confirmed} bekræftede {helpers}; pladserne kan ikke sættes til "
        "{capacity}. Fjern tilmeldinger med en begrundelse først.",
        "The shift already has {confirmed} confirmed {helpers}; capacity cannot be set to "
        "{capacity}. Remove sign-ups with a reason first.",
    ),
    Msg.SERIES_INVALID: (
        _K.INVALID,
        "Serien skal have mellem 1 og {max_count} vagter.",
        "A series must have between 1 and {max_count} shifts.",
    ),
    Msg.SIGNUP_CLOSED: (
        _K.CONFLICT,
        "Tilmeldingen til denne vagt er lukket.",
        "Sign-up for this shift has closed.",
    ),
    Msg.TOO_YOUNG: (
        _K.FORBIDDEN,
        "Du skal være mindst {minimum_age} år for at hjælpe med denne opgave.",
        "You must be at least {minimum_age} years old to help with this task.",
    ),
    Msg.ALREADY_SIGNED_UP: (
        _K.CONFLICT,
        "Du er allerede tilmeldt denne vagt.",
        "You are already signed up for this shift.",
    ),
    Msg.SIGNUP_ID_TAKEN: (
        _K.CONFLICT,
        "Tilmeldingen findes allerede.",
        "The sign-up already exists.",
    ),
    Msg.SHIFT_FULL: (
        _K.CONFLICT,
        "Vagten er fuld, og der er ikke plads på ventelisten.",
        "The shift is full and there is no room on the waiting list.",
    ),
    Msg.SIGNUP_NOT_FOUND: (
        _K.NOT_FOUND,
        "Tilmeldingen findes ikke eller er ikke længere aktiv.",
        "The sign-up does not exist or is no longer active.",
    ),
    Msg.NOT_YOUR_SIGNUP: (
        _K.FORBIDDEN,
        "Du kan kun afmelde din egen tilmelding.",
        "You can only cancel your own sign-up.",
    ),
    Msg.REASON_REQUIRED: (
        _K.INVALID,
        "Skriv en begrundelse til {citizen}en.",
        "Give the {citizen} a reason.",
    ),
    Msg.NOT_CONFIRMED: (
        _K.CONFLICT,
        "Fremmøde kan kun registreres for bekræftede {helpers}.",
        "Attendance can be recorded only for confirmed {helpers}.",
    ),
    Msg.MINUTES_INVALID: (
        _K.INVALID,
        "Tiden skal være mellem 1 minut og et døgn for fremmødte og 0 ved udeblivelse.",
        "Time must be between 1 minute and a day for an attendance, and 0 for a no-show.",
    ),
}


def render(code: Msg, params: Mapping[str, str | int], wording: Wording) -> dict[str, str]:
    """The message for `code` in each language, its placeholders filled from params and wording."""
    _, da, en = TEXTS[code]
    return {lang: fill((da, en), params, lang, wording.words(lang)) for lang in LANGS}


class VolunteeringRejected(CommandRejected):
    """A CommandRejected that also carries its message code and params.

    Its texts use the default wording; `text(lang, wording)` renders with a deployment's own.
    """

    def __init__(self, code: Msg, **params: str | int) -> None:
        texts = render(code, params, DEFAULT_WORDING)
        super().__init__(TEXTS[code][0], texts["en"], texts=texts)
        self.code: Msg = code
        self.params = params

    def text(self, lang: str, wording: Wording | None = None) -> str:
        chosen: Lang = "da" if lang == "da" else "en"
        words = (wording or DEFAULT_WORDING).words(chosen)
        _, da, en = TEXTS[self.code]
        return fill((da, en), self.params, chosen, words)
