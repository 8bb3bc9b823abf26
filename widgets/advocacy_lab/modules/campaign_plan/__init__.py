"""Module 09, "Your campaign plan" (the capstone): what it owns.

Its one draft is the plan's own title; it is finished when the plan has a
title and nothing is left to do (``plan_complete``). The plan view itself is
``advocacy_lab.ui.plan`` (shared: it shows every module's part).
"""
from __future__ import annotations

from advocacy_lab.core.schema import DraftField, DraftSchema, ModuleParts

PLAN = DraftSchema(
    key="campaign-plan/plan",
    title="plan_view.draft_title",
    fields=(DraftField("title", "text", required=True, label="plan_view.title_label"),),
)

PARTS = ModuleParts(id="campaign-plan", drafts=(PLAN,), plan_complete=True)

__all__ = ["PARTS", "PLAN"]
