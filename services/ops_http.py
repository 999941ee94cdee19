"""A minimal HTTP endpoint for background services: /healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, str]]]]


async def serve_ops(service: str, host: str, port: int, ready: ReadyCheck) -> asyncio.Server:
    """/healthz names `service`, so a probe can tell it reached the process it meant."""
    alive = orjson.dumps({"status": "alive", "service": service})

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass
            parts = request_line.decode(errors="replace").split()
            path = parts[1] if len(parts) > 1 else "/"
            if path == "/healthz":
                status, ctype, body = 200, "application/json", alive
            elif path == "/readyz":
                ok, checks = await ready()
                status, ctype = (200 if ok else 503), "application/json"
                body = orjson.dumps({"ready": ok, "checks": checks})
            elif path == "/metrics":
                status, ctype, body = 200, CONTENT_TYPE_LATEST, generate_latest()
            else:
                status, ctype, body = 404, "application/json", b'{"error":"not found"}'
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
