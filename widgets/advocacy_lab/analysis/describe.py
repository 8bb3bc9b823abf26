"""Module 03's charts as data, their text alternatives, and observations in plain words. Pure.

A chart here is what it shows (bars, a weekday x hour grid, a day-by-day
line), built from ``metrics``; ``advocacy_lab.modules.campaign_data`` draws
it with matplotlib. The text alternative and the observations are generated
from the same data, in the learner's language (catalogue ``analysis.*``;
numbers and day names in that language's conventions, through Babel).

How sure one can be: each group's rate is re-computed on resamples of its
posts (a bootstrap, fixed seed, so the same data always gets the same words).
When the best and the worst group's ranges overlap, the difference could be
chance; with fewer than ``FEW_POSTS`` posts a group is a hint, not evidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advocacy_lab.core.catalogue import catalogue, text

from .metrics import METRICS, GroupRates, formula, rates_by

if TYPE_CHECKING:
    import pandas as pd

#: Below this many posts a group's rate is a hint to test, not evidence.
FEW_POSTS = 10
#: A heat map's best and worst time slots are named among slots with at least this many posts (when any).
SLOT_POSTS = 3
#: Resamples for the ranges of ``how_sure`` (enough for a stable 90% range at this size).
RESAMPLES = 400
_SEED = 3


def number(value: float, lang: str, digits: int = 1) -> str:
    """``value`` written as the language writes numbers ("6.1" in English, "6,1" in Vietnamese)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def in_unit(metric: str, value: float | None, lang: str) -> str:
    """A metric's value with its unit ("6.1%", "3.00", "2.5×"); "–" with words when there is none."""
    if value is None or not math.isfinite(value):
        return text("analysis.no_value", lang)
    unit = formula(metric).unit
    if unit == "percent":
        digits = 2 if value < 1 else 1
        return text("analysis.unit.percent", lang, value=number(value, lang, digits))
    if unit == "currency":
        return text("analysis.unit.currency", lang, value=number(value, lang, 2))
    return text("analysis.unit.times", lang, value=number(value, lang, 1))


def group_label(column: str, value: Any, lang: str, *, iso_weekdays: bool = False) -> str:
    """A group's name for people: known values translated (``analysis.value.<column>.<value>``), weekday
    numbers as day names when the data says they are ISO (1 = Monday), the rest as it is in the data."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if column == "weekday" and iso_weekdays and isinstance(value, int) and 1 <= value <= 7:
        from babel.dates import get_day_names

        return get_day_names("wide", locale=lang)[value - 1]
    if column == "hour" and isinstance(value, int):
        return text("analysis.hour", lang, hour=f"{value:02d}")
    key = f"analysis.value.{column}.{str(value).casefold().replace(' ', '_')}"
    if key in catalogue("en"):
        return text(key, lang)
    return str(value)


def metric_name(metric: str, lang: str) -> str:
    formula(metric)  # a ValueError for an unknown one
    return text(f"analysis.metric.{metric}.name", lang)


def breakdown_name(column: str, lang: str) -> str:
    key = f"analysis.by.{column}"
    return text(key, lang) if key in catalogue("en") else column


@dataclass(frozen=True)
class Bar:
    group: Any
    label: str
    value: float | None
    posts: int


@dataclass(frozen=True)
class BarChart:
    """One bar per group (in the groups' order), its title and its text alternative, in ``lang``."""

    metric: str
    by: str
    bars: tuple[Bar, ...]
    title: str
    alt: str
    lang: str


def bar_chart(rates: GroupRates, lang: str = "en", *, iso_weekdays: bool = False) -> BarChart:
    bars = tuple(
        Bar(row.group, group_label(rates.by, row.group, lang, iso_weekdays=iso_weekdays), row.value, row.posts)
        for row in rates.rows
    )
    names = {"metric": metric_name(rates.metric, lang), "by": breakdown_name(rates.by, lang)}
    title = text("analysis.chart.bars_title", lang, **names)
    scored = [b for b in bars if b.value is not None]
    if not scored:
        alt = text("analysis.chart.bars_empty", lang, **names)
    elif len(scored) == 1:
        alt = text("analysis.chart.bars_one", lang, best=scored[0].label, best_value=in_unit(rates.metric, scored[0].value, lang), **names)
    else:
        best = max(scored, key=lambda b: b.value)
        worst = min(scored, key=lambda b: b.value)
        alt = text(
            "analysis.chart.bars",
            lang,
            best=best.label,
            best_value=in_unit(rates.metric, best.value, lang),
            worst=worst.label,
            worst_value=in_unit(rates.metric, worst.value, lang),
            count=len(scored),
            **names,
        )
    return BarChart(rates.metric, rates.by, bars, title, alt, lang)


@dataclass(frozen=True)
class HeatMap:
    """The metric pooled by weekday (rows, 1-7) and hour (columns, 0-23); None where no post."""

    metric: str
    cells: tuple[tuple[float | None, ...], ...]
    posts: tuple[tuple[int, ...], ...]
    day_labels: tuple[str, ...]
    title: str
    alt: str
    lang: str


def heat_map(table: "pd.DataFrame", metric: str, lang: str = "en", *, iso_weekdays: bool = False) -> HeatMap:
    """When posts did best: ``metric`` for each weekday and hour (the best time to post, in this data)."""
    import pandas as pd

    cells = [[None] * 24 for _ in range(7)]
    posts = [[0] * 24 for _ in range(7)]
    if {"weekday", "hour"} <= set(table.columns):
        slots = pd.to_numeric(table["weekday"], errors="coerce") * 100 + pd.to_numeric(table["hour"], errors="coerce")
        for row in rates_by(table.assign(_slot=slots), metric, "_slot").rows:
            day, hour = divmod(int(row.group), 100)
            if 1 <= day <= 7 and 0 <= hour <= 23:
                cells[day - 1][hour], posts[day - 1][hour] = row.value, row.posts
    days = tuple(group_label("weekday", d, lang, iso_weekdays=iso_weekdays) for d in range(1, 8))
    names = {"metric": metric_name(metric, lang)}
    filled = [(v, d, h, posts[d][h]) for d in range(7) for h in range(24) if (v := cells[d][h]) is not None]
    # One lucky post says little about a time slot: name the best and worst among well-filled slots.
    least = max((n for n in (SLOT_POSTS, 2, 1) if any(c[3] >= n for c in filled)), default=1)
    ranked = [c for c in filled if c[3] >= least]
    if not filled:
        alt = text("analysis.chart.heat_empty", lang, **names)
    else:
        high = max(ranked, key=lambda c: (c[0], c[3]))
        low = min(ranked, key=lambda c: (c[0], -c[3]))
        alt = text(
            "analysis.chart.heat",
            lang,
            day=days[high[1]],
            hour=f"{high[2]:02d}",
            value=in_unit(metric, high[0], lang),
            posts=high[3],
            low_day=days[low[1]],
            low_hour=f"{low[2]:02d}",
            low_value=in_unit(metric, low[0], lang),
            slots=len(filled),
            least=least,
            **names,
        )
    return HeatMap(metric, tuple(map(tuple, cells)), tuple(map(tuple, posts)), days, text("analysis.chart.heat_title", lang, **names), alt, lang)


@dataclass(frozen=True)
class Cascade:
    """A day-by-day count (shares, by default) around its peak: what came before, and how it spread."""

    measure: str
    days: tuple[str, ...]
    values: tuple[float, ...]
    peak_day: str | None
    before: tuple[str, ...]  # what was posted on the peak day and the two days before (formats, with phases)
    title: str
    alt: str
    lang: str


def cascade(table: "pd.DataFrame", lang: str = "en", *, measure: str = "shares", days_around: int = 7) -> Cascade:
    """The daily total of ``measure`` from ``days_around`` days before its peak to as many after."""
    import pandas as pd

    names = {"measure": breakdown_name(measure, lang)}
    empty = Cascade(measure, (), (), None, (), text("analysis.chart.cascade_title", lang, **names), text("analysis.chart.cascade_empty", lang, **names), lang)
    if "posted" not in table.columns or measure not in table.columns:
        return empty
    day = pd.to_datetime(table["posted"], errors="coerce").dt.strftime("%Y-%m-%d")
    values = pd.to_numeric(table[measure], errors="coerce")
    daily = values.groupby(day).sum(min_count=1).dropna()
    if daily.empty or daily.max() <= 0:
        return empty
    peak = daily.idxmax()
    span = pd.date_range(pd.Timestamp(peak) - pd.Timedelta(days=days_around), pd.Timestamp(peak) + pd.Timedelta(days=days_around))
    labels = tuple(d.strftime("%Y-%m-%d") for d in span)
    series = tuple(float(daily.get(d, 0.0)) for d in labels)
    i = labels.index(peak)
    lead = set(labels[max(i - 2, 0): i + 1])
    leading = table[day.isin(lead)]
    before: tuple[str, ...] = ()
    if "format" in leading.columns:
        counts = leading["format"].dropna().value_counts()
        before = tuple(group_label("format", f, lang) for f in counts.index[:3])
    from babel.dates import format_date

    def when(label: str) -> str:
        return format_date(pd.Timestamp(label).date(), format="medium", locale=lang)

    alt = text(
        "analysis.chart.cascade",
        lang,
        first=when(labels[0]),
        last=when(labels[-1]),
        peak_day=when(peak),
        peak=number(series[i], lang, 0),
        before_value=number(series[i - 1], lang, 0) if i else "0",
        after_value=number(series[i + 1], lang, 0) if i + 1 < len(series) else "0",
        formats=", ".join(before) or text("analysis.no_value", lang),
        **names,
    )
    return Cascade(measure, labels, series, peak, before, text("analysis.chart.cascade_title", lang, **names), alt, lang)


def _range(table: "pd.DataFrame", rates: GroupRates, group: Any) -> tuple[float, float] | None:
    """The 5th to 95th percentile of the group's rate over resamples of its posts."""
    import numpy as np
    import pandas as pd

    spec = METRICS[rates.metric]
    rows = table[table[rates.by] == group]
    top = sum(pd.to_numeric(rows[c], errors="coerce") for c in spec.numerator)
    bottom = pd.to_numeric(rows[spec.denominator], errors="coerce")
    usable = top.notna() & bottom.notna() & (top >= 0) & (bottom >= 0)
    top, bottom = top[usable].to_numpy(float), bottom[usable].to_numpy(float)
    if len(top) < 2:
        return None
    picks = np.random.default_rng(_SEED).integers(0, len(top), size=(RESAMPLES, len(top)))
    totals = bottom[picks].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        resampled = top[picks].sum(axis=1) / totals * spec.scale
    resampled = resampled[np.isfinite(resampled)]
    if not len(resampled):
        return None
    return float(np.percentile(resampled, 5)), float(np.percentile(resampled, 95))


def observations(table: "pd.DataFrame", rates: GroupRates, lang: str = "en", *, iso_weekdays: bool = False) -> tuple[str, ...]:
    """What stands out in ``rates`` and how sure one can be, as sentences in ``lang``."""
    scored = [r for r in rates.rows if r.value is not None]
    label = lambda r: group_label(rates.by, r.group, lang, iso_weekdays=iso_weekdays)  # noqa: E731
    if len(scored) < 2:
        return (text("analysis.observe.nothing_to_compare", lang, by=breakdown_name(rates.by, lang)),)
    best = max(scored, key=lambda r: r.value)
    worst = min(scored, key=lambda r: r.value)
    said = [
        text(
            "analysis.observe.best",
            lang,
            best=label(best),
            best_value=in_unit(rates.metric, best.value, lang),
            worst=label(worst),
            worst_value=in_unit(rates.metric, worst.value, lang),
        )
    ]
    if worst.value > 0 and best.value / worst.value < 1.2:
        said.append(text("analysis.observe.close", lang, by=breakdown_name(rates.by, lang)))
        return tuple(said)
    if worst.value > 0:
        said.append(text("analysis.observe.ratio", lang, ratio=number(best.value / worst.value, lang, 1)))
    few = [r for r in (best, worst) if r.posts < FEW_POSTS]
    if few:
        for r in few:
            said.append(text("analysis.observe.few_posts", lang, group=label(r), posts=r.posts))
        return tuple(said)
    high, low = _range(table, rates, best.group), _range(table, rates, worst.group)
    if high is not None and low is not None and high[0] <= low[1]:
        said.append(text("analysis.observe.could_be_chance", lang, best=label(best), worst=label(worst)))
    else:
        said.append(text("analysis.observe.likely", lang, best=label(best), posts=best.posts))
    return tuple(said)
