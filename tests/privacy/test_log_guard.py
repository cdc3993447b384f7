"""The log guard can fail: leaks are flagged, clean lines are not, and a leaky run exits 1."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.invites import new_invite_token
from tests.privacy.log_guard import (
    GUARD_KEY,
    LogGuard,
    SensitiveValues,
    cohort_file_names,
    find_leaks,
)

ROOT = Path(__file__).resolve().parents[2]


def _guarded_logger(guard: LogGuard, name: str) -> logging.Logger:
    """A throwaway logger that writes only to `guard`, so the session's guard never sees it."""
    logger = logging.getLogger(f"privacy-guard-test.{name}")
    logger.handlers[:] = [guard]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_a_logged_name_is_flagged_and_masked():
    sensitive = SensitiveValues()
    sensitive.add_name("Sem de Vries")
    guard = LogGuard(sensitive)
    logger = _guarded_logger(guard, "name")
    logger.info("welcome_sent", extra={"youth_id": 4, "first_name": "Sem"})
    logger.info("semester_started", extra={"note": "Semester begins"})
    leaks = guard.leaks()
    assert [(leak.kind, leak.line_number) for leak in leaks] == [("name", 1)]
    assert "first_name=***" in leaks[0].masked_line
    assert "Sem" not in leaks[0].describe()


def test_message_texts_tokens_and_secret_shaped_values_are_flagged():
    token = new_invite_token()
    sensitive = SensitiveValues(tokens={token})
    sensitive.add_text("Ik heb schulden en slaap slecht")
    sensitive.add_text("ja")  # too short to tell apart from ordinary words: not tracked
    lines = [
        ("bot.a", 'msg="answer stored" text="Ik heb schulden en slaap slecht"'),
        ("bot.b", f"msg=start payload={token}"),
        ("bot.c", "msg=call url=http://x/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe"),
        ("bot.d", "msg=login session=Xy7kP2mQ9rT4vW8zA1bC3dE5fG6hJ0nL"),
        ("bot.e", "msg=ja level=info"),
        ("bot.f", f"msg=hash value={hashlib.sha256(b'x').hexdigest()}"),
        ("bot.g", "msg=claimed_outbox_messages_for_worker_with_lease count=3"),
        ("bot.h", "msg=ok path=/tmp/pytest-of-root/pytest-3/test_a_logged_name0/db.sqlite"),
    ]
    leaks = find_leaks(lines, sensitive)
    assert [(leak.logger, leak.kind) for leak in leaks] == [
        ("bot.a", "message text"),
        ("bot.b", "token"),
        ("bot.c", "secret-shaped value"),
        ("bot.d", "secret-shaped value"),
    ]
    assert all("***" in leak.masked_line for leak in leaks)
    assert token not in leaks[1].masked_line


def test_the_cohort_sample_names_are_known():
    names = cohort_file_names()
    assert {"Daan", "Kerem", "Vries", "Yilmaz"} <= names


def test_the_session_guard_records_what_tests_store(data_key_ring, request):
    guard = request.config.stash[GUARD_KEY]
    assert "Daan" in guard.sensitive.names
    token = new_invite_token()
    assert token in guard.sensitive.tokens


def _inner_run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["tests.privacy.data_keys", "tests.privacy.log_guard"]\n'
    )
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(body))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_leaky_run_fails_even_when_every_test_passes(tmp_path: Path):
    result = _inner_run(
        tmp_path,
        """
        import logging

        from bot.invites import new_invite_token

        def test_logs_a_name_at_info():
            logging.getLogger("bot.example").info("greeting", extra={"to": "Daan"})

        def test_logs_a_token():
            logging.getLogger("bot.example").warning("invite %s", new_invite_token())
        """,
    )
    output = result.stdout + result.stderr
    assert "2 passed" in output
    assert result.returncode == 1, output
    assert "log guard: personal data in the logs" in output
    assert "logger bot.example) has a name: " in output and "to=***" in output
    assert "has a token" in output
    assert "Daan" not in output.split("personal data in the logs")[1]


def test_a_clean_run_passes(tmp_path: Path):
    result = _inner_run(
        tmp_path,
        """
        import logging

        def test_logs_ids_only():
            logging.getLogger("bot.example").info("outbox_sent", extra={"youth_id": 3})
        """,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no personal data" in output
