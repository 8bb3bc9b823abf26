"""``Quiz``: multiple-choice questions with feedback on every choice.

A thin view over ``advocacy_lab.core.quiz.check_answer``; the feedback is
rendered by the shared feedback view.
"""
from __future__ import annotations

import html
from typing import Any, Iterable

import ipywidgets as widgets

from advocacy_lab.core.catalogue import languages
from advocacy_lab.core.feedback import Feedback
from advocacy_lab.core.quiz import QuizQuestion, check_answer, load_quiz
from advocacy_lab.core.schema import DraftSchema
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.course_style import carry_course_style


def _quiz_draft(quiz: str) -> DraftSchema:
    """The draft a module declares for its quiz ``quiz`` (its package name)."""
    from advocacy_lab.core.course import load_course

    for draft in load_course().drafts:
        if draft.quiz == quiz:
            return draft
    raise ValueError(f"no module of the course keeps the answers of a quiz called {quiz!r}")



class Quiz(LearnerComponent):
    """One radio group per question; picking a choice shows its feedback.

    ``value`` = {"answers": {question id: choice number}}.
    ``check()`` returns {question id: Feedback} for the answered questions.
    """

    _text_prefix = "quiz"

    def __init__(
        self,
        questions: Iterable[QuizQuestion] | None = None,
        *,
        quiz: str = "campaign_message",
        draft_key: str | None = None,
        lang: str = "en",
        heading: bool = False,
        **kwargs: Any,
    ) -> None:
        schema = _quiz_draft(quiz) if draft_key is None or questions is None else None
        if schema is not None:
            self._title_key = schema.title
        super().__init__(draft_key=draft_key or schema.key, lang=lang, **kwargs)
        # The lesson's own Markdown heading names the quiz ("## Quick check");
        # a second one from the widget would repeat it. ``heading=True`` for a page without one.
        self._heading = heading
        self._questions = tuple(questions) if questions is not None else load_quiz(quiz)
        if not self._questions:
            raise ValueError("a quiz needs at least one question")
        self._radios: dict[str, widgets.RadioButtons] = {}
        self._prompts: dict[str, widgets.HTML] = {}
        self._feedback_html: dict[str, widgets.HTML] = {}
        boxes = []
        for number, q in enumerate(self._questions, start=1):
            prompt = widgets.HTML(self._prompt_html(number, q))
            radio = widgets.RadioButtons(
                options=[(c.text_in(lang), i) for i, c in enumerate(q.choices)],
                index=None,
            )
            radio.add_class("al-quiz-choices")
            self._add_field(
                f"answers.{q.id}", radio, path=("answers", q.id),
                label={code: f"{number}. {q.prompt_in(code)}" for code in languages()},
            )
            self._prompts[q.id] = prompt
            radio.observe(self._guard(self._on_answer), names="value")
            feedback = widgets.HTML("")
            feedback.add_class("al-quiz-feedback")
            box = widgets.VBox([prompt, radio, feedback])
            box.add_class("al-quiz-question")
            box.add_class(f"al-quiz-{q.id}")
            self._radios[q.id] = radio
            self._feedback_html[q.id] = feedback
            boxes.append(box)
        self._score = widgets.HTML("")
        self._score.add_class("al-quiz-score")
        title = (
            [self._labelled(widgets.HTML(), "quiz.title", "value", lambda words: f"<h3 class='al-quiz-title'>{html.escape(words)}</h3>")]
            if heading
            else []
        )
        self.children = [
            *title,
            *boxes,
            self._error,
            self._score,
        ]
        self.add_class("al-quiz")
        carry_course_style()
        self._sync_from_children()

    def _prompt_html(self, number: int, q: QuizQuestion) -> str:
        return f"<p class='al-quiz-prompt'><strong>{number}. {html.escape(q.prompt_in(self.lang))}</strong></p>"

    def _relabel(self) -> None:
        # Questions and choices in the page's language; the learner's answers stay as they are.
        self._syncing = True
        try:
            for number, q in enumerate(self._questions, start=1):
                self._prompts[q.id].value = self._prompt_html(number, q)
                radio = self._radios[q.id]
                picked = radio.value
                radio.options = [(c.text_in(self.lang), i) for i, c in enumerate(q.choices)]
                radio.value = picked
        finally:
            self._syncing = False
        self.check()

    @property
    def questions(self) -> tuple[QuizQuestion, ...]:
        return self._questions

    def answer(self, question_id: str, choice: int) -> Feedback:
        """Pick a choice as a learner would (for tests and scripted demos)."""
        if question_id not in self._radios:
            raise ValueError(f"no question {question_id!r}; the questions are {list(self._radios)}")
        self._radios[question_id].value = choice
        return self.check()[question_id]

    def _after_restore(self) -> None:
        self.check()

    def _on_answer(self, change: Any = None) -> None:
        self._sync_from_children()
        self.check()

    def check(self) -> dict[str, Feedback]:
        results: dict[str, Feedback] = {}
        for q in self._questions:
            choice = self._radios[q.id].value
            if choice is None:
                self._feedback_html[q.id].value = ""
                continue
            fb = check_answer(q, choice, lang=self._lang)
            results[q.id] = fb
            finding = fb.findings[0]
            text = self._t["right"] if fb.passed else self._t["wrong"]
            # Its colours are the stylesheet's (al-quiz-right / al-quiz-wrong).
            self._feedback_html[q.id].value = (
                f'<div class="al-quiz-verdict al-quiz-{"right" if fb.passed else "wrong"}" role="status">'
                # The verdict word is said here, once: the choice's own text only explains.
                f'<strong class="al-quiz-verdict-word">'
                f'<span aria-hidden="true">{"✔" if fb.passed else "✖"}</span> {html.escape(text)}.</strong> '
                f'<span class="al-quiz-explanation">{html.escape(finding.message)}</span></div>'
            )
        right = sum(1 for fb in results.values() if fb.passed)
        self._score.value = (
            f"<p><strong>{html.escape(self._t['score'].format(right=right, total=len(self._questions)))}"
            "</strong></p>"
            if results
            else ""
        )
        return results

