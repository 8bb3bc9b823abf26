"""``CaseStudyExplorer``: the learner picks a case (or uploads their page's export), a metric and a
breakdown, and sees charts with their text alternatives, what stands out, when posts did best,
and how shares spread around a peak; then writes what worked, and why (a draft, a plan part).

Thin: the numbers and words come from ``advocacy_lab.analysis`` (pure), the drawing from
``advocacy_lab.ui.charts``. An uploaded file lives in the kernel only (the learner keeps the
file); what they write about it is a draft like any other.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from advocacy_lab.analysis import METRICS, DataNote, InsightsError, load_insights, rates_by
from advocacy_lab.analysis.describe import (
    BarChart,
    bar_chart,
    breakdown_name,
    cascade,
    heat_map,
    metric_name,
    observations,
)
from advocacy_lab.core.catalogue import text
from advocacy_lab.ui import charts
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.course_style import carry_course_style
from advocacy_lab.ui.file_upload import FileUpload

from .cases import BREAKDOWNS, CASES, load_case
from .schema import LESSONS

#: The metrics a learner picks from first (the rest need columns case studies do not all have).
FIRST_METRICS = ("engagement_rate_reach", "virality", "engagement_rate_impressions", "amplification_rate",
                 "applause_rate", "conversation_rate", "engagement_rate_followers", "ctr", "cpm", "cpc", "frequency")
OWN = "own"  # the data source value of the learner's upload


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer shows now: the bar chart (data, title, alternative), observations and notes."""

    source: str
    chart: BarChart
    observations: tuple[str, ...]
    notes: tuple[DataNote, ...]


class CaseStudyExplorer(LearnerComponent):
    """Case, metric and breakdown pickers, charts, observations, an upload, and the lessons.

    ``value`` = {"case": case id, "case_lessons": str, "own_page_lessons": str}.
    ``check()`` draws the charts for the current choices and returns the ``ExplorerView``.
    """

    _text_prefix = "campaign_data.explorer"
    _title_key = LESSONS.title

    def __init__(self, *, draft_key: str = LESSONS.key, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._own: Any = None  # the uploaded table, in this kernel only
        self._own_name = ""
        self._view: ExplorerView | None = None
        self._drawn: dict[str, tuple[Any, ...]] = {}  # what the heat map and the spread were drawn for
        self._quiet = False  # True while pickers get new options (no redraw per step)

        self._case = widgets.Dropdown(options=self._case_options(), value=next(iter(CASES)))
        self._add_field("case", self._case, label_key=LESSONS.field("case").label)
        self._case.add_class("al-explorer-case")
        self._source = widgets.ToggleButtons(options=self._source_options(), value="case")
        self._source.add_class("al-explorer-source")
        self._metric = widgets.Dropdown(options=self._metric_options(), value=FIRST_METRICS[0])
        self._labelled(self._metric, "campaign_data.explorer.metric")
        self._metric.add_class("al-explorer-metric")
        self._by = widgets.Dropdown(options=self._by_options(), value=BREAKDOWNS[0])
        self._labelled(self._by, "campaign_data.explorer.by")
        self._by.add_class("al-explorer-by")
        for control in (self._metric, self._by):
            control.observe(self._guard(lambda _change: self._quiet or self.check()), names="value")
        self._source.observe(self._guard(self._on_source), names="value")
        self._case.observe(self._guard(self._on_case), names="value")

        self._about = widgets.HTML()
        self._about.add_class("al-explorer-about")
        self._bars = widgets.HTML()
        self._bars.add_class("al-explorer-bars")
        self._said = widgets.HTML()
        self._said.add_class("al-explorer-observations")
        self._heat = widgets.HTML()
        self._heat.add_class("al-explorer-heat")
        self._spread = widgets.HTML()
        self._spread.add_class("al-explorer-cascade")
        self._upload = FileUpload(self._guard_upload, label_key="campaign_data.explorer.upload", accept=".csv,.xlsx,text/csv", lang=lang)

        self._case_lessons = widgets.Textarea(rows=5)
        self._add_field("case_lessons", self._case_lessons, label_key=LESSONS.field("case_lessons").label)
        self._own_lessons = widgets.Textarea(rows=5)
        self._add_field("own_page_lessons", self._own_lessons, label_key=LESSONS.field("own_page_lessons").label)
        self._case_lessons.add_class("al-case-lessons")
        self._own_lessons.add_class("al-own-lessons")
        for box in (self._case_lessons, self._own_lessons):
            box.add_class("al-explorer-lessons")
            box.observe(self._guard(self._sync_from_children), names="value")

        heading = lambda key, tag="h3": self._labelled(  # noqa: E731 - catalogue words, escaped, in a heading
            widgets.HTML(), key, "value", lambda words: f'<{tag} class="al-intro-title">{html.escape(words)}</{tag}>'
        )
        self.children = [
            heading("campaign_data.explorer.title"),
            self._labelled(widgets.HTML(), "campaign_data.illustrative", "value",
                           lambda words: f'<p class="al-illustrative">{html.escape(words)}</p>'),
            self._case,
            self._about,
            self._upload,
            self._source,
            self._metric,
            self._by,
            self._error,
            self._bars,
            self._said,
            heading("campaign_data.explorer.when_title", "h4"),
            self._heat,
            heading("campaign_data.explorer.spread_title", "h4"),
            self._spread,
            heading("campaign_data.explorer.lessons_title"),
            self._case_lessons,
            self._own_lessons,
        ]
        self.add_class("al-case-explorer")
        carry_course_style()
        self._sync_from_children()
        self.check()

    # -- options in the page's language ---------------------------------------
    def _case_options(self) -> list[tuple[str, str]]:
        return [(text(f"campaign_data.case.{c}.title", self.lang), c) for c in CASES]

    def _source_options(self) -> list[tuple[str, str]]:
        options = [(text("campaign_data.explorer.source_case", self.lang), "case")]
        if self._own is not None:
            options.append((text("campaign_data.explorer.source_own", self.lang, name=self._own_name), OWN))
        return options

    def _metric_options(self) -> list[tuple[str, str]]:
        return [(metric_name(m, self.lang), m) for m in FIRST_METRICS if m in METRICS]

    def _by_options(self) -> list[tuple[str, str]]:
        # Only what the data shown has (an upload may have no format, phase or platform column).
        columns = set(self._table()[0].columns) if hasattr(self, "_source") else set(BREAKDOWNS)
        return [(breakdown_name(b, self.lang), b) for b in BREAKDOWNS if b in columns] or [
            (breakdown_name(b, self.lang), b) for b in BREAKDOWNS[:1]
        ]

    def _follow_data(self) -> None:
        """The breakdowns of the data now shown; the choice kept when that data has it too."""
        options = self._by_options()
        if [o[1] for o in options] != [o[1] for o in self._by.options]:
            self._set_options(self._by, options)

    def _relabel(self) -> None:
        # Option labels change with the language; the chosen values stay.
        for control, options in ((self._case, self._case_options()), (self._source, self._source_options()),
                                 (self._metric, self._metric_options()), (self._by, self._by_options())):
            self._set_options(control, options)
        self.check()

    def _set_options(self, control: widgets.Widget, options: list[tuple[str, str]]) -> None:
        """New options for a picker, keeping its choice when it is still offered, without a redraw per step."""
        chosen = control.value
        self._quiet = True  # ipywidgets moves the value to the first option as the options change
        try:
            control.options = options
            control.value = chosen if chosen in [value for _label, value in options] else options[0][1]
        finally:
            self._quiet = False

    def _after_restore(self) -> None:
        self.check()

    def _on_source(self, change: Any = None) -> None:
        if self._quiet:
            return
        self._follow_data()
        self.check()

    def _on_case(self, change: Any = None) -> None:
        self._sync_from_children()
        if self._quiet:
            return
        if self._source.value == OWN:
            self._source.value = "case"  # picking a case shows it (and draws it)
        else:
            self.check()

    # -- the learner's own data ---------------------------------------------------
    def _guard_upload(self, name: str, data: bytes) -> tuple[bool, str]:
        try:
            table = load_insights(data, filename=name)
        except InsightsError as problem:
            return False, problem.in_language(self.lang)  # nothing else on the page changes
        self._own, self._own_name = table, name
        self._set_options(self._source, self._source_options())
        if self._source.value == OWN:
            self._on_source()  # a second upload: the same choice, new data
        else:
            self._source.value = OWN
        return True, text("campaign_data.explorer.upload_read", self.lang, name=name, posts=len(table))

    # -- drawing ----------------------------------------------------------------------
    def _table(self) -> tuple[Any, bool]:
        if self._source.value == OWN and self._own is not None:
            return self._own, False
        return load_case(self._case.value), True

    def check(self) -> ExplorerView:
        """Draw the charts for the chosen data, metric and breakdown; returns what is shown."""
        table, iso = self._table()
        lang, metric, by = self.lang, self._metric.value, self._by.value
        rates = rates_by(table, metric, by)
        chart = bar_chart(rates, lang, iso_weekdays=iso)
        said = observations(table, rates, lang, iso_weekdays=iso)
        notes = tuple(dict.fromkeys((*table.attrs.get("notes", ()), *rates.notes)))
        if self._source.value == OWN:
            self._about.value = f'<p class="al-explorer-summary">{html.escape(text("campaign_data.explorer.own_summary", lang, name=self._own_name, posts=len(table)))}</p>'
        else:
            summary = text(f"campaign_data.case.{self._case.value}.summary", lang)
            self._about.value = f'<p class="al-explorer-summary">{html.escape(summary)}</p>'
        self._bars.value = charts.figure_html(charts.bar_png(chart), chart.title, chart.alt, "al-chart-bars") if chart.bars else (
            f'<p class="al-chart-empty">{html.escape(chart.alt)}</p>'
        )
        items = "".join(f"<li>{html.escape(s)}</li>" for s in said)
        note_items = "".join(f'<li class="al-data-note">{html.escape(n.in_language(lang))}</li>' for n in notes)
        self._said.value = f'<ul class="al-observations">{items}{note_items}</ul>'
        # The heat map and the spread do not depend on the breakdown: drawn again only when they change.
        data_id = (self._source.value, self._case.value, id(self._own), lang)
        if self._drawn.get("heat") != (*data_id, metric):
            heat = heat_map(table, metric, lang, iso_weekdays=iso)
            has_heat = any(v is not None for row in heat.cells for v in row)
            self._heat.value = charts.figure_html(charts.heat_png(heat), heat.title, heat.alt, "al-chart-heat") if has_heat else (
                f'<p class="al-chart-empty">{html.escape(heat.alt)}</p>'
            )
            self._drawn["heat"] = (*data_id, metric)
        if self._drawn.get("spread") != data_id:
            spread = cascade(table, lang)
            self._spread.value = charts.figure_html(charts.line_png(spread), spread.title, spread.alt, "al-chart-cascade") if spread.peak_day else (
                f'<p class="al-chart-empty">{html.escape(spread.alt)}</p>'
            )
            self._drawn["spread"] = data_id
        self._view = ExplorerView(self._source.value if self._own is not None else "case", chart, said, notes)
        return self._view

    @property
    def view(self) -> ExplorerView | None:
        return self._view
