"""Module 03's case-study campaigns: ILLUSTRATIVE data made by ``scripts/case_studies.py``. Pure.

Each case is a post export (the columns of a Page Insights export plus
platform, phase, organisation, language and format), read with the same
``load_insights`` a learner's own export goes through.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import pandas as pd

FOLDER = Path(__file__).resolve().parent
CASES_FILE = FOLDER / "cases.json"


@dataclass(frozen=True)
class CaseStudy:
    """One case: its id (texts ``campaign_data.case.<id>.*``), its file, and the period it covers."""

    id: str
    file: str
    first_day: str
    last_day: str
    illustrative: bool


@lru_cache(maxsize=1)
def _cases() -> Mapping[str, CaseStudy]:
    data = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return MappingProxyType({c["id"]: CaseStudy(c["id"], c["file"], c["first_day"], c["last_day"], bool(c["illustrative"])) for c in data["cases"]})


CASES: Mapping[str, CaseStudy] = _cases()

#: What a chart can be broken down by (canonical column names), in the order the learner is offered them.
BREAKDOWNS: tuple[str, ...] = ("format", "post_type", "platform", "organisation", "language", "phase", "paid", "weekday", "hour")


@lru_cache(maxsize=None)
def _load(case_id: str) -> "pd.DataFrame":
    from advocacy_lab.analysis import load_insights

    return load_insights(FOLDER / CASES[case_id].file)


def load_case(case_id: str) -> "pd.DataFrame":
    """The posts of case ``case_id`` (a copy: the learner's view can never change the shared table)."""
    if case_id not in CASES:
        raise ValueError(f"case must be one of {', '.join(CASES)}, not {case_id!r}")
    table = _load(case_id)
    copy = table.copy()
    copy.attrs = dict(table.attrs, iso_weekdays=True)  # cases.json: 1 = Monday (an upload's convention is unknown)
    return copy
