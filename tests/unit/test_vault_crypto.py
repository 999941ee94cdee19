"""The vault's crypto, without a database: sealed data is unreadable without its key."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.auth import Keys
from services.personal_data import (
    REF_PREFIX,
    VaultCorrupted,
    decrypt,
    encrypt,
    master_key_from,
    new_data_key,
    parse_ref,
    unwrap_key,
    wrap_key,
)

CONTACT = {"name": "Birthe Holm", "phone": "+45 20 30 40 50", "email": "birthe@example.dk"}


def test_sealed_contact_details_open_with_their_key_and_reference() -> None:
    key, ref, key_id = new_data_key(), uuid4(), uuid4()
    nonce, ciphertext = encrypt(key, ref, key_id, CONTACT)
    assert decrypt(key, ref, key_id, nonce, ciphertext) == CONTACT


def test_the_ciphertext_contains_none_of_the_personal_data() -> None:
    _nonce, ciphertext = encrypt(new_data_key(), uuid4(), uuid4(), CONTACT)
    for value in CONTACT.values():
        assert value.encode() not in ciphertext
        assert value.split()[0].encode() not in ciphertext


def test_sealed_data_cannot_be_opened_with_another_key() -> None:
    ref, key_id = uuid4(), uuid4()
    nonce, ciphertext = encrypt(new_data_key(), ref, key_id, CONTACT)
    with pytest.raises(VaultCorrupted):
        decrypt(new_data_key(), ref, key_id, nonce, ciphertext)


def test_a_ciphertext_moved_to_another_reference_does_not_open() -> None:
    key, key_id = new_data_key(), uuid4()
    nonce, ciphertext = encrypt(key, uuid4(), key_id, CONTACT)
    with pytest.raises(VaultCorrupted):
        decrypt(key, uuid4(), key_id, nonce, ciphertext)


def test_a_tampered_ciphertext_does_not_open() -> None:
    key, ref, key_id = new_data_key(), uuid4(), uuid4()
    nonce, ciphertext = encrypt(key, ref, key_id, CONTACT)
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    with pytest.raises(VaultCorrupted):
        decrypt(key, ref, key_id, nonce, tampered)


def test_a_wrapped_data_key_unwraps_only_with_the_same_master_key_and_subject() -> None:
    master = master_key_from(Keys(signing=b"s" * 32, pseudonym=b"p" * 32))
    other = master_key_from(Keys(signing=b"s" * 32, pseudonym=b"q" * 32))
    key_id, data_key = uuid4(), new_data_key()
    wrapped = wrap_key(master, key_id, "pseudonym-a", data_key)
    assert data_key not in wrapped
    assert unwrap_key(master, key_id, "pseudonym-a", wrapped) == data_key
    with pytest.raises(VaultCorrupted):
        unwrap_key(other, key_id, "pseudonym-a", wrapped)
    with pytest.raises(VaultCorrupted):
        unwrap_key(master, key_id, "pseudonym-b", wrapped)


def test_the_master_key_is_derived_and_differs_from_the_pseudonym_key() -> None:
    keys = Keys(signing=b"s" * 32, pseudonym=b"p" * 32)
    master = master_key_from(keys)
    assert len(master) == 32
    assert master != keys.pseudonym
    assert master == master_key_from(keys)


def test_only_vault_references_parse() -> None:
    ref = uuid4()
    assert parse_ref(f"{REF_PREFIX}{ref}") == ref
    assert parse_ref(str(ref)) is None
    assert parse_ref(f"{REF_PREFIX}not-a-uuid") is None
