"""Reading ease in words, from data: the Flesch score is measured, a level code is shown.

``data/reading_ease.json`` holds the bands (with their source), the languages
the score means something for, and the smallest text worth measuring. The
interface words each level with the catalogue key ``reading.level.<level>``.
Pure: no GUI import.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ReadingScale:
    bands: tuple[tuple[float, str], ...]  # (lowest score, level), highest first
    measured_languages: frozenset[str]
    min_words: int
    hard_below: float

    def __post_init__(self) -> None:
        mins = [low for low, _ in self.bands]
        if not mins or mins != sorted(mins, reverse=True) or mins[-1] > 0:
            raise ValueError("reading ease bands must run from the highest 'min' down to 0")

    def level(self, score: float | None) -> str | None:
        """The level code for a Flesch score (None for no score)."""
        if score is None:
            return None
        for low, level in self.bands:
            if score >= low:
                return level
        return self.bands[-1][1]

    def levels(self) -> tuple[str, ...]:
        return tuple(level for _, level in self.bands)


@lru_cache(maxsize=1)
def reading_scale() -> ReadingScale:
    data = json.loads(
        resources.files("advocacy_lab").joinpath("data", "reading_ease.json").read_text(encoding="utf-8")
    )
    return ReadingScale(
        bands=tuple((float(b["min"]), str(b["level"])) for b in data["bands"]),
        measured_languages=frozenset(data["measured_languages"]),
        min_words=int(data["min_words"]),
        hard_below=float(data["hard_below"]),
    )
