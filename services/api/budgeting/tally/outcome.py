"""The current winners of each process, counted off the event loop, never holding up a tally.

A count is the process's rule over the read model's ballots (`current_outcome`): under greedy a
few milliseconds, but MES with its Add1 completion raises each voter's endowment one krone at a
time, so with few voters and a large budget it can take seconds or more. So the scores are never
made to wait for it: each process has at most one count running (in a worker thread); input that
arrives meanwhile waits as the next count, newer input replacing older; the last result is kept
and handed out with the version of the ballots it counted, and `on_counted` tells the tally hub
when a result is ready so the stream can carry it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import structlog

from events.budgeting_common import BallotFormat, TallyRule
from services.domain.budgeting.incompatibility import Pairs
from services.domain.budgeting.live_tally import LiveBudget, current_outcome

log = structlog.get_logger("tally_outcome")


@dataclass(frozen=True)
class OutcomeInput:
    """Everything one process's count needs, as read in one snapshot."""

    ballot_format: BallotFormat | None
    rule: TallyRule
    budgets: dict[str, LiveBudget]
    pairs: Pairs

    def digest(self) -> str:
        """Equal for equal input (ballot groups in any order), so a count is reused."""
        parts = [
            str(self.ballot_format),
            self.rule.value,
            repr(sorted(sorted(str(p) for p in pair) for pair in self.pairs)),
        ]
        for area in sorted(self.budgets):
            b = self.budgets[area]
            groups = sorted(repr(sorted(w.items())) + f"*{n}" for w, n in b.groups)
            parts += [
                area,
                str(b.amount_ore),
                repr(sorted((str(k), v) for k, v in b.prices.items())),
            ]
            parts += groups
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def count(inp: OutcomeInput) -> dict[str, tuple[UUID, ...]]:
    """Each budget's winners in selection order (pure; CPU-bound)."""
    if inp.ballot_format is None:
        return {}
    return {
        area: current_outcome(inp.ballot_format, inp.rule, budget, inp.pairs)
        for area, budget in inp.budgets.items()
    }


@dataclass(frozen=True)
class Outcome:
    version: int
    """Seq of the last event the counted ballots include."""
    digest: str
    selected: dict[str, tuple[UUID, ...]]


class Outcomes:
    def __init__(self, on_counted: Callable[[UUID], None] | None = None) -> None:
        self._last: dict[UUID, Outcome] = {}
        self._running: dict[UUID, asyncio.Task[None]] = {}
        self._next: dict[UUID, tuple[int, OutcomeInput]] = {}
        self.on_counted = on_counted
        self.counts = 0  # counts run, for tests and metrics

    def for_input(self, process_id: UUID, version: int, inp: OutcomeInput) -> Outcome | None:
        """The newest outcome to show with a snapshot at `version` of this input (the version is
        `version` itself when that input was counted already); asks for a count if it is not."""
        digest = inp.digest()
        last = self._last.get(process_id)
        if last is not None and last.digest == digest:
            return Outcome(max(version, last.version), digest, last.selected)
        self._next[process_id] = (version, inp)
        if process_id not in self._running:
            self._start(process_id)
        return last

    async def wait(
        self, process_id: UUID, version: int, inp: OutcomeInput, seconds: float
    ) -> Outcome | None:
        """As `for_input`, after waiting up to `seconds` for this input's count."""
        outcome = self.for_input(process_id, version, inp)
        digest = inp.digest()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (outcome is None or outcome.digest != digest) and loop.time() < deadline:
            task = self._running.get(process_id)
            if task is None:
                break
            await asyncio.wait({task}, timeout=max(deadline - loop.time(), 0))
            outcome = self.for_input(process_id, version, inp)
        return outcome

    def _start(self, process_id: UUID) -> None:
        version, inp = self._next.pop(process_id)
        self._running[process_id] = asyncio.create_task(self._count(process_id, version, inp))

    async def _count(self, process_id: UUID, version: int, inp: OutcomeInput) -> None:
        try:
            selected = await asyncio.to_thread(count, inp)
            self.counts += 1
            self._last[process_id] = Outcome(version, inp.digest(), selected)
        except Exception as exc:  # a count that fails leaves the last outcome; the tally goes on
            log.error("outcome count failed", process_id=str(process_id), error=type(exc).__name__)
        finally:
            del self._running[process_id]
            if process_id in self._next:
                self._start(process_id)
        if self.on_counted is not None:
            self.on_counted(process_id)

    async def stop(self) -> None:
        self._next.clear()
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
