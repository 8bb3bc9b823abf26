"""Module 04, "Crafting the campaign message": what it owns.

Pure parts here: ``schema`` (its drafts), ``plan`` (its part of the campaign
plan), ``quiz.json`` and ``locales/``. Widget files (``message_builder``,
``link_builder``) import ipywidgets and are imported only by the lesson page.
"""
from __future__ import annotations

from advocacy_lab.core.schema import ModuleParts

from .plan import MESSAGES
from .schema import DRAFTS, MESSAGE_BUILDER, QUIZ, TRACKING_LINK

PARTS = ModuleParts(id="campaign-message", drafts=DRAFTS, plan_parts=(MESSAGES,))

__all__ = ["MESSAGE_BUILDER", "PARTS", "QUIZ", "TRACKING_LINK"]
