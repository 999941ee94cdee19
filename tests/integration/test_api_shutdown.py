"""The API's lifespan on the real PostgreSQL: what it starts once, it stops at shutdown, even
with a sign-up's append under way."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from services.api.app import create_app
from services.application.volunteering.writer import TASK_NAME, ShiftWriter, WriterStopped
from services.platform.settings import SystemSettings
from services.store.eventstore import APPEND_LOCK
from tests.integration.test_volunteering_writer import published_shift, sign_up, submit


def _shift_writer_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith(TASK_NAME) and not t.done()]


async def test_no_task_of_the_shift_writer_outlives_the_api(settings: SystemSettings) -> None:
    app = create_app(settings)
    blocker = await asyncpg.connect(settings.require_database_url())
    try:
        async with asyncio.timeout(60):
            async with app.router.lifespan_context(app):
                writer: ShiftWriter = app.state.shift_writer
                shift_id = await published_shift(app.state.store, capacity=5, waiting=0)
                # Hold the append lock: the sign-up is decided, and its append waits.
                await blocker.execute("begin")
                await blocker.execute("select pg_advisory_xact_lock($1)", APPEND_LOCK)
                waiting = asyncio.create_task(submit(writer, sign_up(shift_id, "p1")))
                for _ in range(100):
                    if _shift_writer_tasks():
                        break
                    await asyncio.sleep(0.05)
                assert _shift_writer_tasks(), "the sign-up never reached the shift writer"
                await asyncio.sleep(0.2)
                assert not waiting.done()
            assert _shift_writer_tasks() == []
            with pytest.raises(WriterStopped):  # the caller learns it was not recorded
                await waiting
    finally:
        await blocker.close()


async def test_a_command_after_shutdown_is_refused_not_queued(settings: SystemSettings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        writer: ShiftWriter = app.state.shift_writer
        shift_id = await published_shift(app.state.store, capacity=5, waiting=0)
    with pytest.raises(WriterStopped):
        await submit(writer, sign_up(shift_id, "p2"))
    assert _shift_writer_tasks() == []
