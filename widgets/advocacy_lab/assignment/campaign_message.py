"""The graded exercise of module 04, "Crafting the campaign message": its answers and visible checks.

Pure (no widgets): nbgrader's test cells and the self-check both run these.

- Each autograded part is answered through a widget whose draft key is below
  (the lesson's message builder and link builder, and a length answer); the
  answers file holds one record per key.
- ``VISIBLE_CHECKS``: for each autograded cell (its nbgrader ``grade_id``), what
  its visible test checks, through the same checkers as the lesson
  (``advocacy_lab.checks``). A test cell calls ``graded(grade_id)``, which reads
  the answers file beside the notebook, prints the answer it grades (so the
  trainer reads it beside the score in formgrader and the feedback), runs the
  visible check and returns the values; the hidden tests, kept only in the
  instructor's notebook, check those values further.
- The self-check runs the same visible checks on what the widgets show.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

from advocacy_lab.checks import build_tracking_link, check_post, get_platform
from advocacy_lab.core.catalogue import TextKey, languages, text
from advocacy_lab.core.links import LinkError
from advocacy_lab.modules.campaign_message.schema import MESSAGE_BUILDER, TRACKING_LINK

from .answers import AnswerProblem, Answers, shown_answer
from .grading import VisibleCheck, run_graded

#: The assignment and its notebook (``solutions/campaign-message/campaign-message.ipynb``).
ASSIGNMENT = "campaign-message"
NOTEBOOK = "campaign-message"

#: Where each part's answer is kept (in the answers file, and in the browser under Voila).
#: Not the lesson's keys: the lesson's drafts never fill the graded exercise.
POST_KEY = "assignment/campaign-message.post"
LINK_KEY = "assignment/campaign-message.tracked-link"
LENGTH_KEY = "assignment/campaign-message.vietnamese-length"

#: Part 2: the petition's address, the platform of the post, the medium and campaign asked for.
PETITION_URL = "https://example.org/open-budget"
LINK_SOURCE = "facebook"
LINK_MEDIUM = "social"
LINK_CAMPAIGN = "open-budget-2025"

#: Part 3: the Vietnamese post whose length on X the learner finds.
VI_POST = (
    "Hãy ký kiến nghị trước ngày 30/6: đề nghị Uỷ ban nhân dân quận công khai "
    "ngân sách quận trên mạng bằng ngôn ngữ dễ hiểu. Người dân có quyền biết "
    "tiền đóng góp cho trường học và trạm y tế được chi thế nào. #NganSachMo"
)
X_LIMIT = 280

#: Part 1: the platforms the post must be ready for.
POST_PLATFORMS = ("x", "instagram")

PART_POST = TextKey("assignment.campaign_message.part.post")
PART_LINK = TextKey("assignment.campaign_message.part.link")
PART_LENGTH = TextKey("assignment.campaign_message.part.length")

LENGTH_FIELD = "x_length"
FITS_FIELD = "fits_on_x"
LENGTH_LABEL = TextKey("assignment.campaign_message.length.label")
FITS_LABEL = TextKey("assignment.campaign_message.fits.label")


def _field_label(schema: Any, name: str) -> TextKey:
    return TextKey(schema.field(name).label)


def _post(answers: Answers) -> dict[str, Any]:
    return {"post": answers.text(POST_KEY, PART_POST, "post", _field_label(MESSAGE_BUILDER, "post"))}


def _link_parts(answers: Answers) -> dict[str, str]:
    return {
        name: answers.text(LINK_KEY, PART_LINK, name, _field_label(TRACKING_LINK, name))
        for name in ("url", "source", "medium", "campaign")
    }


def _tracked_link(answers: Answers) -> dict[str, Any]:
    parts = _link_parts(answers)
    try:
        link = build_tracking_link(parts["url"], parts["source"], parts["medium"], parts["campaign"])
    except LinkError as exc:
        # The lesson's own sentence for the problem, in every language.
        raise AnswerProblem(
            "assignment.campaign_message.link.cannot_build",
            problem={lang: exc.in_language(lang) for lang in languages()},
        ) from None
    return {"tracked_link": link}


def _x_length(answers: Answers) -> dict[str, Any]:
    return {"x_length": answers.whole_number(LENGTH_KEY, PART_LENGTH, LENGTH_FIELD, LENGTH_LABEL)}


def _fits_on_x(answers: Answers) -> dict[str, Any]:
    return {"fits_on_x": answers.choice(LENGTH_KEY, PART_LENGTH, FITS_FIELD, FITS_LABEL, (True, False))}


# -- the visible checks -------------------------------------------------------
def _post_ready(values: dict[str, Any]) -> None:
    post = values["post"]
    for platform in POST_PLATFORMS:
        if check_post(post, platform).passed is not True:
            # What to fix, as the lesson says it, in every language.
            fixes = {
                lang: " ".join(f.message for f in check_post(post, platform, lang=lang).by_severity("error"))
                for lang in languages()
            }
            raise AnswerProblem(
                "assignment.campaign_message.post.not_ready", platform=get_platform(platform).name, fixes=fixes
            )


def _nothing_more(values: dict[str, Any]) -> None:
    """The visible test only reads the answer; the rest is hidden."""


def _link_right(values: dict[str, Any]) -> None:
    parts = urlsplit(values["tracked_link"])
    expected = urlsplit(PETITION_URL)
    if (parts.scheme, parts.netloc, parts.path) != (expected.scheme, expected.netloc, expected.path):
        raise AnswerProblem("assignment.campaign_message.link.wrong_address", url=PETITION_URL)
    if parse_qs(parts.query).get("utm_source") != [LINK_SOURCE]:
        raise AnswerProblem("assignment.campaign_message.link.wrong_source", source=LINK_SOURCE)


VISIBLE_CHECKS: dict[str, VisibleCheck] = {
    check.grade_id: check
    for check in (
        VisibleCheck("post_passes_x_and_instagram", PART_POST, _post, _post_ready),
        VisibleCheck("post_has_call_to_action", PART_POST, _post, _nothing_more),
        VisibleCheck("tracked_link_has_utm_parameters", PART_LINK, _tracked_link, _link_right),
        VisibleCheck("weighted_length_of_vietnamese_post", PART_LENGTH, _x_length, _nothing_more),
        VisibleCheck("vietnamese_post_fits_on_x", PART_LENGTH, _fits_on_x, _nothing_more),
    )
}


# -- what a learner's feedback says (``advocacy-lab feedback``) --------------------------
#: A plain-language hint for each autograded check, shown in the feedback when it did not pass.
HINTS: dict[str, TextKey] = {grade_id: TextKey(f"assignment.hint.{grade_id}") for grade_id in VISIBLE_CHECKS}

#: The parts the trainer grades by hand (a written answer, a Markdown cell), by grade_id.
WRITTEN_PARTS: dict[str, TextKey] = {
    "message_box_own_coalition": TextKey("assignment.hint.part.message_box_own_coalition"),
}

#: How each answer a visible check reads is named for the learner.
ANSWER_LABELS: dict[str, TextKey] = {
    "post": _field_label(MESSAGE_BUILDER, "post"),
    "tracked_link": TextKey("campaign_message.link.result_label"),
    LENGTH_FIELD: LENGTH_LABEL,
    FITS_FIELD: FITS_LABEL,
}


def answer_words(name: str, value: Any, lang: str) -> str:
    """An answer as the learner chose it, in ``lang``: a yes/no choice in the words it was offered with."""
    if name == FITS_FIELD and type(value) is bool:
        return text("assignment.campaign_message.fits.yes" if value else "assignment.campaign_message.fits.no", lang)
    return shown_answer(value)


def advice(values: dict[str, Any], lang: str) -> tuple[str, ...]:
    """What the lesson's checker says to fix in the post, on each platform it must be ready for (in ``lang``):
    the same findings the message builder shows, never a hidden test."""
    post = values.get("post")
    if not isinstance(post, str):
        return ()
    said: dict[str, str] = {}
    for platform in POST_PLATFORMS:
        for finding in check_post(post, platform, lang=lang).findings:
            if finding.severity in ("error", "warning") and finding.rule_id not in said:
                said[finding.rule_id] = " ".join(w for w in (finding.message, finding.suggestion) if w)
    return tuple(said.values())


def graded(grade_id: str, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a test cell calls: ``grading.run_graded`` of that cell's visible check, for this
    exercise's answers file (while nbgrader grades a problem raises; in the learner's kernel it
    is said; on a Voila self-check page nothing is read)."""
    __tracebackhide__ = True  # the learner reads the reason, not our frames
    return run_graded(VISIBLE_CHECKS[grade_id], NOTEBOOK, folder)


