"""The cohort report (``advocacy-lab report``) and the trainer's dashboard, over real nbgrader grading.

A small cohort in a temporary course: learners answer through the exercises' widgets, their
notebooks are submitted and graded by the real ``nbgrader autograde``; the report is then read
against nbgrader's own gradebook (its API over the SQLite file the CLI wrote): the scores in the
CSV, the checks that failed for the answers put in, the anonymised examples, escaping, who has not
submitted, manual grading before and after a manual grade is set, and the dashboard's refresh when
the gradebook changes.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from advocacy_lab.assignment import campaign_data, campaign_message
from advocacy_lab.cli import main
from advocacy_lab.course import release_exercises
from advocacy_lab.trainer import report as report_mod
from advocacy_lab.trainer.report import anonymise, build_report, checks_csv, report_html, scores_csv
from assignment_support import (
    SOLUTION_LINK,
    answer_campaign_data_through_widgets,
    answer_through_widgets,
    nbgrader,
    submit,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = campaign_message.ASSIGNMENT
DATA = campaign_data.ASSIGNMENT

ROSTER = [
    {"id": "an", "name": "Nguyễn Văn An", "organisation": "Green Hanoi", "language": "en"},
    {"id": "binh", "name": "Trần Thị Bình", "organisation": "<b>Youth</b> & Co", "language": "vi"},
    {"id": "chi", "name": "Phạm Minh Chi", "organisation": "Mekong Voices", "language": "vi"},
    {"id": "dung", "name": "Đỗ Văn Dũng", "organisation": "Open Budget Now", "language": "en"},
]
#: Bình's post: her name, an e-mail address, a handle, a phone number, a link with a path, markup, and
#: more than X takes (an error on X: the visible check fails).
BINH_POST = (
    "Trần Thị Bình here: write to binh.nguyen@example.org or @binh_ng, call +84 912 345 678, "
    "read https://example.org/secret/path?x=1 <b>now</b> & more. "
    + "Families pay for schools and clinics and deserve to see how the money is spent. " * 4
)
#: A learner outside the roster: a post without a call to action, with markup too.
GHOST_POST = (
    "Our district budget is still not online in plain language. Families pay for schools and clinics "
    "<b>every year</b> & deserve to see how the money is spent. #OpenBudget"
)
WRITTEN = "message_box_own_coalition"
DATA_WRITTEN = "interpretation_what_worked_and_why"


def _written(nb, grade_id: str, answer: str):
    """``nb`` with the learner's own words in the written part ``grade_id`` (a Markdown cell)."""
    copy = nbformat.from_dict(nb)
    for cell in copy.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = answer
    return copy


def _write_roster(course: Path) -> None:
    (course / "roster.json").write_text(json.dumps({"schema_version": 1, "participants": ROSTER}), encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The cohort's course after real grading of both exercises."""
    course = tmp_path_factory.mktemp("report-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    release_exercises(course)
    _write_roster(course)

    release = nbformat.read(course / "exercises" / MESSAGE / f"{MESSAGE}.ipynb", as_version=4)
    wrote = _written(release, WRITTEN, "- **Problem:** the district budget is not published.")
    submit(course, MESSAGE, MESSAGE, "an", wrote, answer_through_widgets)
    submit(course, MESSAGE, MESSAGE, "binh", wrote, lambda folder: answer_through_widgets(
        folder, post=BINH_POST, link={**SOLUTION_LINK, "source": "twitter"}))
    submit(course, MESSAGE, MESSAGE, "chi", release)  # nothing answered: no answers file, the written part as released
    submit(course, MESSAGE, MESSAGE, "ghost", wrote, lambda folder: answer_through_widgets(folder, post=GHOST_POST))
    proc = nbgrader(course, "autograde", MESSAGE, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    data_release = nbformat.read(course / "exercises" / DATA / f"{DATA}.ipynb", as_version=4)
    submit(course, DATA, DATA, "an", _written(data_release, DATA_WRITTEN, "Short videos worked best."),
           answer_campaign_data_through_widgets)
    submit(course, DATA, DATA, "binh", data_release,
           lambda folder: answer_campaign_data_through_widgets(folder, rate="150", misleading=None))
    proc = nbgrader(course, "autograde", DATA, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    from nbgrader.api import Gradebook

    # In the gradebook but not in the roster, and no submission.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_student("hoa", first_name="Lê Thị Hoa", last_name="")
    return course


def _grades(course: Path, assignment: str) -> dict[str, dict[str, object]]:
    """student -> grade id -> the score nbgrader gives (None while a manual grade is awaited)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            s.student_id: {g.name: (None if g.needs_manual_grade else g.score) for nb in s.notebooks for g in nb.grades}
            for s in gb.assignment_submissions(assignment)
        }


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_scores_csv_gives_the_gradebooks_scores(course: Path):
    report = build_report(course, MESSAGE)
    rows = {row["id"]: row for row in _csv_rows(scores_csv(report))}
    grades = _grades(course, MESSAGE)
    assert set(grades) == {"an", "binh", "chi", "ghost"}
    assert set(rows) == {"(maximum)", "an", "binh", "chi", "dung", "ghost", "hoa"}
    grade_ids = [p.grade_id for p in report.parts]
    assert set(grade_ids) == set(grades["an"]) and grade_ids[-1] == WRITTEN  # in the notebook's order
    for student, scores in grades.items():
        assert rows[student]["submitted"] == "yes"
        for grade_id, score in scores.items():
            assert rows[student][grade_id] == ("" if score is None else f"{score:g}"), (student, grade_id)
        assert float(rows[student]["total"]) == sum(s for s in scores.values() if s is not None)
    # The model answers earn every autograded point; the written part waits for the trainer, never 0.
    autograded = sum(p.max_score for p in report.parts if not p.manual)
    assert rows["an"]["total"] == f"{autograded:g}" and rows["an"][WRITTEN] == ""
    assert rows["chi"]["total"] == "0" and rows["chi"][WRITTEN] == "0"  # left as released: nbgrader's own 0
    for absent in ("dung", "hoa"):
        assert rows[absent]["submitted"] == "no" and rows[absent]["total"] == ""
    written = next(p for p in report.parts if p.grade_id == WRITTEN)
    assert written.manual and written.max_score == 6  # the instructor's points for the written part
    assert rows["(maximum)"]["total"] == f"{autograded + 6:g}"
    # The distribution counts the same learners.
    for part in report.parts:
        given = [scores[part.grade_id] for scores in grades.values()]
        assert part.not_graded == given.count(None)
        assert dict(part.counts) == {score: given.count(score) for score, _ in part.counts}
        assert part.graded == len(given) - given.count(None)


def test_the_most_failed_checks_are_those_put_in(course: Path):
    failed = {f.code: f for f in build_report(course, MESSAGE).failed}
    assert failed["assignment.answers.missing"].learners == 1  # chi: nothing answered
    assert failed["assignment.campaign_message.link.wrong_source"].learners == 1  # binh: twitter
    assert failed["assignment.campaign_message.post.not_ready"].learners == 1  # binh: too long for X
    assert failed["text.html"].learners == 2 and failed["text.html"].kind == "rule"  # binh and ghost
    assert failed["cta.missing"].learners >= 1  # ghost
    assert failed["link.untracked"].learners == 1  # binh's link
    # Most learners first.
    counts = [f.learners for f in build_report(course, MESSAGE).failed]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    # an's model answers fail nothing: no check counts more learners than could have failed it.
    assert all(f.learners <= 3 for f in failed.values())


def test_the_second_exercise_is_checked_too(course: Path):
    report = build_report(course, DATA, "vi")
    failed = {f.code: f for f in report.failed}
    assert failed["assignment.campaign_data.rate.out_of_range"].learners == 1
    assert failed["assignment.answers.not_answered"].learners == 1  # binh left part 3 unanswered
    assert "150" in failed["assignment.campaign_data.rate.out_of_range"].example
    assert {a.id for a in report.not_submitted} == {"chi", "dung", "ghost", "hoa"}
    assert report.manual[0].grade_id == DATA_WRITTEN
    # an wrote an interpretation, for the trainer; binh left it as released (nbgrader scores that 0 itself).
    assert (report.manual[0].graded, report.manual[0].total, report.manual[0].unanswered) == (0, 1, 1)


def test_examples_are_anonymised(course: Path):
    report = build_report(course, MESSAGE)
    binh = [f for f in report.failed if f.code in ("assignment.campaign_message.post.not_ready", "link.untracked")]
    assert binh
    shown = " ".join(f"{f.message} {f.example}" for f in report.failed)
    for secret in ("binh.nguyen@example.org", "@binh_ng", "912 345 678", "/secret/path", "Trần Thị Bình", "binh"):
        assert secret.lower() not in shown.lower(), secret
    example = next(f.example for f in binh if f.example)
    assert "…@…" in example and "@…" in example and "example.org/…" in example
    assert len(example) <= report_mod.EXAMPLE_CHARS + 1
    # Nor in the files the trainer shares.
    page = report_html(report)
    for secret in ("binh.nguyen@example.org", "@binh_ng", "/secret/path"):
        assert secret not in page and secret not in checks_csv(report)


def test_anonymise_masks_each_kind():
    said = anonymise("Mail a.b@x.vn, @ngoc_anh, 0912-345-678, www.site.vn/me?id=3, 30/6, 2 rates, Ngọc Ánh.",
                     names=("Ngọc Ánh", "na"))
    assert said == "Mail …@…, @…, …, www.site.vn/…, 30/6, 2 rates, …."
    assert anonymise("x" * 500, limit=10) == "x" * 10 + "…"


def test_learner_text_is_escaped(course: Path):
    page = report_html(build_report(course, MESSAGE))
    # Markup in posts and in an organisation's name is shown as text, never rendered.
    assert "<b>" not in page.replace("<b>Youth", "")  # (Youth only as escaped text, below)
    assert "&lt;b&gt;every year&lt;/b&gt; &amp; deserve" in page or "&lt;b&gt;now&lt;/b&gt;" in page
    assert "<b>Youth</b>" not in page


def test_not_submitted_lists_names_and_organisations(course: Path):
    report = build_report(course, MESSAGE)
    absent = {a.id: a for a in report.not_submitted}
    assert set(absent) == {"dung", "hoa"}
    assert (absent["dung"].name, absent["dung"].organisation) == ("Đỗ Văn Dũng", "Open Budget Now")
    assert absent["hoa"].name == "Lê Thị Hoa"  # from the gradebook: not in the roster
    page = report_html(report)
    assert "Đỗ Văn Dũng" in page and "Open Budget Now" in page and "Lê Thị Hoa" in page


def test_manual_progress_before_and_after_a_manual_grade(course: Path, tmp_path: Path):
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    before = {m.grade_id: m for m in build_report(copy, MESSAGE).manual}
    assert (before[WRITTEN].graded, before[WRITTEN].total, before[WRITTEN].unanswered) == (0, 3, 1)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:  # as formgrader saves a manual score
        grade = gb.find_grade(WRITTEN, MESSAGE, MESSAGE, "an")
        grade.manual_score = 5
        grade.needs_manual_grade = False
        gb.db.commit()
    report = build_report(copy, MESSAGE)
    after = {m.grade_id: m for m in report.manual}
    assert (after[WRITTEN].graded, after[WRITTEN].total) == (1, 3)
    written = next(p for p in report.parts if p.grade_id == WRITTEN)
    assert dict(written.counts)[5.0] == 1 and dict(written.counts)[0.0] == 1 and written.not_graded == 2
    assert {r.id: r.total for r in report.learners}["an"] == sum(p.max_score for p in report.parts if not p.manual) + 5
    assert "1 of 3 graded" in report_html(report)


def test_the_html_report_is_one_page_with_charts_and_their_tables(course: Path):
    page = report_html(build_report(course, MESSAGE, "vi"))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "Báo cáo cả lớp: campaign-message" in page and "Chưa nộp bài" in page
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == len(build_report(course, MESSAGE).parts) + 1  # a chart per part, one of the failed checks
    assert all('aria-hidden="true"' in svg and "width=" not in svg for svg in svgs)  # scaled to the page
    # Each chart's text alternative: a part's table of scores; the failed checks' list, with its counts.
    assert page.count("<table>") == len(svgs) - 1
    assert page.count('<li class="al-report-check') == len(build_report(course, MESSAGE).failed)
    # Self-contained: nothing fetched, no script.
    assert not re.search(r"""(src|href)=["']?https?:""", page) and "<script" not in page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_the_command_writes_the_files_and_says_where(course: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["report", MESSAGE, "--course", str(course), "--output", str(out), "--lang", "vi"]) == 0
    said = capsys.readouterr().out
    assert str(out) in said and "4 trên 6 học viên" in said
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{MESSAGE}-checks.csv", f"{MESSAGE}-report.html", f"{MESSAGE}-scores.csv"]
    assert (out / f"{MESSAGE}-scores.csv").read_bytes().startswith("\ufeff".encode())  # spreadsheets read UTF-8
    assert "Trần Thị Bình" in (out / f"{MESSAGE}-scores.csv").read_text("utf-8-sig")
    # Default folder: <course>/reports/<assignment>/
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    assert main(["report", DATA, "--course", str(copy)]) == 0
    assert (copy / "reports" / DATA / f"{DATA}-report.html").is_file()
    assert str(copy / "reports" / DATA) in capsys.readouterr().out


def test_the_command_says_what_is_wrong(course: Path, tmp_path: Path, capsys):
    assert main(["report", "no-such-thing", "--course", str(course)]) == 2
    err = capsys.readouterr().err
    assert "no-such-thing" in err and MESSAGE in err and "Traceback" not in err
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", bare)
    assert main(["report", MESSAGE, "--course", str(bare), "--lang", "vi"]) == 2
    assert "Chưa có sổ điểm" in capsys.readouterr().err
    assert not (bare / "gradebook.db").exists()  # the report never makes a gradebook


def test_a_formula_like_cell_is_written_as_text(course: Path, tmp_path: Path):
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    roster = json.loads((copy / "roster.json").read_text("utf-8"))
    roster["participants"][3]["name"] = "=HYPERLINK(\"http://x\")"
    (copy / "roster.json").write_text(json.dumps(roster), encoding="utf-8")
    rows = {r["id"]: r for r in _csv_rows(scores_csv(build_report(copy, MESSAGE)))}
    assert rows["dung"]["name"] == "'=HYPERLINK(\"http://x\")"


# -- the dashboard, built in-process ------------------------------------------------------------
def test_the_dashboard_shows_the_views_and_refreshes_when_the_gradebook_changes(course: Path, tmp_path: Path):
    from advocacy_lab.trainer.dashboard import Dashboard

    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    board = Dashboard(copy, lang="en", watch=False)
    assert list(board.picker.options) == [DATA, MESSAGE]
    board.picker.value = MESSAGE
    assert "0 of 3 graded" in board.views.value and "Đỗ Văn Dũng" in board.views.value
    assert board.refresh_if_changed() is False  # nothing changed
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        grade = gb.find_grade(WRITTEN, MESSAGE, MESSAGE, "binh")
        grade.manual_score = 4
        grade.needs_manual_grade = False
        gb.db.commit()
    assert board.refresh_if_changed() is True
    assert "1 of 3 graded" in board.views.value
    board.picker.value = DATA
    assert "0 of 1 graded" in board.views.value and "campaign-data" in board.views.value
    board.close()


def test_the_dashboard_listens_on_loopback_only_unless_told(tmp_path: Path, capsys):
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", bare)
    for ip in ("0.0.0.0", "192.168.1.20", "::"):
        assert main(["trainer", "--course", str(bare), "--ip", ip, "--no-browser"]) == 2
        err = capsys.readouterr().err
        assert ip in err and "--allow-network" in err and "Traceback" not in err
    assert main(["trainer", "--course", str(bare), "--ip", "0.0.0.0", "--lang", "vi"]) == 2
    assert "không hỏi mật khẩu" in capsys.readouterr().err
    from advocacy_lab.trainer.dashboard import Dashboard, is_loopback, voila_command

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("workshop.lan")
    # Exactly the port asked for (the address printed must hold), on the address asked for.
    command = voila_command(8867, "127.0.0.1", False)
    assert "--Voila.port=8867" in command and "--Voila.ip=127.0.0.1" in command and "--Voila.port_retries=0" in command
    # Before any grading: an empty list and a sentence, no gradebook made.
    board = Dashboard(bare, lang="vi", watch=False)
    assert list(board.picker.options) == [] and "Chưa có bài tập nào được chấm" in board.status.value
    assert board.refresh_if_changed() is False and not (bare / "gradebook.db").exists()


def test_an_assignment_without_known_checks_says_so_rather_than_none_failed():
    from advocacy_lab.trainer.report import CohortReport, views_html

    unchecked = CohortReport("essay", "en", (), (), (), (), (), checked=False)
    import html

    assert "does not know this assignment's checks" in html.unescape(views_html(unchecked))
    assert "No check failed" not in views_html(unchecked)
    assert "No check failed" in views_html(CohortReport("essay", "en", (), (), (), (), ()))
