"""Privacy events: what the municipality did to honour a data subject's rights.

`SubjectErased` records an erasure (GDPR art. 17): the subject's personal-data key was destroyed,
so everything sealed under it reads as erased from then on. It names the subject only by the
keyed pseudonym the other events already use — never by name.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from events.base import Event

TOPIC = "privacy"


class SubjectErased(Event):
    type_name: ClassVar[str] = "SubjectErased"
    topic: ClassVar[str] = TOPIC

    subject: str = Field(description="Keyed pseudonym of the erased subject; never a name")
    keys_destroyed: int = Field(ge=0, description="Personal-data keys destroyed (0 or 1)")
    records_destroyed: int = Field(ge=0, description="Sealed personal-data records deleted")

    def partition_key(self) -> str:
        return self.subject


EVENTS: tuple[type[Event], ...] = (SubjectErased,)
