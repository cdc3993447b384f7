"""The key ring, the encrypted column type and where keys come from."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from bot.config import load_settings
from bot.models import Answer
from bot.privacy import crypto
from bot.privacy.crypto import (
    DataKeyError,
    EncryptedText,
    KeyRing,
    configure_data_keys,
    configure_data_keys_or_exit,
    key_ring,
    new_key,
    resolve_data_keys,
    sqlite_key_file,
    use_key_ring,
)


def test_round_trip_and_every_token_differs():
    ring = KeyRing([new_key()])
    first, second = ring.encrypt("Ik slaap slecht 😞"), ring.encrypt("Ik slaap slecht 😞")
    assert first != second
    assert "slaap" not in first
    assert ring.decrypt(first) == ring.decrypt(second) == "Ik slaap slecht 😞"


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = new_key(), new_key()
    token = KeyRing([old]).encrypt("geheim")
    both = KeyRing(f" {new} , {old} ".split(","))
    assert both.decrypt(token) == "geheim"
    assert not both.is_current(token)
    fresh = both.encrypt("nieuw")
    assert both.is_current(fresh)
    assert KeyRing([new]).decrypt(fresh) == "nieuw"
    with pytest.raises(DataKeyError):
        KeyRing([old]).decrypt(fresh)


def test_a_wrong_key_gives_a_clear_error_not_garbage():
    token = KeyRing([new_key()]).encrypt("Mijn moeder weet het niet")
    with pytest.raises(DataKeyError, match="INBEELD_DATA_KEY: none of the configured keys") as info:
        KeyRing([new_key()]).decrypt(token)
    assert "moeder" not in str(info.value)
    with pytest.raises(DataKeyError, match="none of the configured keys"):
        KeyRing([new_key()]).decrypt("this was never encrypted")


@pytest.mark.parametrize("setting", ["", " , ", "not-a-key", new_key()[:-4], "é" * 44])
def test_malformed_keys_are_refused_with_the_variable_named(setting):
    with pytest.raises(DataKeyError, match="INBEELD_DATA_KEY"):
        KeyRing.from_setting(setting)


def test_a_bad_second_key_is_named_by_position():
    with pytest.raises(DataKeyError, match="key 2 is not a Fernet key"):
        KeyRing.from_setting(f"{new_key()},oops")


def test_no_configured_ring_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(crypto, "_ring", None)
    assert not crypto.key_ring_configured()
    with pytest.raises(DataKeyError, match="no data key configured"):
        key_ring()


def test_the_column_type_checks_length_and_type():
    column = EncryptedText(max_chars=5)
    with use_key_ring(KeyRing([new_key()])):
        stored = column.process_bind_param("hallo", None)  # type: ignore[arg-type]
        assert stored is not None and stored.startswith("gAAAAA")
        assert column.process_result_value(stored, None) == "hallo"  # type: ignore[arg-type]
        assert column.process_bind_param(None, None) is None  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="longer than 5"):
            column.process_bind_param("te lang", None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            column.process_bind_param(12, None)  # type: ignore[arg-type]


def test_sql_comparisons_on_encrypted_columns_are_refused():
    with pytest.raises(TypeError, match="cannot be compared"):
        select(Answer).where(Answer.value == "ja")
    with pytest.raises(TypeError, match="cannot be compared"):
        select(Answer).where(Answer.value.in_(["ja"]))  # type: ignore[attr-defined]
    select(Answer).where(Answer.value.is_not(None))  # type: ignore[attr-defined]


# --- where the keys come from ----------------------------------------------------------------


def test_the_setting_wins_and_no_file_is_written(tmp_path: Path):
    key = new_key()
    ring = resolve_data_keys(key, f"sqlite:///{tmp_path / 'a.db'}")
    assert ring.size == 1
    assert Fernet(key.encode()).decrypt(ring.encrypt("x").encode()) == b"x"
    assert not (tmp_path / "a.db.key").exists()


def test_embedded_sqlite_gets_a_private_key_file_that_survives_a_restart(tmp_path: Path, caplog):
    url = f"sqlite:///{tmp_path / 'data' / 'inbeeld.db'}"
    with caplog.at_level("WARNING", logger="bot.privacy.crypto"):
        first = resolve_data_keys(None, url)
    path = tmp_path / "data" / "inbeeld.db.key"
    assert sqlite_key_file(url) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any(r.getMessage() == "data_key_generated" for r in caplog.records)
    token = first.encrypt("blijft leesbaar")
    # "restart": a new resolution reads the same file instead of generating another key
    assert resolve_data_keys(None, url).decrypt(token) == "blijft leesbaar"
    assert resolve_data_keys("", url).decrypt(token) == "blijft leesbaar"


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'inbeeld.db'}"
    resolve_data_keys(None, url)
    os.chmod(tmp_path / "inbeeld.db.key", 0o644)
    with pytest.raises(DataKeyError, match="chmod 600"):
        resolve_data_keys(None, url)


@pytest.mark.parametrize(
    "url", ["postgresql://postgres@127.0.0.1:5432/x", "sqlite://", "sqlite:///:memory:"]
)
def test_without_a_key_other_databases_refuse_to_start(url: str):
    with pytest.raises(DataKeyError, match="INBEELD_DATA_KEY: required with this database"):
        resolve_data_keys(None, url)


def test_configure_from_settings_installs_the_ring(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("INBEELD_DATA_KEY", raising=False)
    key = new_key()
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", data_key=key)
    with use_key_ring(KeyRing([new_key()])):
        ring = configure_data_keys(settings)
        assert key_ring() is ring
        assert Fernet(key.encode()).decrypt(key_ring().encrypt("y").encode()) == b"y"


def test_the_cli_start_up_refuses_postgres_without_a_key(monkeypatch, capsys):
    monkeypatch.delenv("INBEELD_DATA_KEY", raising=False)
    settings = load_settings(database_url="postgresql://postgres@127.0.0.1:5432/x")
    with use_key_ring(KeyRing([new_key()])), pytest.raises(SystemExit) as stop:
        configure_data_keys_or_exit(settings)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("inbeeld: configuration error: INBEELD_DATA_KEY: required")
    assert "Traceback" not in err
