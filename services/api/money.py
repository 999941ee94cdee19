"""Kroner at the HTTP edge, integer øre inside: never a float."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_KRONER = 10**12
"""The largest amount the API accepts: 1,000,000,000,000 kr. = 10^14 øre. Read models keep
øre in 64-bit integers (at most 9.2 × 10^18), so even the sum of 90,000 amounts this large fits;
a municipality's whole budget is many orders of magnitude below it."""
MAX_ORE = MAX_KRONER * 100

_KRONER = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


_INVALID = PydanticCustomError(
    "amount_invalid",
    "an amount in kroner must be a whole number or a decimal string with at most "
    'two decimals, e.g. 15000 or "15000.50"',
)


def _too_large() -> PydanticCustomError:
    return PydanticCustomError(
        "amount_too_large", "an amount can be at most {max} kroner", {"max": MAX_KRONER}
    )


def to_ore(value: Any) -> int:
    """Kroner as given (a whole number, or a decimal string) → øre; refused with the code of
    what is wrong (`amount_invalid`, `amount_negative`, `amount_too_large`)."""
    if isinstance(value, bool):
        raise _INVALID
    if isinstance(value, int):
        if value < 0:
            raise PydanticCustomError("amount_negative", "an amount cannot be negative")
        if value > MAX_KRONER:
            raise _too_large()
        return value * 100
    if isinstance(value, str) and _KRONER.match(value.strip()):
        whole, _, frac = value.strip().partition(".")
        ore = int(whole) * 100 + int((frac + "00")[:2])
        if ore > MAX_ORE:
            raise _too_large()
        return ore
    raise _INVALID


def from_ore(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def _positive(ore: int) -> int:
    if ore <= 0:
        raise PydanticCustomError("amount_not_positive", "the amount must be more than 0 kroner")
    return ore


def _schema(positive: bool) -> dict[str, Any]:
    least = "more than 0" if positive else "from 0"
    return {
        "description": "Amount in Danish kroner: a whole number or a decimal string with at "
        f"most two decimals, {least} to {MAX_KRONER}. Stored as integer øre.",
        "anyOf": [
            {"type": "integer", "minimum": int(positive), "maximum": MAX_KRONER},
            {"type": "string", "pattern": r"^\d{1,13}(\.\d{1,2})?$", "maxLength": 16},
        ],
        "examples": [15000, "15000.50"],
    }


Kroner = Annotated[int, BeforeValidator(to_ore), WithJsonSchema(_schema(positive=False))]
PositiveKroner = Annotated[
    int, BeforeValidator(to_ore), AfterValidator(_positive), WithJsonSchema(_schema(positive=True))
]
"""An amount that must be more than 0 kroner (a cost, a price, a budget)."""
