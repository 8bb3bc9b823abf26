"""The graded exercise of module 03, "Learning from campaign data": its answers and visible checks.

Pure (no widgets): nbgrader's test cells and the self-check both run these. The
pattern is module 04's (``campaign_message.py``): one answer key per part, the
``VISIBLE_CHECKS`` a test cell runs through ``graded(grade_id)``, the hidden
tests (in the instructor's notebook only) checking the values further against
the case-study data, with the lesson's own metrics (``advocacy_lab.analysis``).

- Part 1: the engagement rate by reach of one named post (a number, with a
  tolerance), and whether the same post's rate by impressions is higher or lower.
- Part 2: the format that worked best in a case, with the lesson's bar chart as evidence.
- Part 3: which claim compares two rates computed on different denominators.
- Part 4: a written interpretation, graded by the trainer (a Markdown cell).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from advocacy_lab.analysis.describe import group_label, in_unit, metric_name
from advocacy_lab.analysis.metrics import Rate, rate, rates_by
from advocacy_lab.core.catalogue import REFERENCE, TextKey, text

from .answers import AnswerProblem, Answers, shown_answer
from .grading import VisibleCheck, run_graded

#: The assignment and its notebook (``solutions/campaign-data/campaign-data.ipynb``).
ASSIGNMENT = "campaign-data"
NOTEBOOK = "campaign-data"

#: Where each part's answer is kept; not the lesson's keys (the lesson's drafts never fill the exercise).
RATE_KEY = "assignment/campaign-data.post-rate"
FORMAT_KEY = "assignment/campaign-data.best-format"
COMPARISON_KEY = "assignment/campaign-data.misleading-comparison"

PART_RATE = TextKey("assignment.campaign_data.part.rate")
PART_FORMAT = TextKey("assignment.campaign_data.part.format")
PART_COMPARISON = TextKey("assignment.campaign_data.part.comparison")

# -- Part 1: one named post ----------------------------------------------------
#: The budget-transparency campaign's viral video: its publish time and platform name it in the data.
RATE_CASE = "budget-transparency"
RATE_POST_POSTED = "2025-09-11T20:05"
RATE_POST_PLATFORM = "Facebook"
RATE_METRIC = "engagement_rate_reach"
#: How far from the exact rate an answer may be, in percentage points: one decimal, rounded or cut
#: (9.95... as 10.0 or 9.9); the wrong denominators give rates far from it (6.7 by impressions, 36.5 by followers).
RATE_TOLERANCE = 0.1
RATE_FIELD = "rate_percent"
RATE_LABEL = TextKey("assignment.campaign_data.rate.label")
#: Whether the same post's engagement rate by impressions is higher, the same or lower.
IMPRESSIONS_FIELD = "by_impressions"
IMPRESSIONS_LABEL = TextKey("assignment.campaign_data.impressions.label")
IMPRESSIONS_CHOICES = ("higher", "same", "lower")

# -- Part 2: the best format -----------------------------------------------------
FORMAT_CASE = "fair-trade-coalition"
FORMAT_METRIC = "engagement_rate_reach"
FORMAT_BY = "format"
FORMAT_FIELD = "best_format"
FORMAT_LABEL = TextKey("assignment.campaign_data.format.label")

# -- Part 3: the misleading comparison -------------------------------------------
COMPARISON_CASE = "ministry-ecosystem"
COMPARISON_BY = "format"
COMPARISON_FIELD = "misleading"
COMPARISON_LABEL = TextKey("assignment.campaign_data.comparison.label")


@dataclass(frozen=True)
class Comparison:
    """A colleague's claim: format ``first`` did better than format ``second``, each rate with its own metric."""

    id: str
    first: str
    first_metric: str
    second: str
    second_metric: str

    @property
    def same_denominator(self) -> bool:
        return self.first_metric == self.second_metric


#: The claims offered, in the order shown. Exactly one mixes denominators (tests check it from the data).
COMPARISONS: tuple[Comparison, ...] = (
    Comparison("live-vs-image", "live", "engagement_rate_reach", "image", "engagement_rate_reach"),
    Comparison("video-vs-live", "short video", "engagement_rate_reach", "live", "engagement_rate_followers"),
    Comparison("video-vs-link", "short video", "engagement_rate_followers", "link", "engagement_rate_followers"),
    Comparison("infographic-vs-text", "infographic", "engagement_rate_reach", "text", "engagement_rate_reach"),
)
COMPARISON_IDS = tuple(c.id for c in COMPARISONS)


# -- the data, computed with the lesson's metrics ----------------------------------
def _case(case_id: str):
    from advocacy_lab.modules.campaign_data.cases import load_case

    return load_case(case_id)


@lru_cache(maxsize=1)
def rate_post() -> dict[str, Any]:
    """Part 1's post: its figures as the export gives them (a ValueError when the data lost it)."""
    table = _case(RATE_CASE)
    rows = table[(table["posted"] == RATE_POST_POSTED) & (table["platform"] == RATE_POST_PLATFORM)]
    if len(rows) != 1:
        raise ValueError(f"{RATE_CASE} has {len(rows)} posts at {RATE_POST_POSTED} on {RATE_POST_PLATFORM}, not 1")
    row = rows.iloc[0]
    figures = {name: int(row[name]) for name in ("reach", "impressions", "page_likes", "interactions")}
    return {"posted": RATE_POST_POSTED, "platform": RATE_POST_PLATFORM, "message": str(row["message"]), **figures}


def post_rate(metric: str = RATE_METRIC) -> Rate:
    """The post's rate by ``metric``, with ``analysis.metrics.rate`` (its numerator and denominator from the data)."""
    from advocacy_lab.analysis.metrics import formula

    post = rate_post()
    spec = formula(metric)
    return rate(metric, sum(post[c] for c in spec.numerator), post[spec.denominator])


def impressions_compared() -> str:
    """``higher``, ``same`` or ``lower``: the post's rate by impressions against its rate by reach."""
    by_reach, by_impressions = post_rate().value, post_rate("engagement_rate_impressions").value
    if by_reach is None or by_impressions is None:
        raise ValueError("the post's rates cannot be computed from the data")
    if math.isclose(by_impressions, by_reach):
        return "same"
    return "higher" if by_impressions > by_reach else "lower"


@lru_cache(maxsize=1)
def format_rates():
    """Part 2's evidence: the case's engagement rate by reach per format (``rates_by``)."""
    return rates_by(_case(FORMAT_CASE), FORMAT_METRIC, FORMAT_BY)


def format_choices() -> tuple[str, ...]:
    """The formats of the case, as the data names them (the choices offered)."""
    return tuple(str(row.group) for row in format_rates().rows)


def best_format() -> str:
    best = format_rates().best()
    if best is None:
        raise ValueError(f"no format of {FORMAT_CASE} has a {FORMAT_METRIC}")
    return str(best.group)


@lru_cache(maxsize=None)
def _comparison_rates(metric: str) -> dict[str, float | None]:
    return {str(row.group): row.value for row in rates_by(_case(COMPARISON_CASE), metric, COMPARISON_BY).rows}


def comparison_values(comparison: Comparison) -> tuple[float, float]:
    """The two rates a claim quotes, each pooled over the format's posts with its own metric."""
    first = _comparison_rates(comparison.first_metric).get(comparison.first)
    second = _comparison_rates(comparison.second_metric).get(comparison.second)
    if first is None or second is None:
        raise ValueError(f"claim {comparison.id} quotes a rate the data of {COMPARISON_CASE} does not give")
    return first, second


def holds_on_one_denominator(comparison: Comparison) -> bool:
    """Whether ``first`` still beats ``second`` when both rates use the first's denominator."""
    first = _comparison_rates(comparison.first_metric).get(comparison.first)
    second = _comparison_rates(comparison.first_metric).get(comparison.second)
    return first is not None and second is not None and first > second


def misleading_comparison() -> str:
    """The id of the one claim that compares rates on different denominators."""
    mixed = [c.id for c in COMPARISONS if not c.same_denominator]
    if len(mixed) != 1:
        raise ValueError(f"exactly one claim must mix denominators, not {mixed}")
    return mixed[0]


def statement(comparison: Comparison, lang: str = REFERENCE) -> str:
    """A claim in words, each rate with its unit and its metric's name ("engagement rate by reach")."""
    first, second = comparison_values(comparison)
    words = text(
        "assignment.campaign_data.comparison.claim",
        lang,
        first=group_label(COMPARISON_BY, comparison.first, lang),
        second=group_label(COMPARISON_BY, comparison.second, lang),
        first_value=in_unit(comparison.first_metric, first, lang),
        second_value=in_unit(comparison.second_metric, second, lang),
        first_metric=metric_name(comparison.first_metric, lang),
        second_metric=metric_name(comparison.second_metric, lang),
    )
    return words[:1].upper() + words[1:]  # a format's name starts the sentence


# -- reading the answers ------------------------------------------------------------
#: A percentage as typed: digits, one decimal mark (point or comma, as in Vietnamese), an optional "%".
_PERCENT = re.compile(r"^\s*([0-9]{1,3})(?:[.,]([0-9]{1,4}))?\s*%?\s*$")  # ASCII digits only: \d takes other scripts' too


def parse_percent(typed: str) -> float | None:
    """ "9.95", "9,95" or "9.95 %" -> 9.95; None when it is not a percentage written that way."""
    found = _PERCENT.match(typed)
    if not found:
        return None
    whole, decimals = found.groups()
    return float(f"{whole}.{decimals or 0}")


def _rate(answers: Answers) -> dict[str, Any]:
    typed = answers.text(RATE_KEY, PART_RATE, RATE_FIELD, RATE_LABEL)
    value = parse_percent(typed)
    if value is None:
        raise AnswerProblem(
            "assignment.campaign_data.rate.not_a_percentage", field=RATE_LABEL, answer=shown_answer(typed.strip(), 40)
        )
    return {"rate_percent": value}


def _by_impressions(answers: Answers) -> dict[str, Any]:
    choice = answers.choice(RATE_KEY, PART_RATE, IMPRESSIONS_FIELD, IMPRESSIONS_LABEL, IMPRESSIONS_CHOICES)
    return {"by_impressions": choice}


def _best_format(answers: Answers) -> dict[str, Any]:
    return {"best_format": answers.choice(FORMAT_KEY, PART_FORMAT, FORMAT_FIELD, FORMAT_LABEL, format_choices())}


def _misleading(answers: Answers) -> dict[str, Any]:
    return {"misleading": answers.choice(COMPARISON_KEY, PART_COMPARISON, COMPARISON_FIELD, COMPARISON_LABEL, COMPARISON_IDS)}


# -- the visible checks ---------------------------------------------------------------
def _rate_is_a_percentage(values: dict[str, Any]) -> None:
    # A share of the people reached cannot pass 100%; the right value is the hidden tests' business.
    if not 0 <= values["rate_percent"] <= 100:
        raise AnswerProblem("assignment.campaign_data.rate.out_of_range")


def _nothing_more(values: dict[str, Any]) -> None:
    """The visible test only reads the answer; the rest is hidden."""


VISIBLE_CHECKS: dict[str, VisibleCheck] = {
    check.grade_id: check
    for check in (
        VisibleCheck("engagement_rate_by_reach_of_the_viral_video", PART_RATE, _rate, _rate_is_a_percentage),
        VisibleCheck("rate_by_impressions_compared_with_reach", PART_RATE, _by_impressions, _nothing_more),
        VisibleCheck("best_format_by_engagement_rate", PART_FORMAT, _best_format, _nothing_more),
        VisibleCheck("misleading_comparison_spotted", PART_COMPARISON, _misleading, _nothing_more),
    )
}


# -- what a learner's feedback says (``advocacy-lab feedback``) --------------------------
#: A plain-language hint for each autograded check, shown in the feedback when it did not pass.
HINTS: dict[str, TextKey] = {grade_id: TextKey(f"assignment.hint.{grade_id}") for grade_id in VISIBLE_CHECKS}

#: The parts the trainer grades by hand (a written answer, a Markdown cell), by grade_id.
WRITTEN_PARTS: dict[str, TextKey] = {
    "interpretation_what_worked_and_why": TextKey("assignment.hint.part.interpretation_what_worked_and_why"),
}

#: How each answer a visible check reads is named for the learner.
ANSWER_LABELS: dict[str, TextKey] = {
    RATE_FIELD: RATE_LABEL,
    IMPRESSIONS_FIELD: IMPRESSIONS_LABEL,
    FORMAT_FIELD: FORMAT_LABEL,
    COMPARISON_FIELD: COMPARISON_LABEL,
}


def answer_words(name: str, value: Any, lang: str) -> str:
    """An answer as the learner chose it, in ``lang``: each choice in the words it was offered with."""
    if name == IMPRESSIONS_FIELD and value in IMPRESSIONS_CHOICES:
        return text(f"assignment.campaign_data.impressions.{value}", lang)
    if name == FORMAT_FIELD and isinstance(value, str):
        return group_label(FORMAT_BY, value, lang)
    if name == COMPARISON_FIELD:
        for comparison in COMPARISONS:
            if comparison.id == value:
                return statement(comparison, lang)
    if name == RATE_FIELD and isinstance(value, float):
        return f"{value:g}%"
    return shown_answer(value)


def graded(grade_id: str, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a test cell calls: as ``campaign_message.graded`` (``grading.run_graded``), for this exercise's answers file."""
    __tracebackhide__ = True  # the learner reads the reason, not our frames
    return run_graded(VISIBLE_CHECKS[grade_id], NOTEBOOK, folder)


__all__ = [
    "ANSWER_LABELS", "ASSIGNMENT", "COMPARISONS", "HINTS", "NOTEBOOK", "VISIBLE_CHECKS", "WRITTEN_PARTS", "answer_words", "best_format", "comparison_values",
    "format_choices", "graded", "impressions_compared", "misleading_comparison", "parse_percent", "post_rate",
    "rate_post", "statement",
]
