"""No metric or loader crashes on any table: empty ones, negative numbers, NaN, strings where
numbers belong, any script, HTML and control characters, and any bytes as a file."""
from __future__ import annotations

import csv
import io
import math

import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from advocacy_lab.analysis import METRICS, InsightsError, load_insights, post_rates, rate, rates_by
from advocacy_lab.core import catalogue

COLUMNS = ["interactions", "reach", "impressions", "page_likes", "shares", "likes", "comments", "clicks", "spend", "post_type", "hour"]
CELL = st.one_of(
    st.none(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["Photo", "Video", "Ảnh", "वीडियो", "<b>x</b>", "\x00\x07", "🙂", "1,234", "-0", "nan", "inf"]),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw):
    names = draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=len(COLUMNS)))
    rows = draw(st.integers(min_value=0, max_value=12))
    return pd.DataFrame({name: [draw(CELL) for _ in range(rows)] for name in names}, dtype=object)


def _said(notes) -> None:
    for note in notes:
        for lang in catalogue.languages():
            assert note.in_language(lang)


@SETTINGS
@given(table=tables(), metric=st.sampled_from(sorted(METRICS)), by=st.sampled_from(COLUMNS))
def test_metrics_never_crash_and_never_give_a_negative_or_infinite_rate(table, metric, by):
    values, notes = post_rates(table, metric)
    assert len(values) == len(table)
    assert all(math.isnan(v) or (math.isfinite(v) and v >= 0) for v in values)
    _said(notes)
    grouped = rates_by(table, metric, by)
    for row in grouped.rows:
        assert row.value is None or (math.isfinite(row.value) and row.value >= 0)
        assert row.posts >= 1
    _said(grouped.notes)


@SETTINGS
@given(metric=st.sampled_from(sorted(METRICS)), top=CELL, bottom=CELL)
def test_a_single_rate_is_a_number_or_a_note(metric, top, bottom):
    result = rate(metric, top, bottom)
    assert (result.value is None) != (result.note is None)
    if result.value is not None:
        assert math.isfinite(result.value) and result.value >= 0
    else:
        _said([result.note])


@SETTINGS
@given(data=st.binary(max_size=400))
def test_any_bytes_are_a_table_or_a_clear_error(data):
    try:
        table = load_insights(data)
    except InsightsError as error:
        assert error.in_language("vi") and error.code.startswith("analysis.file.")
    else:
        assert isinstance(table, pd.DataFrame)


@SETTINGS
@given(
    header=st.lists(st.sampled_from(["Reach", "Type", "Likes", "Post Hour", "Amount spent (USD)", "Ghi chú", "<i>x</i>"]), min_size=1, max_size=6),
    # Python 3.10's csv writer cannot write NUL at all; NUL in a file is tested on bytes above.
    cells=st.lists(st.lists(CELL.map(lambda v: "" if v is None else str(v).replace("\x00", "")), max_size=7), max_size=10),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_any_csv_with_known_headers_loads_or_says_why(header, cells, sep):
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows([header, *cells])
    try:
        table = load_insights(out.getvalue().encode("utf-8"))
    except InsightsError as error:
        assert error.in_language("vi")
        return
    for column in ("reach", "likes", "hour", "spend"):
        if column in table.columns:
            assert table[column].dtype == "float64"
            assert not (table[column] < 0).any() and not table[column].isin([math.inf, -math.inf]).any()
    _said(table.attrs["notes"])
