"""``advocacy-lab release ASSIGNMENT``: one assignment generated, then released into nbgrader's exchange.

Real nbgrader: ``generate_assignment`` into ``exercises/``, ``release_assignment`` into an exchange
folder, and a participant's ``fetch_assignment`` from it; without an exchange the trainer is told
which folder to share; an unknown assignment is refused before anything changes.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from advocacy_lab import cli
from advocacy_lab.core.catalogue import text
from assignment_support import course_copy, nbgrader

pytestmark = pytest.mark.slow

ASSIGNMENT = "campaign-data"


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    return course_copy(tmp_path / "course")


def test_one_assignment_without_an_exchange_says_which_folder_to_share(course: Path, capsys, monkeypatch):
    monkeypatch.chdir(course)
    assert cli.main(["release", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert text("cli.course.released", assignment=ASSIGNMENT, folder=course / "exercises" / ASSIGNMENT) in out
    assert text("trainer.release.no_exchange", folder=course / "exercises" / ASSIGNMENT) in out
    # Only the assignment named is generated, and it is in the gradebook for grading.
    assert sorted(p.name for p in (course / "exercises").iterdir()) == [ASSIGNMENT]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert [a.name for a in gb.assignments] == [ASSIGNMENT]


def test_into_an_exchange_a_participant_can_fetch_it(course: Path, tmp_path: Path, capsys):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    assert cli.main(["release", ASSIGNMENT, "--exchange", str(exchange), "--course", str(course)]) == 0
    assert text("trainer.release.in_exchange", assignment=ASSIGNMENT, exchange=exchange.resolve()) in capsys.readouterr().out
    home = tmp_path / "participant"
    home.mkdir()
    proc = nbgrader(course, "fetch_assignment", ASSIGNMENT, f"--Exchange.root={exchange}",
                    "--CourseDirectory.course_id=advocacy-lab", cwd=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    # Released again (a fix to the exercise): the new release replaces the old one.
    assert cli.main(["release", ASSIGNMENT, "--exchange", str(exchange), "--course", str(course)]) == 0


def test_an_exchange_nbgrader_cannot_use_is_said_in_one_sentence(course: Path, tmp_path: Path, capsys):
    not_a_folder = tmp_path / "exchange-file"
    not_a_folder.write_text("not a folder")
    assert cli.main(["release", ASSIGNMENT, "--exchange", str(not_a_folder), "--course", str(course)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(text("trainer.release.exchange_failed", exchange=not_a_folder.resolve(), reason="")[:40])
    assert "Traceback" not in err


def test_an_unknown_assignment_is_refused_and_nothing_is_released(course: Path, capsys):
    assert cli.main(["release", "no-such-assignment", "--course", str(course)]) == 2
    assert text("trainer.release.unknown", assignment="no-such-assignment",
                known="campaign-data, campaign-message") in capsys.readouterr().err
    assert not (course / "exercises").exists()
