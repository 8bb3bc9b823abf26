"""The "What worked, and why" part of the campaign plan, from the lessons draft. Pure."""
from __future__ import annotations

from typing import Any, Mapping

from advocacy_lab.core.catalogue import TextKey
from advocacy_lab.core.plan import PlanEntry, SectionContent, learner_text
from advocacy_lab.core.schema import PlanPart

from .cases import CASES
from .schema import LESSONS


def _label(field: str) -> TextKey:
    return TextKey(f"campaign_data.plan.{field}")


def build_lessons_section(drafts: Mapping[str, Mapping[str, Any]]) -> SectionContent | None:
    """What worked in the case the learner studied, and on their own page; the case's name with it."""
    draft = drafts.get(LESSONS.key)
    if not isinstance(draft, Mapping):
        return None
    entries: list[PlanEntry] = []
    gaps: list[TextKey] = []
    case_id = draft.get("case") if isinstance(draft.get("case"), str) else None
    lessons = learner_text(draft.get("case_lessons"))
    if lessons:
        # The label names the case ("What worked in the fair-trade coalition's campaign"), in the plan's language.
        label = TextKey(f"campaign_data.plan.lessons_from.{case_id}") if case_id in CASES else _label("case_lessons")
        entries.append(PlanEntry(label, lessons))
    else:
        gaps.append(_label("case_lessons"))
    own = learner_text(draft.get("own_page_lessons"))
    if own:
        entries.append(PlanEntry(_label("own_page_lessons"), own))
    if not entries:
        return None
    return SectionContent(tuple(entries), tuple(gaps))


LESSONS_PART = PlanPart(section_id="lessons", drafts=(LESSONS,), build=build_lessons_section)
