"""``advocacy-lab release [ASSIGNMENT]``: generate the learners' version, and release it to nbgrader's exchange.

Without an assignment, every assignment of ``solutions/`` is generated into ``exercises/``
(what ``make exercises`` runs). With one, that assignment is generated and then released with
nbgrader's own ``release_assignment`` into the exchange, when the course has one (a hosted
JupyterHub, ``--exchange DIR``); on one machine without an exchange, the trainer is told which
folder to share.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Callable


def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import text

    release = sub.add_parser("release", help=text("trainer.release.help"))
    release.add_argument("assignment", nargs="?", metavar="ASSIGNMENT", help=text("trainer.release.help_assignment"))
    release.add_argument("--exchange", metavar="DIR", help=text("trainer.release.help_exchange"))
    release.set_defaults(func=run)
    add_course_option(release)


def exchange_root(course: Path, given: str | None) -> Path | None:
    """The exchange to release into: ``given``, else the one nbgrader's configuration names, if it exists."""
    if given:
        return Path(given).expanduser().resolve()
    from nbgrader.exchange.default import Exchange

    from .gradebook import course_config

    config = course_config(course)
    root = Path(Exchange(config=config).root)
    return root if root.is_dir() else None


def release_to_exchange(course: Path, assignment: str, exchange: Path) -> subprocess.CompletedProcess:
    """nbgrader's own ``release_assignment`` into ``exchange`` (``--force``: a new release replaces the old)."""
    from advocacy_lab.course import nbgrader_env

    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "release_assignment", assignment, "--force",
         f"--CourseDirectory.root={course}", f"--Exchange.root={exchange}"],
        cwd=course, capture_output=True, text=True, env=nbgrader_env(),
    )


def run(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text
    from advocacy_lab.course import release_exercises

    course: Path = args.course
    only = (args.assignment,) if args.assignment else None
    try:
        released = release_exercises(course, only)
    except ValueError as exc:  # an unknown assignment, or instructor answers that would ship with it
        print(f"advocacy-lab: {exc}", file=sys.stderr)
        return 2
    if not released:
        print(text("cli.course.no_assignments", folder=course / "solutions"), file=sys.stderr)
        return 1
    for name in released:
        print(text("cli.course.released", assignment=name, folder=course / "exercises" / name))
    if args.assignment is None:
        return 0
    exchange = exchange_root(course, args.exchange)
    if exchange is None:
        print(text("trainer.release.no_exchange", folder=course / "exercises" / args.assignment))
        return 0
    proc = release_to_exchange(course, args.assignment, exchange)
    if proc.returncode != 0:
        print(text("trainer.release.exchange_failed", exchange=exchange, reason=_last_error(proc)), file=sys.stderr)
        return 1
    print(text("trainer.release.in_exchange", assignment=args.assignment, exchange=exchange))
    return 0


def _last_error(proc: subprocess.CompletedProcess) -> str:
    """nbgrader's own last error line from its log, not a traceback."""
    lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if "[error]" in line.lower()]
    return (errors or lines or ["?"])[-1]
