"""CaseStudyExplorer headlessly: build it, pick, upload, type; assert on what it shows and keeps."""
from __future__ import annotations

from pathlib import Path

import base64
import html
import re

import pytest

from advocacy_lab.analysis import rates_by
from advocacy_lab.analysis.describe import bar_chart
from advocacy_lab.core import catalogue
from advocacy_lab.modules.campaign_data import LESSONS, load_case
from advocacy_lab.modules.campaign_data.explorer import OWN, CaseStudyExplorer
from advocacy_lab.ui import charts


# ../shared beside the repository (tests/conftest.py names it too; "conftest" is ambiguous once
# tests/browser is collected, so the path is spelled here).
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
UCI = SHARED / "data" / "uci-facebook-metrics" / "dataset_Facebook.csv"
FIGURE = re.compile(r'<figure class="al-chart ([\w-]+)"><img src="data:image/png;base64,([^"]+)" alt="([^"]*)"><figcaption>([^<]*)</figcaption></figure>')


def _figure(widget_html: str) -> tuple[str, bytes, str, str]:
    found = FIGURE.fullmatch(widget_html)
    assert found, widget_html[:200]
    css, data, alt, caption = found.groups()
    return css, base64.b64decode(data), html.unescape(alt), html.unescape(caption)


def _upload(explorer: CaseStudyExplorer, name: str, data: bytes) -> dict:
    sent = []
    upload = explorer._upload
    upload.send = lambda content, buffers=None: sent.append(content)
    try:
        upload._handle_custom_msg({"kind": "anywidget-command", "id": "1", "name": "receive", "msg": {"name": name}}, [data])
    finally:
        del upload.send
    return sent[0]["response"]


def test_it_opens_on_a_case_with_charts_their_alternatives_and_observations():
    explorer = CaseStudyExplorer()
    view = explorer.view
    table = load_case("fair-trade-coalition")
    expected = bar_chart(rates_by(table, "engagement_rate_reach", "format"), "en", iso_weekdays=True)
    css, png, alt, caption = _figure(explorer._bars.value)
    assert css == "al-chart-bars" and png.startswith(b"\x89PNG") and alt == expected.alt == view.chart.alt
    assert caption == expected.title
    for widget, kind in ((explorer._heat, "al-chart-heat"), (explorer._spread, "al-chart-cascade")):
        css, png, alt, _ = _figure(widget.value)
        assert css == kind and png.startswith(b"\x89PNG") and len(alt) > 40
    said = explorer._said.value
    assert all(html.escape(s) in said for s in view.observations)
    assert catalogue.text("campaign_data.case.fair-trade-coalition.summary", "en") in html.unescape(explorer._about.value)
    assert "al-illustrative" in explorer.children[1].value


def test_a_new_breakdown_redraws_the_bars_and_not_the_rest():
    explorer = CaseStudyExplorer()
    heat, spread = explorer._heat.value, explorer._spread.value
    before = explorer._bars.value
    explorer._by.value = "platform"
    assert explorer._bars.value != before and "for each platform" in explorer.view.chart.alt
    assert explorer._heat.value is heat and explorer._spread.value is spread
    explorer._metric.value = "virality"
    assert explorer._heat.value != heat and explorer._spread.value is spread
    assert "virality" in explorer.view.chart.alt


def test_the_case_is_the_learners_draft_and_comes_back():
    explorer = CaseStudyExplorer()
    explorer._case.value = "budget-transparency"
    explorer._case_lessons.value = "The <b>video</b> of a nurse spread; press days lifted reach."
    assert explorer.value == {"case": "budget-transparency", "case_lessons": "The <b>video</b> of a nurse spread; press days lifted reach.", "own_page_lessons": ""}
    again = CaseStudyExplorer()
    again.value = dict(explorer.value)
    assert again._case.value == "budget-transparency" and again._case_lessons.value.startswith("The <b>video</b>")
    assert "budget" in html.unescape(again._about.value).lower() or "ngân sách" in again._about.value
    assert again.view.chart.alt == bar_chart(rates_by(load_case("budget-transparency"), "engagement_rate_reach", "format"), "en", iso_weekdays=True).alt
    assert set(again.fields) == {f.name for f in LESSONS.fields}


@pytest.mark.skipif(not UCI.exists(), reason="../shared is not beside the repo")
def test_the_learners_own_export_is_explored_with_the_same_widget():
    explorer = CaseStudyExplorer()
    answer = _upload(explorer, "my-page.csv", UCI.read_bytes())
    assert answer["ok"] is True and "500" in answer["message"]
    assert explorer._source.value == OWN and explorer.view.source == OWN
    # The export has no format, platform or phase: only its own breakdowns are offered.
    assert [value for _label, value in explorer._by.options] == ["post_type", "paid", "weekday", "hour"]
    assert explorer._by.value == "post_type" and explorer.view.chart.bars
    explorer._by.value = "hour"
    explorer._by.value = "post_type"
    assert "for each post type, 4 groups" in explorer.view.chart.alt
    assert [bar.label for bar in explorer.view.chart.bars] == ["link", "photo", "text only", "video"]
    assert "my-page.csv" in explorer._about.value and "500" in explorer._about.value
    explorer._by.value = "weekday"  # an upload's weekdays stay numbers: their convention is unknown
    assert all(bar.label.isdigit() for bar in explorer.view.chart.bars)
    # A second file replaces the first, and its charts are drawn.
    answer = _upload(explorer, "other.csv", b"Type,Reach,Total Interactions,Post Hour\nPhoto,100,5,9\nVideo,100,9,20\n")
    assert answer["ok"] is True and explorer._source.value == OWN and "other.csv" in explorer._about.value
    assert [value for _label, value in explorer._by.options] == ["post_type", "hour"] and explorer._by.value == "post_type"
    assert [bar.group for bar in explorer.view.chart.bars] == ["Photo", "Video"]
    explorer._by.value = "hour"
    explorer._source.value = "case"
    assert explorer.view.source == "case" and len(explorer._by.options) == 9 and explorer._by.value == "hour"
    assert catalogue.text("campaign_data.case.fair-trade-coalition.summary", "en") in html.unescape(explorer._about.value)


@pytest.mark.parametrize(
    "data,code",
    [(b"", "analysis.file.empty"), (b"name,colour\nAn,blue\n", "analysis.file.no_known_columns"), (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "analysis.file.old_excel")],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_else_changes(data, code):
    explorer = CaseStudyExplorer(lang="vi")
    explorer._case_lessons.value = "Ảnh hoạt động tốt"
    bars, value = explorer._bars.value, dict(explorer.value)
    answer = _upload(explorer, "trang.csv", data)
    assert answer["ok"] is False and "trang.csv" in answer["message"]
    assert answer["message"] == catalogue.text(code, "vi", **_values_of(code))
    assert explorer._source.value == "case" and explorer._bars.value == bars and explorer.value == value
    assert explorer.error_message == ""


def _values_of(code: str) -> dict:
    from advocacy_lab.analysis.insights import CANONICAL_COLUMNS

    if code == "analysis.file.no_known_columns":
        return {"name": "trang.csv", "expected": ", ".join(CANONICAL_COLUMNS), "found": "name, colour"}
    return {"name": "trang.csv"}


def test_the_page_language_relabels_options_and_redraws_in_it():
    explorer = CaseStudyExplorer()
    explorer._by.value = "platform"
    explorer.lang = "vi"
    assert explorer._by.value == "platform" and dict(explorer._by.options)["nền tảng"] == "platform"
    assert explorer.view.chart.alt.startswith("Biểu đồ cột") and "nền tảng" in explorer.view.chart.alt
    assert dict(explorer._case.options)["Một liên minh quốc gia vì ngân sách công khai"] == "budget-transparency"


def test_the_chart_colours_are_the_courses():
    assert charts.colours()["primary"] == "#1b5e9b"
    assert set(charts.colours()) >= {"primary", "border", "surface", "warn"}
