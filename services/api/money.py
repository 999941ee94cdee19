"""Kroner at the HTTP edge, integer øre inside: never a float."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_KRONER = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


def to_ore(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("an amount in kroner must be a number, not true/false")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("an amount cannot be negative")
        return value * 100
    if isinstance(value, str) and _KRONER.match(value.strip()):
        whole, _, frac = value.strip().partition(".")
        return int(whole) * 100 + int((frac + "00")[:2])
    raise ValueError(
        "an amount in kroner must be a whole number or a decimal string with at most "
        'two decimals, e.g. 15000 or "15000.50"'
    )


def from_ore(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


Kroner = Annotated[
    int,
    BeforeValidator(to_ore),
    Field(
        description="Amount in Danish kroner: a whole number or a decimal string with at most "
        "two decimals. Stored as integer øre.",
        json_schema_extra={"examples": [15000, "15000.50"]},
    ),
]
