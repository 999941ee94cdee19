"""Events of eligibility and ballot streams, and the receipt a voter gets for a ballot.

Voters appear only as keyed pseudonyms. A ballot stream holds one voter's ballot in one budget
(or in the process, when the voter may vote in any one budget), so "one active ballot" is the
stream's identity.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import ClassVar
from uuid import UUID

import orjson
from pydantic import Field

from events.budgeting_common import BallotChannel, BallotFormat, BudgetingEvent


class VoterRegistered(BudgetingEvent):
    """A census import made this pseudonym eligible to vote, resident in `local_area`."""

    type_name: ClassVar[str] = "VoterRegistered"

    voter: str = Field(description="Keyed pseudonym; never a name or CPR number")
    local_area: str
    census_id: UUID


class _BallotContent(BudgetingEvent):
    """The choices of one ballot; exactly one of approvals / points / ranking is used by format."""

    local_area: str
    voter: str = Field(description="Keyed pseudonym of the voter")
    channel: BallotChannel
    ballot_format: BallotFormat
    rules_version: int = Field(ge=1)
    approvals: tuple[UUID, ...] = ()
    points: dict[UUID, int] = Field(default_factory=dict)
    ranking: tuple[UUID, ...] = ()
    cast_at: datetime
    entered_by: str | None = Field(
        default=None, description="Pseudonym of staff who entered a paper or assisted ballot"
    )
    nonce: str = Field(
        min_length=16, description="Random salt so the receipt cannot be guessed from choices"
    )


class BallotCast(_BallotContent):
    type_name: ClassVar[str] = "BallotCast"


class BallotReplaced(_BallotContent):
    """Supersedes the voter's active ballot in this stream entirely."""

    type_name: ClassVar[str] = "BallotReplaced"


class BallotWithdrawn(BudgetingEvent):
    type_name: ClassVar[str] = "BallotWithdrawn"

    local_area: str
    voter: str
    withdrawn_at: datetime


def ballot_receipt(event: BallotCast | BallotReplaced) -> str:
    """The voter's receipt: sha256 of the ballot event's type and canonical payload.

    Anyone holding the counted ballot events can recompute the receipts and check that one is
    among them; the nonce keeps the receipt from revealing the choices to someone who only
    knows the voter and the ballot's options.
    """
    canonical = orjson.dumps(
        {"type": event.type_name, "version": event.version, "data": event.model_dump(mode="json")},
        option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z,
    )
    return hashlib.sha256(canonical).hexdigest()


EVENTS = (VoterRegistered, BallotCast, BallotReplaced, BallotWithdrawn)
