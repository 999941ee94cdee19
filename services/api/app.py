"""The command and query API: FastAPI app built by `create_app(settings)`; nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from events.schemas_export import ASYNCAPI_FILE
from projections.catalog import PROJECTIONS
from services import readiness
from services.api.audit import router as audit_router
from services.api.budgeting.allocation import router as allocation_router
from services.api.budgeting.ballots import router as ballots_router
from services.api.budgeting.edge import ProcessCache
from services.api.budgeting.processes import router as processes_router
from services.api.budgeting.proposals import router as proposals_router
from services.api.budgeting.routes import router as budgeting_router
from services.api.budgeting.tally.hub import TallyHub
from services.api.budgeting.tally.live_page import router as live_page_router
from services.api.budgeting.tally.routes import router as tally_router
from services.api.refusals import clean_parameters
from services.api.refusals import install as install_refusals
from services.api.status import router as status_router
from services.api.volunteering.routes import router as volunteering_router
from services.application.volunteering import ShiftWriter
from services.auth import load_keys
from services.personal_data import Vault, master_key_from
from services.platform import db
from services.platform.settings import ApiSettings
from services.store.eventstore import EventStore


def create_app(settings: ApiSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests leave no session state (locks are per transaction; the tally hub LISTENs on
        # a connection of its own), so connections go back to the pool without a reset query.
        pool = await db.create_pool(settings.require_database_url(), max_size=20, stateless=True)
        store = EventStore(pool)
        await store.start()
        app.state.pool = pool
        app.state.store = store
        app.state.keys = load_keys(settings)
        app.state.thresholds = readiness.Thresholds(
            settings.status_behind_events, settings.status_stalled_seconds
        )
        app.state.tally_hub = TallyHub(pool, dsn=settings.require_database_url())
        app.state.process_cache = ProcessCache()
        app.state.vault = Vault(pool, master_key_from(app.state.keys))
        app.state.shift_writer = ShiftWriter(store)
        try:
            yield
        finally:
            await app.state.shift_writer.stop()
            await app.state.tally_hub.stop()
            await store.stop()
            await pool.close()

    # /docs and /redoc load Swagger UI and ReDoc from the package's own files, not a CDN
    app = FastAPIOffline(
        title="Samskab API",
        version="0.1.0",
        description="Participatory budgeting and volunteer tasks as immutable events. "
        "Amounts are Danish kroner at this edge and integer øre in events.",
        lifespan=lifespan,
        dependencies=[Depends(clean_parameters)],
    )
    app.include_router(budgeting_router)
    app.include_router(audit_router)
    app.include_router(processes_router)
    app.include_router(proposals_router)
    app.include_router(ballots_router)
    app.include_router(allocation_router)
    app.include_router(volunteering_router)
    app.include_router(tally_router)
    app.include_router(live_page_router)
    app.include_router(status_router)
    install_refusals(app, settings.max_body_bytes, settings.wording)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": "api"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        """Ready when this API can accept commands (the event store answers and its writer
        runs). Projection lag and dead letters are in /status, not here."""
        state: Any = request.app.state
        result = await readiness.accepts_commands(state.pool, state.store.writing)
        body = {"ready": result.ready, "checks": result.checks}
        return JSONResponse(body, 200 if result.ready else 503)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics(request: Request) -> PlainTextResponse:
        state: Any = request.app.state
        with contextlib.suppress(Exception):  # the projection gauges, as of this scrape
            await readiness.system_status(
                state.pool,
                {name: (spec, spec.default_schema) for name, spec in PROJECTIONS.items()},
                state.thresholds,
            )
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.yaml", tags=["operations"], include_in_schema=False)
    async def asyncapi() -> Response:
        """The AsyncAPI document of every Kafka topic (`samskab schema asyncapi` writes it)."""
        text = await asyncio.to_thread(ASYNCAPI_FILE.read_bytes)
        return Response(text, media_type="application/yaml")

    return app
