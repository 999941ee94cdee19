"""The volunteering deciders' refusals in words: each code's text in Danish and English.

Citizen-facing words for the people taking part are `{helper}`, `{helpers}` and `{citizen}`,
filled from the deployment's `Wording` (default *hjælper* / *medborger*; *frivillig* is used
sparingly, here never); the other placeholders from the rejection's params.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

from services.domain.errors import Param
from services.domain.volunteering.messages import KIND, Msg
from services.texts.render import fill, with_kinds
from services.texts.wording import Wording
from services.texts.words import Lang

LANGS: tuple[Lang, ...] = get_args(Lang)

WORDS: dict[Msg, tuple[str, str]] = {
    Msg.TASK_EXISTS: ("Opgaven findes allerede.", "The task already exists."),
    Msg.TASK_NOT_FOUND: ("Opgaven findes ikke.", "The task does not exist."),
    Msg.NOT_ORGANIZER: (
        "Kun opgavens arrangør eller en medarbejder kan gøre dette.",
        "Only the task's organizer or a staff member can do this.",
    ),
    Msg.STAFF_ONLY: (
        "Kun en medarbejder kan bekræfte, at opgaven kommer oven i medarbejdernes arbejde.",
        "Only a staff member can attest that the task comes on top of staff work.",
    ),
    Msg.TASK_NOT_DRAFT: (
        "Opgaven er ikke længere en kladde.",
        "The task is no longer a draft.",
    ),
    Msg.TASK_NOT_ATTESTED: (
        "En medarbejder skal bekræfte, at opgaven kommer oven i medarbejdernes arbejde og ikke "
        "erstatter det, før den kan offentliggøres.",
        "A staff member must attest that the task comes on top of staff work, replacing none of "
        "it, before it can be published.",
    ),
    Msg.TASK_NOT_PUBLISHED: (
        "Opgaven er ikke offentliggjort.",
        "The task is not published.",
    ),
    Msg.TASK_CLOSED: (
        "Opgaven er afsluttet eller aflyst.",
        "The task has been completed or cancelled.",
    ),
    Msg.WORK_LOCKED: (
        "Arbejdet i en offentliggjort opgave kan ikke ændres. Aflys den og opret en ny.",
        "The work of a published task cannot change. Cancel it and create a new one.",
    ),
    Msg.FIELD_REQUIRED: (
        "Feltet '{field}' skal udfyldes på dansk og engelsk.",
        "The field '{field}' is required in Danish and English.",
    ),
    Msg.MINIMUM_AGE_INVALID: (
        "Minimumsalderen skal være mellem 0 og 120 år.",
        "The minimum age must be between 0 and 120.",
    ),
    Msg.SHIFT_EXISTS: ("Vagten findes allerede.", "The shift already exists."),
    Msg.SHIFT_NOT_FOUND: ("Vagten findes ikke.", "The shift does not exist."),
    Msg.SHIFT_WRONG_TASK: (
        "Vagten hører ikke til denne opgave.",
        "The shift does not belong to this task.",
    ),
    Msg.SHIFT_CANCELLED: ("Vagten er aflyst.", "The shift has been cancelled."),
    Msg.SHIFT_TIMES_INVALID: (
        "En vagt skal slutte efter den begynder og vare højst et døgn.",
        "A shift must end after it starts and last at most a day.",
    ),
    Msg.SHIFT_IN_PAST: (
        "En vagt kan ikke lægges i fortiden.",
        "A shift cannot be placed in the past.",
    ),
    Msg.SHIFT_STARTED: (
        "Vagten er allerede begyndt.",
        "The shift has already started.",
    ),
    Msg.SHIFT_NOT_STARTED: (
        "Fremmøde kan først registreres, når vagten er begyndt.",
        "Attendance can be recorded only once the shift has started.",
    ),
    Msg.CAPACITY_INVALID: (
        "Der skal være plads til mindst én {helper}, og ventelisten kan ikke være negativ.",
        "A shift needs room for at least one {helper}, and the waiting list cannot be negative.",
    ),
    Msg.CAPACITY_BELOW_CONFIRMED: (
        "Vagten har allerede {confirmed} bekræftede {helpers}; pladserne kan ikke sættes til "
        "{capacity}. Fjern tilmeldinger med en begrundelse først.",
        "The shift already has {confirmed} confirmed {helpers}; capacity cannot be set to "
        "{capacity}. Remove sign-ups with a reason first.",
    ),
    Msg.SERIES_INVALID: (
        "Serien skal have mellem 1 og {max_count} vagter.",
        "A series must have between 1 and {max_count} shifts.",
    ),
    Msg.SIGNUP_CLOSED: (
        "Tilmeldingen til denne vagt er lukket.",
        "Sign-up for this shift has closed.",
    ),
    Msg.TOO_YOUNG: (
        "Du skal være mindst {minimum_age} år for at hjælpe med denne opgave.",
        "You must be at least {minimum_age} years old to help with this task.",
    ),
    Msg.ALREADY_SIGNED_UP: (
        "Du er allerede tilmeldt denne vagt.",
        "You are already signed up for this shift.",
    ),
    Msg.SIGNUP_ID_TAKEN: (
        "Tilmeldingen findes allerede.",
        "The sign-up already exists.",
    ),
    Msg.SHIFT_FULL: (
        "Vagten er fuld, og der er ikke plads på ventelisten.",
        "The shift is full and there is no room on the waiting list.",
    ),
    Msg.SIGNUP_NOT_FOUND: (
        "Tilmeldingen findes ikke eller er ikke længere aktiv.",
        "The sign-up does not exist or is no longer active.",
    ),
    Msg.NOT_YOUR_SIGNUP: (
        "Du kan kun afmelde din egen tilmelding.",
        "You can only cancel your own sign-up.",
    ),
    Msg.REASON_REQUIRED: (
        "Skriv en begrundelse til {citizen}en.",
        "Give the {citizen} a reason.",
    ),
    Msg.NOT_CONFIRMED: (
        "Fremmøde kan kun registreres for bekræftede {helpers}.",
        "Attendance can be recorded only for confirmed {helpers}.",
    ),
    Msg.MINUTES_INVALID: (
        "Tiden skal være mellem 1 minut og et døgn for fremmødte og 0 ved udeblivelse.",
        "Time must be between 1 minute and a day for an attendance, and 0 for a no-show.",
    ),
}

TEXTS = with_kinds(WORDS, KIND)


def render(code: Msg, params: Mapping[str, Param], wording: Wording) -> dict[str, str]:
    """The message for `code` in each language, its placeholders filled from params and wording."""
    return {lang: fill(WORDS[code], params, lang, wording.words(lang)) for lang in LANGS}
