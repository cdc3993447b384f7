"""The benchmarks run end to end at a tiny size (no timing is asserted: speed lives in bench/).

What is checked is that each benchmark does the work it claims to time: every check-in of the
wave reaches the emulator, the idle tick finds nothing, the panel answers 200, the import
child validates every row.
"""

from __future__ import annotations

import math

import pytest

from bench import __main__ as bench_cli
from bench import answers, idle, importer, panel, wave
from bench.common import Measurement, percentile

pytestmark = pytest.mark.slow


def by_metric(results: list[Measurement]) -> dict[str, Measurement]:
    return {m.metric: m for m in results}


def assert_sane(results: list[Measurement]) -> None:
    assert results
    for m in results:
        assert math.isfinite(m.value) and m.value >= 0, m


async def test_wave_delivers_every_checkin_through_the_limited_emulator() -> None:
    results = by_metric(await wave.run(youths=12, db="sqlite", give_up_after=60))
    assert_sane(list(results.values()))
    assert results["check-ins started (sqlite)"].value == 12
    # A check-in starts with one message: the greeting with the first question.
    assert results["messages delivered (sqlite)"].value == 12
    assert results["floor at 30/s (sqlite)"].value == pytest.approx(12 / 30)


async def test_idle_tick_is_timed_without_anything_due() -> None:
    results = await idle.run(youths=10, db="sqlite", runs=5)
    assert_sane(results)
    assert [m.metric for m in results] == ["tick p50 (sqlite)", "tick p95 (sqlite)"]


async def test_answers_compares_the_service_with_an_echo_bot() -> None:
    results = by_metric(
        await answers.run(youths=12, db="sqlite", samples=4, rounds=2, concurrency=3)
    )
    assert_sane(list(results.values()))
    assert results["echo bot: answers/s under load"].value > 0
    assert results["service sqlite: answers/s under load"].value > 0
    assert results["service sqlite: throughput / echo bot"].met is not None
    # The floor answers every tap (a floor that sent nothing would time out, not report 0).
    assert results["telegram floor (no database): answers/s under load"].value > 0
    assert "service sqlite: own work per answer (CPU above the floor)" in results


def test_repeated_answer_runs_report_each_figure_as_the_median_with_its_verdict() -> None:
    def figure(value: float, met: bool) -> list[Measurement]:
        return [
            Measurement("answers", "ratio", value, "x", ">= 0.5", met),
            Measurement("answers", "p99", value * 100, "ms", "< 50 ms", not met, "fast"),
        ]

    ratio, p99 = answers._medians([figure(0.6, True), figure(0.3, False), figure(0.4, False)])
    assert (ratio.value, ratio.met) == (0.4, False)
    assert ratio.note == "median of 3 runs (0.30 to 0.60)"
    assert (p99.value, p99.met) == (40.0, True)
    assert p99.note == "median of 3 runs (30.0 to 60.0); fast"


async def test_panel_pages_are_fetched_after_a_real_login() -> None:
    results = await panel.run(youths=10, db="sqlite", requests=3)
    assert_sane(results)
    assert {m.metric for m in results} >= {"youth list p95 (sqlite)", "timeline p95 (sqlite)"}


def test_import_runs_in_a_child_and_reports_its_memory() -> None:
    results = by_metric(importer.run(youths=10, db="sqlite"))
    assert_sane(list(results.values()))
    assert results["parse+validate peak RSS"].value > 10  # MB: a Python process at least


def test_bench_rejects_an_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_cli.main(["nonsense"]) == 2
    assert "known: wave" in capsys.readouterr().err


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(range(1, 101)), 95) == 95
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
