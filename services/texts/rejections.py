"""A decider's refusal in words: the text of a `CommandRejected` from its code and params, in
the reader's language and the deployment's wording. What every edge (the HTTP API, the CLI, the
scheduler, the Pabulib import) shows a person."""

from __future__ import annotations

from enum import StrEnum

from services.domain.errors import CommandRejected
from services.domain.messages import Msg as BudgetingMsg
from services.domain.privacy import PrivacyMsg
from services.domain.volunteering.messages import Msg as VolunteeringMsg
from services.texts import budgeting, privacy, volunteering
from services.texts.render import fill
from services.texts.wording import DEFAULT_WORDING, Wording
from services.texts.words import Lang


def texts_of(code: StrEnum) -> tuple[str, str] | None:
    """The (Danish, English) template of a decider's code; its enum says whose it is (the same
    value may name different reasons in two contexts)."""
    if isinstance(code, BudgetingMsg):
        return budgeting.WORDS[code]
    if isinstance(code, VolunteeringMsg):
        return volunteering.WORDS[code]
    if isinstance(code, PrivacyMsg):
        return privacy.TEXTS[code]
    return None


def rejection_text(
    rejected: CommandRejected, lang: Lang, wording: Wording = DEFAULT_WORDING
) -> str:
    """Why the command was refused, for a person reading `lang`, in the deployment's `wording`
    (a code no catalogue knows reads as the code and its params)."""
    texts = texts_of(rejected.code)
    if texts is None:
        return str(rejected)
    return fill(texts, rejected.params, lang, wording.words(lang))
