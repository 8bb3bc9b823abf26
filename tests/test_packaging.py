"""environment.yml and pyproject.toml must declare the same runtime dependencies."""
from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# conda-only plumbing, not runtime dependencies of the package
CONDA_ONLY = {"python", "pip"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = [Requirement(r) for r in data["project"]["dependencies"]]
    return {_normalise(r.name): str(r.specifier) for r in reqs}


def _conda_spec(line: str) -> Requirement:
    # conda writes "name>=1,<2" or "name 1.2"; PEP 508 needs an operator
    line = line.strip()
    if " " in line and not re.search(r"[<>=!~]", line):
        name, version = line.split(None, 1)
        line = f"{name}=={version}"
    return Requirement(line)


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if pip_dep.startswith("-e") or pip_dep.startswith("."):
                    continue
                r = Requirement(pip_dep)
                found[_normalise(r.name)] = str(r.specifier)
            continue
        r = _conda_spec(dep)
        if _normalise(r.name) in CONDA_ONLY:
            continue
        found[_normalise(r.name)] = str(r.specifier)
    return found


def test_same_dependency_names() -> None:
    py = _pyproject_requirements()
    env = _environment_requirements()
    assert set(py) == set(env), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; "
        f"only in environment.yml: {sorted(set(env) - set(py))}"
    )


def test_same_version_ranges() -> None:
    py = _pyproject_requirements()
    env = _environment_requirements()
    differing = {n: (py[n], env[n]) for n in py if n in env and py[n] != env[n]}
    assert not differing, f"version ranges differ (pyproject, environment.yml): {differing}"


def test_required_pins() -> None:
    """The issue pins these majors; keep them."""
    py = _pyproject_requirements()
    for name, spec in {
        "jupyterlab": "<5,>=4",
        "notebook": "<8,>=7",
        "ipywidgets": "<9,>=8",
        "voila": "<0.6,>=0.5",
        "nbgrader": "<0.10,>=0.9",
        "matplotlib": "<4,>=3",
    }.items():
        assert py[name] == spec, f"{name}: {py[name]!r} != {spec!r}"
    for name in ("twitter-text-parser", "regex", "textstat"):
        assert name in py


def test_environment_installs_the_project_itself() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section and "-e ." in pip_section[0]["pip"]


# --- setuptools: the pin that keeps pkg_resources (issue #7) ---------------------------------
# twitter-text-parser 3.0.0 and textstat 0.7.3 import pkg_resources, which only setuptools ships:
# 82 and later dropped it, and 80.9 to 81 warn at every import (a learner would see the warning).
PKG_RESOURCES_USERS = ("twitter_text", "textstat")


def _comment_before(text: str, line_pattern: str) -> str:
    """The comment lines just above the one line matching ``line_pattern``."""
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if re.search(line_pattern, line)]
    assert len(found) == 1, f"expected one line matching {line_pattern!r}, found {len(found)}"
    comments = []
    for line in reversed(lines[: found[0]]):
        if not line.strip().startswith("#"):
            break
        comments.append(line)
    return "\n".join(reversed(comments))


def test_setuptools_is_pinned_to_a_range_that_ships_pkg_resources_in_both_files() -> None:
    for where, found in (("pyproject.toml", _pyproject_requirements()),
                         ("environment.yml", _environment_requirements())):
        assert "setuptools" in found, f"{where} lost the setuptools pin that keeps pkg_resources"
        spec = SpecifierSet(found["setuptools"])
        for version in ("80.9.0", "81.0.0", "82.0.0", "84.2.1"):
            assert version not in spec, f"{where}: setuptools {version} has no quiet pkg_resources"
        assert "80.8.0" in spec, f"{where}: the pin leaves no setuptools to install"


def test_the_setuptools_pin_says_why_in_both_files() -> None:
    for name, pattern in (("pyproject.toml", r'^\s*"setuptools[<>=!~]'),
                          ("environment.yml", r"^\s*-\s*setuptools[<>=!~]")):
        comment = _comment_before((ROOT / name).read_text(), pattern)
        assert "pkg_resources" in comment, f"{name}: the setuptools pin needs its comment (why)"


def test_installed_setuptools_is_within_the_pin() -> None:
    spec = SpecifierSet(_pyproject_requirements()["setuptools"])
    assert metadata.version("setuptools") in spec


def test_the_libraries_that_need_pkg_resources_import_without_a_warning() -> None:
    # A fresh interpreter: this one may have imported them already. UserWarning as an error
    # catches setuptools 80.9-81's warning; a missing pkg_resources fails the import outright.
    code = "import pkg_resources; " + "; ".join(f"import {m}" for m in PKG_RESOURCES_USERS)
    proc = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
