"""The personal-data vault on the real PostgreSQL: seal, open, erase."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from services.auth import Keys
from services.personal_data import Vault, master_key_from
from services.platform import db

CONTACT = {"name": "Birthe Holm", "phone": "+45 20 30 40 50", "email": "birthe@example.dk"}


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool[Any]]:
    p = await db.create_pool(database, max_size=4)
    yield p
    await p.close()


@pytest.fixture
def vault(pool: asyncpg.Pool[Any]) -> Vault:
    return Vault(pool, master_key_from(Keys(signing=b"s" * 32, pseudonym=b"p" * 32)))


def subject() -> str:
    return secrets.token_hex(16)


async def test_sealed_contact_details_open_by_their_reference(vault: Vault) -> None:
    ref = await vault.seal(subject(), CONTACT)
    assert await vault.open(ref) == CONTACT


async def test_the_database_holds_no_personal_data_in_clear(
    vault: Vault, pool: asyncpg.Pool[Any]
) -> None:
    await vault.seal(subject(), CONTACT)
    dump = b"".join(
        bytes(r["nonce"]) + bytes(r["ciphertext"])
        for r in await pool.fetch("select nonce, ciphertext from vault.sealed")
    ) + b"".join(bytes(r["wrapped_key"]) for r in await pool.fetch("select * from vault.keys"))
    for value in CONTACT.values():
        assert value.encode() not in dump


async def test_one_subject_has_one_key_for_all_its_records(
    vault: Vault, pool: asyncpg.Pool[Any]
) -> None:
    who = subject()
    refs = [await vault.seal(who, {**CONTACT, "n": i}) for i in range(3)]
    assert await pool.fetchval("select count(*) from vault.keys where subject = $1", who) == 1
    opened = await vault.open_many(refs)
    assert [opened[r]["n"] for r in refs] == [0, 1, 2]  # type: ignore[index]


async def test_another_master_key_cannot_open_the_data(
    vault: Vault, pool: asyncpg.Pool[Any]
) -> None:
    ref = await vault.seal(subject(), CONTACT)
    intruder = Vault(pool, master_key_from(Keys(signing=b"s" * 32, pseudonym=b"x" * 32)))
    with pytest.raises(Exception, match="does not authenticate"):
        await intruder.open(ref)


async def test_erasure_makes_every_record_of_the_subject_unrecoverable(
    vault: Vault, pool: asyncpg.Pool[Any]
) -> None:
    who, bystander = subject(), subject()
    refs = [await vault.seal(who, CONTACT) for _ in range(2)]
    kept = await vault.seal(bystander, CONTACT)
    assert await vault.erase(who) is True
    assert await vault.open_many(refs) == {refs[0]: None, refs[1]: None}
    assert await vault.open(kept) == CONTACT
    key = await pool.fetchrow(
        "select wrapped_key, erased_at from vault.keys where subject = $1", who
    )
    assert key is not None and key["wrapped_key"] is None and key["erased_at"] is not None
    assert await vault.erase(who) is False


async def test_a_subject_who_returns_after_erasure_gets_a_new_key(vault: Vault) -> None:
    who = subject()
    old = await vault.seal(who, CONTACT)
    await vault.erase(who)
    new = await vault.seal(who, {"name": "B. Holm"})
    assert await vault.open(old) is None
    assert await vault.open(new) == {"name": "B. Holm"}


async def test_unknown_and_foreign_references_open_to_nothing(vault: Vault) -> None:
    assert await vault.open("vault:v1:00000000-0000-0000-0000-000000000000") is None
    assert await vault.open("not a reference") is None


async def test_a_discarded_record_is_gone(vault: Vault) -> None:
    ref = await vault.seal(subject(), CONTACT)
    await vault.discard(ref)
    assert await vault.open(ref) is None


async def test_discarding_a_subject_s_only_record_leaves_no_key_and_another_keeps_it(
    vault: Vault, pool: asyncpg.Pool[Any]
) -> None:
    alone, kept = subject(), subject()
    await vault.discard(await vault.seal(alone, CONTACT))
    first = await vault.seal(kept, CONTACT)
    await vault.discard(await vault.seal(kept, CONTACT))
    keys = await pool.fetch("select subject from vault.keys where subject = any($1)", [alone, kept])
    assert [r["subject"] for r in keys] == [kept]
    assert await vault.open(first) == CONTACT
