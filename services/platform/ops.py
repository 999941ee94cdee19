"""The operations endpoint of a background service: /healthz, /readyz and /metrics.

A small Starlette app served by uvicorn beside the service's own work in the same event loop.
The service owns the signals; it stops this server when it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, str]]]]


def ops_app(service: str, ready: ReadyCheck) -> Starlette:
    """/healthz names `service`, so a probe can tell it reached the process it meant."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "alive", "service": service})

    async def readyz(_: Request) -> Response:
        ok, checks = await ready()
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
    )


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """The service's own signal handlers stop it, and it stops this server."""
        yield


class OpsServer:
    def __init__(self, server: _Server, task: asyncio.Task[None]) -> None:
        self._server = server
        self._task = task

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task


async def serve_ops(service: str, host: str, port: int, ready: ReadyCheck) -> OpsServer:
    """Bind at once (a port in use fails here, with OSError) and serve until stopped."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.create_server((host, port), family=family)
    config = uvicorn.Config(
        ops_app(service, ready),
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    # The socket already listens: a probe arriving before uvicorn starts waits in its backlog.
    return OpsServer(server, asyncio.create_task(server.serve(sockets=[sock])))
