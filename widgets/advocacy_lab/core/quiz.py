"""Multiple-choice quiz questions with feedback on every choice.

Pure: questions are frozen dataclasses loaded from a module's quiz file
(``advocacy_lab/modules/<name>/quiz.json``), whose texts are catalogue keys
(the module's ``locales/<lang>.json``), and ``check_answer`` returns the same
``Feedback`` type as every other checker, so the quiz widget renders it with
the shared feedback view.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

from advocacy_lab.core.catalogue import REFERENCE, Label, TextKey, catalogue, check_language, languages, localized, text
from advocacy_lab.core.feedback import Feedback, Finding


@dataclass(frozen=True)
class QuizChoice:
    """One answer option, with the feedback shown when a learner picks it.

    ``text`` and ``feedback`` are catalogue keys (``TextKey``), per-language
    mappings or plain text (``advocacy_lab.core.catalogue.Label``).
    """

    text: Label
    feedback: Label

    def text_in(self, lang: str) -> str:
        return localized(self.text, lang)

    def feedback_in(self, lang: str) -> str:
        return localized(self.feedback, lang)


@dataclass(frozen=True)
class QuizQuestion:
    """A question, its choices and the index of the correct one."""

    id: str
    prompt: Label
    choices: tuple[QuizChoice, ...]
    correct: int

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
        return localized(self.prompt, lang)


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
            if any(choice == c.text_in(lang) for lang in languages()):
                return i
        raise ValueError(f"{choice!r} is not one of the choices of question {question.id!r}")
    raise ValueError(f"a quiz choice is a number or a text, not {type(choice).__name__}")


def check_answer(question: QuizQuestion, choice: int | str, lang: str = "en") -> Feedback:
    """Feedback for picking ``choice``: passed when it is the correct one.

    The finding carries the choice's own feedback, so a wrong answer explains
    why it is wrong rather than only saying "try again".
    """
    check_language(lang)
    index = _choice_index(question, choice)
    picked = question.choices[index]
    correct = index == question.correct
    if correct:
        finding = Finding("quiz.correct", "tip", picked.feedback_in(lang))
    else:
        hint = text("quiz.try_again", lang)
        finding = Finding("quiz.incorrect", "error", picked.feedback_in(lang), suggestion=hint)
    return Feedback(
        findings=(finding,),
        metrics={"question": question.id, "choice": index, "correct": correct},
    )


def _key(value: Any, where: str) -> TextKey:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be the catalogue key of its text")
    return TextKey(value)


def _question_from_data(item: Mapping[str, Any]) -> QuizQuestion:
    try:
        qid = item["id"]
        raw_choices = item["choices"]
        if not isinstance(raw_choices, list):
            raise TypeError("choices")
        choices = tuple(
            QuizChoice(
                text=_key(c["text"], f"quiz question {qid!r}: a choice's 'text'"),
                feedback=_key(c["feedback"], f"quiz question {qid!r}: a choice's 'feedback'"),
            )
            for c in raw_choices
        )
        correct = [i for i, c in enumerate(raw_choices) if c.get("correct") is True]
        if len(correct) != 1:
            raise ValueError(f"quiz question {qid!r} must mark exactly one choice as correct")
        return QuizQuestion(
            id=str(qid),
            prompt=_key(item["prompt"], f"quiz question {qid!r}: 'prompt'"),
            choices=choices,
            correct=correct[0],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed quiz question {item!r:.80}: missing or wrong field {exc}") from exc


def _keys_of(question: QuizQuestion) -> list[str]:
    labels = [question.prompt, *(c.text for c in question.choices), *(c.feedback for c in question.choices)]
    return [label.key for label in labels if isinstance(label, TextKey)]


def parse_quiz(data: Mapping[str, Any]) -> tuple[QuizQuestion, ...]:
    """Questions from the parsed JSON of a quiz file (see ``modules/<name>/quiz.json``).

    Every text is a catalogue key; a key the English catalogue lacks is a ValueError.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), list):
        raise ValueError("a quiz file is a JSON object with a 'questions' list")
    questions = tuple(_question_from_data(item) for item in data["questions"])
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"quiz question ids must be unique: {ids}")
    english = catalogue(REFERENCE)
    missing = [key for q in questions for key in _keys_of(q) if key not in english]
    if missing:
        raise ValueError(f"the quiz names texts the catalogue lacks: {', '.join(missing)}")
    return questions


def load_quiz(name: str) -> tuple[QuizQuestion, ...]:
    """Load the quiz of the module whose package is ``name`` (``modules/<name>/quiz.json``, e.g. ``"campaign_message"``)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"there is no quiz called {name!r}")
    resource = resources.files("advocacy_lab").joinpath("modules", name, "quiz.json")
    if not resource.is_file():
        raise ValueError(f"there is no quiz called {name!r}")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the quiz file for {name!r} is not valid JSON: {exc}") from exc
    return parse_quiz(data)
