"""Decider for a volunteer task (opgave): draft → published → cancelled / completed.

A task is published only after a staff member has attested that it comes on top of staff work.
Stream: `volunteer-task-{task_id}`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import assert_never
from uuid import UUID

from events.base import Actor, Event, Role
from events.volunteering import (
    Organizer,
    Place,
    TaskAttestedAsAdditional,
    TaskCancelled,
    TaskCompleted,
    TaskDrafted,
    TaskPublished,
    TaskRevised,
    Text,
)
from services.domain.volunteering.messages import Msg, VolunteeringRejected

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class TaskStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


@dataclass(frozen=True)
class DraftTask:
    task_id: UUID
    actor: Actor
    organizer: Organizer
    local_area: str
    core_task: str
    title: Text
    description: Text
    work: Text
    provided: Text
    place: Place
    minimum_age: int
    accessibility: Text
    signup_closes_minutes_before: int = 24 * 60


@dataclass(frozen=True)
class ReviseTask:
    """Change the fields given; None leaves a field as it is."""

    task_id: UUID
    actor: Actor
    organizer: Organizer | None = None
    local_area: str | None = None
    core_task: str | None = None
    title: Text | None = None
    description: Text | None = None
    work: Text | None = None
    provided: Text | None = None
    place: Place | None = None
    minimum_age: int | None = None
    accessibility: Text | None = None
    signup_closes_minutes_before: int | None = None


@dataclass(frozen=True)
class AttestTaskAsAdditional:
    task_id: UUID
    actor: Actor
    statement: str = ""


@dataclass(frozen=True)
class PublishTask:
    task_id: UUID
    actor: Actor


@dataclass(frozen=True)
class CancelTask:
    task_id: UUID
    actor: Actor
    reason: str = ""


@dataclass(frozen=True)
class CompleteTask:
    task_id: UUID
    actor: Actor


TaskCommand = (
    DraftTask | ReviseTask | AttestTaskAsAdditional | PublishTask | CancelTask | CompleteTask
)


@dataclass(frozen=True)
class TaskState:
    task_id: UUID | None = None
    status: TaskStatus = TaskStatus.NONE
    drafted_by: str = ""
    managers: frozenset[str] = frozenset()
    organizer: Organizer | None = None
    local_area: str = ""
    core_task: str = ""
    title: Text | None = None
    description: Text | None = None
    work: Text | None = None
    provided: Text | None = None
    place: Place | None = None
    minimum_age: int = 0
    accessibility: Text | None = None
    signup_closes_minutes_before: int = 0
    attested_by: str | None = None


TASK_INITIAL = TaskState()

_REVISABLE = (
    "organizer",
    "local_area",
    "core_task",
    "title",
    "description",
    "work",
    "provided",
    "place",
    "minimum_age",
    "accessibility",
    "signup_closes_minutes_before",
)
_REQUIRED_TEXTS = ("title", "description", "work")


def may_manage(task: TaskState, actor: Actor) -> bool:
    """Staff and administrators manage every task; the organizer's managers manage their own."""
    return actor.role in STAFF_ROLES or actor.subject in task.managers


def decide_task(command: TaskCommand, state: TaskState) -> list[Event]:
    match command:
        case DraftTask():
            if state.status is not TaskStatus.NONE:
                raise VolunteeringRejected(Msg.TASK_EXISTS)
            _check_details(command)
            return [
                TaskDrafted(
                    task_id=command.task_id,
                    organizer=command.organizer,
                    local_area=command.local_area,
                    core_task=command.core_task,
                    title=command.title,
                    description=command.description,
                    work=command.work,
                    provided=command.provided,
                    place=command.place,
                    minimum_age=command.minimum_age,
                    accessibility=command.accessibility,
                    signup_closes_minutes_before=command.signup_closes_minutes_before,
                    drafted_by=command.actor.subject,
                )
            ]
        case ReviseTask():
            _require_open_and_managed(state, command.actor)
            _check_details(command)
            changes = {
                name: getattr(command, name)
                for name in _REVISABLE
                if getattr(command, name) is not None
                and getattr(command, name) != getattr(state, name)
            }
            if "work" in changes and state.status is TaskStatus.PUBLISHED:
                raise VolunteeringRejected(Msg.WORK_LOCKED)
            if not changes:
                return []
            return [TaskRevised(task_id=command.task_id, **changes)]
        case AttestTaskAsAdditional():
            _require_exists(state)
            if command.actor.role not in STAFF_ROLES:
                raise VolunteeringRejected(Msg.STAFF_ONLY)
            if state.status is not TaskStatus.DRAFT:
                raise VolunteeringRejected(Msg.TASK_NOT_DRAFT)
            return [
                TaskAttestedAsAdditional(
                    task_id=command.task_id,
                    attested_by=command.actor.subject,
                    statement=command.statement,
                )
            ]
        case PublishTask():
            _require_open_and_managed(state, command.actor)
            if state.status is not TaskStatus.DRAFT:
                raise VolunteeringRejected(Msg.TASK_NOT_DRAFT)
            if state.attested_by is None:
                raise VolunteeringRejected(Msg.TASK_NOT_ATTESTED)
            return [TaskPublished(task_id=command.task_id)]
        case CancelTask():
            _require_open_and_managed(state, command.actor)
            return [TaskCancelled(task_id=command.task_id, reason=command.reason)]
        case CompleteTask():
            _require_open_and_managed(state, command.actor)
            if state.status is not TaskStatus.PUBLISHED:
                raise VolunteeringRejected(Msg.TASK_NOT_PUBLISHED)
            return [TaskCompleted(task_id=command.task_id)]
        case _:
            assert_never(command)


def _require_exists(state: TaskState) -> None:
    if state.status is TaskStatus.NONE:
        raise VolunteeringRejected(Msg.TASK_NOT_FOUND)


def _require_open_and_managed(state: TaskState, actor: Actor) -> None:
    _require_exists(state)
    if not may_manage(state, actor):
        raise VolunteeringRejected(Msg.NOT_ORGANIZER)
    if state.status in (TaskStatus.CANCELLED, TaskStatus.COMPLETED):
        raise VolunteeringRejected(Msg.TASK_CLOSED)


def _check_details(command: DraftTask | ReviseTask) -> None:
    for name in _REQUIRED_TEXTS:
        text: Text | None = getattr(command, name)
        if text is not None and not (text.da.strip() and text.en.strip()):
            raise VolunteeringRejected(Msg.FIELD_REQUIRED, field=name)
    for name in ("local_area", "core_task"):
        value: str | None = getattr(command, name)
        if value is not None and not value.strip():
            raise VolunteeringRejected(Msg.FIELD_REQUIRED, field=name)
    if command.minimum_age is not None and not 0 <= command.minimum_age <= 120:
        raise VolunteeringRejected(Msg.MINIMUM_AGE_INVALID)
    closes = command.signup_closes_minutes_before
    if closes is not None and closes < 0:
        raise VolunteeringRejected(Msg.FIELD_REQUIRED, field="signup_closes_minutes_before")


def evolve_task(state: TaskState, event: Event) -> TaskState:
    match event:
        case TaskDrafted():
            return TaskState(
                task_id=event.task_id,
                status=TaskStatus.DRAFT,
                drafted_by=event.drafted_by,
                managers=frozenset((event.drafted_by, *event.organizer.managers)),
                organizer=event.organizer,
                local_area=event.local_area,
                core_task=event.core_task,
                title=event.title,
                description=event.description,
                work=event.work,
                provided=event.provided,
                place=event.place,
                minimum_age=event.minimum_age,
                accessibility=event.accessibility,
                signup_closes_minutes_before=event.signup_closes_minutes_before,
            )
        case TaskRevised():
            changed = {n: getattr(event, n) for n in _REVISABLE if getattr(event, n) is not None}
            if event.organizer is not None:
                changed["managers"] = frozenset((state.drafted_by, *event.organizer.managers))
            if event.work is not None:
                changed["attested_by"] = None
            return replace(state, **changed)
        case TaskAttestedAsAdditional():
            return replace(state, attested_by=event.attested_by)
        case TaskPublished():
            return replace(state, status=TaskStatus.PUBLISHED)
        case TaskCancelled():
            return replace(state, status=TaskStatus.CANCELLED)
        case TaskCompleted():
            return replace(state, status=TaskStatus.COMPLETED)
        case _:
            return state
