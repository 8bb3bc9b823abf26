"""Module 04's drafts are declared once (schema.py); progress, the plan part and the widgets derive from it."""
from __future__ import annotations

import pytest

from advocacy_lab.core.course import load_course
from advocacy_lab.core.plan import plan_sections
from advocacy_lab.core.quiz import load_quiz
from advocacy_lab.core.schema import DraftField, DraftSchema
from advocacy_lab.modules import module_parts, package_name
from advocacy_lab.modules.campaign_message import PARTS
from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder
from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
from advocacy_lab.modules.campaign_message.schema import MESSAGE_BUILDER, QUIZ, TRACKING_LINK
from advocacy_lab.ui.quiz import Quiz


def test_the_course_finds_the_module_through_its_folder():
    assert package_name("campaign-message") == "campaign_message"
    assert module_parts("campaign-message") is PARTS
    assert load_course().module("campaign-message").parts is PARTS
    assert module_parts("budget") is None  # planned: no folder yet
    for bad in ("Campaign_Message", "../x", "", "campaign--message"):
        with pytest.raises(ValueError, match="module id"):
            package_name(bad)


def test_the_progress_rule_is_derived_from_the_schema():
    rule = load_course().module("campaign-message").progress
    by_key = {d.key: d for d in rule.drafts}
    assert set(by_key) == {MESSAGE_BUILDER.key, TRACKING_LINK.key, QUIZ.key}
    builder = by_key[MESSAGE_BUILDER.key]
    assert builder.started_by == builder.required == ("problem", "solution", "ask", "post")
    assert builder.chosen == ("platforms",)
    link = by_key[TRACKING_LINK.key]
    assert link.started_by == ("url", "source", "medium", "campaign") and not (link.required or link.chosen)
    assert by_key[QUIZ.key].answered == tuple(q.id for q in load_quiz("campaign_message"))


def test_a_field_added_to_the_schema_changes_progress_and_the_widget_together():
    extra = DraftSchema(
        MESSAGE_BUILDER.key, MESSAGE_BUILDER.fields + (DraftField("audience", "text", required=True),)
    )
    assert "audience" in extra.progress_rule().required
    assert "audience" not in MESSAGE_BUILDER.progress_rule().required


def test_the_plan_part_reads_the_schema_draft():
    messages = next(s for s in plan_sections() if s.id == "messages")
    assert messages.draft_keys == (MESSAGE_BUILDER.key,)
    assert PARTS.plan_parts[0].section_id == "messages"


def test_the_widgets_take_their_draft_keys_and_fields_from_the_schema():
    builder, link, quiz = MessageBuilder(), TrackingLinkBuilder(), Quiz()
    assert (builder.draft_key, link.draft_key, quiz.draft_key) == (MESSAGE_BUILDER.key, TRACKING_LINK.key, QUIZ.key)
    text_fields = [f.name for f in MESSAGE_BUILDER.of_kind("text")]
    assert [n for n in builder.fields if "." not in n] == text_fields
    assert {n.split(".")[0] for n in builder.fields if "." in n} == {"platforms"}
    assert list(link.fields) == [f.name for f in TRACKING_LINK.fields]
    # Every field is labelled from its catalogue key.
    for component, schema in ((builder, MESSAGE_BUILDER), (link, TRACKING_LINK)):
        for field in schema.of_kind("text"):
            assert component.fields[field.name].description == component.field_label((field.name,))


def test_schema_mistakes_are_clear_value_errors():
    with pytest.raises(ValueError, match="twice"):
        DraftSchema("m/x", (DraftField("a"), DraftField("a")))
    with pytest.raises(ValueError, match="quiz"):
        DraftSchema("m/x", (DraftField("answers", "answers"),))
    with pytest.raises(ValueError, match="kind"):
        DraftField("a", "number")
    with pytest.raises(ValueError, match="plain name"):
        DraftField("a.b")
