"""The CLI acts on the course folder it is run in (issue #7), never on the installed clone.

- ``find_course``: the folder holding ``nbgrader_config.py`` (the current folder or the nearest
  one above it), or the one ``--course DIR`` names; a ValueError naming ``--course`` otherwise;
- ``advocacy-lab`` refuses with that sentence and exit status 2 where there is no course, for
  ``--course`` given before or after the subcommand; ``rules`` needs no course;
- the real ``advocacy-lab release`` in a trainer's copy writes that copy's ``exercises/`` and
  leaves the repository's alone; the real ``advocacy-lab serve`` there serves that copy.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from advocacy_lab import cli
from advocacy_lab.core.catalogue import text
from advocacy_lab.course import COURSE_MARKER, assignments, find_course
from server_support import advocacy_lab_command, free_port, request, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 240  # a loaded 2-core machine starts Voila and its kernels slowly


def _course(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / COURSE_MARKER).write_text("c = get_config()\n")
    return folder


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A folder with no course in it nor above it."""
    folder = tmp_path / "nowhere"
    folder.mkdir()
    above = [p for p in (folder, *folder.parents) if (p / COURSE_MARKER).exists()]
    assert not above, f"this test needs a temporary folder with no course above it: {above}"
    return folder


# --- choosing the folder --------------------------------------------------------------------

def test_the_current_folder_is_the_course(tmp_path: Path) -> None:
    course = _course(tmp_path / "hanoi-course")
    assert find_course(course) == course.resolve()


def test_a_subfolder_of_a_course_finds_it_like_git(tmp_path: Path) -> None:
    course = _course(tmp_path / "hanoi-course")
    inside = course / "notebooks" / "drafts"
    inside.mkdir(parents=True)
    assert find_course(inside) == course.resolve()


def test_the_nearest_course_above_wins(tmp_path: Path) -> None:
    outer = _course(tmp_path / "outer")
    inner = _course(outer / "inner")
    assert find_course(inner / ".") == inner.resolve()
    assert find_course(outer) == outer.resolve()


def test_course_names_another_folder_even_from_inside_a_course(tmp_path: Path) -> None:
    here = _course(tmp_path / "here")
    other = _course(tmp_path / "other")
    assert find_course(here, other) == other.resolve()
    assert find_course(here, "../other") == other.resolve()  # relative to the current folder
    assert find_course(tmp_path, str(other)) == other.resolve()


def test_course_must_hold_the_nbgrader_config(tmp_path: Path) -> None:
    course = _course(tmp_path / "course")
    with pytest.raises(ValueError) as caught:
        find_course(course, course / "notebooks")  # a folder inside is not the course
    assert "--course" in str(caught.value) and COURSE_MARKER in str(caught.value)


def test_no_course_anywhere_is_refused_never_the_installed_clone(nowhere: Path) -> None:
    assert (ROOT / COURSE_MARKER).is_file()  # the package's own clone is a course...
    with pytest.raises(ValueError) as caught:
        find_course(nowhere)  # ...and still not the fallback
    message = str(caught.value)
    assert message == text("cli.course.none_here", folder=nowhere.resolve())
    assert "--course" in message and str(nowhere.resolve()) in message


def test_the_refusal_is_said_in_vietnamese_too(nowhere: Path) -> None:
    with pytest.raises(ValueError) as caught:
        find_course(nowhere, lang="vi")
    assert str(caught.value) == text("cli.course.none_here", "vi", folder=nowhere.resolve())
    assert str(caught.value) != text("cli.course.none_here", "en", folder=nowhere.resolve())


# --- the command -----------------------------------------------------------------------------

def test_release_refuses_with_exit_status_2_where_there_is_no_course(
    nowhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(nowhere)
    assert cli.main(["release"]) == 2
    err = capsys.readouterr().err
    assert text("cli.course.none_here", folder=nowhere.resolve()) in err and "--course" in err


def test_serve_refuses_with_exit_status_2_where_there_is_no_course(nowhere: Path) -> None:
    # The real command, in its own process group: were it to serve some other folder instead,
    # the test fails on the timeout and takes the server and its kernels down with it.
    proc = subprocess.Popen(
        [*advocacy_lab_command(), "serve", "--no-browser", "--port", str(free_port())],
        cwd=nowhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("advocacy-lab serve started with no course where it ran")
    assert proc.returncode == 2, out + err
    assert text("cli.course.none_here", folder=nowhere.resolve()) in err and "--course" in err


@pytest.mark.parametrize(
    "where", ["before", "after"], ids=["--course DIR release", "release --course DIR"]
)
def test_course_is_read_before_or_after_the_subcommand(
    where: str, nowhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(_course(nowhere / "a-course"))  # a course here must not hide --course
    elsewhere = nowhere / "not-a-course"
    elsewhere.mkdir()
    argv = ["--course", str(elsewhere), "release"] if where == "before" else ["release", "--course", str(elsewhere)]
    assert cli.main(argv) == 2
    assert text("cli.course.not_a_course", folder=elsewhere.resolve()) in capsys.readouterr().err


def test_rules_needs_no_course(nowhere: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(nowhere)
    assert cli.main(["rules"]) == 0
    assert "length.over_limit" in capsys.readouterr().out


def test_the_help_says_how_the_course_is_found(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        cli.main(["release", "--help"])
    assert "--course DIR" in capsys.readouterr().out


# --- real runs in a trainer's copy ------------------------------------------------------------

def _trainer_copy(tmp_path: Path, *folders: str) -> Path:
    copy = tmp_path / "trainer's copy"
    copy.mkdir()
    shutil.copy2(ROOT / COURSE_MARKER, copy / COURSE_MARKER)
    for folder in folders:
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_release_in_a_trainers_copy_writes_that_copys_exercises(tmp_path: Path) -> None:
    copy = _trainer_copy(tmp_path, "solutions")
    names = assignments(copy)
    assert names
    repo_exercises = _snapshot(ROOT / "exercises")
    inside = copy / "solutions"  # run from a subfolder: the copy is found above it
    proc = subprocess.run(
        [*advocacy_lab_command(), "release"], cwd=inside, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in names:
        released = sorted(p.name for p in (copy / "exercises" / name).glob("*.ipynb"))
        assert released == sorted(p.name for p in (copy / "solutions" / name).glob("*.ipynb"))
        assert text("cli.course.released", assignment=name, folder=copy / "exercises" / name) in proc.stdout
    assert _snapshot(ROOT / "exercises") == repo_exercises


@pytest.mark.slow
def test_serve_in_a_trainers_copy_serves_that_copys_notebooks(tmp_path: Path) -> None:
    copy = _trainer_copy(tmp_path, "notebooks")
    marker = "Welcome to the Hanoi room, from the trainer copy"
    landing = copy / "notebooks" / "00-start-here.ipynb"
    nb = json.loads(landing.read_text(encoding="utf-8"))
    first_markdown = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    first_markdown["source"] = f"# {marker}\n\n" + "".join(first_markdown["source"])
    landing.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    assert marker not in (ROOT / "notebooks" / "00-start-here.ipynb").read_text(encoding="utf-8")

    server = start_server(tmp_path, copy, env={"ADVOCACY_LAB_DRAFT_STORE": "memory"}, timeout=SERVER_START_TIMEOUT)
    try:
        status, _, body = request(server, "GET", "/voila/render/00-start-here.ipynb", timeout=120)
        assert status == 200 and marker in body.decode("utf-8", "replace")
    finally:
        stop_server(server)
