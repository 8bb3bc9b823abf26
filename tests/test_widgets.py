"""Headless tests of the shared widgets (quiz, course map): build a component, act
as the learner through its child widgets (found by the same DOM classes the
browser tests use), and assert on state, ``.value`` and the rendered HTML.

The widgets of one module are tested beside it: ``tests/modules/<package>/``.
"""
from __future__ import annotations

from pathlib import Path

from advocacy_lab.core.quiz import QuizChoice, QuizQuestion
from advocacy_lab.course import load_modules
from advocacy_lab.ui.course_map import CourseMap
from advocacy_lab.ui.quiz import Quiz
from widget_support import HOSTILE, all_html, one, walk


# --------------------------------------------------------------------------- Quiz
def test_quiz_feedback_on_each_choice():
    quiz = Quiz()
    assert "al-quiz" in quiz._dom_classes
    questions = [w for w in walk(quiz) if "al-quiz-question" in w._dom_classes]
    assert len(questions) == len(quiz.questions) >= 3
    q = quiz.questions[0]
    box = questions[0]
    radio = one(box, "al-quiz-choices")
    feedback = one(box, "al-quiz-feedback")
    assert feedback.value == ""
    for i, choice in enumerate(q.choices):
        radio.value = i
        assert q.choices[i].feedback_in("en").replace("'", "&#x27;").replace('"', "&quot;") in feedback.value
        assert ("Correct" if i == q.correct else "Not quite") in feedback.value
    assert quiz.value == {"answers": {q.id: len(q.choices) - 1}}
    result = quiz.check()
    assert set(result) == {q.id}


def test_quiz_value_round_trip_and_score():
    quiz = Quiz()
    answers = {q.id: q.correct for q in quiz.questions}
    restored = Quiz()
    restored.value = {"answers": dict(answers, unknown_question=1), "attempts": 3}
    assert restored.value["attempts"] == 3
    assert all(fb.passed for fb in restored.check().values())
    total = len(quiz.questions)
    assert f"{total} of {total} answered correctly" in all_html(restored)
    restored.value = {"answers": {quiz.questions[0].id: 99}}  # out of range: ignored
    assert quiz.questions[0].id not in restored.value["answers"]


def test_quiz_escapes_question_text():
    q = QuizQuestion(
        id="hostile",
        prompt=HOSTILE,
        choices=(QuizChoice("a", HOSTILE), QuizChoice("b", "fine")),
        correct=1,
    )
    quiz = Quiz([q], draft_key="test/quiz")
    quiz.answer("hostile", 0)
    html = all_html(quiz)
    assert "<img" not in html and "&lt;img" in html


def test_quiz_in_vietnamese():
    quiz = Quiz(lang="vi")
    fb = quiz.answer(quiz.questions[0].id, quiz.questions[0].correct)
    assert fb.passed
    assert "Đúng" in all_html(quiz)


# ---------------------------------------------------------------------- CourseMap
def test_course_map_links_available_modules_only(repo_root: Path):
    html = all_html(CourseMap())
    for module in load_modules():
        exists = (repo_root / "notebooks" / module.notebook).is_file()
        # The data file must tell the truth about which lessons exist.
        assert module.available == exists, module.id
        link = f'href="{module.notebook}"'
        assert (link in html) == module.available
    assert 'href="04-campaign-message.ipynb"' in html
    assert "coming soon" in html


def test_course_map_progress_badges():
    cmap = CourseMap(progress={"campaign-message": "started"})
    assert "Started" in all_html(cmap)
