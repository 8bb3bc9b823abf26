"""The real nbgrader round trip, in a temporary copy of the course.

- exercises/ is exactly what ``nbgrader generate_assignment`` makes of solutions/;
- autograding the solutions gives full marks on every autograded cell;
- autograding the untouched release gives 0, without crashing;
- test cells a learner edited are restored before grading;
- answers that cheat equality (``__eq__`` always True) earn nothing.

Uses nbgrader's CLI (``python -m nbgrader``) and its Gradebook API over the
SQLite gradebook the CLI writes.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from advocacy_lab.course import assignments, nbgrader_env, release_exercises

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "campaign-message"
NOTEBOOK = "campaign-message"


def _nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def normalised(path: Path) -> list[tuple]:
    """What matters in a released notebook: cell types, sources, nbgrader metadata.

    Ignores metadata noise (kernel versions, cell ids, widget state, outputs).
    """
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, _nbgrader_meta(c)) for c in nb.cells]


def by_grade_id(nb) -> dict:
    return {_nbgrader_meta(c).get("grade_id"): c for c in nb.cells if _nbgrader_meta(c)}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=600,
        env=nbgrader_env(),
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course (config + solutions), released with the project's own command."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    released = release_exercises(course)
    assert released == [ASSIGNMENT]
    return course


def test_committed_exercises_are_not_stale(course: Path):
    assert assignments(ROOT) == (ASSIGNMENT,)
    fresh = course / "exercises" / ASSIGNMENT
    committed = ROOT / "exercises" / ASSIGNMENT
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert committed_files == fresh_files, "run `advocacy-lab release` to regenerate exercises/"
    for rel in fresh_files:
        if rel.suffix == ".ipynb":
            assert normalised(committed / rel) == normalised(fresh / rel), (
                f"exercises/{ASSIGNMENT}/{rel} is stale: run `advocacy-lab release`"
            )


def test_release_removes_solutions_and_hidden_tests(course: Path):
    text = (course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text("utf-8")
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Grading notes", "build_tracking_link(\n"):
        assert marker not in text
    assert "raise NotImplementedError()" in text and "YOUR ANSWER HERE" in text


def _submit(course: Path, student: str, nb) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")


@pytest.fixture(scope="module")
def graded(course: Path):
    """Submit several learners' notebooks, autograde them all, return the gradebook rows."""
    solution = nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)

    # alice: the instructor's solutions.
    _submit(course, "alice", solution)
    # bob: the untouched release.
    _submit(course, "bob", release)
    # carol: untouched answers, but every test cell replaced by `pass` (would earn full
    # marks if nbgrader did not restore the tests).
    carol = nbformat.from_dict(release)
    for cell in carol.cells:
        meta = _nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    _submit(course, "carol", carol)
    # dave: correct answers, but test cells replaced by `assert False` (restored -> full marks).
    dave = nbformat.from_dict(solution)
    for cell in dave.cells:
        meta = _nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = "assert False"
    _submit(course, "dave", dave)
    # eve: answers that claim to equal anything.
    eve = nbformat.from_dict(release)
    cells = by_grade_id(eve)
    cheat = (
        "class AlwaysEqual:\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "    def __le__(self, other):\n        return True\n"
        "    def __ge__(self, other):\n        return True\n"
        "    __hash__ = object.__hash__\n"
        "class EqualStr(str):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = str.__hash__\n"
    )
    cells["answer_post"].source = cheat + "post = EqualStr('')"
    cells["answer_tracked_link"].source = cheat + "tracked_link = EqualStr('https://example.org/open-budget')"
    cells["answer_weighted_length"].source = cheat + "x_length = AlwaysEqual()\nfits_on_x = AlwaysEqual()"
    _submit(course, "eve", eve)

    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("alice", "bob", "carol", "dave", "eve"):
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            rows[student] = {g.name: g.to_dict() for g in nb.grades}
    return rows


def _auto(rows: dict) -> dict:
    """Autograded cells only: grade_id -> (auto_score, max_score)."""
    return {
        name: (g["auto_score"], g["max_score"])
        for name, g in rows.items()
        if g["cell_type"] == "code"
    }


EXPECTED_AUTOGRADED = {
    "post_passes_x_and_instagram",
    "post_has_call_to_action",
    "tracked_link_has_utm_parameters",
    "weighted_length_of_vietnamese_post",
    "vietnamese_post_fits_on_x",
}


def test_solutions_earn_full_marks_on_autograded_cells(graded):
    auto = _auto(graded["alice"])
    assert set(auto) == EXPECTED_AUTOGRADED
    for name, (score, max_score) in auto.items():
        assert max_score > 0 and score == max_score, name
    manual = graded["alice"]["message_box_own_coalition"]
    assert manual["cell_type"] == "markdown" and manual["needs_manual_grade"] is True
    assert manual["max_score"] == 6


def test_untouched_release_earns_zero(graded):
    auto = _auto(graded["bob"])
    assert set(auto) == EXPECTED_AUTOGRADED
    assert all(score == 0 for score, _ in auto.values())


def test_edited_test_cells_are_restored(graded, course: Path):
    assert all(score == 0 for score, _ in _auto(graded["carol"]).values())
    assert all(score == max_score for score, max_score in _auto(graded["dave"]).values())
    solution = by_grade_id(
        nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    )
    for student in ("carol", "dave"):
        autograded = by_grade_id(
            nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        )
        for grade_id in EXPECTED_AUTOGRADED:
            # Restored in full, hidden tests included.
            assert autograded[grade_id].source == solution[grade_id].source


def test_answers_that_cheat_equality_earn_nothing(graded):
    auto = _auto(graded["eve"])
    assert all(score == 0 for score, _ in auto.values()), auto
