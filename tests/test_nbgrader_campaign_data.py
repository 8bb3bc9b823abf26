"""The real nbgrader round trip of module 03's graded exercise (campaign-data), in a temporary copy of the course.

- exercises/campaign-data is exactly what ``nbgrader generate_assignment`` makes of solutions/;
- the release carries no solution, no hidden test and no answers file;
- the solutions, answered through the widgets, earn full marks on every autograded cell;
  the untouched release earns 0, without crashing;
- a learner who answers only through the widgets gets the expected points per cell;
- malformed and hostile answers files score 0 without a crash, the reason in words;
- the trainer reads each answer beside its score; the feedback shows no hidden test.

The same machinery as tests/test_nbgrader.py (module 04's exercise), through nbgrader's CLI and Gradebook.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from advocacy_lab.assignment import campaign_data as spec
from advocacy_lab.assignment.answers import answers_file_name
from advocacy_lab.course import assignments, release_exercises
from assignment_support import (
    answer_campaign_data_through_widgets,
    by_grade_id,
    campaign_data_solution,
    nbgrader,
    nbgrader_meta,
    normalised,
    submit,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = spec.ASSIGNMENT
NOTEBOOK = spec.NOTEBOOK
ANSWERS = answers_file_name(NOTEBOOK)

EXPECTED_AUTOGRADED = {
    "engagement_rate_by_reach_of_the_viral_video": 2,
    "rate_by_impressions_compared_with_reach": 1,
    "best_format_by_engagement_rate": 2,
    "misleading_comparison_spotted": 2,
}
HIDDEN_CODE = ("BEGIN HIDDEN TESTS", "expect(", "post_rate()", "misleading_comparison()", "RATE_TOLERANCE")


def _records(parts: dict) -> bytes:
    record = lambda data: {"schema_version": 1, "saved_at": "2026-12-01T10:00:00+00:00", "data": data}  # noqa: E731
    return json.dumps({"schema_version": 1, "drafts": {k: record(v) for k, v in parts.items()}}).encode()


_SOLVED = campaign_data_solution()

#: Answers files no widget wrote: each must score 0 on every autograded cell, without a crash.
BAD_ANSWER_FILES = {
    "malformed": b'{"schema_version": 1, "drafts": {',
    "blank": b"  \n",
    "wrongtypes": _records({
        # A number where the widget saves what was typed, a list, a choice in another case, a flag.
        spec.RATE_KEY: {"rate_percent": 9.95, "by_impressions": ["lower"]},
        spec.FORMAT_KEY: {"best_format": _SOLVED["best_format"].upper()},
        spec.COMPARISON_KEY: {"misleading": True},
    }),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    assert ASSIGNMENT in release_exercises(course)
    return course


def test_committed_exercises_are_not_stale(course: Path):
    assert ASSIGNMENT in assignments(ROOT)
    fresh, committed = course / "exercises" / ASSIGNMENT, ROOT / "exercises" / ASSIGNMENT
    assert sorted(p.name for p in committed.iterdir()) == sorted(p.name for p in fresh.iterdir()) == [f"{NOTEBOOK}.ipynb"]
    assert normalised(committed / f"{NOTEBOOK}.ipynb") == normalised(fresh / f"{NOTEBOOK}.ipynb"), (
        "run `advocacy-lab release` to regenerate exercises/"
    )


def test_release_removes_solutions_and_hidden_tests(course: Path):
    released = (course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text("utf-8")
    for marker in (*HIDDEN_CODE, "Grading notes", "44 short videos"):
        assert marker not in released, marker
    assert "raise NotImplementedError()" not in released and "YOUR ANSWER HERE" in released


def test_every_answer_cell_only_displays_a_widget():
    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = by_grade_id(nb)
    for grade_id in ("answer_post_rate", "answer_best_format", "answer_misleading_comparison", "self_check"):
        meta = nbgrader_meta(cells[grade_id])
        assert meta["locked"] is True and meta["solution"] is False and meta["grade"] is False
        assert "\n" not in cells[grade_id].source.strip() and cells[grade_id].source.startswith("sheet.")
    for grade_id, points in EXPECTED_AUTOGRADED.items():
        meta = nbgrader_meta(cells[grade_id])
        assert meta["grade"] is True and meta["locked"] is True and meta["points"] == points
        assert f'graded("{grade_id}")' in cells[grade_id].source
    manual = nbgrader_meta(cells["interpretation_what_worked_and_why"])
    assert cells["interpretation_what_worked_and_why"].cell_type == "markdown"
    assert manual["solution"] is True and manual["grade"] is True and manual["points"] == 6


def _submit(course: Path, student: str, nb, answered=None) -> Path:
    return submit(course, ASSIGNMENT, NOTEBOOK, student, nb, answered)


#: walt answers through the widgets only: the rate right (typed "9.95 %"), the impressions and the
#: format wrong, the misleading claim right: 2 + 0 + 0 + 2 of 7.
WALT = {"rate": "9.95 %", "by_impressions": "higher", "best_format": "image", "misleading": "video-vs-live"}


@pytest.fixture(scope="module")
def graded(course: Path):
    solution = nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    _submit(course, "alice", solution, answer_campaign_data_through_widgets)
    _submit(course, "bob", release)
    _submit(course, "walt", release, lambda folder: answer_campaign_data_through_widgets(folder, **WALT))
    # A rate over the wrong denominator (the followers): readable, a percentage, and wrong.
    followers = f"{spec.post_rate('engagement_rate_followers').value:.1f}"
    _submit(course, "fran", release, lambda folder: answer_campaign_data_through_widgets(folder, rate=followers))
    for name, payload in BAD_ANSWER_FILES.items():
        _submit(course, f"file-{name}", release, lambda folder, payload=payload: (folder / ANSWERS).write_bytes(payload))

    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feedback = nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr

    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("alice", "bob", "walt", "fran", *[f"file-{n}" for n in BAD_ANSWER_FILES]):
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            rows[student] = {g.name: g.to_dict() for g in nb.grades}
    return rows


def _auto(rows: dict) -> dict:
    return {name: (g["auto_score"], g["max_score"]) for name, g in rows.items() if g["cell_type"] == "code"}


def test_solutions_earn_full_marks_on_autograded_cells(graded):
    auto = _auto(graded["alice"])
    assert auto == {name: (points, points) for name, points in EXPECTED_AUTOGRADED.items()}
    manual = graded["alice"]["interpretation_what_worked_and_why"]
    assert manual["cell_type"] == "markdown" and manual["needs_manual_grade"] is True and manual["max_score"] == 6


def test_untouched_release_earns_zero(graded):
    auto = _auto(graded["bob"])
    assert set(auto) == set(EXPECTED_AUTOGRADED) and all(score == 0 for score, _ in auto.values())


def test_a_learner_who_answers_only_through_widgets_gets_the_expected_points(graded):
    assert _auto(graded["walt"]) == {
        "engagement_rate_by_reach_of_the_viral_video": (2, 2),
        "rate_by_impressions_compared_with_reach": (0, 1),
        "best_format_by_engagement_rate": (0, 2),
        "misleading_comparison_spotted": (2, 2),
    }


def test_a_rate_over_the_wrong_denominator_earns_nothing_for_the_rate(graded):
    auto = _auto(graded["fran"])
    assert auto["engagement_rate_by_reach_of_the_viral_video"] == (0, 2)
    assert all(auto[g] == (p, p) for g, p in EXPECTED_AUTOGRADED.items() if g != "engagement_rate_by_reach_of_the_viral_video")


@pytest.mark.parametrize("name", BAD_ANSWER_FILES)
def test_malformed_and_hostile_answers_files_score_zero(graded, course: Path, name):
    auto = _auto(graded[f"file-{name}"])
    assert set(auto) == set(EXPECTED_AUTOGRADED) and all(score == 0 for score, _ in auto.values()), auto
    page = (course / "feedback" / f"file-{name}" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text("utf-8")
    assert "AnswerProblem" in page and "answers.py" not in page and "site-packages" not in page


def _page_text(page: str) -> str:
    import html

    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_trainer_reads_each_answer_and_the_feedback_hides_the_hidden_tests(graded, course: Path):
    nb = nbformat.read(course / "autograded" / "walt" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = by_grade_id(nb)

    def shown(grade_id: str) -> str:
        return "".join(o.get("text", "") for o in cells[grade_id].outputs if o.output_type == "stream")

    assert "rate_percent: 9.95" in shown("engagement_rate_by_reach_of_the_viral_video")
    assert "best_format: image" in shown("best_format_by_engagement_rate")
    assert "misleading: video-vs-live" in shown("misleading_comparison_spotted")
    autograded = "\n".join(c.source for c in nb.cells)
    assert all(code in autograded for code in HIDDEN_CODE)  # restored for grading; the feedback drops them
    page = _page_text((course / "feedback" / "walt" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text("utf-8"))
    assert 'graded("best_format_by_engagement_rate")' in page
    for code in HIDDEN_CODE:
        assert code not in page, code
    # Why a wrong answer earned nothing, in words.
    assert "not the format with the highest engagement rate by reach" in page
