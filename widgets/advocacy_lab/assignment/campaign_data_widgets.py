"""The widgets of the campaign-data graded exercise (see ``widgets.py`` for where answers go).

Part 1 is a number-and-choice answer (the rate, and how the rate by impressions
compares); Parts 2 and 3 are a choice each (``ChoiceAnswer``): Part 2 under the
lesson's own bar chart (``analysis.describe.bar_chart`` drawn by ``ui.charts``),
Part 3 among claims written from the data in the page's language.
"""
from __future__ import annotations

import html
import os
from functools import lru_cache
from typing import Any, Callable

import ipywidgets as widgets

from advocacy_lab.analysis.describe import bar_chart, group_label, number
from advocacy_lab.core.catalogue import text
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.session import page_session

from . import campaign_data as spec
from .widgets import AnswerSheet, NumberAndChoiceAnswer, PartIntro


class ChoiceAnswer(LearnerComponent):
    """One choice among several answers, under optional evidence (a chart); ``value`` = {<field>: choice}.

    ``options(lang)`` gives (label, value) pairs; ``evidence(lang)`` gives HTML already escaped
    (``ui.charts.figure_html``). Both are drawn again when the page's language changes; the answer stays.
    """

    def __init__(
        self,
        *,
        draft_key: str,
        title_key: str,
        field: str,
        label_key: str,
        options: Callable[[str], list[tuple[str, Any]]],
        evidence: Callable[[str], str] | None = None,
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._title_key = title_key
        self._option_words = options
        self._evidence_html = evidence
        self._evidence = widgets.HTML(evidence(self.lang) if evidence else "")
        self._evidence.add_class("al-answer-evidence")
        self._question = widgets.HTML()
        self._labelled(self._question, label_key, "value", lambda words: f"<p><strong>{html.escape(words)}</strong></p>")
        self._choice = widgets.RadioButtons(options=options(self.lang), value=None)
        self._choice.add_class("al-answer-choice")
        self._add_field(field, self._choice, label_key=label_key, label_attr=None)
        self._choice.observe(self._guard(self._sync_from_children), names="value")
        self.children = [self._evidence, self._question, self._choice, self._error]
        self.add_class("al-choice-answer")
        self._sync_from_children()

    def _relabel(self) -> None:
        picked = self._choice.value
        self._syncing = True
        try:
            self._choice.options = self._option_words(self.lang)
            self._choice.value = picked
        finally:
            self._syncing = False
        if self._evidence_html:
            self._evidence.value = self._evidence_html(self.lang)


@lru_cache(maxsize=4)
def format_chart_html(lang: str) -> str:
    """Part 2's evidence: the lesson's bar chart of the case, with its text alternative, in ``lang``."""
    from advocacy_lab.ui import charts

    chart = bar_chart(spec.format_rates(), lang)
    return charts.figure_html(charts.bar_png(chart), chart.title, chart.alt, "al-chart-bars")


def _rate_intro(lang: str) -> str:
    post = spec.rate_post()
    figures = {name: number(post[name], lang, 0) for name in ("reach", "impressions", "page_likes", "interactions")}
    return text(
        "assignment.campaign_data.rate.post", lang, posted=post["posted"].replace("T", " "),
        platform=post["platform"], message=post["message"], **figures,
    )


def _impressions_options() -> tuple[tuple[str, str], ...]:
    return tuple((f"assignment.campaign_data.impressions.{value}", value) for value in spec.IMPRESSIONS_CHOICES)


def _format_options(lang: str) -> list[tuple[str, str]]:
    return [(group_label(spec.FORMAT_BY, value, lang), value) for value in spec.format_choices()]


def _comparison_options(lang: str) -> list[tuple[str, str]]:
    return [(spec.statement(c, lang), c.id) for c in spec.COMPARISONS]


def answer_sheet(folder: str | os.PathLike[str] | None = None, store: Any = None) -> AnswerSheet:
    """Build the exercise's widgets; answers restored from, and saved to, where this kernel keeps them."""
    lang = page_session().lang
    parts = {
        "rate": NumberAndChoiceAnswer(
            draft_key=spec.RATE_KEY,
            title_key="assignment.campaign_data.rate.draft_title",
            intro=_rate_intro,
            number_field=spec.RATE_FIELD,
            number_label=spec.RATE_LABEL.key,
            number_placeholder="assignment.campaign_data.rate.placeholder",
            choice_field=spec.IMPRESSIONS_FIELD,
            choice_label=spec.IMPRESSIONS_LABEL.key,
            choices=_impressions_options(),
            lang=lang,
        ),
        "format": ChoiceAnswer(
            draft_key=spec.FORMAT_KEY,
            title_key="assignment.campaign_data.format.draft_title",
            field=spec.FORMAT_FIELD,
            label_key=spec.FORMAT_LABEL.key,
            options=_format_options,
            evidence=format_chart_html,
            lang=lang,
        ),
        "comparison": ChoiceAnswer(
            draft_key=spec.COMPARISON_KEY,
            title_key="assignment.campaign_data.comparison.draft_title",
            field=spec.COMPARISON_FIELD,
            label_key=spec.COMPARISON_LABEL.key,
            options=_comparison_options,
            lang=lang,
        ),
    }

    def case(key: str) -> Callable[[str], str]:
        # The case's title from the module's catalogue, and that its data is illustrative.
        return lambda code: text(key, code, case=text(f"campaign_data.case.{_CASES[key]}.title", code))

    intros = {
        "rate": PartIntro(spec.PART_RATE, case("assignment.campaign_data.rate.instructions"), lang=lang),
        "format": PartIntro(spec.PART_FORMAT, case("assignment.campaign_data.format.instructions"), lang=lang),
        "comparison": PartIntro(
            spec.PART_COMPARISON, case("assignment.campaign_data.comparison.instructions"), lang=lang
        ),
    }
    intro = PartIntro(None, lambda code: text("assignment.campaign_data.intro", code), lang=lang)
    return AnswerSheet(
        spec.NOTEBOOK, parts, spec.VISIBLE_CHECKS, intros=intros, intro=intro, folder=folder, store=store
    )


_CASES = {
    "assignment.campaign_data.rate.instructions": spec.RATE_CASE,
    "assignment.campaign_data.format.instructions": spec.FORMAT_CASE,
    "assignment.campaign_data.comparison.instructions": spec.COMPARISON_CASE,
}
