"""Module 03's lessons draft: its progress rule and its part of the campaign plan, from one declaration."""
from __future__ import annotations

from advocacy_lab.core.catalogue import localized
from advocacy_lab.core.course import load_course
from advocacy_lab.core.plan import build_plan
from advocacy_lab.modules.campaign_data import LESSONS, PARTS
from advocacy_lab.modules.campaign_data.plan import build_lessons_section


def test_the_lessons_draft_is_declared_once_and_gives_the_progress_rule():
    assert PARTS.drafts == (LESSONS,) and LESSONS.key == "campaign-data/lessons"
    rule = PARTS.progress_rule()
    assert LESSONS.key in str(rule)
    assert [f.name for f in LESSONS.fields if f.required] == ["case_lessons"]
    module = next(m for m in load_course().modules if m.id == "campaign-data")
    assert module.parts is PARTS


def test_an_empty_draft_fills_no_part_of_the_plan():
    assert build_lessons_section({}) is None
    assert build_lessons_section({LESSONS.key: {"case_lessons": "   "}}) is None


def test_the_lessons_name_the_case_in_the_plans_language():
    drafts = {LESSONS.key: {"case": "budget-transparency", "case_lessons": "Short videos of real people <b>spread</b>."}}
    content = build_lessons_section(drafts)
    (entry,) = content.entries
    assert entry.text == "Short videos of real people <b>spread</b>."  # the learner's words, escaped by renderers
    assert localized(entry.label, "en") == "What worked for the budget-transparency coalition"
    assert localized(entry.label, "vi").startswith("Điều rút ra từ liên minh minh bạch ngân sách")
    assert content.gaps == ()


def test_an_unknown_case_and_the_own_page_lessons():
    drafts = {LESSONS.key: {"case": "<script>", "case_lessons": "Images worked.", "own_page_lessons": "Evenings."}}
    entries = build_lessons_section(drafts).entries
    assert [localized(e.label, "en") for e in entries] == ["What worked in a case study", "What worked on our own page"]
    only_own = build_lessons_section({LESSONS.key: {"own_page_lessons": "Evenings."}})
    assert [localized(g, "en") for g in only_own.gaps] == ["What worked in a case study"]


def test_the_plan_shows_the_part_after_the_audiences():
    plan = build_plan({LESSONS.key: {"case_lessons": "Images worked."}})
    assert [s.id for s in plan.sections] == ["lessons"]
    assert plan.sections[0].title == "What worked, and why"
