"""The graded exercise answered as a learner does: through its widgets, built headlessly.

Shared by the nbgrader round trip (tests/test_nbgrader.py), the notebook runs
(tests/test_notebooks_execute.py) and the browser tests: the model answers are typed
into the widgets, which write the answers file themselves (nothing here writes it).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat

from advocacy_lab.assignment import campaign_message as spec
from advocacy_lab.assignment.campaign_message_widgets import answer_sheet
from advocacy_lab.core.counting import weighted_length
from widget_support import one

#: The model answers (full marks), typed into the widgets by the tests; never shipped as a file.
SOLUTION_POST = (
    "Sign our petition by 30 June: ask the District People's Committee to publish "
    "the district budget online in plain language. Families pay for schools and "
    "clinics; they deserve to see how the money is spent. #OpenBudget"
)
SOLUTION_LINK = {
    "url": spec.PETITION_URL, "source": spec.LINK_SOURCE, "medium": spec.LINK_MEDIUM, "campaign": spec.LINK_CAMPAIGN,
}
SOLUTION_LENGTH = weighted_length(spec.VI_POST, "x")
SOLUTION_FITS = SOLUTION_LENGTH <= spec.X_LIMIT


def answer_through_widgets(folder: Path, *, post=SOLUTION_POST, link=SOLUTION_LINK,
                           length=str(SOLUTION_LENGTH), fits=SOLUTION_FITS):
    """A learner answering in ``folder``: the notebook's widgets, typed in and clicked. Returns the sheet."""
    sheet = answer_sheet(folder=folder)
    builder = sheet.parts["post"]
    one(builder, "al-post-text").value = post
    one(builder, "al-check").click()
    for name, value in link.items():
        one(sheet.parts["link"], f"al-link-{name}").value = value
    one(sheet.parts["link"], "al-link-build").click()
    one(sheet.parts["length"], "al-answer-number").value = length
    one(sheet.parts["length"], "al-answer-choice").value = fits
    one(sheet.self_check, "al-self-check-button").click()
    return sheet


# -- module 03's exercise (campaign-data) ---------------------------------------------
def campaign_data_solution() -> dict:
    """The model answers of the campaign-data exercise, computed from the case-study data."""
    from advocacy_lab.assignment import campaign_data

    return {
        "rate": f"{campaign_data.post_rate().value:.1f}".replace(".", ","),  # typed the Vietnamese way
        "by_impressions": campaign_data.impressions_compared(),
        "best_format": campaign_data.best_format(),
        "misleading": campaign_data.misleading_comparison(),
    }


def answer_campaign_data_through_widgets(folder: Path, **answers):
    """A learner answering the campaign-data exercise in ``folder`` through its widgets (model answers
    unless given; ``None`` leaves a part unanswered). Returns the sheet."""
    from advocacy_lab.assignment.campaign_data_widgets import answer_sheet as campaign_data_sheet

    given = {**campaign_data_solution(), **answers}
    sheet = campaign_data_sheet(folder=folder)
    if given["rate"] is not None:
        one(sheet.parts["rate"], "al-answer-number").value = given["rate"]
    if given["by_impressions"] is not None:
        one(sheet.parts["rate"], "al-answer-choice").value = given["by_impressions"]
    if given["best_format"] is not None:
        one(sheet.parts["format"], "al-answer-choice").value = given["best_format"]
    if given["misleading"] is not None:
        one(sheet.parts["comparison"], "al-answer-choice").value = given["misleading"]
    one(sheet.self_check, "al-self-check-button").click()
    return sheet


#: Each assignment's learner, answering through the widgets (by assignment id, the folder's name).
ANSWER_THROUGH_WIDGETS = {
    "campaign-message": answer_through_widgets,
    "campaign-data": answer_campaign_data_through_widgets,
}


# -- nbgrader round trips (tests/test_nbgrader*.py) ----------------------------------------------


def nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def by_grade_id(nb) -> dict:
    return {nbgrader_meta(c).get("grade_id"): c for c in nb.cells if nbgrader_meta(c)}


def normalised(path: Path) -> list[tuple]:
    """What matters in a released notebook: cell types, sources, nbgrader metadata.

    Ignores metadata noise (kernel versions, cell ids, widget state, outputs).
    """
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells]


def nbgrader(course: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """nbgrader's own CLI over ``course``, as a trainer runs it."""
    from advocacy_lab.course import nbgrader_env

    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
        cwd=cwd or course, capture_output=True, text=True, timeout=600, env=nbgrader_env(),
    )


def submit(course: Path, assignment: str, notebook: str, student: str, nb, answered=None) -> Path:
    """``nb`` as ``student``'s submission of ``assignment`` (answered by ``answered(folder)``, if given)."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{notebook}.ipynb")
    if answered is not None:
        answered(folder)
    return folder


def course_copy(folder: Path, *, release: tuple[str, ...] | None = ()) -> Path:
    """A trainer's copy of the course in ``folder`` (nbgrader_config.py and solutions/), released with
    the project's own command: every assignment (``release=None``), those named, or none (``()``)."""
    from advocacy_lab.course import release_exercises

    root = Path(__file__).resolve().parents[1]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "nbgrader_config.py", folder)
    shutil.copytree(root / "solutions", folder / "solutions")
    if release != ():
        release_exercises(folder, release)
    return folder


def through_the_exchange(course: Path, assignment: str, home: Path, exchange: Path, answer) -> str:
    """This machine's user takes ``assignment`` through nbgrader's own exchange: the trainer releases it,
    the learner fetches it into ``home``, answers with ``answer(folder)``, submits; the trainer collects.
    Returns the learner's id (the user name)."""
    import getpass
    import os

    os.chmod(exchange, 0o777)
    ex = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=advocacy-lab"]
    for step, cwd in (("release_assignment", course), ("fetch_assignment", home)):
        proc = nbgrader(course, step, assignment, *ex, cwd=cwd)
        assert proc.returncode == 0, step + proc.stdout + proc.stderr
    answer(home / assignment)
    for step, cwd in (("submit", home), ("collect", course)):
        proc = nbgrader(course, step, assignment, *ex, cwd=cwd)
        assert proc.returncode == 0, step + proc.stdout + proc.stderr
    return getpass.getuser()


@contextmanager
def self_study_server(course: Path, assignment: str, notebook_file: str) -> Iterator[tuple]:
    """The course's own server over ``course/notebooks`` holding the released exercise, as a trainer
    offering it for self-study serves it, with the instructor's ``solutions/`` beside (never served).
    Yields (server, notebooks folder)."""
    from server_support import ROOT, start_server, stop_server

    notebooks = course / "notebooks"
    notebooks.mkdir()
    shutil.copy(ROOT / "exercises" / assignment / notebook_file, notebooks / notebook_file)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    server = start_server(course, notebooks=notebooks, traits=[])
    try:
        yield server, notebooks
    finally:
        stop_server(server)
