"""Module 03's analysis: campaign metrics and post exports, as typed functions (pure core).

No ipywidgets, IPython or matplotlib here: the widgets and charts of module 03
call these. pandas is imported when a function needs it, so importing the
package stays light.
"""
from __future__ import annotations

from .metrics import METRICS, Formula, GroupRate, GroupRates, Rate, post_rates, rate, rates_by
from .notes import DataNote
from .insights import CANONICAL_COLUMNS, MAX_INSIGHTS_BYTES, NUMBER_COLUMNS, InsightsError, load_insights

__all__ = [
    "CANONICAL_COLUMNS",
    "DataNote",
    "Formula",
    "GroupRate",
    "GroupRates",
    "InsightsError",
    "MAX_INSIGHTS_BYTES",
    "METRICS",
    "NUMBER_COLUMNS",
    "Rate",
    "load_insights",
    "post_rates",
    "rate",
    "rates_by",
]
