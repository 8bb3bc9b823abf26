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
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from advocacy_lab.checks import build_tracking_link, check_post, get_platform
from advocacy_lab.core.catalogue import REFERENCE, Label, TextKey, languages, text
from advocacy_lab.core.links import LinkError
from advocacy_lab.modules.campaign_message.schema import MESSAGE_BUILDER, TRACKING_LINK

from .answers import AnswerProblem, Answers, answers_path, being_graded, served_by_voila, shown_answer

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


@dataclass(frozen=True)
class VisibleCheck:
    """One autograded cell's visible test: read the values it grades, then check them."""

    grade_id: str
    part: Label
    read: Callable[[Answers], dict[str, Any]]
    check: Callable[[dict[str, Any]], None]

    def run(self, answers: Answers) -> dict[str, Any]:
        values = self.read(answers)
        self.check(values)
        return values


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


class NotGradedHere(dict):
    """What a test cell gets on a self-check page: nothing to grade, every value ``None``."""

    def __missing__(self, key: str) -> None:
        return None


def _grading_language() -> str:
    code = os.environ.get("ADVOCACY_LAB_LANG", "").strip()
    return code if code in languages() else REFERENCE


def graded(grade_id: str, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a test cell calls: the answers of ``grade_id`` read from the answers file beside the
    notebook, shown as text, checked by the visible test; returned for the hidden tests.

    - While nbgrader grades or validates: a problem raises ``AnswerProblem`` (an AssertionError,
      so the cell scores 0) with the reason in plain words.
    - In the learner's own kernel (JupyterLab, Notebook): the same check, said in words and never
      raised, so that "Run All" goes on to every part's widgets instead of stopping at the first
      part not yet answered.
    - On a Voila self-check page: nothing (see ``NotGradedHere``).
    """
    __tracebackhide__ = True  # the learner reads the reason, not our frames
    check = VISIBLE_CHECKS[grade_id]
    if served_by_voila():
        # A self-check page: the answers live in the learner's browser, not in a file on the
        # server (shared by every page), and "Check my answers" runs this same visible check.
        return NotGradedHere()
    lang = _grading_language()
    part = _words(check.part, lang)
    practice = not being_graded()
    try:
        answers = Answers.read(answers_path(NOTEBOOK, folder))
        values = check.read(answers)
    except AnswerProblem as problem:
        if practice:
            print(text("assignment.graded.not_yet", lang, part=part, reason=problem.in_language(lang)))
            return NotGradedHere()
        print(text("assignment.graded.none", lang, part=part))
        raise AnswerProblem(problem.code, **problem.values) from None
    # The answer as plain text: the trainer reads it beside the score (formgrader, feedback).
    print(text("assignment.graded.heading", lang, part=part))
    for name, value in values.items():
        print(f"{name}: {shown_answer(value)}")
    try:
        check.check(values)
    except AnswerProblem as problem:
        if practice:
            print(text("assignment.graded.not_yet", lang, part=part, reason=problem.in_language(lang)))
            return values
        raise AnswerProblem(problem.code, **problem.values) from None
    if practice:
        print(text("assignment.graded.visible_passes", lang))
    return values


def _words(label: Label, lang: str) -> str:
    from advocacy_lab.core.catalogue import localized

    return localized(label, lang)
