"""Request dependencies: the caller's identity and role, checked against the route's roles."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import Depends, Header, HTTPException, Request

from events.base import Actor, Role
from services.application.commands import Meta
from services.auth import InvalidToken, Principal, verify_token


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(request: Request, authorization: str | None = Header(None)) -> Principal:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(
                401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            principal = verify_token(request.app.state.keys, authorization[7:].strip())
        except InvalidToken as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"role {principal.role.value} may not do this ({allowed} may)")
        return principal

    return dependency


def meta_for(principal: Principal, correlation: str | None) -> Meta:
    try:
        correlation_id = UUID(correlation) if correlation else uuid4()
    except ValueError as exc:
        raise HTTPException(422, "X-Correlation-ID must be a UUID") from exc
    return Meta(
        actor=Actor(subject=principal.subject, role=principal.role), correlation_id=correlation_id
    )


Citizen = Annotated[Principal, Depends(require(Role.CITIZEN))]
Staff = Annotated[Principal, Depends(require(Role.STAFF, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-ID")]
IfMatch = Annotated[str | None, Header(description="The version the change was decided against")]
