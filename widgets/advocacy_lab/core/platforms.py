"""Social platforms and their posting limits, loaded from ``data/platforms.json``.

One source of truth: every limit lives in the data file with its source and
date, so updating a figure never means touching code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

COUNTING_METHODS = ("twitter", "characters", "graphemes", "utf16", "threads")


@dataclass(frozen=True)
class Platform:
    """One platform: its length limit, how it counts, and where the figures come from."""

    id: str
    name: str
    limit: int
    counting: str  # one of COUNTING_METHODS
    preview_chars: int | None  # characters visible before "more", when known
    max_hashtags: int | None
    source: str
    source_date: str  # ISO date
    note: str = ""
    max_mentions: int | None = None
    max_links: int | None = None
    links_clickable: bool = True

    def __post_init__(self) -> None:
        if self.counting not in COUNTING_METHODS:
            raise ValueError(
                f"platform {self.id!r}: counting must be one of {', '.join(COUNTING_METHODS)}, "
                f"not {self.counting!r}"
            )
        if not isinstance(self.limit, int) or self.limit <= 0:
            raise ValueError(f"platform {self.id!r}: limit must be a positive integer")
        if not self.source or not self.source_date:
            raise ValueError(f"platform {self.id!r}: every limit needs a source and a date")


def _read_data(name: str) -> dict:
    text = resources.files("advocacy_lab").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def load_platforms() -> Mapping[str, Platform]:
    """All platforms by id, in the order of the data file (read once, then cached)."""
    data = _read_data("platforms.json")
    platforms = {}
    for entry in data["platforms"]:
        platform = Platform(**entry)
        platforms[platform.id] = platform
    return MappingProxyType(platforms)


@lru_cache(maxsize=1)
def counting_methods() -> Mapping[str, str]:
    """Plain-language description of each counting method, for the docs."""
    return MappingProxyType(dict(_read_data("platforms.json")["counting_methods"]))


def get_platform(platform: str) -> Platform:
    """The platform with this id; ValueError naming the valid ids otherwise."""
    if not isinstance(platform, str):
        raise TypeError(f"platform must be a string such as 'x', not {type(platform).__name__}")
    platforms = load_platforms()
    key = platform.strip().lower()
    if key not in platforms:
        raise ValueError(
            f"unknown platform {platform!r}; choose one of: {', '.join(platforms)}"
        )
    return platforms[key]
