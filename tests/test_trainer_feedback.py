"""``advocacy-lab feedback ASSIGNMENT``: each learner's feedback page, from real nbgrader grading.

A small cohort (en and vi learners, in a roster.json) answers both graded exercises through their
widgets, one of them fetching and submitting through nbgrader's own exchange; real ``nbgrader
autograde`` grades them; the real ``advocacy-lab feedback`` writes the pages. Checked:

- one page per learner in feedback/<student>/<assignment>/, in the learner's language (lang attribute
  and words), the summary naming who had no graded submission; exit 2 for an unknown assignment or
  no gradebook, without a traceback;
- no line of the hidden tests' code, no traceback or error class name on any page;
- the learner's answers shown as text: markup, ampersands, emoji and right-to-left text escaped, not rendered;
- the written part says "not graded yet" (never 0) until the trainer grades it through nbgrader's
  Gradebook, then its score, in the total, with the trainer's comment as text;
- a failed check says why (the visible check's reason) or that a further check did not pass, with
  the check's hint and, for a post, the lesson checker's findings, in the learner's language;
- nbgrader's release_feedback accepts the page and fetch_feedback brings it to the learner.
"""
from __future__ import annotations

import getpass
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from advocacy_lab.assignment import campaign_data, campaign_message
from advocacy_lab.core.catalogue import text
from advocacy_lab.course import nbgrader_env, release_exercises
from assignment_support import (
    SOLUTION_FITS,
    SOLUTION_LINK,
    answer_campaign_data_through_widgets,
    answer_through_widgets,
    by_grade_id,
    nbgrader,
    submit,
    through_the_exchange,
)
from feedback_support import ANA_POST, sample_feedback

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "advocacy-lab")
MESSAGE, DATA = campaign_message.ASSIGNMENT, campaign_data.ASSIGNMENT

#: What the exchange learner (this machine's user) is called in the roster.
EXCHANGE_NAME = "Hà Exchange"
#: Ana's written answer (Part 4): Markdown with markup a page must show as text.
ANA_WRITTEN = "- **Problem:** fees <script>alert(1)</script> & no budget online\n- **Ask:** publish it 📢"
COMMENT = "Clear problem <i>and</i> solution; the ask needs a date & a place."


def _cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args, "--course", str(course)], capture_output=True, text=True, timeout=600,
                          env=nbgrader_env())


def _page(course: Path, student: str, assignment: str) -> str:
    return (course / "feedback" / student / assignment / f"{assignment}.html").read_text("utf-8")


def _shown(page: str) -> str:
    """What a reader of the page sees: tags dropped, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _hidden_lines(assignment: str) -> list[str]:
    """Each line of code of the instructor's hidden-test regions (the markers included)."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    lines = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            if inside and line.strip() and line.strip() not in (")",):
                lines.append(line.strip())
            if "END HIDDEN TESTS" in line:
                inside = False
    return lines


# -- the page itself, without nbgrader (fast) ------------------------------------------------
def test_a_page_escapes_every_text_and_carries_no_script():
    from advocacy_lab.trainer.feedback import render

    page = render(sample_feedback(None), "Ana <script>")
    for raw in ("<b>every year</b>", "<i>", "<a>", "<u>", "<to>", "<em>", "<script"):
        assert raw not in page, raw
    for shown in ("Part 1 &lt;i&gt;", "Why &lt;u&gt;not&lt;/u&gt;", "Try &amp; see", "Good &lt;em&gt;start&lt;/em&gt;",
                  "&lt;b&gt;every year&lt;/b&gt; &amp; deserve", "🌱👨‍👩‍👧", "مرحبا"):
        assert shown in page, shown
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_a_part_not_graded_yet_is_never_zero():
    from advocacy_lab.trainer.feedback import render

    pending = sample_feedback(None)
    assert not pending.complete and pending.score == 2 and pending.max_score == 9
    shown = _shown(render(pending))
    assert text("trainer.feedback.not_graded_yet") in shown
    assert text("trainer.feedback.score", score="0", max_score="6") not in shown
    assert text("trainer.feedback.total_so_far", score="2", max_score="9") in shown
    graded = _shown(render(sample_feedback(4.5, "vi")))
    assert text("trainer.feedback.total", "vi", score="6,5", max_score="9") in graded  # Vietnamese decimal comma
    assert text("trainer.feedback.score", "vi", score="4,5", max_score="6") in graded


def test_scores_as_nbgrader_keeps_them():
    from nbgrader.api import Grade

    from advocacy_lab.trainer.feedback import _score

    # A written answer autograde could not grade: not graded yet, though nbgrader's score reads 0.
    assert _score(Grade(auto_score=None, manual_score=None, needs_manual_grade=True)) is None
    assert _score(Grade(auto_score=0.0, manual_score=None, needs_manual_grade=True)) is None
    # Graded by the trainer; an autograded cell; nbgrader's 0 for an answer left as released; extra credit.
    assert _score(Grade(auto_score=None, manual_score=5.0, needs_manual_grade=True)) == 5.0
    assert _score(Grade(auto_score=2.0, manual_score=None, needs_manual_grade=False)) == 2.0
    assert _score(Grade(auto_score=0.0, manual_score=None, needs_manual_grade=False)) == 0.0
    assert _score(Grade(auto_score=1.0, manual_score=None, needs_manual_grade=False, extra_credit=0.5)) == 1.5


# -- a real cohort, really graded (slow) ---------------------------------------------------------
@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Five learners in a roster, both exercises answered (one through the exchange), autograded for real."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    release_exercises(course)
    me = getpass.getuser()
    people = [("ana", "Ana", "en"), ("binh", "Bình", "vi"), ("dung", "Dũng", "vi"), (me, EXCHANGE_NAME, "vi"),
              ("absent", "Absent", "en")]
    (course / "roster.json").write_text(json.dumps({"schema_version": 1, "participants": [
        {"id": i, "name": n, "organisation": "Coalition", "language": lang} for i, n, lang in people
    ]}, ensure_ascii=False), encoding="utf-8")

    for assignment in (MESSAGE, DATA):
        release = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
        if assignment == MESSAGE:
            ana = lambda folder: answer_through_widgets(folder, post=ANA_POST, fits=not SOLUTION_FITS)  # noqa: E731
            binh = lambda folder: answer_through_widgets(folder, link={**SOLUTION_LINK, "source": "twitter"})  # noqa: E731
        else:
            ana = lambda folder: answer_campaign_data_through_widgets(folder, rate="36,5")  # noqa: E731
            binh = lambda folder: answer_campaign_data_through_widgets(folder, rate="150", misleading="live-vs-image")  # noqa: E731
        written = nbformat.from_dict(release)
        (written_id,) = campaign_message.WRITTEN_PARTS if assignment == MESSAGE else campaign_data.WRITTEN_PARTS
        by_grade_id(written)[written_id].source = ANA_WRITTEN
        submit(course, assignment, assignment, "ana", written, ana)
        submit(course, assignment, assignment, "binh", release, binh)
        submit(course, assignment, assignment, "dung", release)  # the release, nothing answered

    # This machine's user: campaign-message fetched, answered and submitted through nbgrader's exchange.
    home, exchange = tmp_path_factory.mktemp("learner-home"), tmp_path_factory.mktemp("exchange")
    through_the_exchange(course, MESSAGE, home, exchange, answer_through_widgets)
    ex = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=advocacy-lab"]

    before = {}
    for assignment in (MESSAGE, DATA):
        proc = nbgrader(course, "autograde", assignment, "--force")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        before[assignment] = _cli(course, "feedback", assignment)
    pages = {(s, a): _page(course, s, a) for a in (MESSAGE, DATA) for s in ("ana", "binh", "dung")}
    pages[(me, MESSAGE)] = _page(course, me, MESSAGE)
    return {"course": course, "me": me, "exchange": ex, "home": home, "runs": before, "pages": pages}


@pytest.mark.slow
def test_one_page_per_graded_learner_and_a_summary(cohort):
    course, me = cohort["course"], cohort["me"]
    run = cohort["runs"][MESSAGE]
    assert run.returncode == 0, run.stdout + run.stderr
    for student in ("ana", "binh", "dung", me):
        assert (course / "feedback" / student / MESSAGE / f"{MESSAGE}.html").is_file()
        assert text("trainer.feedback.wrote", student=student, language="vi" if student in ("binh", "dung", me)
                    else "en", file=course / "feedback" / student / MESSAGE / f"{MESSAGE}.html") in run.stdout
    # In the roster, with no submission: named, with the reason, and no page.
    assert text("trainer.feedback.skipped", student="absent",
                reason=text("trainer.feedback.no_submission", assignment=MESSAGE)) in run.stdout
    assert not (course / "feedback" / "absent").exists()
    assert text("trainer.feedback.done", count=4, learners=4, skipped=1) in run.stdout
    # Submissions put in submitted/ by hand have no exchange secret: named, and left out of the release.
    assert text("trainer.feedback.by_hand", students="ana, binh, dung") in run.stdout
    command = f"nbgrader release_feedback {MESSAGE} --CourseDirectory.student_id_exclude=ana,binh,dung"
    assert text("trainer.feedback.release", command=command) in run.stdout
    data = cohort["runs"][DATA]
    assert data.returncode == 0 and "absent" in data.stdout and me in data.stdout  # no campaign-data from me


@pytest.mark.slow
def test_each_page_is_in_the_learners_language(cohort):
    pages, me = cohort["pages"], cohort["me"]
    for (student, assignment), page in pages.items():
        lang = "en" if student == "ana" else "vi"
        assert f'<html lang="{lang}">' in page, student
        shown = _shown(page)
        # The exercise named as the course names its module ("Crafting the campaign message").
        assert text("trainer.feedback.title", lang, assignment=text(f"course.module.{assignment}.title", lang)) in shown
        other = "vi" if lang == "en" else "en"
        assert text("trainer.feedback.intro", lang) in shown and text("trainer.feedback.intro", other) not in shown
    assert text("trainer.feedback.for", "vi", name=EXCHANGE_NAME) in _shown(pages[(me, MESSAGE)])
    # Part names and check names in the learner's language.
    assert text("assignment.campaign_message.part.post", "vi") in _shown(pages[("binh", MESSAGE)])
    assert text("assignment.campaign_data.part.rate", "en") in _shown(pages[("ana", DATA)])


@pytest.mark.slow
def test_no_hidden_test_code_traceback_or_error_name_on_any_page(cohort):
    for (student, assignment), page in cohort["pages"].items():
        shown = _shown(page)
        hidden = _hidden_lines(assignment)
        assert len(hidden) > 5
        for line in hidden:
            assert line not in shown and html.escape(line) not in page, (student, line)
        assert "graded(" not in shown  # no test cell's code at all, visible or hidden
        for word in ("Traceback", "Error:", "AnswerProblem", "AssertionError", "ValueError", "site-packages", ".py"):
            assert word not in shown, (student, word)


@pytest.mark.slow
def test_the_learners_answers_are_shown_as_text(cohort):
    page = cohort["pages"][("ana", MESSAGE)]
    assert "<b>every year</b>" not in page
    assert html.escape(ANA_POST, quote=False) in page or html.escape(ANA_POST) in page
    assert "🌱👨‍👩‍👧" in page and "مرحبا" in page
    assert ANA_POST in _shown(page)
    # Choices in the words they were offered with, the tracked link whole.
    assert text("assignment.campaign_message.fits.no", "en") in _shown(page)
    assert "utm_campaign=open-budget-2025" in cohort["pages"][(cohort["me"], MESSAGE)]
    data = _shown(cohort["pages"][("binh", DATA)])
    assert campaign_data.statement(campaign_data.COMPARISONS[0], "vi") in data


def _part(shown: str, title: str, next_title: str | None) -> str:
    start = shown.index(title)
    return shown[start: shown.index(next_title, start) if next_title else None]


@pytest.mark.slow
def test_failed_checks_say_why_with_the_hint_in_the_learners_language(cohort):
    pages = cohort["pages"]
    ana = _shown(pages[("ana", MESSAGE)])
    post = _part(ana, text("assignment.campaign_message.part.post"), text("assignment.campaign_message.part.link"))
    # Her post passed the visible check; the call to action is a hidden check: said, with hint and the lesson's finding.
    assert text("trainer.feedback.passed", score="2", max_score="2") in post
    assert text("trainer.feedback.not_passed", score="0", max_score="1") in post
    assert text("trainer.feedback.further") in post
    assert text("assignment.hint.post_has_call_to_action") in post
    assert text("rule.cta.missing.fix") in post or text("rule.cta.missing.message") in post
    assert text("assignment.hint.post_passes_x_and_instagram") not in post  # passed: no hint
    # Binh (vi): the wrong source is the visible check's reason, in Vietnamese, with the hint.
    binh = _shown(pages[("binh", MESSAGE)])
    assert text("assignment.campaign_message.link.wrong_source", "vi", source="facebook") in binh
    assert text("assignment.hint.tracked_link_has_utm_parameters", "vi") in binh
    assert text("assignment.hint.tracked_link_has_utm_parameters", "en") not in binh
    # Dung answered nothing: said once, in Vietnamese, above the parts; each check not passed, with its hint.
    dung = _shown(pages[("dung", MESSAGE)])
    assert dung.count(text("assignment.answers.missing", "vi", file=f"{MESSAGE}.answers.json")) == 1
    assert dung.index(text("assignment.answers.missing", "vi", file=f"{MESSAGE}.answers.json")) < dung.index(
        text("assignment.campaign_message.part.post", "vi"))
    assert text("trainer.feedback.further", "vi") not in dung
    assert text("assignment.hint.weighted_length_of_vietnamese_post", "vi") in dung
    # The exchange learner's full marks: every check passed, no hint anywhere.
    mine = _shown(pages[(cohort["me"], MESSAGE)])
    assert text("trainer.feedback.hint", "vi") not in mine and text("trainer.feedback.not_passed", "vi", score="0",
                                                                        max_score="1") not in mine
    # Its written part left as released: nbgrader's own 0 for a blank answer, said as no answer.
    assert text("trainer.feedback.total", "vi", score="8", max_score="14") in mine
    assert text("trainer.feedback.no_answer", "vi") in mine
    # campaign-data: a rate on the wrong denominator (hidden), and one out of range (visible, vi).
    ana_data = _shown(pages[("ana", DATA)])
    assert text("assignment.hint.engagement_rate_by_reach_of_the_viral_video") in ana_data
    assert text("trainer.feedback.further") in ana_data
    binh_data = _shown(pages[("binh", DATA)])
    assert text("assignment.campaign_data.rate.out_of_range", "vi") in binh_data
    assert text("assignment.hint.misleading_comparison_spotted", "vi") in binh_data


@pytest.mark.slow
def test_a_written_part_is_not_graded_yet_until_the_trainer_grades_it(cohort):
    course = cohort["course"]
    ana = _shown(cohort["pages"][("ana", MESSAGE)])
    written = _part(ana, text("assignment.hint.part.message_box_own_coalition"), None)
    assert text("trainer.feedback.not_graded_yet") in written
    assert text("trainer.feedback.score", score="0", max_score="6") not in written
    assert text("trainer.feedback.total_so_far", score="6", max_score="14") in ana
    assert ANA_WRITTEN in written and "<script>" not in cohort["pages"][("ana", MESSAGE)]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("message_box_own_coalition", MESSAGE, MESSAGE, "ana")
        grade.manual_score = 5
        comment = gb.find_comment("message_box_own_coalition", MESSAGE, MESSAGE, "ana")
        comment.manual_comment = COMMENT
        gb.db.commit()
    run = _cli(course, "feedback", MESSAGE)
    assert run.returncode == 0, run.stdout + run.stderr
    page = _page(course, "ana", MESSAGE)
    shown = _shown(page)
    written = _part(shown, text("assignment.hint.part.message_box_own_coalition"), None)
    assert text("trainer.feedback.not_graded_yet") not in shown
    assert text("trainer.feedback.score", score="5", max_score="6") in written
    assert text("trainer.feedback.total", score="11", max_score="14") in shown
    assert COMMENT in shown and "<i>and</i>" not in page


@pytest.mark.slow
def test_nbgrader_release_feedback_and_fetch_feedback_carry_the_page(cohort):
    course, home, ex, me = cohort["course"], cohort["home"], cohort["exchange"], cohort["me"]
    # The command the summary gives (test_one_page_per_graded_learner_and_a_summary), as the trainer runs it.
    proc = nbgrader(course, "release_feedback", MESSAGE, "--CourseDirectory.student_id_exclude=ana,binh,dung", *ex)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Releasing feedback for student '{me}'" in proc.stdout + proc.stderr
    proc = nbgrader(course, "fetch_feedback", MESSAGE, *ex, cwd=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fetched = list((home / MESSAGE / "feedback").glob(f"*/{MESSAGE}.html"))
    assert len(fetched) == 1, proc.stdout + proc.stderr
    assert fetched[0].read_text("utf-8") == _page(course, me, MESSAGE)
    assert '<html lang="vi">' in fetched[0].read_text("utf-8")


@pytest.mark.slow
def test_unknown_assignment_and_no_gradebook_exit_2_with_a_sentence(cohort, tmp_path: Path):
    run = _cli(cohort["course"], "feedback", "no-such-assignment")
    assert run.returncode == 2 and "no-such-assignment" in run.stderr and MESSAGE in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", fresh)
    run = _cli(fresh, "feedback", MESSAGE)
    assert run.returncode == 2 and "Traceback" not in run.stderr + run.stdout
    assert text("trainer.feedback.no_gradebook", folder=fresh, assignment=MESSAGE) in run.stderr
    assert not (fresh / "gradebook.db").exists()
