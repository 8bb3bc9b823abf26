"""The quiz says its verdict once, and "Quick check" shows once (issue #8, section 4).

The widget says "Correct" / "Not quite" (from the catalogue); a choice's own
text only explains, so it must not open with a verdict of its own ("Not
quite. Not quite.", "Đúng. Đúng: …"). The lesson's Markdown heading names the
quiz, so the widget adds no second "Quick check" unless asked to.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import ipywidgets as widgets
import pytest

from advocacy_lab.core import catalogue
from advocacy_lab.ui.quiz import Quiz

LANGS = catalogue.languages()
#: Words that give a verdict, by language; an explanation must not open with one.
VERDICT_OPENERS = {
    "en": ("correct", "right", "not quite", "yes", "no", "wrong", "exactly"),
    "vi": ("đúng", "chưa đúng", "sai", "không", "chính xác", "đúng rồi"),
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def shown(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    return "".join(parser.parts)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def opens_with_verdict(sentence: str, lang: str) -> bool:
    head = sentence.strip().casefold()
    return any(re.match(rf"{re.escape(word)}\b", head) for word in VERDICT_OPENERS.get(lang, ()))


@pytest.mark.parametrize("lang", LANGS)
def test_each_choice_gets_its_verdict_once(lang):
    quiz = Quiz(lang=lang)
    right, wrong = catalogue.text("quiz.right", lang), catalogue.text("quiz.wrong", lang)
    boxes = [w for w in walk(quiz) if "al-quiz-question" in w._dom_classes]
    assert len(boxes) == len(quiz.questions)
    for question, box in zip(quiz.questions, boxes):
        radio = next(w for w in walk(box) if "al-quiz-choices" in w._dom_classes)
        feedback = next(w for w in walk(box) if "al-quiz-feedback" in w._dom_classes)
        for i, choice in enumerate(question.choices):
            radio.value = i
            said = shown(feedback.value)
            verdict, other = (right, wrong) if i == question.correct else (wrong, right)
            assert said.count(verdict) == 1, said
            assert other not in said, said
            explanation = choice.feedback_in(lang)
            assert explanation in said
            assert not opens_with_verdict(explanation, lang), (question.id, i, lang, explanation)


@pytest.mark.parametrize("lang", LANGS)
def test_the_quiz_adds_no_second_heading(lang):
    title = catalogue.text("quiz.title", lang)
    quiz = Quiz(lang=lang)
    html = "".join(w.value for w in walk(quiz) if isinstance(w, widgets.HTML))
    assert title not in shown(html)
    with_heading = Quiz(lang=lang, heading=True)
    html = "".join(w.value for w in walk(with_heading) if isinstance(w, widgets.HTML))
    assert shown(html).count(title) == 1


def test_the_lesson_names_the_quiz_once(repo_root):
    notebook = json.loads((repo_root / "notebooks" / "04-campaign-message.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert markdown.count(catalogue.text("quiz.title", "en")) == 1
    assert "heading=True" not in code  # the widget does not repeat the lesson's heading
