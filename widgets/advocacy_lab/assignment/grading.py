"""What every graded exercise's test cells share (``assignment/<package>.graded``).

A test cell calls its exercise's ``graded(grade_id)``, which runs that cell's ``VisibleCheck``
through ``run_graded``: one behaviour for every exercise while nbgrader grades, in the
learner's own kernel, and on a Voila self-check page.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from advocacy_lab.core.catalogue import REFERENCE, Label, languages, localized, text

from .answers import AnswerProblem, Answers, answers_path, being_graded, served_by_voila, shown_answer


@dataclass(frozen=True)
class VisibleCheck:
    """One autograded cell's visible test: read the values it grades, then check them."""

    grade_id: str
    part: Label
    read: Callable[[Answers], dict[str, Any]]
    check: Callable[[dict[str, Any]], None]

    def run(self, answers: Answers) -> dict[str, Any]:
        values = self.read(answers)
        self.check(values)
        return values



class NotGradedHere(dict):
    """What a test cell gets on a self-check page: nothing to grade, every value ``None``."""

    def __missing__(self, key: str) -> None:
        return None


def grading_language() -> str:
    """The language test cells speak (ADVOCACY_LAB_LANG, as the trainer sets it; else English)."""
    code = os.environ.get("ADVOCACY_LAB_LANG", "").strip()
    return code if code in languages() else REFERENCE


def run_graded(check: VisibleCheck, notebook: str, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a test cell's ``graded(grade_id)`` does: the answers ``check`` grades, read from
    ``notebook``'s answers file, shown as text, checked by the visible test; returned for the hidden tests.

    - While nbgrader grades or validates: a problem raises ``AnswerProblem`` (an AssertionError,
      so the cell scores 0) with the reason in plain words.
    - In the learner's own kernel (JupyterLab, Notebook): the same check, said in words and never
      raised, so that "Run All" goes on to every part's widgets instead of stopping at the first
      part not yet answered.
    - On a Voila self-check page: nothing (see ``NotGradedHere``).
    """
    __tracebackhide__ = True  # the learner reads the reason, not our frames
    if served_by_voila():
        # A self-check page: the answers live in the learner's browser, not in a file on the
        # server (shared by every page), and "Check my answers" runs this same visible check.
        return NotGradedHere()
    lang = grading_language()
    part = localized(check.part, lang)
    practice = not being_graded()
    try:
        answers = Answers.read(answers_path(notebook, folder))
        values = check.read(answers)
    except AnswerProblem as problem:
        if practice:
            print(text("assignment.graded.not_yet", lang, part=part, reason=problem.in_language(lang)))
            return NotGradedHere()
        print(text("assignment.graded.none", lang, part=part))
        raise AnswerProblem(problem.code, **problem.values) from None
    # The answer as plain text: the trainer reads it beside the score (formgrader, feedback).
    print(text("assignment.graded.heading", lang, part=part))
    for name, value in values.items():
        print(f"{name}: {shown_answer(value)}")
    try:
        check.check(values)
    except AnswerProblem as problem:
        if practice:
            print(text("assignment.graded.not_yet", lang, part=part, reason=problem.in_language(lang)))
            return values
        raise AnswerProblem(problem.code, **problem.values) from None
    if practice:
        print(text("assignment.graded.visible_passes", lang))
    return values
