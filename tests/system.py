"""Drive the real services as child processes, the way `samskab run` does, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from events.base import Role
from projections.catalog import PROJECTIONS
from services.auth import create_token, load_keys
from services.platform.settings import SystemSettings
from services.runtime.embedded import free_port, free_ports


@dataclass
class Service:
    name: str
    args: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    log_path: Path | None = None

    async def start(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: ASYNC230
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "services.cli.main",
                *self.args,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            if log is not None:
                log.close()

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@dataclass
class System:
    """The API, relay and one projection against a test's database and topic prefix."""

    settings: SystemSettings
    api_port: int = field(default_factory=free_port)
    services: dict[str, Service] = field(default_factory=dict)
    handed_out: set[int] = field(default_factory=set)
    log_dir: Path | None = None  # each service's output in <log_dir>/<name>.log (else inherited)

    def log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / f"{name.replace(':', '-')}.log"

    def ports(self, count: int) -> list[int]:
        """`count` free ports, none handed out before by this system: a service started a moment
        ago may not have bound its port yet."""
        ports = free_ports(count, avoid=[self.api_port, *self.handed_out])
        self.handed_out.update(ports)
        return ports

    def env(self) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "DATABASE_URL": s.require_database_url(),
            "KAFKA_BOOTSTRAP_SERVERS": s.require_bootstrap(),
            "SAMSKAB_EMBEDDED_BROKER": "true",
            "SAMSKAB_TOPIC_PREFIX": s.topic_prefix,
            "SAMSKAB_PARTITIONS": str(s.partitions),
            "SAMSKAB_PROJECTION_BATCH": str(s.projection_batch),
            "SAMSKAB_DATA_DIR": str(s.data_dir),
            "SAMSKAB_LOG_FORMAT": "json",
            "SAMSKAB_LOG_LEVEL": "WARNING",
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    async def start(self, *names: str) -> None:
        """Start services by name: "relay", "api", "projection:<name>" (default: all)."""
        projections = [f"projection:{name}" for name in PROJECTIONS]
        wanted = names or ("relay", *projections, "api")
        ops = iter(self.ports(len(projections) + 1))
        specs = {"relay": ["serve", "relay", "--ops-port", str(next(ops))]}
        for service in projections:
            name = service.partition(":")[2]
            specs[service] = ["serve", "projection", name, "--ops-port", str(next(ops))]
        try:
            for name in wanted:
                if name != "api":
                    service = Service(name, specs[name], self.env(), log_path=self.log_path(name))
                    self.services[name] = service
                    await service.start()
            if "api" in wanted:
                await self.start_api()
        except BaseException:
            await self.stop()  # a fixture that fails here never reaches its own stop
            raise

    async def start_api(self) -> None:
        self.services["api"], self.api_port = await self.api_process("api", self.api_port)

    async def api_process(self, label: str, port: int, tries: int = 3) -> tuple[Service, int]:
        """An API process answering on the port returned. A port taken between choosing it and
        binding it (by any process on this machine) makes the API exit, and it is started
        again on another port."""
        while True:
            api = Service(
                label,
                ["serve", "api", "--port", str(port)],
                self.env(),
                log_path=self.log_path(label),
            )
            await api.start()
            tries -= 1
            try:
                await wait_for_service(f"http://127.0.0.1:{port}", "api", api)
                return api, port
            except ServiceExited:
                if tries == 0:
                    raise
            except BaseException:
                await api.stop()  # not started: no caller will stop it
                raise
            self.handed_out.add(port)
            port = self.ports(1)[0]

    async def wait_for_api(self, within: float = 90) -> None:
        await wait_for_service(self.base_url, "api", self.services.get("api"), within)

    async def wait_ready(self, within: float = 60) -> dict[str, Any]:
        """Wait until the API accepts commands (/readyz) and every projection this system
        started has applied every event it can (/status: no lag; a dead letter is not lag).
        Returns the /status body."""
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            deadline = asyncio.get_running_loop().time() + within
            while True:
                ready = await client.get("/readyz")
                status = await client.get("/status")
                body = dict(status.json())
                behind = {
                    name: p
                    for name, p in body["projections"].items()
                    if f"projection:{name}" in self.services
                    and (p["lag_events"] or p["state"] == "not_migrated")
                }
                if ready.status_code == 200 and not behind:
                    return body
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"never ready: {ready.text} {status.text}")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.services.values()))

    def token(self, role: Role, subject: str) -> str:
        return create_token(load_keys(self.settings), subject, role, 3600)

    def client(self, role: Role | None = None, subject: str = "someone") -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.token(role, subject)}"} if role else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)


class ServiceExited(RuntimeError):
    pass


async def wait_for_service(
    base_url: str, name: str, process: Service | None = None, within: float = 90
) -> None:
    """Wait until `base_url`/healthz answers as `name` — not merely until something answers
    on that port — and fail at once if the process exits first."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            proc = process.process if process is not None else None
            if proc is not None and proc.returncode is not None:
                raise ServiceExited(f"{name} exited with status {proc.returncode} at start")
            with contextlib.suppress(httpx.TransportError, ValueError):
                response = await client.get("/healthz")
                if response.status_code == 200 and response.json().get("service") == name:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{name} did not come up on {base_url}")
            await asyncio.sleep(0.1)
