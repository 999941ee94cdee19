"""The one declared topology: every topic, its partitions, key and retention.

The relay and `samskab topics ensure` create topics from here, and `deploy/` is checked
against it. Event topics keep every record forever (retention.ms = -1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from events.budgeting import TOPIC as BUDGETING
from events.privacy import TOPIC as PRIVACY
from events.volunteering import TOPIC as VOLUNTEERING

PROJECTIONS = (
    "proposals",
    "volunteering",
    "audit",
    "processes",
    "ballots",
    "ledger",
    "participation",
    "feed",
    "tallies",
)
# What the public feed republishes to, by logical topic (`<prefix>.public.v1.<logical>`).
PUBLIC = (BUDGETING, VOLUNTEERING)
# The public topic of the signed chain checkpoints (`<prefix>.public.v1.checkpoints`).
CHECKPOINTS = "checkpoints"


class TopicKind(StrEnum):
    EVENTS = "events"
    DEAD_LETTER = "dead-letter"
    PUBLIC = "public"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    kind: TopicKind
    partitions: int
    key: str
    config: dict[str, str] = field(default_factory=dict)


FOREVER = {"retention.ms": "-1", "cleanup.policy": "delete"}


@dataclass(frozen=True)
class Topology:
    """Topic names for one deployment; `prefix` separates deployments sharing a cluster."""

    prefix: str = "samskab"
    partitions: int = 6

    def events_topic(self, logical: str) -> str:
        return f"{self.prefix}.{logical}.v1"

    def dead_letter_topic(self, projection: str) -> str:
        return f"{self.prefix}.dlq.{projection}"

    def public_topic(self, logical: str) -> str:
        return f"{self.prefix}.public.v1.{logical}"

    def logical_of(self, topic_name: str) -> str:
        return topic_name.removeprefix(f"{self.prefix}.").removesuffix(".v1")

    def topics(self) -> list[TopicSpec]:
        specs = [
            TopicSpec(
                self.events_topic(BUDGETING),
                TopicKind.EVENTS,
                self.partitions,
                "process id",
                dict(FOREVER),
            ),
            TopicSpec(
                self.events_topic(VOLUNTEERING),
                TopicKind.EVENTS,
                self.partitions,
                "task id",
                dict(FOREVER),
            ),
            TopicSpec(
                self.events_topic(PRIVACY),
                TopicKind.EVENTS,
                self.partitions,
                "subject pseudonym",
                dict(FOREVER),
            ),
        ]
        specs += [
            TopicSpec(self.public_topic(t), TopicKind.PUBLIC, self.partitions, key, dict(FOREVER))
            for t, key in zip(PUBLIC, ("process id", "task id"), strict=True)
        ]
        specs.append(
            TopicSpec(
                self.public_topic(CHECKPOINTS), TopicKind.PUBLIC, 1, "signing key id", dict(FOREVER)
            )
        )
        specs += [
            TopicSpec(
                self.dead_letter_topic(p), TopicKind.DEAD_LETTER, 1, "original key", dict(FOREVER)
            )
            for p in PROJECTIONS
        ]
        return specs

    def event_topics(self) -> list[str]:
        return [t.name for t in self.topics() if t.kind is TopicKind.EVENTS]
