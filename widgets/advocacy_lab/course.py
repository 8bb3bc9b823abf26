"""The course as a whole: its modules and the nbgrader release of its exercises.

The module list is data (``data/modules.json``) so the landing page, the
campaign plan, progress on the landing page and the previous/next links
of every module read one source of truth.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping

from advocacy_lab.core.progress import DraftRule, ProgressRule

ModuleStatus = Literal["available", "planned"]


@dataclass(frozen=True)
class CourseModule:
    """One module of the course, as listed on the landing page.

    ``progress`` says when the learner has started and finished it (see
    ``advocacy_lab.core.progress``); every available module has one.
    """

    id: str
    number: int
    title: str
    notebook: str  # file name inside notebooks/
    summary: str
    status: ModuleStatus
    progress: ProgressRule | None = None

    @property
    def available(self) -> bool:
        return self.status == "available"


@dataclass(frozen=True)
class Course:
    """The landing page and the modules in teaching order."""

    landing_link: str  # how module pages name the link back, e.g. "Back to the list of modules"
    landing_notebook: str
    modules: tuple[CourseModule, ...]

    @property
    def available(self) -> tuple[CourseModule, ...]:
        """The modules a learner can open, in teaching order."""
        return tuple(m for m in self.modules if m.available)


def _notebook_name(value: Any, where: str) -> str:
    # A bare file name in notebooks/: links stay relative and cannot leave the folder.
    if (
        not isinstance(value, str)
        or not value.endswith(".ipynb")
        or value.startswith(".")
        or any(c in value for c in '/\\"\'<>&?#%')
    ):
        raise ValueError(f"{where}: notebook must be a file name in notebooks/ such as '04-campaign-message.ipynb', not {value!r}")
    return value


def _field_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where} must be a list of field names")
    return tuple(value)


def _progress_rule(data: Any, module_id: str) -> ProgressRule:
    where = f"module {module_id!r}: progress"
    if not isinstance(data, Mapping) or not isinstance(data.get("drafts"), list):
        raise ValueError(f"{where} must be an object with a 'drafts' list")
    rules = []
    for item in data["drafts"]:
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise ValueError(f"{where}: each draft needs a 'key'")
        answered: tuple[str, ...] = ()
        if item.get("quiz") is not None:
            from advocacy_lab.core.quiz import load_quiz  # only modules with a quiz read one

            answered = tuple(q.id for q in load_quiz(item["quiz"]))
        rules.append(
            DraftRule(
                key=item["key"],
                started_by=_field_list(item.get("started_by"), f"{where} {item['key']!r} started_by"),
                required=_field_list(item.get("required"), f"{where} {item['key']!r} required"),
                chosen=_field_list(item.get("chosen"), f"{where} {item['key']!r} chosen"),
                answered=answered,
            )
        )
    try:
        return ProgressRule(
            drafts=tuple(rules),
            plan_complete=bool(data.get("plan_complete", False)),
            finished_when=str(data.get("finished_when", "")),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def parse_course(data: Mapping[str, Any]) -> Course:
    """The course from the parsed JSON of ``data/modules.json`` (ValueError names any problem)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("modules"), list):
        raise ValueError("modules.json must be an object with a 'modules' list")
    landing = data.get("landing")
    if not isinstance(landing, Mapping) or not isinstance(landing.get("link_text"), str):
        raise ValueError("modules.json needs a 'landing' object with the landing page's link_text and notebook")
    modules = []
    for item in data["modules"]:
        if item["status"] not in ("available", "planned"):
            raise ValueError(
                f"module {item['id']!r}: status must be 'available' or 'planned', "
                f"not {item['status']!r}"
            )
        progress = None
        if item["status"] == "available":
            if "progress" not in item:
                raise ValueError(f"module {item['id']!r} is available, so it needs a 'progress' rule")
            progress = _progress_rule(item["progress"], item["id"])
        modules.append(
            CourseModule(
                id=item["id"],
                number=int(item["number"]),
                title=item["title"],
                notebook=_notebook_name(item["notebook"], f"module {item['id']!r}"),
                summary=item["summary"],
                status=item["status"],
                progress=progress,
            )
        )
    ids = [m.id for m in modules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"module ids in modules.json must be unique: {ids}")
    return Course(
        landing_link=landing["link_text"],
        landing_notebook=_notebook_name(landing.get("notebook"), "landing page"),
        modules=tuple(sorted(modules, key=lambda m: m.number)),
    )


def read_course_data() -> dict[str, Any]:
    """The parsed JSON of ``data/modules.json``."""
    text = resources.files("advocacy_lab").joinpath("data", "modules.json").read_text("utf-8")
    return json.loads(text)


def load_course() -> Course:
    """The course as ``data/modules.json`` declares it."""
    return parse_course(read_course_data())


def load_modules() -> tuple[CourseModule, ...]:
    """The course modules in teaching order (from ``data/modules.json``)."""
    return load_course().modules


def module_neighbours(course: Course, notebook: str) -> tuple[CourseModule | None, CourseModule | None]:
    """The available modules before and after ``notebook`` in teaching order.

    Coming-soon modules are skipped; ``None`` at either end (the page then
    links back to the landing page). ValueError when ``notebook`` is not an
    available module.
    """
    available = course.available
    for index, module in enumerate(available):
        if module.notebook == notebook:
            before = available[index - 1] if index > 0 else None
            after = available[index + 1] if index + 1 < len(available) else None
            return before, after
    names = ", ".join(m.notebook for m in available)
    raise ValueError(f"{notebook!r} is not an available module; the available ones are {names}")


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


def release_exercises(root: Path) -> list[str]:
    """Regenerate ``exercises/`` from ``solutions/`` with ``nbgrader generate_assignment``.

    Runs nbgrader's own CLI (configured by ``nbgrader_config.py`` at ``root``)
    so the release is exactly what a trainer's nbgrader produces. Returns the
    names of the assignments released; raises RuntimeError with nbgrader's
    message when one fails.
    """
    root = Path(root).resolve()
    released = []
    for name in assignments(root):
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
