"""The cohort's roster: who the participants are, their organisation and the language they learn in.

``advocacy-lab roster import participants.csv`` writes it; the gradebook gets each participant
as an nbgrader student, and ``roster.json`` in the course folder keeps what nbgrader has no
field for (organisation, language). Feedback and the cohort report read it back here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from advocacy_lab.core.catalogue import REFERENCE, languages

#: The roster beside the gradebook, in the course folder (never committed: it names people).
ROSTER_FILE = "roster.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Participant:
    """One participant: their nbgrader student id, name, organisation and course language."""

    id: str
    name: str
    organisation: str
    language: str


def read_roster(course: Path) -> tuple[Participant, ...]:
    """The participants of ``course``'s roster, in the order imported; ``()`` before any import.

    ValueError naming the file when it is not a roster this version wrote.
    """
    path = Path(course) / ROSTER_FILE
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["participants"]
        return tuple(
            Participant(id=str(r["id"]), name=str(r["name"]), organisation=str(r["organisation"]), language=str(r["language"]))
            for r in rows
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a roster written by advocacy-lab roster import ({exc})") from None


def language_of(course: Path, student_id: str) -> str:
    """The language ``student_id`` learns in, from the roster; the reference language when unknown."""
    for participant in read_roster(course):
        if participant.id == student_id and participant.language in languages():
            return participant.language
    return REFERENCE
