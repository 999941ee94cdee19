"""Schema evolution: a version-1 ProposalWithdrawn is read as today's version 2."""

from __future__ import annotations

from uuid import uuid4

from events.budgeting import ProposalWithdrawn
from events.registry import decode


def test_a_v1_withdrawal_with_a_reason_reads_as_v2_with_reason_given() -> None:
    v1 = {"process_id": str(uuid4()), "proposal_id": str(uuid4()), "reason": "dublet"}
    event = decode("ProposalWithdrawn", 1, v1)
    assert isinstance(event, ProposalWithdrawn)
    assert event.reason_given is True and event.reason == "dublet"


def test_a_v1_withdrawal_without_a_reason_reads_as_v2_without_one() -> None:
    v1 = {"process_id": str(uuid4()), "proposal_id": str(uuid4())}
    assert decode("ProposalWithdrawn", 1, v1).reason_given is False  # type: ignore[attr-defined]


def test_a_new_withdrawal_derives_reason_given_itself() -> None:
    event = ProposalWithdrawn(process_id=uuid4(), proposal_id=uuid4(), reason="flyttet")
    assert ProposalWithdrawn.version == 2 and event.reason_given is True
