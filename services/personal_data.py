"""The personal-data vault: contact details and other personal data, encrypted per person.

Each subject (the keyed pseudonym that stands for a person in events) gets one random 256-bit
data key. Data is sealed with AES-GCM under that key and addressed by an opaque `contact_ref`
(`vault:v1:<uuid>`), which is all that ever goes into an event or onto Kafka. The data key is
stored only wrapped (AES-GCM) under the vault's key-encryption key, derived with HKDF from the
pseudonym key of the deployment, so a copy of the database alone reveals nothing.

Erasure (GDPR art. 17) destroys the subject's data key and deletes their sealed rows; every
`contact_ref` in the immutable log then opens to None. A subject who comes back later gets a
new key; their old references stay unreadable.

Each ciphertext is bound to its reference and key (associated data), so rows cannot be swapped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson
import structlog
from asyncpg.pool import PoolConnectionProxy
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.auth import Keys

REF_PREFIX = "vault:v1:"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEK_INFO = b"samskab/vault/key-encryption-key/v1"

log = structlog.get_logger("vault")


class VaultCorrupted(Exception):
    """A key or record failed authentication: tampered with, or a wrong key-encryption key."""


def master_key_from(keys: Keys) -> bytes:
    """The vault's key-encryption key: HKDF-SHA256 of the pseudonym key, for this purpose only."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_KEK_INFO).derive(
        keys.pseudonym
    )


# --- pure crypto (no I/O) -------------------------------------------------------------------


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap_key(kek: bytes, key_id: UUID, subject: str, data_key: bytes) -> bytes:
    """nonce ‖ AES-GCM(kek, data_key), bound to the key id and subject."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _key_aad(key_id, subject))


def unwrap_key(kek: bytes, key_id: UUID, subject: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _key_aad(key_id, subject)
        )
    except InvalidTag as exc:
        raise VaultCorrupted(f"data key {key_id} does not authenticate") from exc


def encrypt(
    data_key: bytes, ref: UUID, key_id: UUID, data: Mapping[str, Any]
) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of `data` as JSON, bound to its reference and key."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = orjson.dumps(dict(data))
    return nonce, AESGCM(data_key).encrypt(nonce, plaintext, _record_aad(ref, key_id))


def decrypt(data_key: bytes, ref: UUID, key_id: UUID, nonce: bytes, ciphertext: bytes) -> Any:
    try:
        plaintext = AESGCM(data_key).decrypt(nonce, ciphertext, _record_aad(ref, key_id))
    except InvalidTag as exc:
        raise VaultCorrupted(f"record {ref} does not authenticate") from exc
    return orjson.loads(plaintext)


def _key_aad(key_id: UUID, subject: str) -> bytes:
    return b"key\0" + key_id.bytes + subject.encode()


def _record_aad(ref: UUID, key_id: UUID) -> bytes:
    return b"record\0" + ref.bytes + key_id.bytes


def parse_ref(ref: str) -> UUID | None:
    """The record id inside a `contact_ref`, or None if it is not one of ours."""
    if not ref.startswith(REF_PREFIX):
        return None
    try:
        return UUID(ref.removeprefix(REF_PREFIX))
    except ValueError:
        return None


# --- the vault on PostgreSQL ----------------------------------------------------------------


class Vault:
    """Seal, open and erase personal data in the `vault` schema."""

    def __init__(self, pool: asyncpg.Pool[Any], master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the vault's master key must be {KEY_BYTES} bytes")
        self._pool = pool
        self._kek = master_key

    async def seal(self, subject: str, data: dict[str, Any]) -> str:
        """Encrypt `data` under the subject's key (created on first use); return its reference."""
        ref = uuid4()
        async with self._pool.acquire() as conn, conn.transaction():
            key_id, data_key = await self._live_key(conn, subject)
            nonce, ciphertext = encrypt(data_key, ref, key_id, data)
            await conn.execute(
                "insert into vault.sealed (ref, key_id, nonce, ciphertext) values ($1, $2, $3, $4)",
                ref,
                key_id,
                nonce,
                ciphertext,
            )
        return f"{REF_PREFIX}{ref}"

    async def open(self, ref: str) -> dict[str, Any] | None:
        """The data sealed under `ref`, or None once erased (or if there is no such record)."""
        return (await self.open_many([ref])).get(ref)

    async def open_many(self, refs: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Open several references in one query; erased or unknown ones map to None."""
        wanted = {ref: parse_ref(ref) for ref in refs}
        ids = [i for i in wanted.values() if i is not None]
        rows = await self._pool.fetch(
            "select s.ref, s.key_id, s.nonce, s.ciphertext, k.subject, k.wrapped_key "
            "from vault.sealed s join vault.keys k using (key_id) "
            "where s.ref = any($1::uuid[]) and k.wrapped_key is not null",
            ids,
        )
        found: dict[UUID, dict[str, Any]] = {}
        keys: dict[UUID, bytes] = {}
        for r in rows:
            key_id: UUID = r["key_id"]
            if key_id not in keys:
                keys[key_id] = unwrap_key(self._kek, key_id, r["subject"], r["wrapped_key"])
            found[r["ref"]] = decrypt(keys[key_id], r["ref"], key_id, r["nonce"], r["ciphertext"])
        return {ref: found.get(i) if i is not None else None for ref, i in wanted.items()}

    async def erase(self, subject: str) -> bool:
        """Destroy the subject's data key and sealed rows. False if nothing was left to erase."""
        async with self._pool.acquire() as conn, conn.transaction():
            keys, _ = await erase_in(conn, subject)
        return keys > 0

    async def discard(self, ref: str) -> None:
        """Delete one sealed record (its command was refused, so nothing refers to it), and the
        subject's key with it when no other record is sealed under that key."""
        record = parse_ref(ref)
        if record is None:
            return
        async with self._pool.acquire() as conn, conn.transaction():
            key_id = await conn.fetchval(
                "delete from vault.sealed where ref = $1 returning key_id", record
            )
            if key_id is None:
                return
            # Sealing holds the key `for share`; this waits for such a sealer to commit, and
            # the next statement (a new snapshot) sees what it sealed.
            await conn.execute("select 1 from vault.keys where key_id = $1 for update", key_id)
            await conn.execute(
                "delete from vault.keys k where k.key_id = $1 and k.erased_at is null "
                "and not exists (select 1 from vault.sealed s where s.key_id = $1)",
                key_id,
            )

    async def _live_key(self, conn: PoolConnectionProxy[Any], subject: str) -> tuple[UUID, bytes]:
        """The subject's live data key, created if missing; held `for share` against erasure."""
        for _ in range(2):
            row = await conn.fetchrow(
                "select key_id, wrapped_key from vault.keys "
                "where subject = $1 and erased_at is null for share",
                subject,
            )
            if row is not None:
                key_id: UUID = row["key_id"]
                return key_id, unwrap_key(self._kek, key_id, subject, row["wrapped_key"])
            key_id, data_key = uuid4(), new_data_key()
            inserted = await conn.fetchval(
                "insert into vault.keys (key_id, subject, wrapped_key) values ($1, $2, $3) "
                "on conflict (subject) where erased_at is null do nothing returning key_id",
                key_id,
                subject,
                wrap_key(self._kek, key_id, subject, data_key),
            )
            if inserted is not None:
                return key_id, data_key
        raise RuntimeError(f"could not obtain a data key for subject {subject!r}")


async def erase_in(conn: Any, subject: str) -> tuple[int, int]:
    """Destroy the subject's data key and delete their sealed rows, in the caller's
    transaction on `conn`; (keys destroyed, records deleted)."""
    erased = await conn.fetch(
        "update vault.keys set wrapped_key = null, erased_at = now() "
        "where subject = $1 and erased_at is null returning key_id",
        subject,
    )
    key_ids = [r["key_id"] for r in erased]
    if not key_ids:
        return 0, 0
    deleted = await conn.fetch(
        "delete from vault.sealed where key_id = any($1::uuid[]) returning ref", key_ids
    )
    log.info("subject erased from vault", keys=len(key_ids), records=len(deleted))
    return len(key_ids), len(deleted)
