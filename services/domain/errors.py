"""A business "no": a command refused with a reason. Deciders raise these; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from services.domain.wording import Wording


class RejectionKind(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID = "invalid"


class CommandRejected(Exception):
    """The command cannot be carried out in the current state; `reason` says why.

    `code` names the reason for programs (the kind, unless a subclass says more); `texts`
    optionally holds the reason for people, by language tag (`{"da": ..., "en": ...}`);
    when empty, `reason` is all there is.
    """

    def __init__(
        self, kind: RejectionKind, reason: str, *, texts: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.texts: dict[str, str] = dict(texts or {})
        self.code: str = kind.value

    def text(self, lang: str, wording: Wording | None = None) -> str:
        """The reason for a person reading `lang`, in the deployment's `wording`."""
        del wording
        return self.texts.get(lang, self.reason)
