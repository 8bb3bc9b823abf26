"""The real nbgrader round trip, in a temporary copy of the course.

- exercises/ is exactly what ``nbgrader generate_assignment`` makes of solutions/;
- the release carries no solution, no hidden test, no code stub and no answers file;
- autograding the solutions (answered through the widgets) gives full marks on every
  autograded cell; the untouched release gives 0, without crashing;
- test cells a learner edited are restored before grading, with a warning; an untouched
  submission is graded without any warning (no "checksum has changed");
- answers that cheat equality (``__eq__`` always True) earn nothing;
- a learner who answers only through the widgets, in a folder fetched and submitted
  with nbgrader's own exchange and collected by the trainer, gets the expected points;
- malformed, blank, huge and hostile answers files score 0 without a crash;
- autograde never puts the instructor's answers over a learner's (or into a learner's folder);
- the trainer reads each answer beside its score; the feedback HTML shows the learner's
  answers, escaped, and none of the hidden tests' code (nbgrader#917).

Uses nbgrader's CLI (``python -m nbgrader``) and its Gradebook API over the
SQLite gradebook the CLI writes.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from advocacy_lab.assignment import campaign_message as spec
from advocacy_lab.assignment.answers import MAX_ANSWERS_BYTES, answers_file_name
from advocacy_lab.course import assignments, nbgrader_env, release_exercises
from assignment_support import (
    SOLUTION_FITS,
    SOLUTION_LENGTH,
    SOLUTION_LINK,
    answer_through_widgets,
    by_grade_id,
    nbgrader,
    nbgrader_meta,
    normalised,
    submit,
    through_the_exchange,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "campaign-message"
NOTEBOOK = "campaign-message"
ANSWERS = answers_file_name(NOTEBOOK)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course (config + solutions), released with the project's own command."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    released = release_exercises(course)
    assert ASSIGNMENT in released  # module 03's campaign-data is released beside it
    return course


def test_committed_exercises_are_not_stale(course: Path):
    assert ASSIGNMENT in assignments(ROOT)
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
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Grading notes", "build_tracking_link(\n",
                   "expect(", "weighted_length(", "utm_medium", "District People's Committee publishes"):
        assert marker not in text
    # Learners answer through widgets: no Python to replace, only the written answer to type.
    assert "raise NotImplementedError()" not in text and "YOUR ANSWER HERE" in text
    # Nothing but the notebook: no answers file ships, the instructor's or anyone's.
    assert [p.name for p in (course / "exercises" / ASSIGNMENT).iterdir()] == [f"{NOTEBOOK}.ipynb"]


def test_release_refuses_to_ship_instructor_answers(tmp_path: Path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    # The instructor tried the solution notebook in JupyterLab: its widgets wrote answers beside it.
    answer_through_widgets(course / "solutions" / ASSIGNMENT)
    with pytest.raises(ValueError, match=re.escape(ANSWERS)):
        release_exercises(course)
    assert not (course / "exercises").exists()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "advocacy-lab"), "release", "--course", str(course)],
        capture_output=True, text=True, timeout=600, env=nbgrader_env(),
    )
    assert proc.returncode == 2 and ANSWERS in proc.stderr and "Traceback" not in proc.stderr


def test_every_answer_cell_only_displays_a_widget():
    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = by_grade_id(nb)
    for grade_id in ("answer_post", "answer_tracked_link", "answer_weighted_length", "self_check"):
        meta = nbgrader_meta(cells[grade_id])
        assert meta["locked"] is True and meta["solution"] is False and meta["grade"] is False
        assert "\n" not in cells[grade_id].source.strip() and cells[grade_id].source.startswith("sheet.")
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"):
            pytest.fail(f"a code answer cell remains: {nbgrader_meta(cell)['grade_id']}")


def _submit(course: Path, student: str, nb, answered=None) -> Path:
    return submit(course, ASSIGNMENT, NOTEBOOK, student, nb, answered)


CHEAT = (
    "class AlwaysEqual:\n"
    "    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n"
    "    def __le__(self, other):\n        return True\n"
    "    def __ge__(self, other):\n        return True\n"
    "    def __bool__(self):\n        return True\n"
    "    __hash__ = object.__hash__\n"
    "class EqualStr(str):\n"
    "    def __eq__(self, other):\n        return True\n"
    "    __hash__ = str.__hash__\n"
)


def _records(parts: dict) -> bytes:
    record = lambda data: {"schema_version": 1, "saved_at": "2026-12-01T10:00:00+00:00", "data": data}  # noqa: E731
    return json.dumps({"schema_version": 1, "drafts": {k: record(v) for k, v in parts.items()}}).encode()


#: Answers files no widget wrote: each must score 0 on every autograded cell, without a crash.
BAD_ANSWER_FILES = {
    "blank": b"   \n",
    "malformed": b'{"schema_version": 1, "drafts": {',
    "pickled": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x04post\x94\x8c\x01x\x94s.",
    "wrongtypes": _records({
        spec.POST_KEY: {"post": ["Sign our petition by 30 June"]},
        spec.LINK_KEY: {**SOLUTION_LINK, "source": {"__eq__": True}},
        spec.LENGTH_KEY: {"x_length": SOLUTION_LENGTH, "fits_on_x": 1},
    }),
}


@pytest.fixture(scope="module")
def graded(course: Path, tmp_path_factory):
    """Submit several learners' notebooks, autograde them all, return the gradebook rows and the log."""
    solution = nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)

    # alice: the instructor's solutions, answered through the widgets.
    _submit(course, "alice", solution, answer_through_widgets)
    # bob: the untouched release, nothing answered.
    _submit(course, "bob", release)
    # carol: nothing answered, and every test cell replaced by `pass` (would earn full
    # marks if nbgrader did not restore the tests).
    carol = nbformat.from_dict(release)
    for cell in carol.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    _submit(course, "carol", carol)
    # dave: correct answers, but test cells replaced by `assert False` (restored -> full marks).
    dave = nbformat.from_dict(release)
    for cell in dave.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            cell.source = "assert False"
    _submit(course, "dave", dave, answer_through_widgets)
    # eve: answers that claim to equal anything, typed over the widget cells (restored) and
    # in a cell of her own, and put in the kernel's namespace where the old tests read them.
    eve = nbformat.from_dict(release)
    cells = by_grade_id(eve)
    cells["answer_post"].source = CHEAT + "post = EqualStr('')"
    cells["answer_tracked_link"].source = CHEAT + "tracked_link = EqualStr('https://example.org/open-budget')"
    cells["answer_weighted_length"].source = CHEAT + "x_length = AlwaysEqual()\nfits_on_x = AlwaysEqual()"
    eve.cells.insert(1, nbformat.v4.new_code_cell(
        CHEAT + "post = EqualStr('')\nx_length = AlwaysEqual()\nfits_on_x = AlwaysEqual()"
    ))
    _submit(course, "eve", eve)
    # Answers files the widgets never wrote.
    for name, payload in BAD_ANSWER_FILES.items():
        _submit(course, f"file-{name}", release, lambda folder, payload=payload: (folder / ANSWERS).write_bytes(payload))
    # A file far beyond what the widgets write (sparse: no disk used).
    def huge(folder: Path) -> None:
        with open(folder / ANSWERS, "wb") as handle:
            handle.truncate(MAX_ANSWERS_BYTES * 3)
    _submit(course, "file-huge", release, huge)

    # walt: answers only through the widgets, in a folder fetched, submitted and collected
    # with nbgrader's own exchange. His post has no call to action, and he thinks the
    # Vietnamese post does not fit: 2 + 0 + 3 + 1 + 0 = 6 of 8.
    walt = through_the_exchange(
        course, ASSIGNMENT, tmp_path_factory.mktemp("walt-home"), tmp_path_factory.mktemp("exchange"),
        lambda folder: answer_through_widgets(folder, post=WALT_POST, fits=not SOLUTION_FITS),
    )
    walt_submitted = (course / "submitted" / walt / ASSIGNMENT / ANSWERS).read_bytes()

    # The instructor tried the solution after releasing: its answers now sit in solutions/.
    # Autograde must put them over no learner's answers, and into no learner's folder.
    answer_through_widgets(course / "solutions" / ASSIGNMENT, post="Instructor's post, never graded. Sign now!")
    submitted = {
        s: (course / "submitted" / s / ASSIGNMENT / ANSWERS).read_bytes()
        for s in ("alice", "dave", *[f"file-{n}" for n in BAD_ANSWER_FILES])
    }

    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = proc.stdout + proc.stderr
    feedback = nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr

    from nbgrader.api import Gradebook

    rows = {}
    students = ("alice", "bob", "carol", "dave", "eve", walt, *[f"file-{n}" for n in (*BAD_ANSWER_FILES, "huge")])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            rows[student] = {g.name: g.to_dict() for g in nb.grades}
    return {
        "rows": rows, "log": log, "walt": walt, "submitted": {**submitted, walt: walt_submitted},
    }


WALT_POST = (
    "Our district budget is still not online in plain language. Families pay for schools and clinics "
    "<b>every year</b> & deserve to see how the money is spent. #OpenBudget"
)


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
    auto = _auto(graded["rows"]["alice"])
    assert set(auto) == EXPECTED_AUTOGRADED
    for name, (score, max_score) in auto.items():
        assert max_score > 0 and score == max_score, name
    manual = graded["rows"]["alice"]["message_box_own_coalition"]
    assert manual["cell_type"] == "markdown" and manual["needs_manual_grade"] is True
    assert manual["max_score"] == 6


def test_untouched_release_earns_zero(graded):
    auto = _auto(graded["rows"]["bob"])
    assert set(auto) == EXPECTED_AUTOGRADED
    assert all(score == 0 for score, _ in auto.values())


def test_edited_test_cells_are_restored(graded, course: Path):
    rows = graded["rows"]
    assert all(score == 0 for score, _ in _auto(rows["carol"]).values())
    assert all(score == max_score for score, max_score in _auto(rows["dave"]).values())
    solution = by_grade_id(
        nbformat.read(course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    )
    for student in ("carol", "dave", "eve"):
        autograded = by_grade_id(
            nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        )
        for grade_id in EXPECTED_AUTOGRADED | {"answer_post", "answer_tracked_link", "answer_weighted_length"}:
            # Restored in full, hidden tests included.
            assert autograded[grade_id].source == solution[grade_id].source


def _log_by_student(log: str) -> dict[str, str]:
    """nbgrader's autograde log, cut into each submission's part.

    A submission's part starts where nbgrader sanitizes it (the step that compares its cells
    with the gradebook and warns) and runs to the next submission's.
    """
    parts: dict[str, str] = {}
    current = None
    for line in log.splitlines():
        found = re.search(r"Sanitizing \S*submitted/([^/\s]+)/" + re.escape(ASSIGNMENT), line)
        if found:
            current = found.group(1)
        if current is not None:
            parts[current] = parts.get(current, "") + line + "\n"
    return parts


def test_untouched_submissions_grade_without_a_checksum_warning(graded):
    log = _log_by_student(graded["log"])
    for student in ("alice", "bob", graded["walt"], "file-blank"):
        assert student in log, sorted(log)
        assert "has changed" not in log[student], log[student]
    # A tampered test cell still warns (and is restored: test_edited_test_cells_are_restored).
    for student in ("carol", "dave"):
        warned = set(re.findall(r"Attribute 'checksum' for cell (\w+) has changed", log[student]))
        assert warned == EXPECTED_AUTOGRADED, log[student]
    warned = set(re.findall(r"Attribute 'checksum' for cell (\w+) has changed", log["eve"]))
    assert warned == {"answer_post", "answer_tracked_link", "answer_weighted_length"}, log["eve"]


def test_answers_that_cheat_equality_earn_nothing(graded):
    auto = _auto(graded["rows"]["eve"])
    assert all(score == 0 for score, _ in auto.values()), auto


@pytest.mark.parametrize("name", [*BAD_ANSWER_FILES, "huge"])
def test_malformed_blank_huge_and_hostile_answers_files_score_zero(graded, course: Path, name):
    student = f"file-{name}"
    auto = _auto(graded["rows"][student])
    assert set(auto) == EXPECTED_AUTOGRADED
    assert all(score == 0 for score, _ in auto.values()), auto
    # Each test cell says why, in plain words; no traceback of ours reaches the feedback.
    html = (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text("utf-8")
    assert "AnswerProblem" in html and "answers.py" not in html and "site-packages" not in html


def test_a_learner_who_answers_only_through_widgets_gets_the_expected_points(graded):
    auto = _auto(graded["rows"][graded["walt"]])
    assert auto == {
        "post_passes_x_and_instagram": (2, 2),
        "post_has_call_to_action": (0, 1),
        "tracked_link_has_utm_parameters": (3, 3),
        "weighted_length_of_vietnamese_post": (1, 1),
        "vietnamese_post_fits_on_x": (0, 1),
    }


def test_autograde_never_overwrites_or_adds_answers(graded, course: Path):
    for student, submitted in graded["submitted"].items():
        assert (course / "autograded" / student / ASSIGNMENT / ANSWERS).read_bytes() == submitted, student
    for student in ("bob", "carol", "eve"):
        # Neither the instructor's answers file nor the lock beside it reaches a learner's folder.
        left = sorted(p.name for p in (course / "autograded" / student / ASSIGNMENT).glob(f"{ANSWERS}*"))
        assert left == [], (student, left)
    # The instructor's answers stayed in solutions/ only.
    assert "Instructor's post" in (course / "solutions" / ASSIGNMENT / ANSWERS).read_text("utf-8")


def test_the_trainer_reads_each_answer_beside_its_score(graded, course: Path):
    nb = nbformat.read(course / "autograded" / graded["walt"] / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = by_grade_id(nb)

    def shown(grade_id: str) -> str:
        return "".join(o.get("text", "") for o in cells[grade_id].outputs if o.output_type == "stream")

    assert WALT_POST in shown("post_passes_x_and_instagram") and WALT_POST in shown("post_has_call_to_action")
    assert "utm_source=facebook&utm_medium=social&utm_campaign=open-budget-2025" in shown(
        "tracked_link_has_utm_parameters"
    )
    assert f"x_length: {SOLUTION_LENGTH}" in shown("weighted_length_of_vietnamese_post")
    assert f"fits_on_x: {not SOLUTION_FITS}" in shown("vietnamese_post_fits_on_x")


HIDDEN_CODE = ("BEGIN HIDDEN TESTS", "expect(", "weighted_length(VI_POST", 'query.get("utm_medium")', "x_feedback")


def _page_text(page: str) -> str:
    """What a reader of an HTML page sees: tags dropped, entities decoded. Code in the feedback is
    syntax-highlighted (a span per token), so hidden code is searched for in this, not in the markup."""
    import html

    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_feedback_shows_the_answers_escaped_and_no_hidden_test(graded, course: Path):
    walt = graded["walt"]
    nb = nbformat.read(course / "autograded" / walt / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    autograded = "\n".join(c.source for c in nb.cells)
    assert all(code in autograded for code in HIDDEN_CODE)  # restored for grading: the feedback must drop them
    html = (course / "feedback" / walt / ASSIGNMENT / f"{NOTEBOOK}.html").read_text("utf-8")
    shown = _page_text(html)
    # The visible test is shown; none of the hidden ones.
    assert 'graded("tracked_link_has_utm_parameters")' in shown
    for code in HIDDEN_CODE:
        assert code not in shown, code
    # The learner's answers, as text: the markup in the post is escaped, never rendered.
    assert "&lt;b&gt;every year&lt;/b&gt; &amp; deserve" in html and "<b>every year</b>" not in html
    assert "utm_campaign=open-budget-2025" in html
    # The failing checks say why in words (a call to action; whether it fits), without the code that failed.
    assert "no call to action" in shown and "fits X's limit of 280" in shown
    assert "Answer graded (Part 1" in shown and f"x_length: {SOLUTION_LENGTH}" in shown
    for student in ("alice", "bob", "dave"):
        shown = _page_text((course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text("utf-8"))
        assert not any(code in shown for code in HIDDEN_CODE), student
