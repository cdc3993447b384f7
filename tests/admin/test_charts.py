"""Chart geometry: bars scale to a round axis top, stack or stand side by side, and say what
they show (the SVG <title> of each bar)."""

from __future__ import annotations

from admin.charts import bar_chart


def test_side_by_side_bars_scale_to_a_round_top():
    chart = bar_chart(
        ["2026-08", "2026-09"],
        [{"2026-08": 4, "2026-09": 8}, {"2026-08": 2}],
        group_labels=["aug", "sep"],
        series_names=["sent", "answered"],
    )
    heights = {bar.label: bar.height for bar in chart.bars}
    assert (
        heights["sep · sent: 8"] == 2 * heights["aug · sent: 4"] == 4 * heights["aug · answered: 2"]
    )
    assert heights["sep · answered: 0"] == 0
    assert [tick.text for tick in chart.y_labels] == ["0", "5", "10"]
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)


def test_stacked_bars_sit_on_each_other():
    chart = bar_chart(["m"], [{"m": 1}, {"m": 3}], stacked=True, series_names=["werk", "niks"])
    first, second = chart.bars
    assert first.y + first.height == chart.baseline
    assert second.y + second.height == first.y
    assert [tick.text for tick in chart.y_labels] == ["0", "5"]  # top 5: no tick for 2.5


def test_no_data_draws_an_empty_axis():
    chart = bar_chart([], [])
    assert chart.bars == () and chart.x_labels == ()
    assert [tick.text for tick in chart.y_labels] == ["0", "1"]
