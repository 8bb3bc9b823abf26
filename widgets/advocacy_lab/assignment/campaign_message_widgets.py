"""The widgets of the campaign-message graded exercise (see ``widgets.py`` for where answers go).

The same message builder and link builder as the lesson (by composition, under
the assignment's own draft keys), and a number-and-choice answer for Part 3.
"""
from __future__ import annotations

import os
from typing import Any

from advocacy_lab.core.catalogue import text
from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder
from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
from advocacy_lab.ui.session import page_session

from . import campaign_message as spec
from .widgets import AnswerSheet, NumberAndChoiceAnswer, PartIntro


def answer_sheet(folder: str | os.PathLike[str] | None = None, store: Any = None) -> AnswerSheet:
    """Build the exercise's widgets; answers restored from, and saved to, where this kernel keeps them."""
    lang = page_session().lang
    parts = {
        "post": MessageBuilder(draft_key=spec.POST_KEY, platforms=spec.POST_PLATFORMS, lang=lang),
        "link": TrackingLinkBuilder(draft_key=spec.LINK_KEY, lang=lang),
        "length": NumberAndChoiceAnswer(
            draft_key=spec.LENGTH_KEY,
            title_key="assignment.campaign_message.length.draft_title",
            intro=lambda code: spec.VI_POST,
            number_field=spec.LENGTH_FIELD,
            number_label=spec.LENGTH_LABEL.key,
            number_placeholder="assignment.campaign_message.length.placeholder",
            choice_field=spec.FITS_FIELD,
            choice_label=spec.FITS_LABEL.key,
            choices=(("assignment.campaign_message.fits.yes", True), ("assignment.campaign_message.fits.no", False)),
            lang=lang,
        ),
    }
    intros = {
        "post": PartIntro(
            spec.PART_POST, lambda code: text("assignment.campaign_message.post.instructions", code), lang=lang
        ),
        "link": PartIntro(
            spec.PART_LINK,
            lambda code: text(
                "assignment.campaign_message.link.instructions", code, url=spec.PETITION_URL,
                source=spec.LINK_SOURCE, medium=spec.LINK_MEDIUM, campaign=spec.LINK_CAMPAIGN,
            ),
            lang=lang,
        ),
        "length": PartIntro(
            spec.PART_LENGTH,
            lambda code: text("assignment.campaign_message.length.instructions", code, limit=spec.X_LIMIT),
            lang=lang,
        ),
    }
    intro = PartIntro(None, lambda code: text("assignment.campaign_message.intro", code), lang=lang)
    return AnswerSheet(
        spec.NOTEBOOK, parts, spec.VISIBLE_CHECKS, intros=intros, intro=intro, folder=folder, store=store
    )
