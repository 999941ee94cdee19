"""Cycle-collector settings for the long-running services and for replay.

A projection (or a replay) holds a batch of a few thousand records and their parsed events at a
time. With CPython's default thresholds the cycle collector runs every 700 allocations and its
older generations walk every live object, including each batch still in hand and every module
and schema loaded at start: on the replay path that tripled the cost of parsing a record
(`bench/bench_replay.py`). The objects loaded at start never become garbage, so they are moved
out of the collector's view, and the young generation is collected less often. Reference
counting still frees everything acyclic at once; cycles are still collected.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune_collector() -> None:
    """Freeze what is alive now (imports, settings, pools) and collect the young less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
