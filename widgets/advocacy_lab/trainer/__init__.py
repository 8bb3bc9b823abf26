"""The trainer's side: the roster, releasing, grading a cohort, feedback, the cohort report, the dashboard.

Built on nbgrader's own Python API and SQLite gradebook; nothing here re-implements them.
Each command of ``advocacy-lab`` that a trainer runs lives in one module of this package,
which adds its subcommand with ``add_command(subparsers)``; the module imports nbgrader and
the like only when its command runs, so ``advocacy-lab --help`` stays instant.
"""
from __future__ import annotations

#: The modules that each add one trainer command to ``advocacy-lab``, in the order of a workshop day
#: (roster, release, grade, feedback, report, dashboard).
COMMAND_MODULES = (
    "roster",
    "release",
    "grade",
    "feedback",
    "report",
    "dashboard",
)
