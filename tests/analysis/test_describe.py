"""Charts as data, their text alternatives and the observations: generated from the data, in each language."""
from __future__ import annotations

import pandas as pd
import pytest

from advocacy_lab.analysis import rates_by
from advocacy_lab.analysis.describe import (
    FEW_POSTS,
    bar_chart,
    cascade,
    group_label,
    heat_map,
    in_unit,
    observations,
)
from advocacy_lab.core import catalogue
from advocacy_lab.modules.campaign_data import CASES, load_case


@pytest.mark.parametrize("lang", catalogue.languages())
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_the_bar_charts_alternative_names_the_highest_and_lowest_bars_with_their_values(case_id, lang):
    table = load_case(case_id)
    rates = rates_by(table, "engagement_rate_reach", "format")
    chart = bar_chart(rates, lang)
    assert [b.value for b in chart.bars] == [r.value for r in rates.rows]
    best = max(chart.bars, key=lambda b: b.value)
    worst = min(chart.bars, key=lambda b: b.value)
    for bar in (best, worst):
        assert bar.label in chart.alt and in_unit("engagement_rate_reach", bar.value, lang) in chart.alt
    assert str(len(chart.bars)) in chart.alt
    assert "{" not in chart.alt and "{" not in chart.title


def test_numbers_and_labels_are_the_learners_language():
    assert in_unit("engagement_rate_reach", 6.125, "en") == "6.1%"
    assert in_unit("engagement_rate_reach", 6.125, "vi") == "6,1%"
    assert in_unit("engagement_rate_reach", 0.456, "vi") == "0,46%"
    assert in_unit("cpm", 1234.5, "vi") == "1.234,50"
    assert in_unit("frequency", 2.5, "en") == "2.5×"
    assert group_label("format", "short video", "vi") == "video ngắn"
    assert group_label("weekday", 1.0, "vi", iso_weekdays=True) == "Thứ Hai"
    assert group_label("weekday", 1, "en") == "1"  # an upload's weekdays: convention unknown, numbers kept
    assert group_label("paid", 1.0, "en") == "paid"
    assert group_label("platform", "<b>TikTok</b>", "en") == "<b>TikTok</b>"  # data, escaped where shown


def test_a_value_that_cannot_be_computed_is_said_in_words():
    assert in_unit("ctr", None, "vi") == catalogue.text("analysis.no_value", "vi")


def test_the_heat_map_holds_each_slots_pooled_rate():
    table = load_case("ministry-ecosystem")
    chart = heat_map(table, "engagement_rate_reach", "en", iso_weekdays=True)
    slot = table[(table["weekday"] == 3) & (table["hour"] == 20)]
    expected = slot["interactions"].sum() / slot["reach"].sum() * 100
    assert chart.cells[2][20] == pytest.approx(expected) and chart.posts[2][20] == len(slot)
    assert chart.cells[0][3] is None and chart.posts[0][3] == 0  # nobody posts at 3 a.m.
    assert chart.day_labels[0] == "Monday" and "Wednesday" in chart.day_labels
    filled = [(v, d, h) for d, row in enumerate(chart.cells) for h, v in enumerate(row) if v is not None and chart.posts[d][h] >= 3]
    value, day, hour = max(filled)
    assert f"{chart.day_labels[day]} at {hour:02d}:00" in chart.alt and in_unit("engagement_rate_reach", value, "en") in chart.alt


def test_a_table_without_days_or_hours_has_an_empty_heat_map_that_says_so():
    chart = heat_map(pd.DataFrame({"interactions": [1], "reach": [10]}), "engagement_rate_reach", "vi")
    assert all(v is None for row in chart.cells for v in row)
    assert chart.alt == catalogue.text("analysis.chart.heat_empty", "vi", metric=catalogue.text("analysis.metric.engagement_rate_reach.name", "vi"))


def test_the_cascade_finds_the_viral_peak_and_what_preceded_it():
    view = cascade(load_case("budget-transparency"), "en")
    assert view.peak_day == "2025-09-11" and len(view.days) == 15 and view.days[7] == view.peak_day
    table = load_case("budget-transparency")
    assert view.values[7] == table.loc[table["posted"].str.startswith("2025-09-11"), "shares"].sum()
    assert view.values[8:12] == tuple(sorted(view.values[8:12], reverse=True))  # the shares die down
    assert "short video" in view.before and "Sep 11, 2025" in view.alt
    assert cascade(pd.DataFrame({"shares": [1]}), "en").peak_day is None


def test_observations_say_what_stands_out_and_how_sure_one_can_be():
    table = load_case("fair-trade-coalition")
    said = observations(table, rates_by(table, "engagement_rate_reach", "format"), "en")
    assert said[0].startswith("short video did best") and "link did least well" in said[0]
    assert "times as much" in said[1] and "unlikely to be chance" in said[2]


def test_few_posts_are_a_hint_not_evidence():
    table = load_case("budget-transparency")
    rates = rates_by(table, "engagement_rate_reach", "format")
    live = next(r for r in rates.rows if r.group == "live")
    assert live.posts < FEW_POSTS
    said = observations(table, rates, "vi")
    assert any(f"Chỉ có {live.posts} bài “phát trực tiếp”" in s for s in said)


def test_close_groups_and_groups_that_vary_a_lot():
    close = pd.DataFrame({"format": ["a"] * 12 + ["b"] * 12, "interactions": [10] * 12 + [11] * 12, "reach": [100] * 24})
    assert "close" in observations(close, rates_by(close, "engagement_rate_reach", "format"), "en")[-1]
    # Two groups whose posts vary wildly: the gap could be chance.
    noisy = pd.DataFrame(
        {"format": ["a", "b"] * 12, "interactions": [0, 0, 100, 60] * 6, "reach": [100] * 24}
    )
    said = observations(noisy, rates_by(noisy, "engagement_rate_reach", "format"), "en")
    assert "could be chance" in said[-1]
    one = pd.DataFrame({"format": ["a"], "interactions": [1], "reach": [10]})
    assert "nothing to compare" in observations(one, rates_by(one, "engagement_rate_reach", "format"), "en")[0]
