"""The budgeting contract: every event registered, keyed by process, every command phase-gated."""

from __future__ import annotations

import typing

from events.budgeting import EVENTS, BudgetingEvent, Phase
from events.registry import EVENT_TYPES
from services.domain.budgeting.ballots import BallotCommand, RegisterVoter
from services.domain.budgeting.implementation import ImplementationCommand
from services.domain.budgeting.ledger import LedgerCommand
from services.domain.budgeting.process import ProcessCommand
from services.domain.budgeting.proposals import ProposalCommand
from services.domain.messages import Msg
from services.texts.budgeting import TEXTS
from services.texts.words import ACTIONS


def test_every_budgeting_event_is_registered_and_keyed_by_its_process() -> None:
    assert set(EVENTS) <= set(EVENT_TYPES)
    assert all(issubclass(cls, BudgetingEvent) for cls in EVENTS)
    names = [cls.type_name for cls in EVENTS]
    assert len(names) == len(set(names))


def test_every_command_is_gated_by_phase_and_named_in_both_languages() -> None:
    unions = (ProcessCommand, ProposalCommand, BallotCommand, LedgerCommand, ImplementationCommand)
    commands = {c for u in unions for c in typing.get_args(u)} | {RegisterVoter}
    gated = {c.__name__ for c in commands if "allowed_in" in vars(c)}
    ungated = {"CreateProcess", "AdvancePhase"}
    assert {c.__name__ for c in commands} - ungated == gated
    for command in commands:
        if command.__name__ in gated:
            phases = command.allowed_in
            assert phases and isinstance(phases, frozenset) and phases <= set(Phase)
    assert gated <= set(ACTIONS)


def test_every_message_code_has_a_danish_and_an_english_text() -> None:
    assert set(TEXTS) == set(Msg)
    assert all(da and en and da != en for _, da, en in TEXTS.values())
