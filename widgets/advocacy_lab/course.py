"""The course as a whole: its modules and the nbgrader release of its exercises.

The module list is data (``data/modules.json``) so the landing page, the
campaign plan and later progress tracking read one source of truth.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

ModuleStatus = Literal["available", "planned"]


@dataclass(frozen=True)
class CourseModule:
    """One module of the course, as listed on the landing page."""

    id: str
    number: int
    title: str
    notebook: str  # file name inside notebooks/
    summary: str
    status: ModuleStatus

    @property
    def available(self) -> bool:
        return self.status == "available"


def load_modules() -> tuple[CourseModule, ...]:
    """The course modules in teaching order (from ``data/modules.json``)."""
    text = resources.files("advocacy_lab").joinpath("data", "modules.json").read_text("utf-8")
    data = json.loads(text)
    modules = []
    for item in data["modules"]:
        if item["status"] not in ("available", "planned"):
            raise ValueError(
                f"module {item['id']!r}: status must be 'available' or 'planned', "
                f"not {item['status']!r}"
            )
        modules.append(
            CourseModule(
                id=item["id"],
                number=int(item["number"]),
                title=item["title"],
                notebook=item["notebook"],
                summary=item["summary"],
                status=item["status"],
            )
        )
    return tuple(sorted(modules, key=lambda m: m.number))


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
