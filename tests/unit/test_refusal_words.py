"""Every refusal has words in Danish and in English: each code of each catalogue, and each
problem a field of a request can be refused with."""

from __future__ import annotations

import string
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.api.app import create_app
from services.api.bounds import Strict
from services.api.field_words import FALLBACK, FIELD_WORDS, field_detail
from services.api.refusals import STATUS, Refused, field_problem
from services.platform.settings import ApiSettings
from services.texts.budgeting import TEXTS
from services.texts.render import fill
from services.texts.request import REQUEST_TEXTS, RequestMsg
from services.texts.volunteering import TEXTS as VOLUNTEERING_TEXTS
from services.texts.wording import DEFAULT_WORDING

CATALOGUES: dict[str, dict[Any, tuple[Any, str, str]]] = {
    "budgeting": TEXTS,  # type: ignore[dict-item]
    "volunteering": VOLUNTEERING_TEXTS,  # type: ignore[dict-item]
    "request": REQUEST_TEXTS,  # type: ignore[dict-item]
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("catalogue", sorted(CATALOGUES))
def test_every_code_has_a_danish_and_an_english_text_with_the_same_placeholders(
    catalogue: str,
) -> None:
    for code, (_, da, en) in CATALOGUES[catalogue].items():
        assert da.strip() and en.strip(), code
        assert da != en, code
        assert placeholders(da) == placeholders(en), code


def example(param: str) -> str | int:
    if param == "phase" or param.endswith("_phase"):
        return "voting"
    if param == "phases":
        return "ideas,review"
    return 3


def test_every_code_renders_in_both_languages_without_a_placeholder_left() -> None:
    for catalogue in CATALOGUES.values():
        for code, (_, da, en) in catalogue.items():
            params: dict[str, str | int] = {
                name: example(name)
                for name in placeholders(da)
                if name not in DEFAULT_WORDING.words("da")
            }
            for lang in ("da", "en"):
                words = DEFAULT_WORDING.words(lang)
                text = fill((da, en), params, lang, words)
                assert "{" not in text and "}" not in text, (code, lang, text)


def test_every_request_refusal_is_answered_with_a_status_of_its_own() -> None:
    for code in RequestMsg:
        refused = Refused(code)
        assert refused.status == STATUS[REQUEST_TEXTS[code][0]], code
        assert 400 <= refused.status < 600


def test_the_codes_of_the_catalogues_do_not_collide_across_request_and_commands() -> None:
    request = {str(c) for c in REQUEST_TEXTS}
    commands = {str(c) for c in TEXTS} | {str(c) for c in VOLUNTEERING_TEXTS}
    assert not request & commands


def test_every_field_word_is_in_both_languages() -> None:
    for code, (da, en) in FIELD_WORDS.items():
        assert da.strip() and en.strip() and da != en, code
        assert placeholders(da) == placeholders(en), code


# --- the problems our request bodies and parameters can produce ------------------------------

BAD_VALUES: list[Any] = [
    None,
    True,
    "5",
    "",
    "x" * 20_000,
    "a\x00b",
    "\ud800",
    -(10**7),
    10**7,
    10**30,
    1.5,
    float("nan"),
    [],
    ["x"] * 20_000,
    {},
    {"kind": "never"},
    {"format": "never"},
    0,
    "2026-13-45",
    "2099-01-01",
    "2030-05-01T10:00:00",
    "not a date",
    "12:99",
]


def request_models() -> list[type[BaseModel]]:
    create_app(ApiSettings())  # imports every route module
    found: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = list(Strict.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return found


def produced_by_bodies() -> set[str]:
    codes: set[str] = set()
    for model in request_models():
        for name in model.model_fields:
            for bad in BAD_VALUES:
                try:
                    model.model_validate({name: bad})
                except ValidationError as exc:
                    codes |= {e["type"] for e in exc.errors()}
        try:
            model.model_validate("not an object")
        except ValidationError as exc:
            codes |= {e["type"] for e in exc.errors()}
    return codes


def produced_by_parameters() -> set[str]:
    """Path and query parameters arrive as text: the types they are parsed to."""
    codes: set[str] = set()
    for kind in (UUID, int, bool, date, str):
        for text in ("x", "1.5", "2026-13-45", "99999999999999999999999999"):
            try:
                TypeAdapter(kind).validate_python(text)
            except ValidationError as exc:
                codes |= {e["type"] for e in exc.errors()}
    return codes


def test_every_problem_a_request_can_be_refused_with_has_words() -> None:
    produced = produced_by_bodies() | produced_by_parameters()
    assert {"missing", "int_type", "string_too_long", "greater_than_equal"} <= produced
    assert {"less_than_equal", "extra_forbidden", "text_nul", "amount_invalid"} <= produced
    assert {"amount_not_positive", "date_in_future"} <= produced
    ours = {"cursor_invalid", "not_after_from", "value_unstorable", "text_surrogate"}
    lacking = sorted((produced | ours) - set(FIELD_WORDS))
    assert not lacking, f"no words for: {lacking}"


def test_a_field_problem_names_the_field_and_its_limit_never_the_value() -> None:
    error = {
        "type": "string_too_long",
        "loc": ("body", "budgets", 0, "name"),
        "msg": "String should have at most 200 characters",
        "input": "Karen Bjerregaard-Holm",
        "ctx": {"max_length": 200},
    }
    da, en = field_problem(error, "da"), field_problem(error, "en")
    assert (da.field, da.code, da.detail) == (
        "budgets[0].name",
        "string_too_long",
        "må højst have 200 tegn",
    )
    assert en.detail == "must have at most 200 characters"
    assert "Karen" not in da.model_dump_json() + en.model_dump_json()


def test_an_unknown_problem_still_reads_as_not_valid() -> None:
    assert field_detail("never_heard_of", None, "da") == FALLBACK[0]
    assert field_detail("greater_than_equal", None, "en") == FALLBACK[1]  # no limit named
    assert isinstance(RequestValidationError([]), Exception)
