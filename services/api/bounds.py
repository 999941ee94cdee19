"""What a request may hold, so that every event and read model can hold it too.

Every request body derives from `Strict`: unknown fields are refused, no text anywhere in it may
hold a NUL character or a lone surrogate (PostgreSQL's text and jsonb cannot store either), and
a whole number is never true/false. Lengths and counts are bounded by the annotated types here;
amounts by `services.api.money`.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from services.store.eventstore import TEXT_PROBLEMS, text_code

MAX_COUNT = 1_000_000
"""The largest count a request may give (supports, capacities, thresholds): far inside every
integer column."""

Text = Annotated[str, Field(min_length=1, max_length=200)]
OptionalText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(max_length=2000)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


def text_refusal(value: Any, path: str = "") -> tuple[str, str] | None:
    """Where (a path below `value`) and why (`text_nul`, `text_surrogate`) some text inside
    `value`, a request value as parsed from JSON, cannot be stored; None when it all can."""
    if isinstance(value, str):
        code = text_code(value)
        return (path, code) if code else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = text_refusal(key, path) or text_refusal(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = text_refusal(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    return annotation


def _holds_only_ints(annotation: Any) -> bool:
    """True for `int`, `int | None`, `list[int]`, `dict[K, int]` (also Annotated)."""
    annotation = _unwrap(annotation)
    if annotation is int:
        return True
    if get_origin(annotation) in (list, tuple, set, frozenset):
        args = get_args(annotation)
        return bool(args) and _unwrap(args[0]) is int
    if get_origin(annotation) is dict:
        args = get_args(annotation)
        return len(args) == 2 and _unwrap(args[1]) is int
    return False


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple):
        return any(isinstance(v, bool) for v in value)
    if isinstance(value, dict):
        return any(isinstance(v, bool) for v in value.values())
    return False


class Strict(BaseModel):
    """The base of every request body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            found = text_refusal(name) or text_refusal(value, str(name))
            if found is not None:
                raise _refused(found[0], found[1], f"text {TEXT_PROBLEMS[found[1]]}")
            field = cls.model_fields.get(name) if isinstance(name, str) else None
            if field is not None and _holds_only_ints(field.annotation) and _has_bool(value):
                raise _refused(name, "int_type", "a whole number is expected, not true/false")
        return data


def _refused(field: str, code: str, problem: str) -> PydanticCustomError:
    """A refusal of one field's value, from a check of the whole body: `ctx.field` names the
    field (the error's location is the body holding it)."""
    name = field if text_code(field) is None else "?"
    return PydanticCustomError(code, problem, {"field": name})
