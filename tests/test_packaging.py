"""environment.yml and pyproject.toml must declare the same runtime dependencies."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

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
    for name in ("twitter-text-parser", "grapheme", "textstat"):
        assert name in py


def test_environment_installs_the_project_itself() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section and "-e ." in pip_section[0]["pip"]
