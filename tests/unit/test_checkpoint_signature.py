"""A signed checkpoint holds only for the seq, hash, time and key it was signed for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.public import ChainCheckpoint
from services.audit.checkpoints import (
    CheckpointError,
    add_to_file,
    create_key,
    is_signed_by,
    load_private_key,
    read_file,
    sign,
)

HEAD = "ab" * 32
WHEN = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def signed() -> tuple[Ed25519PrivateKey, ChainCheckpoint]:
    key = Ed25519PrivateKey.generate()
    return key, sign(key, 42, HEAD, WHEN)


def test_a_checkpoint_verifies_with_the_key_that_signed_it_after_a_round_trip_as_json() -> None:
    key, checkpoint = signed()
    again = ChainCheckpoint.model_validate_json(checkpoint.model_dump_json())
    assert is_signed_by(again, key.public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 41},
        {"hash": "cd" * 32},
        {"signed_at": WHEN + timedelta(seconds=1)},
    ],
    ids=["seq", "hash", "time"],
)
def test_a_checkpoint_with_any_signed_field_changed_is_refused(change: dict[str, object]) -> None:
    key, checkpoint = signed()
    assert not is_signed_by(checkpoint.model_copy(update=change), key.public_key())


def test_a_checkpoint_with_an_altered_signature_is_refused() -> None:
    key, checkpoint = signed()
    flipped = ("0" if checkpoint.signature[0] != "0" else "1") + checkpoint.signature[1:]
    assert not is_signed_by(checkpoint.model_copy(update={"signature": flipped}), key.public_key())


def test_a_checkpoint_is_refused_under_another_key_even_with_that_keys_id() -> None:
    _, checkpoint = signed()
    other = Ed25519PrivateKey.generate()
    assert not is_signed_by(checkpoint, other.public_key())
    own_id = sign(other, 1, HEAD, WHEN).key_id
    assert not is_signed_by(checkpoint.model_copy(update={"key_id": own_id}), other.public_key())


def test_the_key_file_is_made_once_owner_readable_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "checkpoint.pem"
    assert create_key(path)
    first = path.read_bytes()
    assert not create_key(path)
    assert path.read_bytes() == first
    assert path.stat().st_mode & 0o077 == 0
    key = load_private_key(path)
    assert is_signed_by(sign(key, 7, HEAD, WHEN), key.public_key())


def test_the_kept_file_adds_only_new_checkpoints_and_refuses_a_line_that_is_not_one(
    tmp_path: Path,
) -> None:
    key = Ed25519PrivateKey.generate()
    kept = tmp_path / "checkpoints.jsonl"
    assert add_to_file(kept, [sign(key, 5, HEAD, WHEN), sign(key, 9, HEAD, WHEN)]) == 2
    assert add_to_file(kept, [sign(key, 9, HEAD, WHEN), sign(key, 12, HEAD, WHEN)]) == 1
    assert [c.seq for c in read_file(kept)] == [5, 9, 12]
    with kept.open("a") as out:
        out.write('{"seq": 13}\n')
    with pytest.raises(CheckpointError, match="line 4"):
        read_file(kept)
