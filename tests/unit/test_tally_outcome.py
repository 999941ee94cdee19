"""The winners' counter: one count per process at a time, the newest waiting input next, a
count reused for equal input, and the last result handed out with the version it counted."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

from events.budgeting_common import BallotFormat, TallyRule
from services.api.budgeting.tally.outcome import OutcomeInput, Outcomes
from services.domain.budgeting.live_tally import LiveBudget

A, B = UUID(int=1), UUID(int=2)


def ballots(*groups: tuple[dict[str, int], int]) -> OutcomeInput:
    budget = LiveBudget(1_000_00, {A: 600_00, B: 500_00}, list(groups))
    return OutcomeInput(BallotFormat.APPROVAL, TallyRule.GREEDY, {"Tørring": budget}, frozenset())


def test_equal_input_has_one_digest_whatever_the_order_of_its_ballot_groups() -> None:
    one = ballots(({str(A): 1}, 2), ({str(B): 1}, 3))
    other = ballots(({str(B): 1}, 3), ({str(A): 1}, 2))
    assert one.digest() == other.digest()
    assert one.digest() != ballots(({str(A): 1}, 3), ({str(B): 1}, 3)).digest()


async def test_a_count_is_run_once_and_then_reused_for_later_versions_of_the_same_input() -> None:
    outcomes, pid = Outcomes(), uuid4()
    inp = ballots(({str(A): 1}, 2), ({str(B): 1}, 3))
    first = await outcomes.wait(pid, 7, inp, 5)
    assert first is not None and (first.version, first.selected) == (7, {"Tørring": (B,)})
    again = await outcomes.wait(pid, 9, inp, 5)  # e.g. a phase change: same ballots
    assert again is not None and again.version == 9
    assert outcomes.counts == 1


async def test_while_a_count_runs_the_last_result_is_shown_and_the_newest_input_counts_next() -> (
    None
):
    counted: list[UUID] = []
    outcomes, pid = Outcomes(on_counted=counted.append), uuid4()
    old = ballots(({str(A): 1}, 2))
    await outcomes.wait(pid, 1, old, 5)
    newer, skipped, newest = (ballots(({str(B): 1}, n)) for n in (1, 2, 3))
    assert outcomes.for_input(pid, 2, newer) is not None  # counting starts; old result shown
    outcomes.for_input(pid, 3, skipped)  # waits as the next count ...
    shown = outcomes.for_input(pid, 4, newest)  # ... and is replaced by newer input
    assert shown is not None and (shown.version, shown.selected) == (1, {"Tørring": (A,)})
    for _ in range(250):
        if len(counted) == 3:
            break
        await asyncio.sleep(0.02)
    last = outcomes.for_input(pid, 4, newest)
    assert last is not None and (last.version, last.selected) == (4, {"Tørring": (B,)})
    assert outcomes.counts == 3  # old, newer, newest: `skipped` never counted
    await outcomes.stop()
