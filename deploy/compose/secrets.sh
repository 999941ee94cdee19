#!/bin/sh
# Create the secret files compose.yaml mounts, with fresh random values; never overwrites.
# Keep ./secrets out of version control and back it up: losing the pseudonym key makes
# existing pseudonyms unmatchable; losing the signing key only invalidates issued tokens.
set -eu
cd "$(dirname "$0")"
# The folder is the operator's alone (0700); the files are world-readable (0644) because
# Compose bind-mounts them as they are and the containers run as non-root users (the
# application as uid 10001, PostgreSQL as its own), which must read them.
umask 077
mkdir -p secrets
chmod 700 secrets
random() { head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
create() {
    if [ -e "secrets/$1" ]; then echo "kept    secrets/$1"; return; fi
    printf '%s' "$2" > "secrets/$1"
    chmod 644 "secrets/$1"
    echo "created secrets/$1"
}
create signing_key "$(random)"
create pseudonym_key "$(random)"
create kafka_password "$(random)"
if [ ! -e secrets/postgres_password ]; then
    create postgres_password "$(random)"
fi
create database_url "postgresql://samskab:$(cat secrets/postgres_password)@postgres:5432/samskab"
# The Ed25519 key the checkpoints service signs the chain's head with (PKCS#8 PEM). Give
# auditors its public half (`openssl pkey -in secrets/checkpoint_key -pubout`).
if [ -e secrets/checkpoint_key ]; then
    echo "kept    secrets/checkpoint_key"
else
    openssl genpkey -algorithm ed25519 -out secrets/checkpoint_key
    chmod 644 secrets/checkpoint_key
    echo "created secrets/checkpoint_key"
fi
if [ ! -e .env ]; then
    # One id for the life of the Kafka cluster (base64 of 16 random bytes, URL-safe, no padding).
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    echo "KAFKA_CLUSTER_ID=$id" > .env
    echo "created .env (KAFKA_CLUSTER_ID)"
fi
