"""The drafts "Learning from campaign data" keeps, declared once.

The progress rule, the plan's "What worked, and why" part and the widgets'
default draft keys and fields all come from here.
"""
from __future__ import annotations

from advocacy_lab.core.schema import DraftField, DraftSchema

#: What the learner drew from a case study, and from their own page's data.
LESSONS = DraftSchema(
    key="campaign-data/lessons",
    title="campaign_data.lessons.draft_title",
    fields=(
        DraftField("case", "text", starts_progress=False, label="campaign_data.lessons.case"),  # a case id
        DraftField("case_lessons", "text", required=True, label="campaign_data.lessons.case_lessons"),
        DraftField("own_page_lessons", "text", label="campaign_data.lessons.own_page_lessons"),
    ),
)

DRAFTS = (LESSONS,)
