"""Add1 completion with and without skipping the steps that cannot change the outcome.

    python bench/bench_add1.py [--files NAME ...] [--rules RULE ...]

For each Pabulib election small enough for the skip (`services.tally.span.SMALL` supporter
entries), and for a synthetic election with five voters and a budget of 1,000,000, counts each
rule twice: with the skip, and as the plain loop that counts MES at every whole-unit step.
Prints both times, the ratio, and checks that outcome and endowment are identical.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.tally import (
    Election,
    Rule,
    VoteType,
    completion,
    read_pabulib,
    tally,
)
from services.tally.mes import prepare
from services.tally.profile import support_profile
from services.tally.span import SMALL, supporter_entries
from tests.unit.test_tally_add1_skip import few_voters_and_a_large_budget

PABULIB = Path(__file__).resolve().parents[2] / "shared" / "pabulib"
FEW_VOTERS = "five voters, budget 1,000,000"


def small_files(names: list[str] | None) -> list[Path]:
    paths = [PABULIB / n for n in names] if names else sorted(PABULIB.glob("*.pb"))
    return [
        p for p in paths if supporter_entries(prepare(support_profile(read_pabulib(p)))) <= SMALL
    ]


def timed(election: Election, rule: Rule, skip: bool) -> tuple[float, tuple[object, ...]]:
    completion.SMALL = SMALL if skip else -1
    try:
        started = time.perf_counter()
        result = tally(election, rule)
        return time.perf_counter() - started, (result.selected_ids, result.endowment)
    finally:
        completion.SMALL = SMALL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", nargs="*", help="Pabulib file names (default: all small ones)")
    parser.add_argument("--rules", nargs="*", default=["mes"], choices=[r.value for r in Rule])
    args = parser.parse_args()
    console = Console(width=150)
    elections = {FEW_VOTERS: few_voters_and_a_large_budget()} | {
        p.stem: read_pabulib(p) for p in small_files(args.files)
    }
    table = Table(title="Add1: plain loop vs skipping (seconds)")
    for column in ("election", "rule", "plain", "skipping", "ratio", "same outcome"):
        table.add_column(column)
    total = {True: 0.0, False: 0.0}
    with Progress(console=console) as progress:
        task = progress.add_task("counting", total=len(elections) * len(args.rules))
        for name, election in elections.items():
            for rule in map(Rule, args.rules):
                if rule is Rule.MES_ADD1_COMPARISON and election.vote_type is not VoteType.APPROVAL:
                    progress.advance(task)
                    continue
                plain, plain_outcome = timed(election, rule, skip=False)
                skipping, outcome = timed(election, rule, skip=True)
                total[False] += plain
                total[True] += skipping
                same = "yes" if outcome == plain_outcome else "NO"
                ratio = f"{plain / skipping:.1f}×" if skipping > 0 else "-"
                table.add_row(name, rule.value, f"{plain:.3f}", f"{skipping:.3f}", ratio, same)
                progress.advance(task)
    console.print(table)
    console.print(
        f"all together: plain {total[False]:.1f} s, skipping {total[True]:.1f} s "
        f"({total[False] / max(total[True], 1e-9):.1f}×)"
    )


if __name__ == "__main__":
    main()
