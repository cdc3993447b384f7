"""A panel client per test, on the migrated test database and the manual clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from admin.app import create_admin_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import Services
from bot.storage.db import Database
from tests.admin import factories

SESSION_COOKIE = "inbeeld"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSER = {"Sec-Fetch-Site": "same-origin"}

pytestmark = pytest.mark.db


def demo_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"admin_host": "127.0.0.1", "public_url": None}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def make_client(database: Database, clock: ManualClock) -> AsyncIterator[Callable[..., Any]]:
    clients: list[TestClient] = []

    async def make(settings: Settings | None = None) -> TestClient:
        services = Services(settings=settings or demo_settings(), database=database, clock=clock)
        client = TestClient(TestServer(create_admin_app(services)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> TestClient:
    return await make_client()


@pytest.fixture
async def world(database: Database, clock: ManualClock) -> factories.World:
    return await factories.world(database, clock)


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)
