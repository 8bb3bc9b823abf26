"""The course on disk: finding the course folder and releasing its exercises with nbgrader.

The course outline itself (``Course``, its modules and what each owns) is
parsed once in the core, ``advocacy_lab.core.course``; it is re-exported here
for the command line and older imports.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from advocacy_lab.core.course import (  # noqa: F401 - re-exported
    Course,
    CourseModule,
    ModuleStatus,
    load_course,
    parse_course,
    read_course_data,
)


def load_modules() -> tuple[CourseModule, ...]:
    """The course modules in teaching order."""
    return load_course().modules


def module_neighbours(course: Course, notebook: str) -> tuple[CourseModule | None, CourseModule | None]:
    """The available modules before and after ``notebook`` (``Course.neighbours``)."""
    return course.neighbours(notebook)


#: The file that makes a folder a course: nbgrader reads it, and it names the folder as the root.
COURSE_MARKER = "nbgrader_config.py"


def find_course(cwd: Path, course: Path | str | None = None, lang: str = "en") -> Path:
    """The course folder a command acts on: the one holding ``nbgrader_config.py``.

    ``course`` (``--course DIR``, relative to ``cwd``) names it. Without it, ``cwd`` or the
    nearest folder above it that holds one, as git finds its repository. Never the folder of
    the installed package: a trainer's copy of the course is acted on where the trainer is.
    ValueError, with the sentence for the trainer in ``lang``, when there is no course.
    """
    from advocacy_lab.core.catalogue import text

    cwd = Path(cwd).resolve()
    if course is not None:
        folder = (cwd / Path(course).expanduser()).resolve()
        if not (folder / COURSE_MARKER).is_file():
            raise ValueError(text("cli.course.not_a_course", lang, folder=folder))
        return folder
    for folder in (cwd, *cwd.parents):
        if (folder / COURSE_MARKER).is_file():
            return folder
    raise ValueError(text("cli.course.none_here", lang, folder=cwd))


def assignments(root: Path) -> tuple[str, ...]:
    """Names of the nbgrader assignments: the folders of ``solutions/``."""
    source = Path(root) / "solutions"
    if not source.is_dir():
        return ()
    return tuple(
        sorted(
            p.name
            for p in source.iterdir()
            if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
        )
    )


def nbgrader_env() -> dict[str, str]:
    """The environment for running nbgrader from this Python.

    nbgrader runs the ``alembic`` executable by name to set up its gradebook,
    so this interpreter's scripts folder must be on PATH even when the venv is
    not activated (e.g. ``.venv/bin/advocacy-lab release``).
    """
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env


def refuse_instructor_answers(root: Path, name: str, lang: str = "en") -> None:
    """ValueError when ``solutions/<name>/`` holds an answers file (``*.answers.json``, beside any lock).

    nbgrader copies every file of the source folder into the release: an answers file the
    instructor's widgets wrote while trying the solution would ship the instructor's answers
    to every learner. Nothing is released until it is moved out of ``solutions/``.
    """
    from advocacy_lab.assignment.answers import ANSWERS_SUFFIX
    from advocacy_lab.core.catalogue import text

    folder = Path(root) / "solutions" / name
    found = sorted(p.name for p in folder.rglob(f"*{ANSWERS_SUFFIX}*") if p.is_file())
    if found:
        raise ValueError(text("assignment.release.instructor_answers", lang, folder=folder, files=", ".join(found)))


def release_exercises(root: Path, only: tuple[str, ...] | None = None) -> list[str]:
    """Regenerate ``exercises/`` from ``solutions/`` with ``nbgrader generate_assignment``
    (every assignment, or those named in ``only``: a ValueError when one is not in ``solutions/``).

    Runs nbgrader's own CLI (configured by ``nbgrader_config.py`` at ``root``)
    so the release is exactly what a trainer's nbgrader produces. Returns the
    names of the assignments released; raises RuntimeError with nbgrader's
    message when one fails.
    """
    root = Path(root).resolve()
    released = []
    names = assignments(root)
    if only is not None:
        unknown = [name for name in only if name not in names]
        if unknown:
            from advocacy_lab.core.catalogue import text

            raise ValueError(text("trainer.release.unknown", assignment=unknown[0], known=", ".join(names) or "-"))
        names = tuple(only)
    # Every assignment checked before any is released: a refusal leaves exercises/ as it was.
    for name in names:
        refuse_instructor_answers(root, name)
    for name in names:
        cmd = [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            name,
            "--force",
            f"--CourseDirectory.root={root}",
        ]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=nbgrader_env())
        if proc.returncode != 0:
            raise RuntimeError(
                f"nbgrader generate_assignment {name} failed:\n{proc.stdout}\n{proc.stderr}"
            )
        released.append(name)
    return released
