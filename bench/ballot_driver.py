"""A lean ballot load driver, run in a process of its own so that its cost is measured apart.

httpx costs more CPU per request than the API spends deciding a ballot, and on a small machine
the driver then competes with the system it measures. This driver speaks just enough
HTTP/1.1 for the bench: requests are encoded before the clock starts, each of `concurrency`
keep-alive connections sends one request at a time and reads the status line, the headers and
a Content-Length body. Debian's compiled load tools (wrk, h2load) drive closed loops and do not
hand back each request's completion time, which the SSE latency is measured against.

Ballots are offered open loop: ballot i is due at start + i/rate and waits for a free
connection; the time from due to response is reported beside the time from send to response.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    start: float = 0.0
    offered_end: float = 0.0
    accepted: dict[int, float] = field(default_factory=dict)  # ballot index → 2xx time
    from_send: list[float] = field(default_factory=list)
    from_due: list[float] = field(default_factory=list)
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def request(host: str, path: str, token: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def run(
    host: str, port: int, requests: list[bytes], rate: float, concurrency: int, out: Any, go: Any
) -> None:
    """The child process's entry point: put "ready" on `out` once connected (so the process's
    start-up is not counted as the cost of driving), wait for `go`, then put the `Outcome`."""
    out.put(asyncio.run(_drive(host, port, requests, rate, concurrency, out, go)))


async def _drive(
    host: str, port: int, requests: list[bytes], rate: float, concurrency: int, out: Any, go: Any
) -> Outcome:
    outcome = Outcome()
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    opened = [await asyncio.open_connection(host, port) for _ in range(concurrency)]
    out.put("ready")
    await asyncio.to_thread(go.wait)

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (item := await due.get()) is not None:
                index, due_at = item
                sent = time.monotonic()
                try:
                    writer.write(requests[index])
                    status = await _response(reader)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    outcome.failed += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                done = time.monotonic()
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    outcome.accepted[index] = done
                    outcome.from_send.append(done - sent)
                    outcome.from_due.append(done - due_at)
                else:
                    outcome.failed += 1
        finally:
            writer.close()

    workers = [asyncio.create_task(connection(r, w)) for r, w in opened]
    outcome.start = time.monotonic()
    for index in range(len(requests)):
        due_at = outcome.start + index / rate
        delay = due_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((index, due_at))
    outcome.offered_end = time.monotonic()
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return outcome


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one response; its status. Only Content-Length bodies (what the API sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked responses are not read by this driver")
    if length:
        await reader.readexactly(length)
    return status
