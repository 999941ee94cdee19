"""Prove the record: the hash chain over the event store, and that Kafka holds exactly that record.

Two checks, each naming precisely where it fails:

1. **The chain.** Every stored event, in `seq` order from 1: its hash is recomputed from its
   contents (`Envelope.expected_hash()`), its `prev_hash` must equal the hash of the event before
   it (GENESIS_HASH for seq 1), and `seq` must be gapless. An altered event fails its own hash (or,
   if the hash was recomputed too, the next event's link); a deleted one leaves a gap; a deleted
   tail disagrees with `eventstore.topic_heads`.
2. **The Kafka copy.** Every record on the event topics, from offset 0: a record that is not a
   Samskab event, or that names a `seq` the store does not hold, is *foreign*; a record whose
   contents do not match its own `ce_hash`, or whose hash differs from the store's, is *altered*;
   a stored event on no topic is *missing*. The same event published twice (the relay refills a
   broker that lost data) is not an error and is reported as a count.

The same chain check re-verifies an export file (`verify_file`), offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition
from pydantic import ValidationError

from events.envelope import GENESIS_HASH, Envelope
from events.kafka import MalformedRecord, from_record
from events.public import ChainCheckpoint
from services.audit.export import HEADER_KEY, read_export
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.store.reads import (
    append_tally,
    event_count,
    store_head,
    stored_events,
    unpublished,
)

Progress = Callable[[int], None]  # called with the number of items just done


def _nothing(_: int) -> None:
    return None


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold, with where it was found."""

    where: str  # "store", "kafka" or "file"
    problem: str  # altered, broken-link, gap, truncated, foreign, missing, differs, ...
    message: str
    seq: int | None = None
    stream_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    line: int | None = None

    def location(self) -> str:
        parts = []
        if self.seq is not None:
            parts.append(f"seq {self.seq}")
        if self.stream_id is not None:
            parts.append(f"stream {self.stream_id}")
        if self.topic is not None:
            parts.append(f"{self.topic}[{self.partition}]@{self.offset}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts) or "-"

    def __str__(self) -> str:
        return f"{self.where}: {self.problem} at {self.location()}: {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    events: int = 0  # events checked in the store (or the file)
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    records: int = 0  # records read from Kafka
    duplicates: int = 0  # records that repeat an event already seen (republished)
    pending: int = 0  # events appended while Kafka was read (not yet expected there)
    segments: int = 0  # contiguous seq runs (a filtered export has several)

    @property
    def ok(self) -> bool:
        return not self.findings


class ChainChecker:
    """Checks envelopes fed in `seq` order: own hash, link to the predecessor, no gap.

    With `anchored` the first event must be seq 1 linked to GENESIS_HASH (the whole store).
    Without it the first event's `prev_hash` is taken as given (a segment of the chain), and
    with `gaps_allowed` a jump in `seq` starts a new segment instead of being a failure.
    """

    def __init__(
        self, report: Report, where: str, anchored: bool = True, gaps_allowed: bool = False
    ) -> None:
        self._report = report
        self._where = where
        self._anchored = anchored
        self._gaps_allowed = gaps_allowed
        self._last: tuple[int, str] | None = None

    def feed(self, env: Envelope, line: int | None = None) -> str:
        """Check one envelope; return its recomputed hash."""
        r = self._report
        r.events += 1
        if r.first_seq is None:
            r.first_seq = env.seq
        recomputed = env.expected_hash()
        if recomputed != env.hash:
            self._find(
                "altered",
                f"contents do not match the stored hash (stored {env.hash[:16]}…, "
                f"recomputed {recomputed[:16]}…)",
                env,
                line,
            )
        if self._last is None:
            r.segments += 1
            if self._anchored and env.seq != 1:
                self._find("gap", f"the chain starts at seq {env.seq}, not 1", env, line)
            elif self._anchored and env.prev_hash != GENESIS_HASH:
                self._find("broken-link", "seq 1 does not link to the genesis hash", env, line)
        else:
            last_seq, last_hash = self._last
            if env.seq <= last_seq:
                self._find("out-of-order", f"seq {env.seq} follows seq {last_seq}", env, line)
            elif env.seq != last_seq + 1:
                if self._gaps_allowed:
                    r.segments += 1
                else:
                    missing = (
                        f"seq {last_seq + 1}"
                        if env.seq == last_seq + 2
                        else f"seqs {last_seq + 1}–{env.seq - 1}"
                    )
                    self._find("gap", f"{missing} missing (deleted?)", env, line)
            elif env.prev_hash != last_hash:
                self._find(
                    "broken-link",
                    f"prev_hash {env.prev_hash[:16]}… is not the hash of seq {last_seq} "
                    f"({last_hash[:16]}…)",
                    env,
                    line,
                )
        self._last = (env.seq, env.hash)
        r.last_seq, r.last_hash = env.seq, env.hash
        return recomputed

    def _find(self, problem: str, message: str, env: Envelope, line: int | None) -> None:
        self._report.findings.append(
            Finding(self._where, problem, message, seq=env.seq, stream_id=env.stream_id, line=line)
        )


# --- the Kafka copy ----------------------------------------------------------------------------


@dataclass
class _Copy:
    """What the topics hold, by seq: (hash, topic, partition, offset) of the first record."""

    by_seq: dict[int, tuple[str, str, int, int]] = field(default_factory=dict)


async def read_topics(
    settings: Settings, report: Report, on_total: Progress = _nothing, progress: Progress = _nothing
) -> _Copy:
    """Read every event topic from offset 0 to its end; note foreign and altered records."""
    copy = _Copy()
    consumer = clients.consumer(
        settings, fetch_max_wait_ms=100, max_partition_fetch_bytes=8 * 1024 * 1024
    )
    await consumer.start()
    try:
        known = await clients.partitions_of(settings, settings.topology.event_topics())
        tps = [TopicPartition(topic, p) for topic, parts in known.items() for p in parts]
        if not tps:
            return copy
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        on_total(sum(ends.values()))
        # The embedded broker may report an end short of the last batch: read on until the
        # partitions are past their reported end and fetches come back empty.
        empty = 0
        while empty < 3:
            batches = await consumer.getmany(timeout_ms=300, max_records=5000)
            if not batches:
                behind = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
                empty = 0 if behind else empty + 1
                continue
            empty = 0
            for tp, records in batches.items():
                for rec in records:
                    _take(copy, report, tp, rec.offset, rec.key, rec.value, rec.headers)
                progress(len(records))
    finally:
        await consumer.stop()
    return copy


def _take(
    copy: _Copy,
    report: Report,
    tp: TopicPartition,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes]] | None,
) -> None:
    report.records += 1
    where: dict[str, Any] = {"topic": tp.topic, "partition": tp.partition, "offset": offset}
    try:
        env = from_record(tp.topic, key, value, headers)
    except MalformedRecord as exc:
        report.findings.append(
            Finding("kafka", "foreign", f"not a Samskab event record ({exc})", **where)
        )
        return
    if env.expected_hash() != env.hash:
        report.findings.append(
            Finding(
                "kafka",
                "altered",
                "record contents do not match its own ce_hash",
                seq=env.seq,
                stream_id=env.stream_id,
                **where,
            )
        )
    first = copy.by_seq.get(env.seq)
    if first is None:
        copy.by_seq[env.seq] = (env.hash, tp.topic, tp.partition, offset)
    elif first[0] == env.hash:
        report.duplicates += 1
    else:
        report.findings.append(
            Finding(
                "kafka",
                "conflicting-copies",
                f"two records claim seq {env.seq} with different hashes "
                f"(the other at {first[1]}[{first[2]}]@{first[3]})",
                seq=env.seq,
                stream_id=env.stream_id,
                **where,
            )
        )


# --- the whole verification --------------------------------------------------------------------


@dataclass
class Hooks:
    """Progress callbacks: a phase starts with a total (or None), then items are done."""

    start: Callable[[str, int | None], None] = lambda _phase, _total: None
    advance: Progress = _nothing


async def verify_all(
    settings: Settings, hooks: Hooks | None = None, checkpoints: Sequence[ChainCheckpoint] = ()
) -> Report:
    """Check the chain over the store and the Kafka copy of it; return every finding.

    With `checkpoints` (already checked to be signed), each stored event at a checkpoint's seq
    must still hash to the signed head: a rewrite re-hashed into a consistent chain, and a Kafka
    copy refilled from it, are found too."""
    hooks = hooks or Hooks()
    report = Report()
    signed = {c.seq: c for c in checkpoints}
    conn = await db.connect(settings.require_database_url())
    try:
        head_before = await store_head(conn)
        hooks.start("reading Kafka", None)
        copy = await read_topics(
            settings, report, lambda n: hooks.start("reading Kafka", n), hooks.advance
        )
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            total = await event_count(conn)
            outbox = await unpublished(conn)
            heads = await append_tally(conn)
            hooks.start("checking the chain", total)
            chain = ChainChecker(report, "store")
            done = 0
            async for env in stored_events(conn):
                recomputed = chain.feed(env)
                _compare(report, copy, env, recomputed, head_before, outbox, settings)
                if (checkpoint := signed.pop(env.seq, None)) is not None:
                    _against_checkpoint(report, env, recomputed, checkpoint)
                done += 1
                if done % 1000 == 0:
                    hooks.advance(1000)
            hooks.advance(done % 1000)
        if heads.last_seq > (report.last_seq or 0):
            report.findings.append(
                Finding(
                    "store",
                    "truncated",
                    f"the store ends at seq {report.last_seq or 0} but recorded appends up to "
                    f"seq {heads.last_seq} (events deleted from the end?)",
                    seq=heads.last_seq,
                )
            )
        elif heads.count != report.events:
            report.findings.append(
                Finding(
                    "store",
                    "count",
                    f"the store holds {report.events} events but recorded {heads.count} appends",
                )
            )
        for seq, checkpoint in sorted(signed.items()):
            report.findings.append(
                Finding(
                    "store",
                    "truncated",
                    f"a checkpoint signed at {checkpoint.signed_at.isoformat()} names seq {seq}, "
                    "which the store no longer holds",
                    seq=seq,
                )
            )
        for seq, (_hash, topic, partition, offset) in sorted(copy.by_seq.items()):
            report.findings.append(
                Finding(
                    "kafka",
                    "foreign",
                    f"record claims seq {seq}, which the store does not hold",
                    seq=seq,
                    topic=topic,
                    partition=partition,
                    offset=offset,
                )
            )
    finally:
        await conn.close()
    return report


def _against_checkpoint(
    report: Report, env: Envelope, recomputed: str, checkpoint: ChainCheckpoint
) -> None:
    if env.hash == checkpoint.hash and recomputed == checkpoint.hash:
        return
    report.findings.append(
        Finding(
            "store",
            "rewritten",
            f"does not hash to the head signed at {checkpoint.signed_at.isoformat()} "
            f"(signed {checkpoint.hash[:16]}…, stored {env.hash[:16]}…): the store was "
            f"rewritten at or before seq {env.seq} since that checkpoint",
            seq=env.seq,
            stream_id=env.stream_id,
        )
    )


def _compare(
    report: Report,
    copy: _Copy,
    env: Envelope,
    recomputed: str,
    head_before: int,
    outbox: set[int],
    settings: Settings,
) -> None:
    found = copy.by_seq.pop(env.seq, None)
    if found is None:
        if env.seq > head_before:
            report.pending += 1  # appended after Kafka was read: not expected there yet
            return
        why = "still in the outbox, not yet published" if env.seq in outbox else "on no topic"
        report.findings.append(
            Finding(
                "kafka", "missing", f"stored event is {why}", seq=env.seq, stream_id=env.stream_id
            )
        )
        return
    kafka_hash, topic, partition, offset = found
    where: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset}
    if kafka_hash != env.hash or kafka_hash != recomputed:
        report.findings.append(
            Finding(
                "kafka",
                "differs",
                f"record hash {kafka_hash[:16]}… is not the store's (stored {env.hash[:16]}…, "
                f"recomputed from its contents {recomputed[:16]}…)",
                seq=env.seq,
                stream_id=env.stream_id,
                **where,
            )
        )
    elif topic != settings.topology.events_topic(env.topic):
        report.findings.append(
            Finding(
                "kafka",
                "wrong-topic",
                f"event of topic {env.topic!r} found on {topic}",
                seq=env.seq,
                stream_id=env.stream_id,
                **where,
            )
        )


# --- an export file ----------------------------------------------------------------------------


def verify_file(path: Path, advance: Progress = _nothing) -> Report:
    """Re-verify an export (`samskab audit export`: JSON lines, CSV or Parquet), offline.

    Each event's hash is recomputed and consecutive events must link. An export of the whole
    store must start at seq 1 from the genesis hash; an export of a time range is one contiguous
    segment whose first `prev_hash` is taken as given (compare it, and the last hash, with the
    municipality's published head); a stream-filtered export is several segments.
    """
    report = Report()
    header, rows = read_export(path)
    checker: ChainChecker | None = None
    for number, obj in rows:
        if isinstance(obj, Exception):
            report.findings.append(Finding("file", "unreadable", str(obj), line=number))
            continue
        if number == 1 and isinstance(obj, dict) and HEADER_KEY in obj:
            header = obj[HEADER_KEY]
            continue
        if checker is None:
            checker = ChainChecker(
                report,
                "file",
                anchored=bool(header.get("from_genesis")),
                gaps_allowed=not header.get("contiguous", False),
            )
        try:
            env = Envelope.model_validate(obj)
        except ValidationError as exc:
            report.findings.append(
                Finding("file", "unreadable", f"not an envelope: {exc}", line=number)
            )
            continue
        checker.feed(env, line=number)
        advance(1)
    if not header:
        report.findings.append(
            Finding("file", "no-header", "no export header: completeness cannot be shown")
        )
    if header.get("count") is not None and header["count"] != report.events:
        report.findings.append(
            Finding(
                "file",
                "count",
                f"the header announces {header['count']} events, the file holds {report.events}",
            )
        )
    if header.get("last_hash") and report.last_hash and header["last_hash"] != report.last_hash:
        report.findings.append(
            Finding("file", "count", "the last event's hash is not the one the header announces")
        )
    return report
