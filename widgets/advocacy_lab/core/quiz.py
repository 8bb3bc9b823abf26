"""Multiple-choice quiz questions with feedback on every choice.

Pure: questions are frozen dataclasses loaded from a JSON data file
(``advocacy_lab/data/quiz_<module>.json``) and ``check_answer`` returns the
same ``Feedback`` type as every other checker, so the quiz widget renders it
with the shared feedback view.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

from advocacy_lab.core.feedback import Feedback, Finding

LANGS = ("en", "vi")


@dataclass(frozen=True)
class QuizChoice:
    """One answer option, with the feedback shown when a learner picks it."""

    text: str
    feedback: str
    text_vi: str | None = None
    feedback_vi: str | None = None

    def text_in(self, lang: str) -> str:
        return (self.text_vi if lang == "vi" else None) or self.text

    def feedback_in(self, lang: str) -> str:
        return (self.feedback_vi if lang == "vi" else None) or self.feedback


@dataclass(frozen=True)
class QuizQuestion:
    """A question, its choices and the index of the correct one."""

    id: str
    prompt: str
    choices: tuple[QuizChoice, ...]
    correct: int
    prompt_vi: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.id or not isinstance(self.id, str):
            raise ValueError("a quiz question needs a non-empty text id")
        if len(self.choices) < 2:
            raise ValueError(f"quiz question {self.id!r} needs at least two choices")
        if isinstance(self.correct, bool) or not isinstance(self.correct, int) or not (
            0 <= self.correct < len(self.choices)
        ):
            raise ValueError(
                f"quiz question {self.id!r}: 'correct' must be a choice number "
                f"from 0 to {len(self.choices) - 1}, not {self.correct!r}"
            )

    def prompt_in(self, lang: str) -> str:
        return (self.prompt_vi if lang == "vi" else None) or self.prompt


def _choice_index(question: QuizQuestion, choice: int | str) -> int:
    """Accept a choice number or the exact choice text (in any language)."""
    if isinstance(choice, bool):
        raise ValueError("a quiz choice is a number or the text of a choice, not True/False")
    if isinstance(choice, int):
        if 0 <= choice < len(question.choices):
            return choice
        raise ValueError(
            f"question {question.id!r} has choices 0 to {len(question.choices) - 1}; "
            f"{choice} is not one of them"
        )
    if isinstance(choice, str):
        for i, c in enumerate(question.choices):
            if choice in (c.text, c.text_vi):
                return i
        raise ValueError(f"{choice!r} is not one of the choices of question {question.id!r}")
    raise ValueError(f"a quiz choice is a number or a text, not {type(choice).__name__}")


def check_answer(question: QuizQuestion, choice: int | str, lang: str = "en") -> Feedback:
    """Feedback for picking ``choice``: passed when it is the correct one.

    The finding carries the choice's own feedback, so a wrong answer explains
    why it is wrong rather than only saying "try again".
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    index = _choice_index(question, choice)
    picked = question.choices[index]
    correct = index == question.correct
    if correct:
        finding = Finding("quiz.correct", "tip", picked.feedback_in(lang))
    else:
        hint = (
            "Đọc lại phản hồi và chọn một đáp án khác."
            if lang == "vi"
            else "Read the feedback, then try another answer."
        )
        finding = Finding("quiz.incorrect", "error", picked.feedback_in(lang), suggestion=hint)
    return Feedback(
        findings=(finding,),
        metrics={"question": question.id, "choice": index, "correct": correct},
    )


def _question_from_data(item: Mapping[str, Any]) -> QuizQuestion:
    try:
        choices = tuple(
            QuizChoice(
                text=str(c["text"]),
                feedback=str(c["feedback"]),
                text_vi=c.get("text_vi"),
                feedback_vi=c.get("feedback_vi"),
            )
            for c in item["choices"]
        )
        correct = [i for i, c in enumerate(item["choices"]) if c.get("correct") is True]
        if len(correct) != 1:
            raise ValueError(
                f"quiz question {item.get('id')!r} must mark exactly one choice as correct"
            )
        return QuizQuestion(
            id=str(item["id"]),
            prompt=str(item["prompt"]),
            choices=choices,
            correct=correct[0],
            prompt_vi=item.get("prompt_vi"),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed quiz question {item!r:.80}: missing or wrong field {exc}") from exc


def parse_quiz(data: Mapping[str, Any]) -> tuple[QuizQuestion, ...]:
    """Questions from the parsed JSON of a quiz file (see data/quiz_*.json)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), list):
        raise ValueError("a quiz file is a JSON object with a 'questions' list")
    questions = tuple(_question_from_data(item) for item in data["questions"])
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"quiz question ids must be unique: {ids}")
    return questions


def load_quiz(name: str) -> tuple[QuizQuestion, ...]:
    """Load ``advocacy_lab/data/quiz_<name>.json`` (e.g. ``"campaign_message"``)."""
    resource = resources.files("advocacy_lab").joinpath("data", f"quiz_{name}.json")
    if not resource.is_file():
        raise ValueError(f"there is no quiz called {name!r}")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the quiz file for {name!r} is not valid JSON: {exc}") from exc
    return parse_quiz(data)
