"""Every formula against hand-computed values; zero, missing, negative and non-number parts."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from advocacy_lab.analysis import METRICS, DataNote, post_rates, rate, rates_by
from advocacy_lab.analysis.metrics import DATA_FILE
from advocacy_lab.core import catalogue

# metric -> (numerator, denominator, expected), worked out by hand.
HAND = {
    "engagement_rate_reach": (30, 1200, 2.5),  # 30 / 1200 = 0.025 -> 2.5 %
    "engagement_rate_impressions": (30, 4000, 0.75),  # 30 / 4000 = 0.0075 -> 0.75 %
    "engagement_rate_followers": (30, 600, 5.0),
    "amplification_rate": (6, 600, 1.0),
    "applause_rate": (18, 600, 3.0),
    "conversation_rate": (3, 600, 0.5),
    "virality": (6, 4000, 0.15),
    "ctr": (50, 4000, 1.25),
    "cpm": (12, 4000, 3.0),  # 12 spent / 4000 impressions x 1000 = 3 per thousand
    "cpc": (12, 50, 0.24),
    "frequency": (4000, 1600, 2.5),  # impressions per person reached
}


def test_every_metric_has_a_hand_computed_case():
    assert set(HAND) == set(METRICS)


@pytest.mark.parametrize("metric", sorted(HAND))
def test_each_formula_against_hand_computed_values(metric):
    top, bottom, expected = HAND[metric]
    result = rate(metric, top, bottom)
    assert result.note is None
    assert result.value == pytest.approx(expected)
    assert (result.numerator, result.denominator) == (top, bottom)


def test_each_formula_names_its_denominator_and_source():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for metric, spec in METRICS.items():
        assert spec.denominator and spec.numerator, metric
        assert spec.source in data["_sources"], metric
        assert spec.unit in ("percent", "currency", "times")


@pytest.mark.parametrize("metric", sorted(HAND))
@pytest.mark.parametrize(
    "top,bottom,code",
    [
        (5, 0, "analysis.rate.zero_denominator"),
        (5, None, "analysis.rate.missing"),
        (5, float("nan"), "analysis.rate.missing"),
        (None, 10, "analysis.rate.missing"),
        (-5, 10, "analysis.rate.negative"),
        (5, -10, "analysis.rate.negative"),
        (5, "ten", "analysis.rate.not_a_number"),
        ("5", 10, "analysis.rate.not_a_number"),
        (5, float("inf"), "analysis.rate.not_a_number"),
        (True, 10, "analysis.rate.not_a_number"),
    ],
)
def test_a_part_that_cannot_be_divided_gives_a_note_not_a_number(metric, top, bottom, code):
    result = rate(metric, top, bottom)
    assert result.value is None
    assert result.note is not None and result.note.code == code
    for lang in catalogue.languages():
        sentence = result.note.in_language(lang)
        assert sentence and "{" not in sentence


def test_zero_numerator_is_a_real_zero():
    assert rate("virality", 0, 4000).value == 0.0


def test_an_unknown_metric_is_a_value_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="engagement_rate_reach"):
        rate("engagement", 1, 2)


TABLE = pd.DataFrame(
    {
        "post_type": ["Photo", "Photo", "Video", "Link", "Link", None],
        "interactions": [30, 10, 50, 0, 4, 8],
        "reach": [1000, 3000, 1000, 0, 0, 100],
        "shares": [3, 1, 10, 0, None, 1],
    }
)


def test_post_rates_are_nan_only_where_a_note_says_why():
    values, notes = post_rates(TABLE, "engagement_rate_reach")
    assert values.iloc[0] == pytest.approx(3.0) and values.iloc[1] == pytest.approx(1 / 3)
    assert values.iloc[2] == pytest.approx(5.0)
    assert math.isnan(values.iloc[3]) and math.isnan(values.iloc[4])
    assert [n.code for n in notes] == ["analysis.rate.zero_rows"]
    assert dict(notes[0].values) == {"count": 2, "column": "reach"}


def test_rates_by_group_pool_the_posts():
    table = TABLE.assign(impressions=[2000, 6000, 2000, 10, 10, 200])
    result = rates_by(table, "engagement_rate_reach", "post_type")
    rows = {row.group: row for row in result.rows}
    # Photo: (30 + 10) / (1000 + 3000) = 1.0 %, not the mean of 3.0 % and 0.33 %.
    assert rows["Photo"].value == pytest.approx(1.0) and rows["Photo"].posts == 2
    assert rows["Video"].value == pytest.approx(5.0)
    assert rows["Link"].value is None and rows["Link"].denominator == 0
    assert [r.group for r in result.rows] == ["Link", "Photo", "Video"]
    codes = [n.code for n in result.notes]
    assert codes == ["analysis.rate.zero_rows", "analysis.rate.ungrouped_rows", "analysis.rate.zero_group"]
    assert result.best().group == "Video" and result.worst().group == "Photo"


def test_groups_that_are_numbers_come_in_numeric_order():
    table = pd.DataFrame({"hour": [10, 9, 2, 10], "interactions": [1, 2, 3, 4], "reach": [10, 10, 10, 10]})
    result = rates_by(table, "engagement_rate_reach", "hour")
    assert [r.group for r in result.rows] == [2, 9, 10]
    assert all(isinstance(r.value, float) for r in result.rows)


def test_a_missing_column_is_a_note():
    values, notes = post_rates(TABLE, "ctr")
    assert values.isna().all() and notes == (DataNote.of("analysis.rate.missing_column", column="clicks, impressions"),)
    result = rates_by(TABLE, "engagement_rate_reach", "weekday")
    assert result.rows == () and result.notes[0].code == "analysis.rate.missing_column"


def test_words_where_numbers_belong_and_negative_values_are_left_out_with_a_note():
    table = pd.DataFrame({"interactions": ["12", "many", -3, 5], "reach": [100, 100, 100, "1e3"]})
    values, notes = post_rates(table, "engagement_rate_reach")
    assert values.iloc[0] == pytest.approx(12.0) and values.iloc[3] == pytest.approx(0.5)
    assert values.iloc[1:3].isna().all()
    assert [n.code for n in notes] == ["analysis.rate.unusable_rows"] and dict(notes[0].values)["count"] == 2


def test_an_empty_table_gives_no_rows_and_no_crash():
    empty = pd.DataFrame({"post_type": [], "interactions": [], "reach": []})
    assert rates_by(empty, "engagement_rate_reach", "post_type").rows == ()
    values, notes = post_rates(empty, "engagement_rate_reach")
    assert values.empty and notes == ()
