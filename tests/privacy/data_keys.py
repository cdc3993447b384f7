"""Pytest plugin: every test runs with a data key installed, as the service does at start-up.

Loaded from tests/conftest.py (`pytest_plugins`). A test that needs its own keys uses
`bot.privacy.crypto.use_key_ring`, which restores this one afterwards. The same key is put in
`INBEELD_DATA_KEY` for the session, so a CLI command run inside a test (which configures the
keys from its settings, as in production) keeps reading what the test wrote, on any database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bot.privacy.crypto import KeyRing, new_key, use_key_ring


@pytest.fixture(scope="session", autouse=True)
def data_key_ring() -> Iterator[KeyRing]:
    key = new_key()
    previous = os.environ.get("INBEELD_DATA_KEY")
    os.environ["INBEELD_DATA_KEY"] = key
    try:
        with use_key_ring(KeyRing([key])) as ring:
            yield ring
    finally:
        if previous is None:
            os.environ.pop("INBEELD_DATA_KEY", None)
        else:
            os.environ["INBEELD_DATA_KEY"] = previous
