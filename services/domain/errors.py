"""A business "no": a command refused with a reason. Deciders raise these; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

Param = str | int
"""A value a refusal's text needs, JSON-friendly: the edge renders it (kroner, phase names…)."""


class RejectionKind(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID = "invalid"


Code = TypeVar("Code", bound=StrEnum)


def kinds(by_kind: Mapping[RejectionKind, tuple[Code, ...]]) -> dict[Code, RejectionKind]:
    """Each code's kind of refusal, from the codes listed under each kind."""
    return {code: kind for kind, codes in by_kind.items() for code in codes}


class CommandRejected(Exception):
    """The command cannot be carried out in the current state.

    `kind` says what sort of "no" it is, `code` names the reason (a member of the context's code
    enum, its value what programs read) and `params` hold the values its text needs, raw. The
    words people read are not made here: the edges render them from code and params in the
    reader's language (`services/texts`).
    """

    def __init__(
        self, kind: RejectionKind, code: StrEnum, params: Mapping[str, Param] | None = None
    ) -> None:
        self.kind = kind
        self.code = code
        self.params: dict[str, Param] = dict(params or {})
        super().__init__(code.value)

    def __str__(self) -> str:
        if not self.params:
            return self.code.value
        listed = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.code.value} ({listed})"
