"""Base class for every event payload, and the actor who caused an event."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Actor(BaseModel):
    """Who caused an event: a keyed pseudonym of the subject (never a name or CPR) and a role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    role: Role


class Event(BaseModel):
    """An immutable fact. Subclasses name it in the past tense and pin `type_name` and `version`.

    `topic` names the topology entry the event is published to; `partition_key()` returns the
    key that keeps every event that must stay ordered on one partition.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str]
    version: ClassVar[int] = 1
    topic: ClassVar[str]

    def partition_key(self) -> str:
        raise NotImplementedError
