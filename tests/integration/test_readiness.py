"""Readiness is "accepts commands"; projection lag is a status and a metric, never readiness."""

from __future__ import annotations

import httpx

from services.platform.settings import Settings
from tests.flows import create_process
from tests.system import System


async def test_the_api_stays_ready_while_no_projection_runs_and_status_calls_them_stalled(
    settings: Settings,
) -> None:
    sut = System(settings)
    await sut.start("api")  # no relay, no projection: nothing reaches a read model
    try:
        await create_process(sut)
        async with httpx.AsyncClient(base_url=sut.base_url) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {"ready": True, "checks": {"eventstore": "ok"}}
            status = (await client.get("/status")).json()
            proposals = status["projections"]["proposals"]
            assert proposals["lag_events"] == 1 and proposals["running"] is False
            assert proposals["state"] == "stalled" and proposals["caught_up"] is False
            assert status["state"] == "stalled" and status["caught_up"] is False
            assert status["behind_events"] == settings.status_behind_events
            metrics = (await client.get("/metrics")).text
            assert 'samskab_projection_lag_events{projection="proposals"} 1.0' in metrics
            assert 'samskab_projection_dead_letters{projection="proposals"} 0.0' in metrics
            spec = (await client.get("/openapi.json")).json()
            schema = spec["paths"]["/status"]["get"]["responses"]["200"]["content"]
            assert schema["application/json"]["schema"]["$ref"].endswith("/SystemState")
    finally:
        await sut.stop()
