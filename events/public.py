"""The public feed's contract: what downstream systems may read, and nothing more.

Budgeting events are republished as they are, minus the fields that name a person (pseudonyms
of authors, supporters and deciders) or carry a citizen's own words about themselves (a
withdrawal's reason). Ballots, voter registrations and the census are never republished: how
someone voted is no one else's business, and the voter's pseudonym must not leave the system.
The outcome of a process under embargo (`OUTCOME`) is republished only once its results are
published.
Volunteering is republished as availability: a task once published (its details, never its
managers), and each shift with its capacity and how many places are taken — never who took them.

Records are CloudEvents 1.0 in binary mode like the internal topics, with `ce_type` =
`dk.samskab.public.<Type>.v1`; `ce_id` is the id of the internal event it comes from, so a
record delivered twice carries the same `ce_id` and a consumer deduplicates by it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from events import budgeting
from events.base import Event
from events.volunteering import OrganizerKind, Place, Text

TYPE_PREFIX = "dk.samskab.public."
VERSION = 1

# Budgeting types republished, and the fields left out of each.
BUDGETING: dict[str, frozenset[str]] = {
    cls.type_name: frozenset(dropped)
    for cls, dropped in (
        (budgeting.ProcessCreated, ()),
        (budgeting.ProcessDetailsChanged, ()),
        (budgeting.BudgetSet, ()),
        (budgeting.BudgetRemoved, ()),
        (budgeting.CoreTasksSet, ()),
        (budgeting.PhaseScheduled, ()),
        (budgeting.PhaseChanged, ()),
        (budgeting.BallotRulesSet, ()),
        (budgeting.TallyRuleChosen, ()),
        (budgeting.LiveResultsVisibilitySet, ()),
        (budgeting.SupportThresholdSet, ()),
        (budgeting.ProposalSubmitted, ("author",)),
        (budgeting.ProposalEdited, ()),
        (budgeting.ProposalWithdrawn, ("reason",)),
        (budgeting.ProposalSupported, ("supporter",)),
        (budgeting.ProposalMerged, ()),
        (budgeting.ProposalReviewed, ()),
        (budgeting.ProposalCostEstimated, ()),
        (budgeting.ProposalsMarkedIncompatible, ()),
        (budgeting.ProposalPricePublished, ()),
        (budgeting.ProposalPutOnBallot, ()),
        (budgeting.ProposalRemovedFromBallot, ()),
        (budgeting.AllocationProposed, ()),
        (budgeting.AllocationDecided, ("decided_by",)),
        (budgeting.FundsDisbursed, ()),
        (budgeting.FundsReturned, ()),
        (budgeting.ImplementationUpdated, ()),
        (budgeting.MilestoneAdded, ()),
        (budgeting.MilestoneCompleted, ()),
    )
}
# Republished types that tell a budget's outcome (what is funded, with how much, on how many
# ballots). For a process whose live results are not public the feed holds them back until the
# results are published, then sends them in their original order, each with its own ce_id.
OUTCOME: frozenset[str] = frozenset(
    {budgeting.AllocationProposed.type_name, budgeting.AllocationDecided.type_name}
)
BUDGETING_CLASSES: dict[str, type[Event]] = {
    cls.type_name: cls for cls in budgeting.EVENTS if cls.type_name in BUDGETING
}


def public_budgeting(type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    dropped = BUDGETING[type_name]
    return {k: v for k, v in data.items() if k not in dropped}


def budgeting_schema(type_name: str) -> dict[str, Any]:
    """The JSON Schema of a republished budgeting event (the internal one minus the dropped)."""
    schema = BUDGETING_CLASSES[type_name].model_json_schema()
    dropped = BUDGETING[type_name]
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in dropped}
    if "required" in schema:
        schema["required"] = [k for k in schema["required"] if k not in dropped]
    schema["title"] = f"public {type_name}"
    return schema


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type_name: ClassVar[str]


class PublicOrganizer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: OrganizerKind
    name: str


class ShiftAvailability(_Public):
    """A shift as a citizen may see it: when, how many places, how many taken."""

    type_name: ClassVar[str] = "ShiftAvailabilityChanged"
    task_id: UUID
    shift_id: UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    confirmed: int = Field(description="Places taken")
    waiting: int = Field(description="On the waiting list")
    waiting_list_limit: int
    free: int = Field(description="capacity - confirmed, never below 0")
    cancelled: bool
    change: str = Field(description="scheduled, moved, capacity, cancelled or signups")


class PublicTask(_Public):
    """A published task's details (sent when it is published and whenever it changes)."""

    type_name: ClassVar[str] = "TaskPublished"
    task_id: UUID
    organizer: PublicOrganizer
    local_area: str
    core_task: str
    title: Text
    description: Text
    work: Text
    provided: Text
    accessibility: Text
    place: Place
    minimum_age: int
    signup_closes_minutes_before: int
    shifts: tuple[ShiftAvailability, ...] = ()


class TaskUpdated(PublicTask):
    type_name: ClassVar[str] = "TaskUpdated"


class TaskEnded(_Public):
    """A published task was cancelled or completed."""

    type_name: ClassVar[str] = "TaskEnded"
    task_id: UUID
    outcome: str = Field(description="cancelled or completed")
    reason: str = ""


VOLUNTEERING: tuple[type[_Public], ...] = (PublicTask, TaskUpdated, TaskEnded, ShiftAvailability)


def ce_type(type_name: str) -> str:
    return f"{TYPE_PREFIX}{type_name}.v{VERSION}"


class ChainCheckpoint(_Public):
    """The head of the event store's hash chain, signed: an auditor who keeps these can prove
    that no stored event up to `seq` was rewritten since, even one re-hashed to a consistent
    chain and even after the broker was refilled from the rewritten store.

    The Ed25519 signature is over `signed_message()`; `key_id` names the key (UUID5 over its
    raw public key, see `key_id_of`)."""

    type_name: ClassVar[str] = "ChainCheckpoint"
    seq: int = Field(ge=1, description="Global position of the head event")
    hash: str = Field(pattern="^[0-9a-f]{64}$", description="The head event's hash")
    signed_at: datetime
    key_id: UUID
    signature: str = Field(pattern="^[0-9a-f]{128}$", description="Ed25519, hex")

    def signed_message(self) -> bytes:
        return signed_message(self.seq, self.hash, self.signed_at, self.key_id)


def signed_message(seq: int, head_hash: str, signed_at: datetime, key_id: UUID) -> bytes:
    """What a checkpoint's signature covers: one UTF-8 line per field, in this order."""
    when = signed_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"samskab-checkpoint-v1\n{seq}\n{head_hash}\n{when}\n{key_id}".encode()


KEY_NAMESPACE = UUID("5a1d2c3e-7b4f-5e60-9a8b-0c1d2e3f4a5b")


def key_id_of(raw_public_key: bytes) -> UUID:
    return uuid5(KEY_NAMESPACE, raw_public_key.hex())


CHECKPOINTS: tuple[type[_Public], ...] = (ChainCheckpoint,)
