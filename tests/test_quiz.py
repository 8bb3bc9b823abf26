"""The quiz core (pure) and its content file."""
from __future__ import annotations

import json

import pytest

from advocacy_lab.core.feedback import Feedback
from advocacy_lab.core.quiz import (
    QuizChoice,
    QuizQuestion,
    check_answer,
    load_quiz,
    parse_quiz,
)


def _question() -> QuizQuestion:
    return QuizQuestion(
        id="order",
        prompt="Which order?",
        choices=(
            QuizChoice("Problem first", {"en": "Right: start with the problem.", "vi": "Đúng."}),
            QuizChoice("Ask first", "No: the ask needs a reason first."),
        ),
        correct=0,
    )


def test_correct_choice_passes_with_its_own_feedback():
    fb = check_answer(_question(), 0)
    assert isinstance(fb, Feedback)
    assert fb.passed is True
    assert fb.rule_ids == ("quiz.correct",)
    assert fb.findings[0].message == "Right: start with the problem."
    assert fb.metrics["correct"] is True and fb.metrics["choice"] == 0


def test_wrong_choice_fails_and_explains_why():
    fb = check_answer(_question(), 1)
    assert fb.passed is False
    assert fb.rule_ids == ("quiz.incorrect",)
    assert "ask needs a reason" in fb.findings[0].message
    assert fb.findings[0].suggestion  # tells the learner what to do next


def test_choice_by_text_and_vietnamese_feedback_with_english_fallback():
    q = _question()
    assert check_answer(q, "Problem first", lang="vi").findings[0].message == "Đúng."
    # No Vietnamese text for this choice: fall back to English rather than show nothing.
    assert check_answer(q, 1, lang="vi").findings[0].message.startswith("No:")


@pytest.mark.parametrize("bad", [2, -1, True, "Maybe", 1.0, None])
def test_invalid_choice_is_a_clear_value_error(bad):
    with pytest.raises(ValueError, match="choice|order"):
        check_answer(_question(), bad)


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError, match="lang"):
        check_answer(_question(), 0, lang="fr")


def test_question_validation():
    with pytest.raises(ValueError, match="two choices"):
        QuizQuestion("q", "?", (QuizChoice("a", "b"),), 0)
    with pytest.raises(ValueError, match="correct"):
        QuizQuestion("q", "?", (QuizChoice("a", "b"), QuizChoice("c", "d")), 5)


def test_frozen():
    q = _question()
    with pytest.raises(AttributeError):
        q.correct = 1  # type: ignore[misc]


def test_campaign_message_quiz_content_is_complete():
    from advocacy_lab.core.catalogue import TextKey, catalogue

    questions = load_quiz("campaign_message")
    assert len(questions) >= 3
    for q in questions:
        # Every choice explains itself, in English and in Vietnamese: catalogue texts of both languages.
        for choice in q.choices:
            for label in (choice.text, choice.feedback):
                assert isinstance(label, TextKey)
                assert catalogue("en")[label.key].strip() and catalogue("vi")[label.key].strip()
                assert catalogue("vi")[label.key] != catalogue("en")[label.key]
            assert choice.feedback_in("vi") == catalogue("vi")[choice.feedback.key]
        assert isinstance(q.prompt, TextKey) and q.prompt_in("vi") != q.prompt_in("en")
        results = [check_answer(q, i).passed for i in range(len(q.choices))]
        assert results.count(True) == 1 and results.index(True) == q.correct


def test_quiz_file_carries_source_and_date():
    from importlib import resources

    data = json.loads(
        resources.files("advocacy_lab").joinpath("modules", "campaign_message", "quiz.json").read_text("utf-8")
    )
    assert data["source"] and data["date"]


def test_quiz_names_texts_the_catalogue_has():
    with pytest.raises(ValueError, match="catalogue lacks: no.such.prompt"):
        parse_quiz(
            {
                "questions": [
                    {
                        "id": "a",
                        "prompt": "no.such.prompt",
                        "choices": [
                            {"text": "quiz.title", "feedback": "quiz.right", "correct": True},
                            {"text": "quiz.title", "feedback": "quiz.wrong"},
                        ],
                    }
                ]
            }
        )


def test_a_choice_given_as_text_in_any_language():
    q = load_quiz("campaign_message")[0]
    for index, choice in enumerate(q.choices):
        assert check_answer(q, choice.text_in("vi")).metrics["choice"] == index
        assert check_answer(q, choice.text_in("en"), lang="vi").metrics["choice"] == index


@pytest.mark.parametrize(
    "data, problem",
    [
        ({}, "questions"),
        ({"questions": [{"id": "a", "prompt": "?"}]}, "choices"),
        (
            {"questions": [{"id": "a", "prompt": "?", "choices": [{"text": "x", "feedback": "y"}] * 2}]},
            "exactly one",
        ),
        (
            {
                "questions": [
                    {"id": "a", "prompt": "?", "choices": [{"text": "x", "feedback": "y", "correct": True}, {"text": "z", "feedback": "w"}]}
                ]
                * 2
            },
            "unique",
        ),
    ],
)
def test_malformed_quiz_data_is_a_clear_value_error(data, problem):
    with pytest.raises(ValueError, match=problem):
        parse_quiz(data)


def test_unknown_quiz_name():
    with pytest.raises(ValueError, match="no quiz"):
        load_quiz("no_such_module")
