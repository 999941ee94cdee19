"""A deployment's own words for volunteers reach the citizen over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from events.base import Role
from services.platform.settings import Settings
from tests.integration.test_volunteering_system import (
    ADULT,
    contact,
    published_task,
    scheduled_shift,
)
from tests.system import System


@pytest.fixture
async def system(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[System]:
    monkeypatch.setenv("SAMSKAB_HELPER_WORDS_DA", "deltager/deltagere/borger")
    monkeypatch.setenv("SAMSKAB_HELPER_WORDS_EN", "participant/participants/resident")
    sut = System(settings)
    await sut.start("api")  # refusals are decided on the event store; no read model needed
    yield sut
    await sut.stop()


async def test_refusals_use_the_configured_words(system: System) -> None:
    task_id = await published_task(system)
    shift_id = await scheduled_shift(system, task_id, capacity=2, waiting_list_limit=0)
    for name in ("ada", "bo"):
        async with system.client(Role.CITIZEN, name) as citizen:
            signed = await citizen.post(
                f"/api/v1/shifts/{shift_id}/signups", json={**contact(name), "birth_date": ADULT}
            )
            assert signed.status_code == 201, signed.text
    async with system.client(Role.STAFF, "sif") as staff:
        for lang, expected in (
            ("da", "2 bekræftede deltagere"),
            ("en", "2 confirmed participants"),
        ):
            response = await staff.post(
                f"/api/v1/shifts/{shift_id}/capacity",
                json={"capacity": 1},
                headers={"Accept-Language": lang},
            )
            assert response.status_code == 409, response.text
            assert response.json()["code"] == "capacity_below_confirmed"
            assert expected in response.json()["detail"], response.text
            assert "hjælper" not in response.json()["detail"]
