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
# Tracked objects a record in hand costs, from its Kafka record to its parsed event: about 15
# measured, with room for what the client and the apply hold.
OBJECTS_PER_RECORD = 40


def tune_collector(young: int = YOUNG_THRESHOLD) -> None:
    """Freeze what is alive now (imports, settings, pools) and collect the young less often:
    after `young` more tracked objects are allocated than freed."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)


def young_threshold_for(batch: int) -> int:
    """A young-generation threshold above what two batches of `batch` records keep alive.

    A young collection walks every young object still alive, and while a batch is in hand
    nearly all of them are: below this threshold each batch pays a collection or more (a
    fifth of a replay's time, measured) that finds nothing, since records are freed by
    reference counting as soon as their batch is done. Cyclic garbage still gets collected,
    just after more allocations.
    """
    return max(YOUNG_THRESHOLD, 2 * batch * OBJECTS_PER_RECORD)
