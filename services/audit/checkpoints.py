"""Signed checkpoints of the hash chain: the witness that does not depend on Kafka.

A chain proves nothing against whoever can rewrite the store whole (change an event, re-hash it
and everything after it), and a Kafka copy that the relay refills from the store is no witness
either. So the checkpoints service signs the store's head (seq, hash) with an Ed25519 key at
intervals and publishes it on `<prefix>.public.v1.checkpoints`. Auditors collect the
checkpoints into a file they keep (`samskab audit checkpoints --out FILE`); `samskab audit
verify --checkpoints FILE --public-key PEM` then fails on any stored event up to a checkpoint's
seq that no longer hashes to the signed head.

Before signing, the service checks the chain itself (from seq 1 when it starts, then each new
event against the last one signed), so it never signs a broken chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid5

import orjson
import structlog
from aiokafka import TopicPartition
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from events.public import ChainCheckpoint, key_id_of, signed_message
from events.topology import CHECKPOINTS
from projections.feed.records import Origin, PublicRecord
from services.audit.verify import ChainChecker, Finding, Report
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import CheckpointKey, Settings
from services.store.reads import EventRange, stored_events

log = structlog.get_logger("checkpoints")


class CheckpointError(Exception):
    """A checkpoint file or key that cannot be used, said in one line."""


# --- keys --------------------------------------------------------------------------------------


def create_key(path: Path) -> bool:
    """Create the signing key at `path` unless one exists (owner-readable only)."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    try:
        os.link(tmp, path)  # the first of several starting at once wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return True


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise CheckpointError(f"no checkpoint key at {path}") from exc
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a readable PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise CheckpointError(f"no such file: {path}") from exc
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 public key")
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --- signing and checking ----------------------------------------------------------------------


def sign(key: Ed25519PrivateKey, seq: int, head_hash: str, signed_at: datetime) -> ChainCheckpoint:
    key_id = key_id_of(_raw(key.public_key()))
    signature = key.sign(signed_message(seq, head_hash, signed_at, key_id))
    return ChainCheckpoint(
        seq=seq, hash=head_hash, signed_at=signed_at, key_id=key_id, signature=signature.hex()
    )


def is_signed_by(checkpoint: ChainCheckpoint, public: Ed25519PublicKey) -> bool:
    """The signature is `public`'s over exactly this seq, hash, time and key id."""
    if checkpoint.key_id != key_id_of(_raw(public)):
        return False
    try:
        public.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_message())
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_only(
    checkpoints: Iterable[ChainCheckpoint], public: Ed25519PublicKey
) -> tuple[list[ChainCheckpoint], list[Finding]]:
    """The checkpoints signed by `public`, and a finding for each one that is not."""
    good: list[ChainCheckpoint] = []
    bad: list[Finding] = []
    for checkpoint in checkpoints:
        if is_signed_by(checkpoint, public):
            good.append(checkpoint)
        else:
            bad.append(
                Finding(
                    "file",
                    "bad-signature",
                    "the checkpoint is not signed by the given public key (altered, or "
                    "another key)",
                    seq=checkpoint.seq,
                )
            )
    return good, bad


# --- the file an auditor keeps -----------------------------------------------------------------


def read_file(path: Path) -> list[ChainCheckpoint]:
    """The checkpoints of a file (JSON lines), by seq; a line that is not one is an error."""
    found: dict[int, ChainCheckpoint] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            checkpoint = ChainCheckpoint.model_validate_json(line)
        except ValidationError as exc:
            raise CheckpointError(f"{path} line {number} is not a checkpoint") from exc
        found.setdefault(checkpoint.seq, checkpoint)
    return [found[seq] for seq in sorted(found)]


def add_to_file(path: Path, checkpoints: Iterable[ChainCheckpoint]) -> int:
    """Append the checkpoints `path` does not hold yet (by seq); return how many."""
    held = {c.seq for c in read_file(path)} if path.exists() else set()
    new = [c for c in sorted(checkpoints, key=lambda c: c.seq) if c.seq not in held]
    with path.open("a", encoding="utf-8") as out:
        for checkpoint in new:
            out.write(checkpoint.model_dump_json() + "\n")
    return len(new)


# --- the public topic --------------------------------------------------------------------------


def record(checkpoint: ChainCheckpoint) -> PublicRecord:
    return PublicRecord(
        logical=CHECKPOINTS,
        key=str(checkpoint.key_id),
        type_name=ChainCheckpoint.type_name,
        subject=str(checkpoint.key_id),
        data=checkpoint.model_dump(mode="json"),
        source=Origin(uuid5(checkpoint.key_id, str(checkpoint.seq)), checkpoint.signed_at),
    )


async def publish(settings: Settings, producer: Any, checkpoint: ChainCheckpoint) -> None:
    rec = record(checkpoint)
    await producer.send_and_wait(
        settings.topology.public_topic(CHECKPOINTS),
        value=rec.value(),
        key=rec.key.encode(),
        headers=rec.headers(),
    )


async def collect(settings: Settings) -> list[ChainCheckpoint]:
    """Every checkpoint on the public topic, from offset 0 to its end."""
    topic = settings.topology.public_topic(CHECKPOINTS)
    consumer = clients.consumer(settings, fetch_max_wait_ms=100)
    await consumer.start()
    found: list[ChainCheckpoint] = []
    try:
        known = await clients.partitions_of(settings, [topic])
        tps = [TopicPartition(topic, p) for p in known[topic]]
        if not tps:
            return found
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        empty = 0
        while empty < 3:
            batches = await consumer.getmany(timeout_ms=300, max_records=5000)
            if not batches:
                behind = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
                empty = 0 if behind else empty + 1
                continue
            empty = 0
            for records in batches.values():
                for rec in records:
                    with contextlib.suppress(ValidationError, orjson.JSONDecodeError):
                        found.append(ChainCheckpoint.model_validate(orjson.loads(rec.value)))
    finally:
        await consumer.stop()
    return found


# --- the service -------------------------------------------------------------------------------


@dataclass
class Checkpointer:
    """Checks new events against the chain signed so far and signs the head when it moved."""

    key: Ed25519PrivateKey
    report: Report = field(default_factory=Report)
    checker: ChainChecker | None = None
    last: ChainCheckpoint | None = None

    def __post_init__(self) -> None:
        self.checker = ChainChecker(self.report, "store")

    @property
    def healthy(self) -> bool:
        return self.report.ok

    async def advance(self, conn: Any, now: datetime) -> ChainCheckpoint | None:
        """Feed the events after the last checked one; a new checkpoint if the head moved."""
        assert self.checker is not None
        after = self.report.last_seq or 0
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for env in stored_events(conn, EventRange(first_seq=after + 1)):
                self.checker.feed(env)
        if not self.report.ok:
            return None  # never sign a chain that does not hold
        seq, head = self.report.last_seq, self.report.last_hash
        if seq is None or head is None or (self.last is not None and self.last.seq == seq):
            return None
        self.last = sign(self.key, seq, head, now)
        return self.last


async def run(settings: CheckpointKey, stop: asyncio.Event, checkpointer: Checkpointer) -> None:
    producer = clients.producer(settings)
    await producer.start()
    conn = await db.connect(settings.require_database_url())
    try:
        while not stop.is_set():
            checkpoint = await checkpointer.advance(conn, datetime.now(UTC))
            if not checkpointer.healthy:
                first = checkpointer.report.findings[0]
                log.error("chain does not hold; not signing", finding=str(first))
            elif checkpoint is not None:
                await publish(settings, producer, checkpoint)
                log.info("checkpoint published", seq=checkpoint.seq)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.checkpoint_interval_seconds)
    finally:
        await conn.close()
        await producer.stop()
