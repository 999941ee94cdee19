"""Kafka clients built from settings (security, idempotence), and topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import murmur2
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from events.topology import Topology
from services.platform.settings import Settings


def common_kwargs(settings: Settings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.require_bootstrap(),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
    if settings.kafka_security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        kwargs["sasl_plain_password"] = password.get_secret_value() if password else None
    return kwargs


def producer(settings: Settings, **extra: Any) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **common_kwargs(settings),
        acks="all",
        enable_idempotence=settings.idempotent_producer,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=10_000,
        **extra,
    )


def consumer(settings: Settings, *topics: str, **extra: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        **common_kwargs(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **extra,
    )


def broker(settings: Settings) -> KafkaBroker:
    """A FastStream broker for the services' subscribers, built from the same settings as the
    aiokafka clients (bootstrap servers, TLS, SASL). It only reads: topics are created from the
    topology (`ensure_topics`), never by a subscriber with the broker's defaults. Nothing
    connects until `start()`."""
    kwargs = common_kwargs(settings)
    protocol = settings.kafka_security_protocol
    tls = kwargs.get("ssl_context")
    security: BaseSecurity | None = None
    if protocol.startswith("SASL"):
        sasl = {
            "PLAIN": SASLPlaintext,
            "SCRAM-SHA-256": SASLScram256,
            "SCRAM-SHA-512": SASLScram512,
        }[settings.kafka_sasl_mechanism]
        security = sasl(
            kwargs["sasl_plain_username"] or "",
            kwargs["sasl_plain_password"] or "",
            ssl_context=tls,
            use_ssl=protocol == "SASL_SSL",
        )
    elif protocol == "SSL":
        security = BaseSecurity(ssl_context=tls, use_ssl=True)
    return KafkaBroker(
        kwargs["bootstrap_servers"],
        security=security,
        consumer_only=True,
        logger=logging.getLogger("samskab.kafka"),
        log_level=logging.DEBUG,  # a line per batch is FastStream's access log, not ours
    )


def admin(settings: Settings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**common_kwargs(settings), request_timeout_ms=10_000)


async def stop_quietly(*clients: AIOKafkaProducer | AIOKafkaConsumer | AIOKafkaAdminClient) -> None:
    """Stop each client, whatever state its connection is in, without ending the caller.

    A client whose broker just went away may fail to stop, and aiokafka's consumer can even let
    the `CancelledError` of its own fetch task escape from `stop()`. Neither may end a service
    that is about to reconnect; a cancellation aimed at the caller itself is passed on.
    """
    for client in clients:
        try:
            with contextlib.suppress(Exception):
                if isinstance(client, AIOKafkaAdminClient):
                    await client.close()
                else:
                    await client.stop()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise


async def partitions_of(settings: Settings, topics: list[str]) -> dict[str, list[int]]:
    """Each topic's partition ids as the cluster reports them now, asked with a fresh admin
    client (a topic that does not exist maps to none)."""
    client = admin(settings)
    await client.start()
    try:
        described = await client.describe_topics(topics)
    finally:
        await stop_quietly(client)
    found = {
        t["topic"]: sorted(p["partition"] for p in t["partitions"])
        for t in described
        if t["error_code"] == 0
    }
    return {topic: found.get(topic, []) for topic in topics}


@functools.lru_cache(maxsize=65536)
def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for `key` (murmur2, positive, modulo)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def ensure_topics(
    client: AIOKafkaAdminClient, topology: Topology, replication_factor: int = 1
) -> list[str]:
    """Create every declared topic that is missing; return the names created."""
    existing = set(await client.list_topics())
    missing = [t for t in topology.topics() if t.name not in existing]
    if not missing:
        return []
    try:
        await client.create_topics(
            [
                NewTopic(t.name, t.partitions, replication_factor, topic_configs=t.config)
                for t in missing
            ]
        )
    except TopicAlreadyExistsError:
        pass
    return [t.name for t in missing]
