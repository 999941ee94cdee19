"""One way to refuse, for every context: the `Refused` exception, one body for every refusal
(4xx) and for 503 in the caller's language, the request body limit, and an OpenAPI document that
says which of those each operation can answer.

The body is `{"error", "detail", "code"}` (and `fields` for a 422 about fields,
`current_version` for a stale version); `detail` is in Danish or English as `Accept-Language`
asks (Danish by default), and `Content-Language` says which. A refusal never repeats what the
request held: a 422 names the fields and the problem, not the values (they may be personal data,
or text that cannot even be encoded).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from services.api.field_words import field_detail
from services.api.lang import Lang, choose_language
from services.domain.errors import CommandRejected, Param, RejectionKind
from services.store.eventstore import ConcurrencyConflict, Unstorable, text_code
from services.texts.rejections import rejection_text
from services.texts.render import fill
from services.texts.request import REQUEST_TEXTS, RequestMsg
from services.texts.wording import DEFAULT_WORDING, Wording

log = structlog.get_logger("api")
REJECTED = Counter("samskab_api_commands_rejected_total", "Commands refused", ["kind"])

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATUS = {
    "bad_request": 400,
    "refused": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "invalid": 422,
    "unavailable": 503,
}
"""The body's `error` -> the HTTP status it is answered with."""

ERRORS = {status: error for error, status in STATUS.items() if error != "refused"}

_KIND_ERROR = {
    RejectionKind.NOT_FOUND: "not_found",
    RejectionKind.FORBIDDEN: "forbidden",
    RejectionKind.CONFLICT: "conflict",
    RejectionKind.INVALID: "invalid",
}

_BY_STATUS = {
    400: RequestMsg.BAD_REQUEST,
    404: RequestMsg.ROUTE_NOT_FOUND,
    405: RequestMsg.METHOD_NOT_ALLOWED,
    406: RequestMsg.NOT_ACCEPTABLE,
    415: RequestMsg.UNSUPPORTED_MEDIA_TYPE,
}
"""What a refusal raised by the framework itself (no such route, wrong method) means."""


class FieldProblem(BaseModel):
    field: str = Field(description="Where in the request: `budgets[0].amount`, `query.status`")
    code: str = Field(description="What is wrong, for programs: `missing`, `int_type`, …")
    detail: str = Field(description="What is wrong, for people, in the body's language")


class Refusal(BaseModel):
    """What every refused request answers (and 503)."""

    error: str = Field(description="The kind of refusal: `forbidden`, `invalid`, `conflict`, …")
    detail: str = Field(description="Why, for people: Danish or English (see Content-Language)")
    code: str = Field(description="Why, for programs: `wrong_role`, `stale_version`, …")
    current_version: int | None = Field(
        default=None, description="With `stale_version`: the version to decide against"
    )
    fields: list[FieldProblem] | None = Field(
        default=None, description="With `fields_invalid`: each field and what is wrong with it"
    )


class Refused(Exception):
    """A request refused at the edge, before or apart from any decider: `code` names why, and
    `params` fill its text. Raise it from a route or a dependency; the app answers it."""

    def __init__(
        self,
        code: RequestMsg,
        *,
        headers: Mapping[str, str] | None = None,
        fields: Iterable[FieldProblem] | None = None,
        current_version: int | None = None,
        **params: Param,
    ) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params
        self.headers = dict(headers or {})
        self.fields = list(fields) if fields is not None else None
        self.current_version = current_version

    @property
    def error(self) -> str:
        return REQUEST_TEXTS[self.code][0]

    @property
    def status(self) -> int:
        return STATUS[self.error]

    def text(self, lang: Lang) -> str:
        _, da, en = REQUEST_TEXTS[self.code]
        return fill((da, en), self.params, lang)


def _clean(text: str) -> str:
    """`text` as it can be sent: no lone surrogates, no NUL."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def language_of(headers: Mapping[str, str] | Iterable[tuple[bytes, bytes]]) -> Lang:
    """The language a request reads, from its Accept-Language header (Danish by default)."""
    if isinstance(headers, Mapping):
        return choose_language(headers.get("accept-language"))
    for name, value in headers:
        if name.lower() == b"accept-language":
            return choose_language(value.decode("latin-1"))
    return choose_language(None)


def answer(
    lang: Lang,
    status: int,
    error: str,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The refusal body, in `lang`."""
    body: dict[str, Any] = {"error": error, "detail": _clean(detail), "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status, headers={**(headers or {}), "Content-Language": lang})


def refused(exc: Refused, lang: Lang) -> JSONResponse:
    fields = None if exc.fields is None else [f.model_dump() for f in exc.fields]
    return answer(
        lang,
        exc.status,
        exc.error,
        exc.code.value,
        exc.text(lang),
        exc.headers,
        fields=fields,
        current_version=exc.current_version,
    )


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


def error_field(error: Any) -> str:
    """The field a pydantic error is about (a check of a whole body names it in `ctx`)."""
    loc = list(error.get("loc", ()))
    field = (error.get("ctx") or {}).get("field")
    if isinstance(field, str):
        loc.append(field)
    return field_name(loc)


def field_problem(error: Mapping[str, Any], lang: Lang) -> FieldProblem:
    """One pydantic error (or one of ours, shaped the same) as a field problem in `lang`."""
    code = str(error.get("type", "value_error"))
    return FieldProblem(
        field=error_field(error), code=code, detail=field_detail(code, error.get("ctx"), lang)
    )


def fields_invalid(problems: list[FieldProblem]) -> Refused:
    named = ", ".join(dict.fromkeys(p.field for p in problems[:5]))
    return Refused(RequestMsg.FIELDS_INVALID, fields=problems, named=named)


def invalid_field(location: tuple[str, ...], code: str) -> RequestValidationError:
    """A 422 about one field, decided by a route (as pydantic would have)."""
    return RequestValidationError([{"loc": location, "type": code, "msg": code}])


async def clean_parameters(request: Request) -> None:
    """Refuse (422) a path or query parameter holding text no database can search for (a NUL
    character, a lone surrogate), naming the parameter; before any route reads it."""
    errors = []
    for where, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            code = text_code(str(value))
            if code is not None:
                errors.append({"loc": (where, _clean(str(name))), "type": code, "msg": code})
    if errors:
        raise RequestValidationError(errors)


def install(app: FastAPI, max_body_bytes: int, wording: Wording = DEFAULT_WORDING) -> None:
    """The refusal handlers, the body limit and the OpenAPI post-processing, on `app`."""

    def lang(request: Request) -> Lang:
        return language_of(request.headers)

    @app.exception_handler(Refused)
    async def edge_refusal(request: Request, exc: Refused) -> JSONResponse:
        REJECTED.labels(exc.error).inc()
        return refused(exc, lang(request))

    @app.exception_handler(CommandRejected)
    async def rejected(request: Request, exc: CommandRejected) -> JSONResponse:
        REJECTED.labels(exc.kind.value).inc()
        chosen = lang(request)
        error = _KIND_ERROR[exc.kind]
        text = rejection_text(exc, chosen, wording)
        return answer(chosen, STATUS[error], error, exc.code.value, text)

    @app.exception_handler(ConcurrencyConflict)
    async def conflict(request: Request, exc: ConcurrencyConflict) -> JSONResponse:
        REJECTED.labels("stale_version").inc()
        stale = Refused(
            RequestMsg.STALE_VERSION,
            current_version=exc.actual,
            expected=exc.expected,
            current=exc.actual,
        )
        return refused(stale, lang(request))

    @app.exception_handler(RequestValidationError)
    async def not_valid(request: Request, exc: RequestValidationError) -> JSONResponse:
        chosen = lang(request)
        return refused(fields_invalid([field_problem(e, chosen) for e in exc.errors()]), chosen)

    @app.exception_handler(HTTPException)
    async def http_refusal(request: Request, exc: HTTPException) -> JSONResponse:
        code = _BY_STATUS.get(exc.status_code)
        chosen = lang(request)
        if code is None:  # no other status is raised by the framework; should one be, say so
            error = ERRORS.get(exc.status_code, "refused")
            text = Refused(RequestMsg.REQUEST_REFUSED).text(chosen)
            return answer(chosen, exc.status_code, error, RequestMsg.REQUEST_REFUSED, text)
        return refused(Refused(code, headers=exc.headers), chosen)

    @app.exception_handler(Unstorable)
    async def unstorable(request: Request, exc: Unstorable) -> JSONResponse:
        chosen = lang(request)
        problem = FieldProblem(
            field=_clean(exc.field), code=exc.code, detail=field_detail(exc.code, None, chosen)
        )
        return refused(fields_invalid([problem]), chosen)

    @app.exception_handler(asyncpg.DataError)
    async def data_refused(request: Request, exc: asyncpg.DataError) -> JSONResponse:
        log.warning("request value refused by the database", error=type(exc).__name__)
        return refused(Refused(RequestMsg.VALUE_UNSTORABLE), lang(request))

    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(OSError)
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("storage unavailable", error=type(exc).__name__)
        return refused(Refused(RequestMsg.UNAVAILABLE), lang(request))

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
        lang = language_of(scope.get("headers", []))
        too_large = refused(Refused(RequestMsg.TOO_LARGE, limit=self.max_bytes), lang)
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
    ref = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
        "headers": {
            "Content-Language": {
                "description": "The language of `detail`: as Accept-Language asks, else Danish",
                "schema": {"type": "string", "enum": ["da", "en"]},
            }
        },
    }
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
