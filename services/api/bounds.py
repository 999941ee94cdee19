"""What a request may hold, so that every event and read model can hold it too.

Every request body derives from `Strict`: unknown fields are refused, no text anywhere in it may
hold a NUL character or a lone surrogate (PostgreSQL's text and jsonb cannot store either), and
a whole number is never true/false (nor text: the whole-number types here are strict). Lengths
and counts are bounded by the annotated types here, derived from the columns that keep them and
documented in the OpenAPI document as `minimum`/`maximum`; amounts by `services.api.money`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.store.eventstore import TEXT_PROBLEMS, text_code

MAX_COUNT = 1_000_000
"""The largest count a request may give (supports, thresholds, points, rule parameters): far
inside every integer column (PostgreSQL `integer`, at most 2,147,483,647) that keeps it."""
MAX_PLACES = 10_000
"""The most places (or waiting places) one shift has."""
DAY_MINUTES = 24 * 60

Text = Annotated[str, Field(min_length=1, max_length=200)]
OptionalText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(max_length=2000)]

# Whole numbers are strict: `"5"`, `5.0` and `true` are refused (int_type), never coerced.
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
Percent = Annotated[int, Field(strict=True, ge=0, le=100)]
Age = Annotated[int, Field(strict=True, ge=0, le=120, description="Years")]
Capacity = Annotated[int, Field(strict=True, ge=1, le=MAX_PLACES)]
WaitingList = Annotated[int, Field(strict=True, ge=0, le=MAX_PLACES)]
Minutes = Annotated[int, Field(strict=True, ge=0, le=DAY_MINUTES)]
NoticeMinutes = Annotated[int, Field(strict=True, ge=0, le=60 * DAY_MINUTES)]
Weekday = Annotated[int, Field(strict=True, ge=0, le=6, description="0 = Monday … 6 = Sunday")]
Weeks = Annotated[int, Field(strict=True, ge=1, le=52)]
SeriesLength = Annotated[int, Field(strict=True, ge=1, le=104)]


def _counts_within(value: BaseModel) -> BaseModel:
    for name, number in value:
        if isinstance(number, int) and not isinstance(number, bool) and number > MAX_COUNT:
            raise PydanticCustomError(
                "less_than_equal",
                "{field} must be at most {le}",
                {"field": name, "le": MAX_COUNT},
            )
    return value


def _with_count_maximum(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every $ref inlined and `maximum` MAX_COUNT on every unbounded integer."""
    if isinstance(node, list):
        return [_with_count_maximum(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _with_count_maximum(defs[node["$ref"].split("/")[-1]], defs)
    out = {
        key: _with_count_maximum(value, defs)
        for key, value in node.items()
        if key not in ("$defs", "discriminator")  # its mapping names the inlined $defs
    }
    if out.get("type") == "integer" and "maximum" not in out:
        out["maximum"] = MAX_COUNT
    return out


def counted(value_type: Any) -> Any:
    """An event value (e.g. ballot rules) taken as a request body, with every whole number in
    it at most MAX_COUNT, documented as such. The bound belongs to the request: the event
    itself keeps decoding whatever was ever stored."""
    schema = TypeAdapter(value_type).json_schema()
    return Annotated[
        value_type,
        AfterValidator(_counts_within),
        WithJsonSchema(_with_count_maximum(schema, schema.get("$defs", {}))),
    ]


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
        return data


def _refused(field: str, code: str, problem: str) -> PydanticCustomError:
    """A refusal of one field's value, from a check of the whole body: `ctx.field` names the
    field (the error's location is the body holding it)."""
    name = field if text_code(field) is None else "?"
    return PydanticCustomError(code, problem, {"field": name})
