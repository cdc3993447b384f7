"""Pytest plugin: every test runs with a data key installed, as the service does at start-up.

Loaded from tests/conftest.py (`pytest_plugins`). A test that needs its own keys uses
`bot.privacy.crypto.use_key_ring`, which restores this one afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.privacy.crypto import KeyRing, new_key, use_key_ring


@pytest.fixture(scope="session", autouse=True)
def data_key_ring() -> Iterator[KeyRing]:
    with use_key_ring(KeyRing([new_key()])) as ring:
        yield ring
