"""Who may call the volunteering routes, refused in the caller's language (da/en).

Roles: a citizen signs up and organizes tasks they manage; staff and administrators manage every
task; an auditor reads everything and changes nothing. A wrong role is a 403 that says so in
Danish or English (by `Accept-Language`), as a CommandRejected so the app answers it like every
other refusal; a missing or invalid token is a 401.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from events.base import Role
from services.api.lang import choose_language
from services.auth import InvalidToken, Principal, verify_token
from services.domain.errors import CommandRejected, RejectionKind

ROLE_NAMES = {
    Role.CITIZEN: ("medborger", "citizen"),
    Role.STAFF: ("medarbejder", "staff"),
    Role.ADMIN: ("administrator", "administrator"),
    Role.AUDITOR: ("revisor", "auditor"),
}


def language(header: str | None) -> str:
    """'da' or 'en' from `Accept-Language` (Danish by default), as the app's refusals choose."""
    return choose_language(header)


class EdgeRefusal(CommandRejected):
    """A refusal decided at the edge (not by a decider), with a code and both languages."""

    def __init__(self, kind: RejectionKind, code: str, da: str, en: str) -> None:
        super().__init__(kind, en, texts={"da": da, "en": en})
        self.code = code


def refusal(kind: RejectionKind, code: str, da: str, en: str) -> EdgeRefusal:
    return EdgeRefusal(kind, code, da, en)


def wrong_role(role: Role, allowed: tuple[Role, ...]) -> EdgeRefusal:
    da_who = ", ".join(ROLE_NAMES[r][0] for r in allowed)
    en_who = ", ".join(ROLE_NAMES[r][1] for r in allowed)
    if role is Role.AUDITOR:
        return refusal(
            RejectionKind.FORBIDDEN,
            "read_only_role",
            "En revisor kan læse alt, men ikke ændre noget.",
            "An auditor reads everything and changes nothing.",
        )
    return refusal(
        RejectionKind.FORBIDDEN,
        "wrong_role",
        f"Rollen {ROLE_NAMES[role][0]} må ikke gøre dette (det må: {da_who}).",
        f"The role {ROLE_NAMES[role][1]} may not do this ({en_who} may).",
    )


def principal_of(request: Request, authorization: str | None) -> Principal | None:
    """The caller, None without a token; a 401 in the caller's language for a bad token."""
    if not authorization:
        return None
    lang = language(request.headers.get("accept-language"))
    if not authorization.lower().startswith("bearer "):
        raise _unauthorized(lang, "a bearer token is required", "der kræves et bearer-token")
    try:
        return verify_token(request.app.state.keys, authorization[7:].strip())
    except InvalidToken as exc:
        raise _unauthorized(lang, str(exc), f"ugyldigt token ({exc})") from exc


def _unauthorized(lang: str, en: str, da: str) -> HTTPException:
    return HTTPException(401, da if lang == "da" else en, headers={"WWW-Authenticate": "Bearer"})


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def dependency(request: Request, authorization: str | None = Header(None)) -> Principal:
        principal = principal_of(request, authorization)
        if principal is None:
            lang = language(request.headers.get("accept-language"))
            raise _unauthorized(lang, "a bearer token is required", "der kræves et bearer-token")
        if principal.role not in roles:
            raise wrong_role(principal.role, roles)
        return principal

    return dependency


async def optional_principal(
    request: Request, authorization: str | None = Header(None)
) -> Principal | None:
    return principal_of(request, authorization)


# Citizens, staff and administrators may act (the decider checks who manages which task).
Actor = Annotated[Principal, Depends(require(Role.CITIZEN, Role.STAFF, Role.ADMIN))]
Citizen = Annotated[Principal, Depends(require(Role.CITIZEN))]
Reader = Annotated[Principal, Depends(require(Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR))]
Reporter = Annotated[Principal, Depends(require(Role.STAFF, Role.ADMIN, Role.AUDITOR))]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
