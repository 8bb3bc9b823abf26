"""The notebook side of a graded exercise: answer widgets, the answers file they save to, the self-check.

A graded notebook's code cells only import and display::

    from advocacy_lab.assignment.campaign_message_widgets import answer_sheet
    sheet = answer_sheet()
    sheet.keeper          # where the answers are saved, and any problem
    sheet.post            # Part 1: the lesson's message builder
    ...
    sheet.self_check      # "Check my answers": the visible tests' verdicts, live

Where the answers go:

- **JupyterLab / Notebook 7** (one machine or a hosted Jupyter): the answers file
  beside the notebook (``<notebook>.answers.json``, ``answers.py``), written on
  every change by the drafts keeper through ``AnswersFileStore`` (the drafts'
  ``FileDraftStore``: locked, atomic, versioned records). nbgrader's submit and
  collect carry it with the notebook, and the test cells read it.
- **While nbgrader grades** (``NBGRADER_EXECUTION`` is set): read only. The
  widgets show the submitted answers; nothing is written, renamed or put aside,
  so the file graded is the file submitted.
- **Voila** (a self-paced learner's self-check): the page session's store (the
  learner's browser), never a file on the server shared by every page.
"""
from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import ipywidgets as widgets

from advocacy_lab.core.catalogue import localized, text
from advocacy_lab.core.drafts import FileDraftStore, MemoryDraftStore, encode_record
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.keeper import DraftKeeper
from advocacy_lab.ui.language import InPageLanguage
from advocacy_lab.ui.session import page_session
from advocacy_lab.ui.stores import running_under_voila

from .answers import GRADING_ENV, AnswerProblem, Answers, answers_path, being_graded

def grading(environ: Mapping[str, str] | None = None) -> bool:
    """True in a kernel nbgrader runs to grade (or validate) the notebook (``answers.being_graded``)."""
    return being_graded(environ)


class AnswersFileStore(FileDraftStore):
    """The answers file beside the notebook: the drafts' file store, told as "your answers"."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path, show_path=False)

    def describe(self, lang: str = "en") -> str:
        return text("assignment.answers.saved_in", lang, file=self.path.name)


class SubmittedAnswersStore(MemoryDraftStore):
    """The submitted answers file, read once and never written (nbgrader is grading)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        try:
            answers = Answers.read(self.path)
        except AnswerProblem:
            return  # the test cells say why, one per part
        for key, data in answers._parts.items():
            try:
                super().save(key, data)
            except ValueError:
                continue

    def save(self, key: str, data: Mapping[str, Any]) -> None:
        encode_record(data)  # the same checks, nothing kept

    def update(self, key: str, data: Mapping[str, Any], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        encode_record(data)
        return []

    def delete(self, key: str) -> None:
        """Grading never deletes an answer."""

    def clear(self) -> None:
        """Grading never clears the answers."""

    def describe(self, lang: str = "en") -> str:
        return text("assignment.answers.read_only", lang, file=self.path.name)


def answers_store(notebook: str, folder: str | os.PathLike[str] | None = None) -> Any:
    """Where this kernel keeps the answers (see the module docstring)."""
    if running_under_voila():
        return page_session().store
    path = answers_path(notebook, folder)
    if grading():
        return SubmittedAnswersStore(path)
    return AnswersFileStore(path)


class NumberAndChoiceAnswer(LearnerComponent):
    """A whole number typed as text, and a choice between two answers (e.g. "fits" / "does not fit").

    ``value`` = {<number field>: str, <choice field>: True | False} (the choice absent until picked).
    """

    def __init__(
        self,
        *,
        draft_key: str,
        title_key: str,
        intro: Callable[[str], str],
        number_field: str,
        number_label: str,
        number_placeholder: str,
        choice_field: str,
        choice_label: str,
        choices: tuple[tuple[str, Any], ...],
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._title_key = title_key
        self._intro_words = intro
        self._choice_keys = choices
        self._intro = widgets.HTML(self._intro_html())
        self._number = widgets.Text(value="")
        self._number.add_class("al-answer-number")
        self._labelled(self._number, number_placeholder, "placeholder")
        self._add_field(number_field, self._number, label_key=number_label)
        self._choice = widgets.RadioButtons(options=self._options(), value=None)
        self._choice.add_class("al-answer-choice")
        self._add_field(choice_field, self._choice, label_key=choice_label)
        for box in (self._number, self._choice):
            box.observe(self._guard(self._sync_from_children), names="value")
        self.children = [self._intro, self._number, self._choice, self._error]
        self.add_class("al-number-choice-answer")
        self._sync_from_children()

    def _options(self) -> list[tuple[str, Any]]:
        return [(text(key, self.lang), value) for key, value in self._choice_keys]

    def _intro_html(self) -> str:
        return f"<p>{html.escape(self._intro_words(self.lang))}</p>"

    def _relabel(self) -> None:
        # The choices' words follow the page's language; the answer picked stays.
        picked = self._choice.value
        self._syncing = True
        try:
            self._choice.options = self._options()
            self._choice.value = picked
        finally:
            self._syncing = False
        self._intro.value = self._intro_html()


class PartIntro(InPageLanguage, widgets.HTML):
    """A part's heading (if any) and instructions, from the catalogue, in the page's language."""

    def __init__(self, heading: Any | None, words: Callable[[str], str], *, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._heading = heading
        self._words = words
        self._first_language(lang)
        self._draw()
        self.add_class("al-part-intro")

    def _draw(self) -> None:
        heading = f"<h3>{html.escape(localized(self._heading, self.lang))}</h3>" if self._heading else ""
        self.value = f"{heading}<p>{html.escape(self._words(self.lang))}</p>"

    def _in_language(self) -> None:
        self._draw()


class SelfCheck(InPageLanguage, widgets.VBox):
    """ "Check my answers": the visible tests' verdicts on what the widgets show, without nbgrader.

    Only the visible checks (the package's, the same the test cells run); the
    hidden tests live in the instructor's notebook alone. Once shown, the
    verdicts follow every change.
    """

    def __init__(
        self,
        components: Iterable[LearnerComponent],
        checks: Mapping[str, Any],
        *,
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._components = tuple(components)
        self._checks = dict(checks)
        self._first_language(lang)
        self._intro = widgets.HTML()
        self._button = widgets.Button(button_style="primary")
        self._button.add_class("al-self-check-button")
        self._result = widgets.HTML("")
        self._result.add_class("al-self-check-result")
        self._shown = False
        self._button.on_click(lambda _b: self.check())
        for component in self._components:
            component.observe(self._on_change, names="value")
        self.children = [self._intro, self._button, self._result]
        self.add_class("al-self-check")
        self._label()

    def _label(self) -> None:
        self._intro.value = f"<p>{html.escape(text('assignment.self_check.intro', self.lang))}</p>"
        self._button.description = text("assignment.self_check.button", self.lang)

    def _in_language(self) -> None:
        self._label()
        if self._shown:
            self.check()

    def _on_change(self, _change: Any) -> None:
        if self._shown:
            self.check()

    def answers(self) -> Answers:
        """What the widgets show now, as the grader would read it from the answers file."""
        return Answers({c.draft_key: dict(c.value) for c in self._components})

    def verdicts(self) -> dict[str, str | None]:
        """grade_id -> None when its visible check passes, else the reason in the page's language."""
        answers = self.answers()
        verdicts: dict[str, str | None] = {}
        for grade_id, check in self._checks.items():
            try:
                check.run(answers)
            except AnswerProblem as problem:
                verdicts[grade_id] = problem.in_language(self.lang)
            else:
                verdicts[grade_id] = None
        return verdicts

    def check(self) -> dict[str, str | None]:
        verdicts = self.verdicts()
        self._shown = True
        items = []
        for grade_id, reason in verdicts.items():
            name = html.escape(text(f"assignment.self_check.check.{grade_id}", self.lang))
            if reason is None:
                state, words = "pass", html.escape(text("assignment.self_check.pass", self.lang))
            else:
                # The reason may quote the learner's answer: escaped.
                state = "fail"
                words = f"{html.escape(text('assignment.self_check.fail', self.lang))} {html.escape(reason)}"
            items.append(
                f'<li class="al-self-check-item al-self-check-{state}" data-grade-id="{html.escape(grade_id)}">'
                f"<strong>{name}</strong>: {words}</li>"
            )
        title = html.escape(text("assignment.self_check.title", self.lang))
        self._result.value = f'<div role="status"><p>{title}</p><ul>{"".join(items)}</ul></div>'
        return verdicts


class AnswerSheet:
    """A graded notebook's widgets: the answer components, their keeper and the self-check."""

    def __init__(
        self,
        notebook: str,
        parts: Mapping[str, LearnerComponent],
        checks: Mapping[str, Any],
        *,
        intros: Mapping[str, widgets.Widget] | None = None,
        intro: widgets.Widget | None = None,
        folder: str | os.PathLike[str] | None = None,
        store: Any = None,
    ) -> None:
        session = page_session()
        self.parts = dict(parts)
        self.intros = dict(intros or {})
        self.intro = intro
        self.store = store if store is not None else answers_store(notebook, folder)
        components = tuple(self.parts.values())
        self.keeper = DraftKeeper(components, self.store, lang=session.lang)
        self.self_check = SelfCheck(components, checks, lang=session.lang)
        session.follow(self.keeper, self.self_check, *components, *self.intros.values())
        if intro is not None:
            session.follow(intro)

    @property
    def header(self) -> widgets.Widget:
        """How the exercise works, and where the answers are saved (the keeper), for the first cell."""
        return widgets.VBox([w for w in (self.intro, self.keeper) if w is not None])

    def part(self, name: str) -> widgets.Widget:
        """A part's instructions above its answer widget, to display in its cell."""
        children = [w for w in (self.intros.get(name), self.parts[name]) if w is not None]
        return widgets.VBox(children)


__all__ = [
    "GRADING_ENV",
    "AnswerSheet",
    "AnswersFileStore",
    "NumberAndChoiceAnswer",
    "PartIntro",
    "SelfCheck",
    "SubmittedAnswersStore",
    "answers_store",
    "grading",
]
