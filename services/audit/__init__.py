"""Audit tooling: verify the hash chain and the Kafka copy, export the trail for third parties."""
