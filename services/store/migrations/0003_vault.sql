-- The personal-data vault (services/personal_data.py). Each subject (a keyed pseudonym) has one
-- random data key, stored only wrapped (AES-GCM) under the vault's key-encryption key. Personal
-- data is sealed with the subject's data key. Erasure sets `wrapped_key` to null and deletes the
-- sealed rows: the key is gone, so any copy of the ciphertext (a backup) stays unreadable.
create schema if not exists vault;

create table vault.keys (
    key_id      uuid primary key,
    subject     text not null,
    wrapped_key bytea,
    created_at  timestamptz not null default now(),
    erased_at   timestamptz,
    check ((wrapped_key is null) = (erased_at is not null))
);

-- One live key per subject; erased keys stay as tombstones.
create unique index keys_one_live_per_subject on vault.keys (subject) where erased_at is null;

create table vault.sealed (
    ref        uuid primary key,
    key_id     uuid not null references vault.keys (key_id),
    nonce      bytea not null,
    ciphertext bytea not null,
    sealed_at  timestamptz not null default now()
);

create index sealed_by_key on vault.sealed (key_id);
