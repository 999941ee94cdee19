"""The one catalogue machinery: `fill` renders any template of any catalogue (budgeting,
volunteering, privacy, the API's request texts) from a code's params, in Danish or English.

Params stay raw (JSON-friendly) so a client can render its own wording; when rendering, a param
whose name ends in `_ore` is shown in kroner, one named `phase` or ending in `_phase` by its
phase name, `phases` as a list of phase names, `action` by the action's name, `format` and
`rule` by the ballot format's and tally rule's words, `role` and `roles` by role names.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from services.domain.errors import Param, RejectionKind
from services.texts.words import (
    ACTIONS,
    BALLOT_FORMAT_NAMES,
    ROLE_NAMES,
    TALLY_RULE_NAMES,
    Lang,
    format_kr,
    in_words,
    phase_name,
)

Code = TypeVar("Code", bound=StrEnum)


def with_kinds(
    words: Mapping[Code, tuple[str, str]], kinds: Mapping[Code, RejectionKind]
) -> dict[Code, tuple[RejectionKind, str, str]]:
    """code -> (kind, Danish, English): a catalogue's words beside the decider's kind of each
    code (what the tests and the API's documentation read)."""
    return {code: (kinds[code], da, en) for code, (da, en) in words.items()}


def render_param(name: str, value: Param, lang: Lang) -> str:
    index = 0 if lang == "da" else 1
    if name.endswith("_ore") and isinstance(value, int):
        return format_kr(value, lang)
    if name == "phase" or name.endswith("_phase"):
        return phase_name(value, lang)
    if name == "phases":
        return ", ".join(phase_name(p, lang) for p in str(value).split(",") if p)
    if name == "action":
        return ACTIONS.get(str(value), (str(value), str(value)))[index]
    if name == "format":
        return in_words(BALLOT_FORMAT_NAMES, str(value))[lang]
    if name == "rule":
        return in_words(TALLY_RULE_NAMES, str(value))[lang]
    if name in ("role", "roles"):
        names = [ROLE_NAMES.get(r, (r, r))[index] for r in str(value).split(",") if r]
        return ", ".join(names)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang == "da" else ",")
    return str(value)


def fill(
    texts: tuple[str, str],
    params: Mapping[str, Param],
    lang: Lang,
    words: Mapping[str, str] | None = None,
) -> str:
    """The (Danish, English) template `texts` in `lang`, its `{name}` placeholders filled from
    `params` (rendered as the module docstring says) and from `words` (as they are)."""
    template = texts[0] if lang == "da" else texts[1]
    values = {**(words or {}), **{k: render_param(k, v, lang) for k, v in params.items()}}
    return template.format(**values).replace("kr..", "kr.")  # an amount ending a sentence
