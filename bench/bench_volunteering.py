"""A crowd signing up for one shift over HTTP, on the embedded default: prints figures.

Starts PostgreSQL (or uses DATABASE_URL), the broker, and the relay, the volunteering projection
and the API as child processes; N citizens sign up at the same instant for C places.

    .venv/bin/python bench/bench_volunteering.py [--citizens 200] [--places 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import bench_environment
from events.base import Role
from services.platform.settings import SystemSettings
from tests.system import System

TASK = {
    "organizer": {"kind": "staff", "name": "Bench"},
    "local_area": "Tørring",
    "core_task": "Fritid og fællesskab",
    "title": {"da": "Bench", "en": "Bench"},
    "description": {"da": "Bench", "en": "Bench"},
    "work": {"da": "Bench", "en": "Bench"},
    "place": {"address": "Torvet 1"},
}


async def one_round(sut: System, citizens: int, places: int) -> dict[str, float]:
    async with sut.client(Role.STAFF, "bench") as staff:
        task_id = (await staff.post("/api/v1/tasks", json=TASK)).json()["id"]
        await staff.post(f"/api/v1/tasks/{task_id}/attest", json={})
        await staff.post(f"/api/v1/tasks/{task_id}/publish")
        starts = datetime.now(UTC) + timedelta(days=7)
        shift = await staff.post(
            f"/api/v1/tasks/{task_id}/shifts",
            json={
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "capacity": places,
                "waiting_list_limit": citizens,
            },
        )
        shift_id = shift.json()["id"]
    tokens = [sut.token(Role.CITIZEN, f"c{secrets.token_hex(4)}") for _ in range(citizens)]
    limits = httpx.Limits(max_connections=citizens, max_keepalive_connections=citizens)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=sut.base_url, timeout=300, limits=limits) as http:
        go = asyncio.Event()

        async def sign_up(token: str) -> int:
            await go.wait()
            began = time.perf_counter()
            response = await http.post(
                f"/api/v1/shifts/{shift_id}/signups",
                json={"name": "N N", "birth_date": "1980-01-01"},
                headers={"Authorization": f"Bearer {token}"},
            )
            latencies.append(time.perf_counter() - began)
            return response.status_code

        tasks = [asyncio.create_task(sign_up(t)) for t in tokens]
        await asyncio.sleep(0.2)
        began = time.perf_counter()
        go.set()
        statuses = await asyncio.gather(*tasks)
        decided = time.perf_counter() - began
        async with sut.client(Role.STAFF, "bench") as staff:
            while True:
                board = await staff.get(f"/api/v1/shifts/{shift_id}/roster")
                if board.status_code == 200 and len(board.json()["entries"]) == citizens:
                    break
                await asyncio.sleep(0.05)
        listed = time.perf_counter() - began
    latencies.sort()
    return {
        "ok": sum(s == 201 for s in statuses),
        "decided_s": decided,
        "listed_s": listed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


async def main(citizens: int, places: int, rounds: int) -> None:
    async with bench_environment() as environment:
        await measure(environment.settings, citizens, places, rounds)


async def measure(settings: SystemSettings, citizens: int, places: int, rounds: int) -> None:
    sut = System(settings)
    await sut.start("relay", "projection:volunteering", "api")
    try:
        print(f"{citizens} citizens at once for {places} places, {rounds} rounds (one API process)")
        print("round  decided  all-201  p50 ms  p95 ms  max ms  in roster")
        for i in range(1, rounds + 1):
            f = await one_round(sut, citizens, places)
            print(
                f"{i:>5}  {f['decided_s']:6.2f}s  {int(f['ok']):>7}  {f['p50_ms']:6.0f}  "
                f"{f['p95_ms']:6.0f}  {f['max_ms']:6.0f}  {f['listed_s']:8.2f}s"
            )
    finally:
        await sut.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--places", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.citizens, args.places, args.rounds))
