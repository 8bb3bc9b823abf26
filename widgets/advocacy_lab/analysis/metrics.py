"""Campaign metrics: each a numerator over an explicit denominator (``data/metrics.json``).

Every rate is ``sum(numerator columns) / denominator x scale``. The formulas,
their denominators and sources are data; this module only applies them:

- ``rate(metric, numerator, denominator)``: one post, or any two totals;
- ``post_rates(table, metric)``: one value per post (NaN where it cannot be computed);
- ``rates_by(table, metric, by)``: one value per group (post type, hour, phase...).

A group's rate pools its posts: the group's total numerator over its total
denominator. The mean of the posts' rates would let a post seen by 10 people
weigh as much as one seen by 10,000.

Nothing here returns a silent NaN or raises on data: a zero, missing, negative
or non-number denominator (or numerator) gives ``value=None`` with a
``DataNote`` saying why, in the learner's language.
"""
from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, Mapping

from .notes import DataNote

if TYPE_CHECKING:  # pandas is imported when a table is analysed, not with the package
    import pandas as pd

Unit = Literal["percent", "currency", "times"]
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "metrics.json"


@dataclass(frozen=True)
class Formula:
    """One metric: ``sum(numerator) / denominator x scale``, in ``unit``; ``source`` names where it comes from."""

    id: str
    numerator: tuple[str, ...]
    denominator: str
    scale: float
    unit: Unit
    source: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.numerator, self.denominator)


@lru_cache(maxsize=1)
def _load() -> Mapping[str, Formula]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return MappingProxyType(
        {
            key: Formula(
                id=key,
                numerator=tuple(spec["numerator"]),
                denominator=spec["denominator"],
                scale=float(spec["scale"]),
                unit=spec["unit"],
                source=spec["source"],
            )
            for key, spec in data["metrics"].items()
        }
    )


METRICS: Mapping[str, Formula] = _load()


def formula(metric: str) -> Formula:
    """The formula of ``metric``; a ValueError naming the known ones otherwise."""
    try:
        return METRICS[metric]
    except (KeyError, TypeError):
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}") from None


@dataclass(frozen=True)
class Rate:
    """A metric's value (``None`` when it cannot be computed; ``note`` says why)."""

    metric: str
    value: float | None
    numerator: float | None
    denominator: float | None
    note: DataNote | None = None


def _as_count(value: Any) -> float | None | str:
    """A usable number, None when missing, or the code of what is wrong with it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return "analysis.rate.not_a_number"
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "analysis.rate.not_a_number"
    if number < 0:
        return "analysis.rate.negative"
    return number


def rate(metric: str, numerator: Any, denominator: Any) -> Rate:
    """``numerator / denominator x scale`` for ``metric``, or ``value=None`` with a note.

    >>> rate("engagement_rate_reach", 30, 1200).value
    2.5
    """
    spec = formula(metric)
    top, bottom = _as_count(numerator), _as_count(denominator)
    for part, column in ((top, " + ".join(spec.numerator)), (bottom, spec.denominator)):
        if part is None:
            return Rate(metric, None, None, None, DataNote.of("analysis.rate.missing", column=column))
        if isinstance(part, str):
            return Rate(metric, None, None, None, DataNote.of(part, column=column))
    assert isinstance(top, float) and isinstance(bottom, float)
    if bottom == 0:
        return Rate(metric, None, top, bottom, DataNote.of("analysis.rate.zero_denominator", column=spec.denominator))
    value = top / bottom * spec.scale
    if not math.isfinite(value):
        return Rate(metric, None, top, bottom, DataNote.of("analysis.rate.out_of_range", column=spec.denominator))
    return Rate(metric, value, top, bottom)


def _numbers(table: "pd.DataFrame", column: str) -> "pd.Series":
    import pandas as pd

    values = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return values.where(values >= 0)  # a negative count or cost is unusable, like a missing one


def _parts(table: "pd.DataFrame", spec: Formula) -> tuple["pd.Series", "pd.Series"] | DataNote:
    missing = [c for c in spec.columns if c not in table.columns]
    if missing:
        return DataNote.of("analysis.rate.missing_column", column=", ".join(missing))
    top = _numbers(table, spec.numerator[0])
    for column in spec.numerator[1:]:
        top = top + _numbers(table, column)
    return top, _numbers(table, spec.denominator)


def _row_notes(
    top: "pd.Series", bottom: "pd.Series", spec: Formula, values: "pd.Series | None" = None
) -> tuple[DataNote, ...]:
    notes = []
    if values is not None:
        # Numbers so large (or a denominator so small) that the quotient is no number at all.
        if values.isin([math.inf, -math.inf]).any():
            notes.append(DataNote.of("analysis.rate.out_of_range", column=spec.denominator))
    unusable = int((top.isna() | bottom.isna()).sum())
    if unusable:
        notes.append(DataNote.of("analysis.rate.unusable_rows", count=unusable, columns=", ".join(spec.columns)))
    zero = int(((bottom == 0) & top.notna()).sum())
    if zero:
        notes.append(DataNote.of("analysis.rate.zero_rows", count=zero, column=spec.denominator))
    return tuple(notes)


def post_rates(table: "pd.DataFrame", metric: str) -> tuple["pd.Series", tuple[DataNote, ...]]:
    """``metric`` for each post (row): a float Series, NaN where a note explains why."""
    import pandas as pd

    spec = formula(metric)
    parts = _parts(table, spec)
    if isinstance(parts, DataNote):
        return pd.Series(float("nan"), index=table.index, name=metric, dtype="float64"), (parts,)
    top, bottom = parts
    values = (top / bottom.where(bottom > 0)) * spec.scale
    notes = _row_notes(top, bottom, spec, values)
    return values.where(values.abs() != math.inf).rename(metric), notes


@dataclass(frozen=True)
class GroupRate:
    """One group's pooled rate: its posts' total numerator over their total denominator."""

    group: Any
    value: float | None
    numerator: float
    denominator: float
    posts: int


@dataclass(frozen=True)
class GroupRates:
    """``metric`` by ``by``: one row per group, in the groups' natural order, and the notes."""

    metric: str
    by: str
    rows: tuple[GroupRate, ...]
    notes: tuple[DataNote, ...] = ()

    def best(self) -> GroupRate | None:
        """The group with the highest rate (None when no group has one)."""
        scored = [row for row in self.rows if row.value is not None]
        return max(scored, key=lambda row: row.value) if scored else None

    def worst(self) -> GroupRate | None:
        scored = [row for row in self.rows if row.value is not None]
        return min(scored, key=lambda row: row.value) if scored else None


def _group_key(value: Any) -> tuple[int, Any]:
    # Numbers (hours, weekdays) in numeric order before text, text in alphabetical order.
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value).casefold())


def rates_by(table: "pd.DataFrame", metric: str, by: str) -> GroupRates:
    """``metric`` pooled within each value of column ``by`` (see the module docstring)."""
    spec = formula(metric)
    if by not in table.columns:
        return GroupRates(metric, by, (), (DataNote.of("analysis.rate.missing_column", column=by),))
    parts = _parts(table, spec)
    if isinstance(parts, DataNote):
        return GroupRates(metric, by, (), (parts,))
    import pandas as pd

    top, bottom = parts
    notes = list(_row_notes(top, bottom, spec))
    groups = table[by]
    usable = top.notna() & bottom.notna() & groups.notna()
    ungrouped = int((top.notna() & bottom.notna() & groups.isna()).sum())
    if ungrouped:
        notes.append(DataNote.of("analysis.rate.ungrouped_rows", count=ungrouped, column=by))
    rows = []
    frame = {"group": groups[usable], "top": top[usable], "bottom": bottom[usable]}
    pooled = pd.DataFrame(frame).groupby("group", sort=False).agg(
        top=("top", "sum"), bottom=("bottom", "sum"), posts=("top", "size")
    )
    for group, row in pooled.iterrows():
        top_total, bottom_total = float(row["top"]), float(row["bottom"])  # Python floats: inf, not a warning
        value = top_total / bottom_total * spec.scale if bottom_total > 0 else None
        group = group.item() if hasattr(group, "item") else group  # numpy scalars -> Python
        if value is not None and not math.isfinite(value):
            value = None
            notes.append(DataNote.of("analysis.rate.out_of_range", column=spec.denominator))
        rows.append(GroupRate(group, value, top_total, bottom_total, int(row["posts"])))
        if value is None and bottom_total == 0:
            notes.append(DataNote.of("analysis.rate.zero_group", group=group, column=spec.denominator))
    rows.sort(key=lambda r: _group_key(r.group))
    return GroupRates(metric, by, tuple(rows), tuple(notes))
