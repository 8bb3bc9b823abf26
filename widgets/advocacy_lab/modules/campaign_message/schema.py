"""The drafts "Crafting the campaign message" keeps, declared once.

The progress rule, the plan's "Messages" part and the widgets' default
draft keys and fields all come from here.
"""
from __future__ import annotations

from advocacy_lab.core.schema import DraftField, DraftSchema

#: The message box (problem, solution, call to action), the post, and the platforms it is written for.
MESSAGE_BUILDER = DraftSchema(
    key="campaign-message/message-builder",
    title="campaign_message.builder.draft_title",
    fields=(
        DraftField("problem", "text", required=True, label="campaign_message.builder.problem"),
        DraftField("solution", "text", required=True, label="campaign_message.builder.solution"),
        DraftField("ask", "text", required=True, label="campaign_message.builder.ask"),
        DraftField("post", "text", required=True, label="campaign_message.builder.post"),
        DraftField(
            "platforms", "choices", required=True, starts_progress=False, label="campaign_message.builder.platforms"
        ),
    ),
)

#: The tracked link: a link and its three UTM parts. Optional: it starts the module, never holds it back.
TRACKING_LINK = DraftSchema(
    key="campaign-message/tracking-link",
    title="campaign_message.link.draft_title",
    fields=(
        DraftField("url", "text", label="campaign_message.link.url"),
        DraftField("source", "text", label="campaign_message.link.source"),
        DraftField("medium", "text", label="campaign_message.link.medium"),
        DraftField("campaign", "text", label="campaign_message.link.campaign"),
    ),
)

#: The quiz answers: every question answered finishes this part.
QUIZ = DraftSchema(
    key="campaign-message/quiz",
    title="campaign_message.quiz.draft_title",
    fields=(DraftField("answers", "answers", required=True, label="campaign_message.quiz.title"),),
    quiz="campaign_message",
)

DRAFTS = (MESSAGE_BUILDER, TRACKING_LINK, QUIZ)
