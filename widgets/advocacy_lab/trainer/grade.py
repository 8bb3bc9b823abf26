"""``advocacy-lab grade ASSIGNMENT [--workers N]``: autograde a whole cohort in parallel.

Each submission in ``submitted/*/ASSIGNMENT`` is autograded by nbgrader's own ``Autograde``
converter (through ``NbGraderAPI.autograde``, as ``nbgrader autograde ASSIGNMENT --student ID
--force`` does), with the course's ``nbgrader_config.py``: the scores are nbgrader's.

Why it is faster: a submission's time goes mostly into its kernel (start, imports, the cells).
Worker processes, each with nbgrader imported once, grade different learners at the same time.

Why it is safe with nbgrader's SQLite gradebook: SQLite has one writer at a time, and two
sessions that read and then write can fail with "database is locked" whatever the timeout.
So the workers take turns on the gradebook (a lock file in the course folder): a worker holds
its turn for everything nbgrader does with a submission except running the kernel
(``nbgrader_hooks.while_executing``), which is where the time goes. No two sessions ever
overlap, so no write is refused and no grade is lost.

Learner code runs under the limits of ``nbgrader_hooks.GradingExecute`` (per cell, per
notebook, memory). A runaway submission is stopped, scores 0 and is reported by name, while
the others are graded.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

#: The lock file through which workers take turns on the gradebook (in the course folder).
TURN_FILE = ".gradebook.turn"
#: Where the workers' own messages go (nbgrader's warnings, the kernels' stderr), not over the progress bar.
LOG_FILE = "autograded/grade.log"


@dataclass(frozen=True)
class GradingLimits:
    """How long and how much learner code may run while graded (nbgrader_config.py's defaults when None)."""

    cell_seconds: int | None = None
    notebook_seconds: int | None = None
    memory_mb: int | None = None

    def nbgrader_options(self) -> list[str]:
        """The command-line options that set these limits for nbgrader (``--Class.trait=value``)."""
        options = []
        for name, value, trait in (
            ("cell_timeout", self.cell_seconds, "Execute.timeout"),
            ("notebook_timeout", self.notebook_seconds, "GradingExecute.notebook_timeout"),
            ("memory", self.memory_mb, "GradingExecute.memory_mb"),
        ):
            if value is not None:
                if value < 0:
                    raise ValueError(f"--{name.replace('_', '-')}: {value} < 0")
                options.append(f"--{trait}={int(value)}")
        return options


@dataclass(frozen=True)
class GradingProblem:
    """Something the trainer should know about one submission: a catalogue code and where."""

    code: str
    cell: str = ""
    count: int = 0


@dataclass(frozen=True)
class SubmissionGrade:
    """One learner's result: nbgrader's score from the gradebook, and what went wrong, if anything."""

    student: str
    score: float
    max_score: float
    graded: bool
    problems: tuple[GradingProblem, ...] = ()


@dataclass(frozen=True)
class CohortGrading:
    """The result of grading one assignment for a cohort."""

    assignment: str
    grades: tuple[SubmissionGrade, ...]
    seconds: float
    workers: int

    @property
    def with_problems(self) -> tuple[SubmissionGrade, ...]:
        return tuple(g for g in self.grades if g.problems or not g.graded)


def default_workers() -> int:
    """One worker per core, and one more: while the others' kernels run, it does nbgrader's own work
    (the gradebook, the notebook's conversion), which would otherwise leave a core idle
    (measured: 24 submissions in 60 s with 3 workers on 2 cores, 66 s with 2, 66 s with 4)."""
    return (os.cpu_count() or 1) + 1


def submissions(course: Path, assignment: str) -> tuple[str, ...]:
    """The learners who submitted ``assignment``: the folders ``submitted/<student>/<assignment>``."""
    folder = Path(course) / "submitted"
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir()))


# -- the workers -------------------------------------------------------------------------------

#: What the workers' parent process imports once, before forking them.
WORKER_PRELOAD = ("nbgrader.apps", "nbgrader.converters", "nbclient", "advocacy_lab.assignment.nbgrader_hooks",
                  "advocacy_lab.assignment.answers", "advocacy_lab.course", "advocacy_lab.trainer.grade")

_api = None  # this worker's NbGraderAPI, made once (importing nbgrader takes a second)
_turn_file = None


@contextmanager
def _turn() -> Iterator[None]:
    """This worker's turn on the gradebook: an exclusive lock on the course's turn file."""
    fcntl.flock(_turn_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(_turn_file, fcntl.LOCK_UN)


@contextmanager
def _turn_given_up() -> Iterator[None]:
    """While a learner's kernel runs, the other workers may use the gradebook."""
    fcntl.flock(_turn_file, fcntl.LOCK_UN)
    try:
        yield
    finally:
        fcntl.flock(_turn_file, fcntl.LOCK_EX)


def _start_worker(course: str, options: list[str]) -> None:
    """Load the course's nbgrader configuration once, as ``nbgrader autograde`` would."""
    import logging
    import warnings

    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.autogradeapp import AutogradeApp

    from advocacy_lab.assignment import nbgrader_hooks

    global _api, _turn_file
    os.chdir(course)  # nbgrader also reads nbgrader_config.py from the working folder
    log = Path(course) / LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as handle:  # the kernels this worker starts inherit it as their stderr
        os.dup2(handle.fileno(), 2)
    warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy warnings say nothing a trainer can act on
    app = AutogradeApp()
    app.initialize([f"--CourseDirectory.root={course}", *options])
    _api = NbGraderAPI(config=app.config)
    _api.log.setLevel(logging.INFO)  # nbgrader's log, read for the summary, and kept in LOG_FILE
    _turn_file = open(Path(course) / TURN_FILE, "a")
    nbgrader_hooks.while_executing = _turn_given_up


def _grade_in_worker(assignment: str, student: str) -> tuple[str, bool, str]:
    """Autograde one submission with nbgrader's API; (student, success, nbgrader's log)."""
    with _turn():
        result = _api.autograde(assignment, student, force=True, create=True)
    return student, bool(result.get("success")), str(result.get("log", "")) + str(result.get("error", ""))


# -- the cohort ----------------------------------------------------------------------------------


def grade_cohort(
    course: Path,
    assignment: str,
    *,
    workers: int | None = None,
    limits: GradingLimits = GradingLimits(),
    students: Sequence[str] | None = None,
    on_graded: Callable[[str], None] | None = None,
    lang: str = "en",
) -> CohortGrading:
    """Autograde every submission of ``assignment`` (or those of ``students``) with ``workers`` processes.

    ValueError naming the problem, in ``lang``, for an unknown assignment, no submissions, or a bad count.
    """
    import multiprocessing

    from advocacy_lab.core.catalogue import text
    from advocacy_lab.course import assignments

    course = Path(course).resolve()
    known = assignments(course)
    if assignment not in known:
        raise ValueError(text("trainer.release.unknown", lang, assignment=assignment, known=", ".join(known) or "-"))
    found = submissions(course, assignment)
    chosen = tuple(found if students is None else [s for s in students if s in found])
    if not chosen:
        raise ValueError(text("trainer.grade.no_submissions", lang, assignment=assignment, folder=course / "submitted"))
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(text("trainer.grade.bad_workers", lang, workers=workers))
    workers = min(workers, len(chosen))

    started = time.monotonic()
    outcomes: dict[str, tuple[bool, str]] = {}
    # forkserver: workers forked from a fresh process that has imported nbgrader and the course's
    # hooks once (each worker importing them again cost about 3 s of a core), and that holds
    # nothing of the trainer's process (threads, open files)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_PRELOAD))
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context,
        initializer=_start_worker, initargs=(str(course), limits.nbgrader_options()),
    ) as pool:
        # The gradebook is read in a worker, where nbgrader is already imported (the trainer's
        # process importing it too cost about 4 s before the first submission).
        if not pool.submit(is_released, course, assignment).result():
            raise ValueError(text("trainer.grade.not_released", lang, assignment=assignment))
        pending = {pool.submit(_grade_in_worker, assignment, student) for student in chosen}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                student, success, log = future.result()
                outcomes[student] = (success, log)
                if on_graded is not None:
                    on_graded(student)
        grades = pool.submit(_grades_of, course, assignment, {s: outcomes[s] for s in chosen}).result()
    seconds = time.monotonic() - started
    return CohortGrading(assignment=assignment, grades=grades, seconds=seconds, workers=workers)


def is_released(course: Path, assignment: str) -> bool:
    """Whether ``assignment`` is in ``course``'s gradebook (``release`` puts it there); no gradebook is made."""
    from nbgrader.api import MissingEntry

    from .gradebook import has_gradebook, open_gradebook

    if not has_gradebook(course):  # opening it would create an empty one
        return False
    with open_gradebook(course) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def _grades_of(course: Path, assignment: str, outcomes: dict[str, tuple[bool, str]]) -> tuple[SubmissionGrade, ...]:
    """Each learner's score from the gradebook (one session for all), and the problems seen in
    their graded notebooks and in nbgrader's log."""
    from nbgrader.api import MissingEntry

    from .gradebook import open_gradebook

    grades = []
    with open_gradebook(course) as gb:
        max_score = float(gb.find_assignment(assignment).max_score)
        for student, (success, log) in outcomes.items():
            problems = list(_problems_in_outputs(course / "autograded" / student / assignment))
            if not success:
                problems.append(GradingProblem(_failure_code(log)))
            try:
                score = float(gb.find_submission(assignment, student).score)
            except MissingEntry:
                score = 0.0
            grades.append(SubmissionGrade(student, score, max_score, graded=success, problems=tuple(problems)))
    return tuple(grades)


#: Error names in a graded cell's output, and what the trainer is told.
_OUTPUT_PROBLEMS = {
    "CellTimeoutError": "trainer.grade.problem.cell_timeout",
    "MemoryError": "trainer.grade.problem.memory",
}


def _problems_in_outputs(folder: Path) -> Iterator[GradingProblem]:
    import nbformat

    from advocacy_lab.assignment.nbgrader_hooks import added_code_cells

    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # a graded notebook nbgrader wrote; unreadable means the run failed
            continue
        added = added_code_cells(nb)
        if added:
            yield GradingProblem("trainer.grade.problem.added_code", path.stem, added)
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                code = _OUTPUT_PROBLEMS.get(output.get("ename", ""))
                if output.get("output_type") == "error" and code:
                    where = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or str(index + 1)
                    yield GradingProblem(code, f"{path.stem}: {where}")


def _failure_code(log: str) -> str:
    """Why nbgrader could not grade a submission, from its log, as a catalogue code."""
    if "NotebookTimeUp" in log:
        return "trainer.grade.problem.notebook_timeout"
    if "DeadKernelError" in log or "Kernel died" in log:
        return "trainer.grade.problem.kernel_died"
    if "unresponsive" in log:
        return "trainer.grade.problem.unresponsive"
    return "trainer.grade.problem.failed"


# -- the command ---------------------------------------------------------------------------------


def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import languages, text

    grade = sub.add_parser("grade", help=text("trainer.grade.help"))
    grade.add_argument("assignment", metavar="ASSIGNMENT", help=text("trainer.grade.help_assignment"))
    grade.add_argument("--workers", type=int, metavar="N", help=text("trainer.grade.help_workers"))
    grade.add_argument("--student", action="append", metavar="ID", help=text("trainer.grade.help_student"))
    grade.add_argument("--cell-timeout", type=int, metavar="SECONDS", help=text("trainer.grade.help_cell_timeout"))
    grade.add_argument("--notebook-timeout", type=int, metavar="SECONDS", help=text("trainer.grade.help_notebook_timeout"))
    grade.add_argument("--memory", type=int, metavar="MB", help=text("trainer.grade.help_memory"))
    grade.add_argument("--lang", choices=languages(), default="en", help=text("trainer.grade.help_lang"))
    grade.set_defaults(func=run)
    add_course_option(grade)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from advocacy_lab.core.catalogue import text

    lang = args.lang
    limits = GradingLimits(args.cell_timeout, args.notebook_timeout, args.memory)
    try:
        limits.nbgrader_options()
        students = submissions(args.course, args.assignment)
        chosen = [s for s in students if args.student is None or s in args.student]
        bar = tqdm(total=len(chosen), unit=text("trainer.grade.unit", lang), desc=args.assignment,
                   file=sys.stderr, disable=None)
        with bar:
            result = grade_cohort(
                args.course, args.assignment, workers=args.workers, limits=limits,
                students=args.student, on_graded=lambda student: bar.update(1), lang=lang,
            )
    except ValueError as exc:
        print(f"advocacy-lab: {exc}", file=sys.stderr)
        return 2
    except BrokenProcessPool:  # a worker itself was killed (e.g. by the system, out of memory)
        print(text("trainer.grade.worker_died", lang, log=Path(args.course) / LOG_FILE), file=sys.stderr)
        return 1
    print(summary(result, lang))
    return 0


def summary(result: CohortGrading, lang: str = "en") -> str:
    """The trainer's summary of a grading run, in ``lang``."""
    from advocacy_lab.core.catalogue import text

    grades = result.grades
    mean = sum(g.score for g in grades) / len(grades)
    top = max(g.max_score for g in grades)
    lines = [text(
        "trainer.grade.summary", lang, assignment=result.assignment, count=len(grades),
        seconds=f"{result.seconds:.0f}", workers=result.workers, mean=f"{mean:.1f}", max_score=f"{top:g}",
        full=sum(g.score == g.max_score for g in grades),
    )]
    for grade in grades:
        lines.append(f"  {grade.student}: {grade.score:g} / {grade.max_score:g}")
    problems = result.with_problems
    if problems:
        lines.append(text("trainer.grade.problems", lang, count=len(problems)))
        for grade in problems:
            for problem in grade.problems:
                lines.append("  " + text(problem.code, lang, student=grade.student, cell=problem.cell, count=problem.count))
    return "\n".join(lines)
