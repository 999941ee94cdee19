"""What every route of every context shares: who the caller is and whether their role may call
it, the version a change was decided against (`If-Match`), the correlation id, the event store
and the pool, and what a command answers. Refusals are `Refused`, answered as every other
refusal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID, uuid4

import asyncpg
from fastapi import Depends, Header, Request
from pydantic import BaseModel

from events.base import Actor, Role
from services.api.refusals import Refused
from services.application.commands import Meta
from services.auth import InvalidToken, Principal, TokenExpired, verify_token
from services.store.eventstore import EventStore
from services.texts.request import RequestMsg

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Recorded(BaseModel):
    """What a command answers: the stream's id and its version after the command."""

    id: UUID
    version: int


def store(request: Request) -> EventStore:
    found: EventStore = request.app.state.store
    return found


def pool(request: Request) -> asyncpg.Pool[Any]:
    """The API's connection pool, for the read models' queries."""
    found: asyncpg.Pool[Any] = request.app.state.pool
    return found


def principal_of(request: Request, authorization: str | None) -> Principal | None:
    """The caller, None without a token; a 401 for a token that is not one of ours."""
    if not authorization:
        return None
    if not authorization.lower().startswith("bearer "):
        raise Refused(RequestMsg.TOKEN_REQUIRED, headers=_CHALLENGE)
    try:
        return verify_token(request.app.state.keys, authorization[7:].strip())
    except TokenExpired as exc:
        raise Refused(RequestMsg.TOKEN_EXPIRED, headers=_CHALLENGE) from exc
    except InvalidToken as exc:
        raise Refused(RequestMsg.TOKEN_INVALID, headers=_CHALLENGE) from exc


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, when their role is one of `roles`; else a 401 or 403."""

    async def dependency(request: Request, authorization: str | None = Header(None)) -> Principal:
        principal = principal_of(request, authorization)
        if principal is None:
            raise Refused(RequestMsg.TOKEN_REQUIRED, headers=_CHALLENGE)
        if principal.role not in roles:
            if principal.role is Role.AUDITOR:
                raise Refused(RequestMsg.READ_ONLY_ROLE)
            allowed = ",".join(r.value for r in roles)
            raise Refused(RequestMsg.WRONG_ROLE, role=principal.role.value, roles=allowed)
        return principal

    return dependency


async def optional_principal(
    request: Request, authorization: str | None = Header(None)
) -> Principal | None:
    return principal_of(request, authorization)


def meta_for(principal: Principal, correlation: str | None) -> Meta:
    try:
        correlation_id = UUID(correlation) if correlation else uuid4()
    except ValueError as exc:
        raise Refused(RequestMsg.CORRELATION_ID_INVALID) from exc
    return Meta(
        actor=Actor(subject=principal.subject, role=principal.role), correlation_id=correlation_id
    )


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description="The version the change was decided against (as the stream's `version` "
            "was read): a stale one is refused with 409 `stale_version`"
        ),
    ] = None,
) -> int | None:
    """The version in `If-Match` (`3`, `"3"` or `W/"3"`), None without one."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise Refused(RequestMsg.IF_MATCH_INVALID) from None


Citizen = Annotated[Principal, Depends(require(Role.CITIZEN))]
Staff = Annotated[Principal, Depends(require(Role.STAFF, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]
Writer = Annotated[Principal, Depends(require(Role.CITIZEN, Role.STAFF, Role.ADMIN))]
"""Anyone who may change something (a decider says what; an auditor changes nothing)."""
Reader = Annotated[Principal, Depends(require(Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR))]
Overseer = Annotated[Principal, Depends(require(Role.STAFF, Role.ADMIN, Role.AUDITOR))]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-ID")]
IfMatch = Annotated[int | None, Depends(expected_version)]
Store = Annotated[EventStore, Depends(store)]


@dataclass(frozen=True)
class Call:
    """A command's call as its route needs it: the request, the caller (their role allowed) and
    the correlation id they sent, checked by `meta()` when the command is about to run."""

    request: Request
    principal: Principal
    correlation: str | None

    @property
    def store(self) -> EventStore:
        return store(self.request)

    @property
    def actor(self) -> Actor:
        return Actor(subject=self.principal.subject, role=self.principal.role)

    def meta(self) -> Meta:
        return meta_for(self.principal, self.correlation)


def calling(*roles: Role) -> Callable[..., Coroutine[Any, Any, Call]]:
    """A dependency: the call, when the caller's role is one of `roles`; else a 401 or 403."""
    caller = require(*roles)

    async def dependency(
        request: Request,
        authorization: str | None = Header(None),
        x_correlation_id: CorrelationId = None,
    ) -> Call:
        return Call(request, await caller(request, authorization), x_correlation_id)

    return dependency


CitizenCall = Annotated[Call, Depends(calling(Role.CITIZEN))]
StaffCall = Annotated[Call, Depends(calling(Role.STAFF, Role.ADMIN))]
AdminCall = Annotated[Call, Depends(calling(Role.ADMIN))]
WriterCall = Annotated[Call, Depends(calling(Role.CITIZEN, Role.STAFF, Role.ADMIN))]
"""A command route's call, by who may make it (as `Citizen`, `Staff`, `Admin`, `Writer`)."""
