"""Module 03's graded exercise headlessly: its answers checked against the data, its widgets, in every language.

The expected values are computed here from the case-study CSV files with the csv module and plain
arithmetic, not through ``advocacy_lab.analysis``, so a broken metric cannot agree with itself.
"""
from __future__ import annotations

import csv
import html
import json
from collections import defaultdict

import pytest

from advocacy_lab.assignment import campaign_data as spec
from advocacy_lab.assignment.answers import AnswerProblem, Answers, answers_file_name
from advocacy_lab.assignment.campaign_data_widgets import answer_sheet
from advocacy_lab.core.catalogue import catalogue, languages, text
from advocacy_lab.modules.campaign_data.cases import CASES, FOLDER
from assignment_support import answer_campaign_data_through_widgets, campaign_data_solution
from widget_support import one


def _rows(case_id: str) -> list[dict[str, str]]:
    with open(FOLDER / CASES[case_id].file, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _pooled(case_id: str, denominator: str) -> dict[str, float]:
    """Interactions over ``denominator`` per format, each format's posts pooled, in percent."""
    top, bottom = defaultdict(float), defaultdict(float)
    for row in _rows(case_id):
        top[row["Format"]] += float(row["Total Interactions"])
        bottom[row["Format"]] += float(row[denominator])
    return {group: top[group] / bottom[group] * 100 for group in top}


REACH, FOLLOWERS = "Lifetime Post Total Reach", "Page total likes"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("ADVOCACY_LAB_LANG", raising=False)
    return tmp_path


# -- the answers, from the data ------------------------------------------------------
def test_part_1_rate_is_the_posts_interactions_over_its_reach():
    (row,) = [
        r for r in _rows(spec.RATE_CASE)
        if r["Publish time"] == spec.RATE_POST_POSTED and r["Platform"] == spec.RATE_POST_PLATFORM
    ]
    expected = float(row["Total Interactions"]) / float(row["Lifetime Post Total Reach"]) * 100
    assert spec.post_rate().value == pytest.approx(expected)
    assert spec.post_rate().value == pytest.approx(9.9548, abs=1e-4)  # 11,302 / 113,533
    by_impressions = float(row["Total Interactions"]) / float(row["Lifetime Post Total Impressions"]) * 100
    assert by_impressions < expected and spec.impressions_compared() == "lower"
    # The post is the case's most shared one: the viral video the instructions describe.
    most_shared = max(_rows(spec.RATE_CASE), key=lambda r: float(r["share"]))
    assert most_shared["Publish time"] == spec.RATE_POST_POSTED and most_shared["Format"] == "short video"


def test_part_2_best_format_is_the_highest_pooled_rate_by_reach():
    rates = _pooled(spec.FORMAT_CASE, REACH)
    assert spec.best_format() == max(rates, key=rates.get) == "short video"
    assert set(spec.format_choices()) == set(rates)
    # Not simply the format posted most: the chart is the evidence.
    counts = defaultdict(int)
    for row in _rows(spec.FORMAT_CASE):
        counts[row["Format"]] += 1
    assert max(counts, key=counts.get) != spec.best_format()


def test_part_3_exactly_one_claim_mixes_denominators_and_it_misleads():
    by_reach, by_followers = _pooled(spec.COMPARISON_CASE, REACH), _pooled(spec.COMPARISON_CASE, FOLLOWERS)
    pooled = {"engagement_rate_reach": by_reach, "engagement_rate_followers": by_followers}
    mixed = [c for c in spec.COMPARISONS if c.first_metric != c.second_metric]
    assert [c.id for c in mixed] == [spec.misleading_comparison()] == ["video-vs-live"]
    assert spec.misleading_comparison() != spec.COMPARISONS[0].id  # not given away by its place
    for claim in spec.COMPARISONS:
        first, second = spec.comparison_values(claim)
        assert first == pytest.approx(pooled[claim.first_metric][claim.first])
        assert second == pytest.approx(pooled[claim.second_metric][claim.second])
        assert first > second  # every claim's numbers say what it claims...
        # ...but only the mixed one turns round on one denominator (both rates by the first's).
        same = pooled[claim.first_metric]
        assert (same[claim.first] > same[claim.second]) is claim.same_denominator
        assert spec.holds_on_one_denominator(claim) is claim.same_denominator


def test_claims_are_written_in_each_language_with_units_and_denominators():
    claim = next(c for c in spec.COMPARISONS if c.id == "video-vs-live")
    assert spec.statement(claim, "en") == (
        "Short video did better than live video: 6.1% (engagement rate by reach) "
        "against 0.67% (engagement rate by followers)."
    )
    vi = spec.statement(claim, "vi")
    assert "6,1%" in vi and "0,67%" in vi and "hiệu quả hơn" in vi
    assert text("analysis.metric.engagement_rate_followers.name", "vi") in vi


def test_the_rates_tolerance_takes_one_decimal_rounded_or_cut_and_no_wrong_denominator():
    exact = spec.post_rate().value
    for typed in ("10", "10,0", "9.9", "9.95"):
        assert abs(spec.parse_percent(typed) - exact) <= spec.RATE_TOLERANCE, typed
    wrong = [spec.post_rate(m).value for m in ("engagement_rate_impressions", "engagement_rate_followers")]
    wrong.append(exact / 100)  # the share, not the percentage
    for value in wrong:
        assert abs(round(value, 1) - exact) > 10 * spec.RATE_TOLERANCE, value


@pytest.mark.parametrize(
    "typed, value",
    [("9.95", 9.95), ("9,95", 9.95), (" 10 ", 10.0), ("9.9 %", 9.9), ("9,9%", 9.9), ("0", 0.0)],
)
def test_a_percentage_is_read_with_a_point_or_a_comma(typed, value):
    assert spec.parse_percent(typed) == value


@pytest.mark.parametrize("typed", ["", "nine", "9.9.9", "1,234.5", "-3", "1e1", "٩", "9 5", "10000"])
def test_anything_else_is_not_a_percentage(typed):
    assert spec.parse_percent(typed) is None


def _answers(**data) -> Answers:
    return Answers({spec.RATE_KEY: data.get("rate", {}), spec.FORMAT_KEY: data.get("format", {}),
                    spec.COMPARISON_KEY: data.get("comparison", {})})


def test_visible_checks_read_exact_types_and_say_why_in_every_language():
    check = spec.VISIBLE_CHECKS
    with pytest.raises(AnswerProblem) as problem:
        check["engagement_rate_by_reach_of_the_viral_video"].run(_answers(rate={"rate_percent": 9.95}))
    assert problem.value.code == "assignment.answers.wrong_kind"  # a number in the file, not what was typed
    with pytest.raises(AnswerProblem) as problem:
        check["engagement_rate_by_reach_of_the_viral_video"].run(_answers(rate={"rate_percent": "about ten"}))
    assert problem.value.code == "assignment.campaign_data.rate.not_a_percentage"
    assert "about ten" in problem.value.in_language("vi") and "tỷ lệ phần trăm" in problem.value.in_language("vi")
    with pytest.raises(AnswerProblem) as problem:
        check["engagement_rate_by_reach_of_the_viral_video"].run(_answers(rate={"rate_percent": "365"}))
    assert problem.value.code == "assignment.campaign_data.rate.out_of_range"
    for grade_id, field, key, wrong in (
        ("best_format_by_engagement_rate", "best_format", "format", "Short Video"),
        ("misleading_comparison_spotted", "misleading", "comparison", True),
        ("rate_by_impressions_compared_with_reach", "by_impressions", "rate", "less"),
    ):
        with pytest.raises(AnswerProblem) as problem:
            check[grade_id].run(_answers(**{key: {field: wrong}}))
        assert problem.value.code == "assignment.answers.wrong_kind", grade_id
    solution = campaign_data_solution()
    values = check["best_format_by_engagement_rate"].run(_answers(format={"best_format": solution["best_format"]}))
    assert values == {"best_format": "short video"}


def test_every_text_of_the_exercise_is_in_every_language():
    keys = [k for k in catalogue("en") if k.startswith("assignment.campaign_data.")]
    keys += [f"assignment.self_check.check.{grade_id}" for grade_id in spec.VISIBLE_CHECKS]
    assert len(keys) > 25
    for lang in languages():
        missing = [k for k in keys if k not in catalogue(lang)]
        assert not missing, (lang, missing)


# -- graded(): what a test cell does -------------------------------------------------------
def test_graded_in_practice_says_not_yet_and_goes_on(folder, capsys):
    values = spec.graded("best_format_by_engagement_rate", folder=folder)
    assert values["best_format"] is None
    assert "campaign-data.answers.json" in capsys.readouterr().out


def test_graded_while_grading_raises_with_the_reason(folder, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AnswerProblem) as problem:
        spec.graded("misleading_comparison_spotted", folder=folder)
    assert problem.value.code == "assignment.answers.missing"
    (folder / answers_file_name(spec.NOTEBOOK)).write_text('{"schema_version": 1, "drafts": {', "utf-8")
    with pytest.raises(AnswerProblem) as problem:
        spec.graded("engagement_rate_by_reach_of_the_viral_video", folder=folder)
    assert problem.value.code == "assignment.answers.unreadable"


def test_graded_reads_what_the_widgets_saved(folder, capsys, monkeypatch):
    answer_campaign_data_through_widgets(folder)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert spec.graded("engagement_rate_by_reach_of_the_viral_video", folder=folder) == {"rate_percent": 10.0}
    assert spec.graded("rate_by_impressions_compared_with_reach", folder=folder) == {"by_impressions": "lower"}
    assert spec.graded("misleading_comparison_spotted", folder=folder) == {"misleading": "video-vs-live"}
    assert "rate_percent: 10.0" in capsys.readouterr().out


def test_graded_speaks_the_grading_language(folder, capsys, monkeypatch):
    monkeypatch.setenv("ADVOCACY_LAB_LANG", "vi")
    answer_campaign_data_through_widgets(folder, best_format="link")
    assert spec.graded("best_format_by_engagement_rate", folder=folder) == {"best_format": "link"}
    assert "Câu trả lời được chấm (Phần 2: hình thức hiệu quả nhất):" in capsys.readouterr().out


def test_graded_on_a_voila_page_reads_nothing(folder, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "k")
    assert spec.graded("best_format_by_engagement_rate", folder=folder)["best_format"] is None


# -- the widgets ----------------------------------------------------------------------------
def test_the_sheet_saves_each_answer_as_typed(folder):
    sheet = answer_campaign_data_through_widgets(folder)
    saved = json.loads((folder / answers_file_name(spec.NOTEBOOK)).read_text("utf-8"))["drafts"]
    assert saved[spec.RATE_KEY]["data"] == {"rate_percent": "10,0", "by_impressions": "lower"}
    assert saved[spec.FORMAT_KEY]["data"] == {"best_format": "short video"}
    assert saved[spec.COMPARISON_KEY]["data"] == {"misleading": "video-vs-live"}
    assert all(v is None for v in sheet.self_check.verdicts().values())
    result = one(sheet.self_check, "al-self-check-result").value
    assert result.count("al-self-check-pass") == len(spec.VISIBLE_CHECKS)


def test_a_part_left_blank_is_not_yet_in_the_self_check(folder):
    sheet = answer_campaign_data_through_widgets(folder, misleading=None, rate="ten")
    verdicts = sheet.self_check.verdicts()
    assert verdicts["best_format_by_engagement_rate"] is None
    assert "is blank" in verdicts["misleading_comparison_spotted"]
    assert "“ten” is not a percentage" in verdicts["engagement_rate_by_reach_of_the_viral_video"]


def test_part_2_shows_the_lessons_chart_with_its_text_alternative(folder):
    sheet = answer_sheet(folder=folder)
    evidence = one(sheet.parts["format"], "al-answer-evidence").value
    assert evidence.startswith('<figure class="al-chart al-chart-bars"><img src="data:image/png;base64,')
    assert 'alt="Bar chart of engagement rate by reach for each format, 5 groups; short video highest at 6.1%' in evidence
    choice = one(sheet.parts["format"], "al-answer-choice")
    assert [label for label, _ in choice.options] == ["image", "infographic", "link", "short video", "text only"]


def test_the_sheet_speaks_the_page_language(folder, monkeypatch):
    monkeypatch.setenv("ADVOCACY_LAB_LANG", "vi")
    sheet = answer_sheet(folder=folder)
    intro = html.unescape(sheet.intros["rate"].value)
    assert "Phần 1: tỷ lệ tương tác của một bài đăng" in intro
    assert "Một liên minh quốc gia vì ngân sách công khai" in intro
    rate_box = sheet.parts["rate"]
    assert "113.533" in html.unescape(rate_box._intro.value)  # numbers as Vietnamese writes them
    assert one(rate_box, "al-answer-number").placeholder == "ví dụ 4,2"
    evidence = one(sheet.parts["format"], "al-answer-evidence").value
    assert "6,1%" in evidence and "video ngắn" in html.unescape(evidence).casefold()
    choice = one(sheet.parts["comparison"], "al-answer-choice")
    assert all("hiệu quả hơn" in label for label, _ in choice.options)
    choice.value = "video-vs-live"
    sheet.parts["comparison"].lang = "en"  # relabelled; the answer picked stays
    assert all("did better than" in label for label, _ in choice.options)
    assert choice.value == "video-vs-live"
    sheet.parts["format"].lang = "en"
    assert "6.1%" in one(sheet.parts["format"], "al-answer-evidence").value
