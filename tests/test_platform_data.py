"""Platform limits come from the data file, each with a source and a date."""
from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

from advocacy_lab.checks import PLATFORMS, Platform, load_platforms

EXPECTED = {
    # id: (limit, counting, preview_chars, max_hashtags)
    "x": (280, "twitter", None, None),
    "facebook": (63206, "characters", None, None),
    "instagram": (2200, "characters", 125, 5),
    "linkedin": (3000, "characters", 210, None),
    "threads": (500, "threads", None, None),
    "bluesky": (300, "graphemes", None, None),
    "tiktok": (2200, "utf16", None, None),
}


def test_the_seven_platforms_with_the_issue_figures():
    assert list(PLATFORMS) == list(EXPECTED)
    for pid, (limit, counting, preview, max_tags) in EXPECTED.items():
        p = PLATFORMS[pid]
        assert isinstance(p, Platform)
        assert (p.limit, p.counting, p.preview_chars, p.max_hashtags) == (limit, counting, preview, max_tags)
        assert type(p.limit) is int


@pytest.mark.parametrize("pid", list(EXPECTED))
def test_every_platform_has_source_date_and_note(pid):
    p = PLATFORMS[pid]
    assert p.name and p.source and p.note
    date = dt.date.fromisoformat(p.source_date)
    assert dt.date(2006, 1, 1) <= date <= dt.date.today()


def test_unofficial_figures_say_so():
    # Preview lengths and Facebook's limit are not officially documented: the note must say it.
    for pid in ("instagram", "linkedin", "facebook"):
        note = PLATFORMS[pid].note.lower()
        assert any(w in note for w in ("not official", "not an official", "not documented")), pid


def test_loaded_once_and_read_only():
    assert load_platforms() is load_platforms()
    with pytest.raises(TypeError):
        load_platforms()["x"] = None  # type: ignore[index]


def test_data_file_is_package_data_and_describes_every_counting_method():
    raw = json.loads(
        resources.files("advocacy_lab").joinpath("data", "platforms.json").read_text(encoding="utf-8")
    )
    methods = set(raw["counting_methods"])
    assert {p["counting"] for p in raw["platforms"]} <= methods


def test_invalid_platform_data_is_refused():
    with pytest.raises(ValueError, match="counting"):
        Platform("p", "P", 10, "bytes", None, None, "s", "2026-01-01")
    with pytest.raises(ValueError, match="source"):
        Platform("p", "P", 10, "characters", None, None, "", "2026-01-01")
