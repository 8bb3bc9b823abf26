"""What the analysis says about the data, as codes the interface words (catalogue ``analysis.*``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advocacy_lab.core.catalogue import REFERENCE, text


@dataclass(frozen=True)
class DataNote:
    """One remark about the data: why a number is missing, what was skipped while reading.

    ``code`` is a catalogue key; ``values`` fill its placeholders, as (name, value) pairs so
    the note stays hashable and frozen.
    """

    code: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **values: Any) -> "DataNote":
        return cls(code, tuple(sorted(values.items())))

    def in_language(self, lang: str = REFERENCE) -> str:
        return text(self.code, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.in_language(REFERENCE)
