"""Module 03, "Learning from campaign data": what it owns.

Pure parts here: ``schema`` (its drafts), ``plan`` (its part of the campaign
plan), ``cases`` (the illustrative case studies, ``cases.json`` and
``case_studies/``, made by ``scripts/case_studies.py``) and ``locales/``.
The metrics and the export reader are the pure core ``advocacy_lab.analysis``.
"""
from __future__ import annotations

from advocacy_lab.core.schema import ModuleParts

from .cases import BREAKDOWNS, CASES, load_case
from .plan import LESSONS_PART
from .schema import DRAFTS, LESSONS

PARTS = ModuleParts(id="campaign-data", drafts=DRAFTS, plan_parts=(LESSONS_PART,))

__all__ = ["BREAKDOWNS", "CASES", "LESSONS", "PARTS", "load_case"]
