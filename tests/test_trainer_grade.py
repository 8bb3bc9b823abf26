"""``advocacy-lab grade``: a cohort graded in parallel with the real nbgrader and its SQLite gradebook.

- the scores are exactly those of plain ``nbgrader autograde`` on the same submissions;
- every submission gets every grade (no "database is locked", no lost grade), and a second run
  gives the same gradebook;
- integrity: a learner who edits or deletes a test cell, cheats equality, monkeypatches a
  checker, loops forever, calls ``os._exit``, prints megabytes or hand-edits the answers file
  earns nothing from it, while the rest of the cohort is graded as usual;
- learner code under limits (a per-cell timeout, a memory ceiling, a budget per notebook, a
  dead kernel), with a small assignment whose graded cells run what a submission gives them:
  each runaway is stopped, scores 0 where it ran and is reported by name;
- the command speaks plainly: a summary, the problems, clear refusals.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from advocacy_lab import cli
from advocacy_lab.assignment.answers import answers_file_name
from advocacy_lab.core.catalogue import text
from advocacy_lab.course import release_exercises
from assignment_support import answer_through_widgets, by_grade_id, course_copy, nbgrader, nbgrader_meta, submit

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = NOTEBOOK = "campaign-message"
AUTOGRADED = (
    "post_passes_x_and_instagram", "post_has_call_to_action", "tracked_link_has_utm_parameters",
    "weighted_length_of_vietnamese_post", "vietnamese_post_fits_on_x",
)
FULL = {"post_passes_x_and_instagram": 2, "post_has_call_to_action": 1, "tracked_link_has_utm_parameters": 3,
        "weighted_length_of_vietnamese_post": 1, "vietnamese_post_fits_on_x": 1}

#: Code a learner adds in a cell of their own, before the tests, to pass them without answering.
MONKEYPATCH = (
    "import advocacy_lab.assignment.answers as answers\n"
    "import advocacy_lab.assignment.campaign_message as exercise\n"
    "import advocacy_lab.checks as checks\n"
    "answers.expect = lambda *args, **kwargs: None\n"
    "exercise.graded = lambda grade_id: {'post': 'x', 'tracked_link': 'x', 'x_length': 0, 'fits_on_x': True}\n"
    "checks.check_post = lambda *args, **kwargs: None\n"
)
ALWAYS_EQUAL = (
    "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
    "post = tracked_link = x_length = fits_on_x = AlwaysEqual()\n"
)


def _course(tmp_path: Path) -> Path:
    return course_copy(tmp_path / "course", release=(ASSIGNMENT,))


def _with_cell(nb, source: str, at: int = 1):
    nb = nbformat.from_dict(nb)
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def _cohort(course: Path) -> None:
    """Ten learners of campaign-message, each submission saying what it tries."""
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    learners = {}
    learners["solved"] = (release, answer_through_widgets)
    learners["blank"] = (release, None)
    learners["partly"] = (release, lambda folder: answer_through_widgets(folder, fits=False, length="1"))
    edited = nbformat.from_dict(release)
    for cell in edited.cells:
        if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    learners["edits-tests"] = (edited, None)
    deleted = nbformat.from_dict(release)
    deleted.cells = [c for c in deleted.cells if nbgrader_meta(c).get("grade_id") != "post_has_call_to_action"]
    learners["deletes-a-test"] = (deleted, answer_through_widgets)
    learners["always-equal"] = (_with_cell(release, ALWAYS_EQUAL), None)
    learners["monkeypatch"] = (_with_cell(release, MONKEYPATCH), None)
    learners["loops"] = (_with_cell(release, "while True:\n    pass"), answer_through_widgets)
    learners["exits"] = (_with_cell(release, "import os\nos._exit(1)"), answer_through_widgets)
    learners["prints-megabytes"] = (_with_cell(release, "print('x' * 8_000_000)"), answer_through_widgets)

    def nonsense(folder: Path) -> None:
        answer_through_widgets(folder)
        (folder / answers_file_name(NOTEBOOK)).write_text('{"schema_version": 1, "drafts": [[["<b>', "utf-8")

    learners["edits-answers-file"] = (release, nonsense)
    for student, (nb, answered) in learners.items():
        submit(course, ASSIGNMENT, NOTEBOOK, student, nb, answered)


def _scores(course: Path) -> dict[str, dict[str, tuple]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            submission.student.id: {
                grade.name: (grade.auto_score, grade.manual_score, grade.max_score)
                for nb in submission.notebooks for grade in nb.grades
            }
            for submission in gb.find_assignment(ASSIGNMENT).submissions
        }


def _auto(scores: dict[str, tuple]) -> dict[str, float]:
    return {name: scores[name][0] or 0 for name in AUTOGRADED}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> dict:
    """The same cohort graded twice over: plain ``nbgrader autograde``, and ``advocacy-lab grade`` (run twice)."""
    plain = _course(tmp_path_factory.mktemp("plain"))
    _cohort(plain)
    ours = tmp_path_factory.mktemp("ours") / "course"
    shutil.copytree(plain, ours)
    proc = nbgrader(plain, "autograde", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [str(Path(sys.executable).parent / "advocacy-lab"), "grade", ASSIGNMENT, "--workers", "2"],
            cwd=ours, capture_output=True, text=True, timeout=900,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        runs.append((done, _scores(ours)))
    return {"plain": _scores(plain), "ours": runs[0][1], "again": runs[1][1], "run": runs[0][0], "course": ours}


def test_scores_are_exactly_those_of_nbgrader_autograde(cohort):
    assert cohort["ours"] == cohort["plain"]
    assert len(cohort["ours"]) == 11


def test_every_grade_is_in_the_gradebook_and_a_second_run_gives_the_same(cohort):
    for student, grades in cohort["ours"].items():
        assert set(AUTOGRADED) <= set(grades), student
    assert cohort["again"] == cohort["ours"]
    log = (cohort["course"] / "autograded" / "grade.log").read_text("utf-8", errors="replace")
    assert "database is locked" not in log and "OperationalError" not in log


def test_the_cohort_is_graded_as_usual(cohort):
    ours = cohort["ours"]
    assert _auto(ours["solved"]) == FULL
    assert _auto(ours["blank"]) == dict.fromkeys(AUTOGRADED, 0)
    partly = _auto(ours["partly"])
    assert partly == {**FULL, "weighted_length_of_vietnamese_post": 0, "vietnamese_post_fits_on_x": 0}


@pytest.mark.parametrize("student", ["edits-tests", "always-equal", "monkeypatch", "edits-answers-file"])
def test_tampering_earns_nothing(cohort, student):
    assert _auto(cohort["ours"][student]) == dict.fromkeys(AUTOGRADED, 0)


def test_a_deleted_test_scores_zero_and_the_others_count(cohort):
    assert _auto(cohort["ours"]["deletes-a-test"]) == {**FULL, "post_has_call_to_action": 0}


@pytest.mark.parametrize("student", ["loops", "exits", "prints-megabytes"])
def test_code_a_learner_added_is_not_run_and_the_trainer_is_told(cohort, student):
    # The answers given through the widgets are graded; the added cell neither helps nor harms.
    assert _auto(cohort["ours"][student]) == FULL
    nb = nbformat.read(cohort["course"] / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    kept = [c for c in nb.cells if c.cell_type == "raw"]
    assert len(kept) == 1 and kept[0].metadata["advocacy_lab"] == {"not_run": True}
    summary = cohort["run"].stdout
    assert text("trainer.grade.problem.added_code", student=student, count=1, cell=NOTEBOOK) in summary


def test_the_summary_names_the_run_and_the_progress_bar_counts_learners(cohort):
    run = cohort["run"]
    assert "Graded 11 submissions of campaign-message" in run.stdout
    assert "monkeypatch: 0 / 14" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


# -- limits on learner code: an assignment whose graded cells run what the submission gives ----

LIMITS = "limits"


def _limits_assignment(course: Path) -> None:
    """solutions/limits: five graded cells, each running a piece of the submission's payload.json."""
    cells = [nbformat.v4.new_code_cell(
        "import json, pathlib\npayload = json.loads(pathlib.Path('payload.json').read_text())",
        metadata={"nbgrader": {"grade": False, "grade_id": "read_payload", "locked": True,
                               "schema_version": 3, "solution": False, "task": False}},
    )]
    for part in PARTS:
        cells.append(nbformat.v4.new_code_cell(
            f"exec(payload[{part!r}])",
            metadata={"nbgrader": {"grade": True, "grade_id": f"part_{part}", "locked": True, "points": 1,
                                   "schema_version": 3, "solution": False, "task": False}},
        ))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder = course / "solutions" / LIMITS
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{LIMITS}.ipynb")


PARTS = ("a", "b", "c", "d", "e")
#: What each learner's payload runs in the graded cells (``pass`` where not said). Limits of the
#: run: 3 s a cell, 10 s a notebook (kernel start included), 1536 MB a kernel.
RUNAWAYS = {
    "fine": {},
    "loops": {"a": "while True:\n    pass"},
    "eats-memory": {"a": "hog = bytearray(3 * 2**30)"},
    "prints": {"a": "print('x' * 5_000_000)"},
    "exits": {"b": "import os\nos._exit(3)"},
    # each cell within its 3 s, the notebook past its 10 s by the last cell at the latest
    "slow": dict.fromkeys(PARTS, "import time\ntime.sleep(2.9)"),
}
ALL = dict.fromkeys(("part_" + p for p in PARTS), 1)
NONE = dict.fromkeys(ALL, 0)


@pytest.fixture(scope="module")
def limited(tmp_path_factory) -> dict:
    course = tmp_path_factory.mktemp("limits") / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _limits_assignment(course)
    release_exercises(course, (LIMITS,))
    release = nbformat.read(course / "exercises" / LIMITS / f"{LIMITS}.ipynb", as_version=4)
    for student, payload in RUNAWAYS.items():
        submit(course, LIMITS, LIMITS, student, release,
               lambda folder, payload=payload: (folder / "payload.json").write_text(
                   json.dumps({**dict.fromkeys(PARTS, "pass"), **payload})))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "advocacy-lab"), "grade", LIMITS, "--workers", "2",
         "--cell-timeout", "3", "--notebook-timeout", "10", "--memory", "1536"],
        cwd=course, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {
            s.student.id: {g.name: g.auto_score or 0 for nb in s.notebooks for g in nb.grades}
            for s in gb.find_assignment(LIMITS).submissions
        }
    return {"scores": scores, "run": done, "course": course}


def test_runaways_are_stopped_where_they_ran_and_the_rest_is_graded(limited):
    scores = limited["scores"]
    assert scores["fine"] == ALL
    assert scores["loops"] == {**ALL, "part_a": 0}
    assert scores["eats-memory"] == {**ALL, "part_a": 0}
    assert scores["prints"] == ALL
    # A dead kernel or a notebook over its budget cannot be graded: the submission scores 0.
    assert scores["exits"] == NONE
    assert scores["slow"] == NONE


def test_each_runaway_is_reported_by_name(limited):
    summary = limited["run"].stdout
    for student, code, cell in (
        ("loops", "cell_timeout", f"{LIMITS}: part_a"),
        ("eats-memory", "memory", f"{LIMITS}: part_a"),
        ("exits", "kernel_died", ""),
        ("slow", "notebook_timeout", ""),
    ):
        assert text(f"trainer.grade.problem.{code}", student=student, cell=cell, count=0) in summary, summary
    assert "fine:" in summary and "fine: a cell" not in summary


def test_megabytes_of_output_are_cut_short(limited):
    path = limited["course"] / "autograded" / "prints" / LIMITS / f"{LIMITS}.ipynb"
    assert path.stat().st_size < 200_000
    cell = by_grade_id(nbformat.read(path, as_version=4))["part_a"]
    shown = "".join(o.get("text", "") for o in cell.outputs)
    assert len(shown) < 21_000 and shown.endswith("... Output truncated ...")


# -- the command's refusals ---------------------------------------------------------------------


def test_unknown_assignment_and_no_submissions_are_refused_plainly(tmp_path: Path, capsys):
    course = _course(tmp_path)
    assert cli.main(["grade", "no-such", "--course", str(course)]) == 2
    assert text("trainer.release.unknown", assignment="no-such", known="campaign-data, campaign-message") in capsys.readouterr().err
    assert cli.main(["grade", ASSIGNMENT, "--course", str(course), "--lang", "vi"]) == 2
    assert text("trainer.grade.no_submissions", "vi", assignment=ASSIGNMENT, folder=course.resolve() / "submitted") in capsys.readouterr().err
    submit(course, ASSIGNMENT, NOTEBOOK, "someone", nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4))
    assert cli.main(["grade", ASSIGNMENT, "--workers", "0", "--course", str(course)]) == 2
    assert text("trainer.grade.bad_workers", workers=0) in capsys.readouterr().err
    assert cli.main(["grade", ASSIGNMENT, "--memory", "-5", "--course", str(course)]) == 2
    assert "--memory: -5 < 0" in capsys.readouterr().err


def test_an_assignment_never_released_is_refused_without_making_a_gradebook(tmp_path: Path, capsys):
    course = course_copy(tmp_path / "course")
    submit(course, ASSIGNMENT, NOTEBOOK, "early", nbformat.read(
        ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4))
    assert cli.main(["grade", ASSIGNMENT, "--course", str(course), "--lang", "vi"]) == 2
    assert text("trainer.grade.not_released", "vi", assignment=ASSIGNMENT) in capsys.readouterr().err
    assert not (course / "gradebook.db").exists()
