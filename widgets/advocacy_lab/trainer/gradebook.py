"""A course's nbgrader gradebook, found as nbgrader's own commands find it.

Every trainer command reads the same configuration: the ``nbgrader_config.py`` files of
Jupyter's configuration path (``jupyter_core.paths.jupyter_config_path()``: the user's
``~/.jupyter``, ``JUPYTER_CONFIG_PATH``, the environment's and the system's, among them a
JupyterHub's global ``/etc/jupyter/nbgrader_config.py``), then the course's own
``nbgrader_config.py``, with the course folder as the root. By default the gradebook is ``sqlite:///<course>/gradebook.db``.
Only ``roster import`` and nbgrader's ``generate_assignment`` make a gradebook; the others
read one, and say so plainly when there is none (opening a missing SQLite file would create it).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SQLITE = "sqlite:///"


def global_config_dirs() -> list[Path]:
    """The folders of Jupyter's configuration path, lowest priority first (as nbgrader loads them).

    jupyter_config_path() lists the user's folder first and /etc/jupyter last; a later file wins,
    so they are read in reverse. JUPYTER_CONFIG_PATH lets a test or a hub name its own global folder.
    """
    from jupyter_core.paths import jupyter_config_path

    return [Path(folder) for folder in reversed(jupyter_config_path())]


def course_config(course: Path):
    """nbgrader's configuration of ``course`` (a traitlets ``Config``): Jupyter's config path, then the course's."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for folder in (*global_config_dirs(), Path(course)):
        if (folder / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config())
    config.CourseDirectory.root = str(Path(course).resolve())
    return config


@lru_cache(maxsize=32)
def _location(course: str) -> tuple[str, str]:
    from nbgrader.coursedir import CourseDirectory

    directory = CourseDirectory(config=course_config(Path(course)))
    return directory.db_url, directory.course_id or "default_course"


def gradebook_location(course: Path) -> tuple[str, str]:
    """The gradebook's database URL and course id for ``course``."""
    return _location(str(Path(course).resolve()))


def gradebook_file(course: Path) -> Path | None:
    """The gradebook's file when it is SQLite (nbgrader's default); None for another database."""
    url, _ = gradebook_location(course)
    return Path(url[len(SQLITE):]) if url.startswith(SQLITE) else None


def has_gradebook(course: Path) -> bool:
    """Whether ``course`` has a gradebook to read (a database elsewhere is taken to exist)."""
    path = gradebook_file(course)
    return path is None or path.is_file()


def open_gradebook(course: Path):
    """nbgrader's ``Gradebook`` of ``course``, to use in a ``with``; call only when ``has_gradebook``."""
    from nbgrader.api import Gradebook

    url, course_id = gradebook_location(course)
    return Gradebook(url, course_id=course_id)
