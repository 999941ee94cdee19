"""Old (v1) events on the topic still replay into today's read models, upcast on read."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import asyncpg

from events.base import Actor, Event, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from events.envelope import GENESIS_HASH, Envelope
from events.kafka import to_record
from events.registry import encode
from projections.catalog import PROJECTIONS
from services.audit.replay import replay
from services.platform.kafka import clients
from services.platform.settings import Settings

ACTOR = Actor(subject="p-old", role=Role.CITIZEN)


def seal(seq: int, prev: str, stream: str, type_: str, version: int, data: dict) -> Envelope:
    unsealed = Envelope(
        event_id=uuid4(),
        type=type_,
        version=version,
        stream_id=stream,
        stream_version=1 if type_ != "ProposalWithdrawn" else 2,
        seq=seq,
        occurred_at=datetime.now(UTC),
        actor=ACTOR,
        correlation_id=uuid4(),
        topic="budgeting",
        key=data["process_id"],
        data=data,
        prev_hash=prev,
        hash="",
    )
    return unsealed.model_copy(update={"hash": unsealed.expected_hash()})


async def test_a_v1_withdrawal_on_the_topic_replays_into_todays_read_models(
    settings: Settings,
) -> None:
    pid, prop = uuid4(), uuid4()
    today: list[tuple[str, Event]] = [
        (f"process-{pid}", ProcessCreated(process_id=pid, title="B", municipality="Hedensted")),
        (
            f"proposal-{prop}",
            ProposalSubmitted(
                process_id=pid,
                proposal_id=prop,
                title="Bænke",
                description="",
                estimated_cost_ore=100,
                local_area="Tørring",
                core_task="Læring",
                author="p-old",
            ),
        ),
    ]
    envelopes, prev = [], GENESIS_HASH
    for seq, (stream, event) in enumerate(today, start=1):
        envelopes.append(seal(seq, prev, stream, event.type_name, event.version, encode(event)))
        prev = envelopes[-1].hash
    v1 = {"process_id": str(pid), "proposal_id": str(prop), "reason": "dublet"}  # as written then
    envelopes.append(seal(3, prev, f"proposal-{prop}", "ProposalWithdrawn", 1, v1))
    admin = clients.admin(settings)
    await admin.start()
    await clients.ensure_topics(admin, settings.topology)
    await admin.close()
    producer = clients.producer(settings)
    await producer.start()
    try:
        for env in envelopes:
            key, value, headers = to_record(env)
            await producer.send_and_wait(
                settings.topology.events_topic("budgeting"),
                value=value,
                key=key,
                headers=headers,
                partition=0,
            )
    finally:
        await producer.stop()

    proposals = await replay(settings, PROJECTIONS["proposals"], name="old_proposals")
    audit = await replay(settings, PROJECTIONS["audit"], name="old_audit")

    assert proposals.events == 3 and audit.events == 3
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        status = await conn.fetchval("select status from old_proposals.proposals")
        entry = await conn.fetchrow(
            "select version, summary_en from old_audit.entries where seq = 3"
        )
    finally:
        await conn.close()
    assert status == "withdrawn"
    assert entry is not None and entry["version"] == 1
    assert entry["summary_en"].startswith("Proposal withdrawn")
