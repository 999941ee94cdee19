"""One body for every refusal (4xx) and for 503, the request body limit, and an OpenAPI
document that says which of those each operation can answer.

A refusal never repeats what the request held: a 422 names the fields and the problem, not the
values (they may be personal data, or text that cannot even be encoded).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from services.store.eventstore import Unstorable

log = structlog.get_logger("api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ERRORS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}


class FieldProblem(BaseModel):
    field: str
    problem: str


class Refusal(BaseModel):
    """What every refused request answers (and 503)."""

    error: str
    detail: str
    code: str | None = None
    current_version: int | None = None
    fields: list[FieldProblem] | None = None


def _clean(text: str) -> str:
    """`text` as it can be sent: no lone surrogates, no NUL."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def refusal(status: int, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": ERRORS.get(status, f"http_{status}"), "detail": _clean(detail)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status)


def field_name(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """`("body", "budgets", 0, "amount")` → `budgets[0].amount`; `("query", "status")` →
    `query.status`."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return _clean(name or "body")


def invalid(problems: list[FieldProblem]) -> JSONResponse:
    named = "; ".join(f"{p.field}: {p.problem}" for p in problems[:5])
    return refusal(
        422, f"the request is not valid: {named}", fields=[p.model_dump() for p in problems]
    )


def error_field(error: Any) -> str:
    """The field a pydantic error is about (a check of a whole body names it in `ctx`)."""
    loc = list(error.get("loc", ()))
    field = (error.get("ctx") or {}).get("field")
    if isinstance(field, str):
        loc.append(field)
    return field_name(loc)


def _problem(error: Any) -> FieldProblem:
    message = str(error.get("msg", "not valid"))
    message = message.removeprefix("Value error, ")
    return FieldProblem(field=error_field(error), problem=_clean(message))


def install(app: FastAPI, max_body_bytes: int) -> None:
    """The refusal handlers, the body limit and the OpenAPI post-processing, on `app`."""

    @app.exception_handler(RequestValidationError)
    async def not_valid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid([_problem(e) for e in exc.errors()])

    @app.exception_handler(HTTPException)
    async def http_refusal(_: Request, exc: HTTPException) -> JSONResponse:
        response = refusal(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Unstorable)
    async def unstorable(_: Request, exc: Unstorable) -> JSONResponse:
        return invalid([FieldProblem(field=_clean(exc.field), problem=exc.problem)])

    @app.exception_handler(asyncpg.DataError)
    async def data_refused(_: Request, exc: asyncpg.DataError) -> JSONResponse:
        log.warning("request value refused by the database", error=type(exc).__name__)
        return refusal(422, "a value in the request cannot be stored or searched as given")

    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.openapi = lambda: document(app)  # type: ignore[method-assign]


class BodyLimit:
    """Refuse (413) a request body over `max_bytes` before it is read: at once when its
    Content-Length says so, else as soon as the bytes received pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = refusal(
            413, f"the request body is larger than the limit of {self.max_bytes} bytes"
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await too_large(scope, receive, send)
                    return
        received = 0
        exceeded = started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app's answer to a body it could not read in full
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            pass
        if exceeded and not started:
            await too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


def _codes(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The refusals an operation can answer."""
    params = operation.get("parameters", [])
    codes = {503}
    headers = {p.get("name", "").lower() for p in params if p.get("in") == "header"}
    if "authorization" in headers:
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    if params or "requestBody" in operation:
        codes.add(422)
    if "requestBody" in operation:
        codes |= {400, 413, 422}
    if method in ("post", "put", "patch", "delete"):
        codes |= {404, 409, 422}
    return codes


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the refusal body and the codes each operation answers."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Refusal"] = Refusal.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schemas["Refusal"].pop("$defs", {})
    schemas.update(defs)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in sorted(_codes(path, method, operation)):
                described = responses.get(str(code), {})
                description = described.get("description") or ERRORS[code].replace("_", " ")
                responses[str(code)] = {"description": description, **ref}
    app.openapi_schema = spec
    return spec
