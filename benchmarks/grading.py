"""Grading a cohort: plain ``nbgrader autograde`` against ``advocacy-lab grade``, in the same run.

For every assignment of the course, a synthetic cohort of ``--learners`` (35) is submitted,
each learner answering through the exercise's own widgets, as in the tests:
a third solved, a third blank, a third partly solved, and one runaway (a solved submission
with an added ``while True: pass`` cell, which grading keeps as text and does not run).
Two identical copies of the course are graded, one with ``python -m nbgrader autograde
ASSIGNMENT --force`` (one notebook at a time) and one with ``advocacy-lab grade ASSIGNMENT``
(``--workers``, by default the number of cores). The gradebooks must give identical scores,
or the script fails. The figure is the ratio of the wall-clock times (goal: at most 0.6 on
2 cores); the order of the two alternates between runs.

Writes docs/performance.md (between its markers) and benchmarks/results/grading.json.

    .venv/bin/python benchmarks/grading.py [--learners 35] [--runs 1] [--workers N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import DOC, RESULTS_DIR, ROOT, command_line, write_doc  # noqa: E402

MARK_START, MARK_END = "<!-- grading:start -->", "<!-- grading:end -->"
GOAL = 0.6
RUNAWAY = "while True:\n    pass"


def build_cohort(course: Path, learners: int) -> dict[str, int]:
    """Release every assignment in ``course`` and submit ``learners`` learners to each; counts by kind."""
    import nbformat
    from assignment_support import ANSWER_THROUGH_WIDGETS, answer_campaign_data_through_widgets, submit

    from advocacy_lab.course import assignments, release_exercises

    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    release_exercises(course)
    partly = {
        "campaign-message": lambda folder: ANSWER_THROUGH_WIDGETS["campaign-message"](folder, fits=False, length="1"),
        "campaign-data": lambda folder: answer_campaign_data_through_widgets(folder, best_format=None, misleading=None),
    }
    kinds: dict[str, int] = {}
    for name in assignments(course):
        release = nbformat.read(course / "exercises" / name / f"{name}.ipynb", as_version=4)
        solved = ANSWER_THROUGH_WIDGETS[name]
        for i in range(learners):
            nb, answered, kind = release, (solved, None, partly[name])[i % 3], ("solved", "blank", "partly")[i % 3]
            if i == learners - 1:
                nb = nbformat.from_dict(release)
                nb.cells.insert(1, nbformat.v4.new_code_cell(RUNAWAY))
                answered, kind = solved, "runaway"
            submit(course, name, name, f"learner-{i:03d}", nb, answered)
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def scores(course: Path) -> dict:
    """Every grade in the gradebook: assignment -> student -> cell -> (auto, manual, max)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            assignment.name: {
                sub.student.id: {g.name: (g.auto_score, g.manual_score, g.max_score) for nb in sub.notebooks for g in nb.grades}
                for sub in assignment.submissions
            }
            for assignment in gb.assignments
        }


def timed(cmd: list[str], cwd: Path) -> float:
    from advocacy_lab.course import nbgrader_env

    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=nbgrader_env())
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=35)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, help="advocacy-lab grade --workers (default: its own)")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    from advocacy_lab.course import assignments

    python = sys.executable
    grade = str(Path(python).parent / "advocacy-lab")
    rows = []
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        source = Path(tmp) / "cohort"
        source.mkdir()
        kinds = build_cohort(source, args.learners)
        for run in range(args.runs):
            plain, ours = Path(tmp) / f"plain-{run}", Path(tmp) / f"ours-{run}"
            shutil.copytree(source, plain)
            shutil.copytree(source, ours)
            for name in assignments(source):
                commands = {
                    "nbgrader": ([python, "-m", "nbgrader", "autograde", name, "--force"], plain),
                    "advocacy-lab": ([grade, "grade", name, *(["--workers", str(args.workers)] if args.workers else [])], ours),
                }
                order = list(commands) if run % 2 == 0 else list(reversed(commands))
                seconds = {who: timed(*commands[who]) for who in order}
                rows.append({"assignment": name, "run": run, "nbgrader_s": round(seconds["nbgrader"], 1),
                             "advocacy_lab_s": round(seconds["advocacy-lab"], 1),
                             "ratio": round(seconds["advocacy-lab"] / seconds["nbgrader"], 3)})
                print(f"{name} run {run}: nbgrader autograde {seconds['nbgrader']:.1f} s, "
                      f"advocacy-lab grade {seconds['advocacy-lab']:.1f} s, ratio {rows[-1]['ratio']}", flush=True)
            same = scores(plain) == scores(ours)
            if not same:
                raise SystemExit("the scores differ between nbgrader autograde and advocacy-lab grade")
    total_plain = sum(r["nbgrader_s"] for r in rows)
    total_ours = sum(r["advocacy_lab_s"] for r in rows)
    result = {
        "command": command_line("benchmarks/grading.py", argv), "date": dt.date.today().isoformat(),
        "python": sys.version.split()[0], "cores": os.cpu_count(), "learners": args.learners, "kinds": kinds,
        "rows": rows, "ratio": round(total_ours / total_plain, 3), "identical_scores": True, "goal": GOAL,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "grading.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"overall: {total_ours:.1f} s against {total_plain:.1f} s, ratio {result['ratio']} (goal at most {GOAL}); "
          "scores identical")
    if not args.no_doc:
        lines = [
            MARK_START, "## Grading a cohort", "",
            f"`{result['command']}` on {result['date']} (Python {result['python']}, {result['cores']} cores): "
            f"{args.learners} learners per assignment, answered through the widgets "
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            + " (over all assignments; the runaway's added `while True` cell is kept as text and not run by both). "
            "Plain `nbgrader autograde ASSIGNMENT --force` against `advocacy-lab grade ASSIGNMENT` on an identical copy, "
            "in the same run; the gradebooks gave identical scores.", "",
            "| Assignment | Run | nbgrader autograde | advocacy-lab grade | Ratio |", "|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(f"| {r['assignment']} | {r['run'] + 1} | {r['nbgrader_s']} s | {r['advocacy_lab_s']} s | {r['ratio']} |")
        verdict = "met" if result["ratio"] <= GOAL else "not met"
        lines += ["", f"Overall ratio: **{result['ratio']}** (goal at most {GOAL}: {verdict}).", MARK_END, ""]
        write_doc("\n".join(lines), MARK_START, MARK_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
