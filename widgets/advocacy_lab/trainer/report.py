"""``advocacy-lab report ASSIGNMENT``: the cohort report, as one HTML file with charts and as CSV.

What it shows, read from the course folder after grading (nbgrader's gradebook, the learners'
answers files in ``submitted/``, the roster):

- the distribution of scores of each graded part;
- the checks that failed most across the room: the exercise's visible checks (their
  ``AnswerProblem`` codes) and, for a post, the core checker's rules on X, Instagram and
  Facebook, re-run on each learner's answers with the same checkers the lesson and grading
  use; learners counted per check, each with one anonymised example (handles, e-mail
  addresses, phone numbers, the paths of links and the names of the roster masked, cut short);
- who has not submitted (the roster and the gradebook's students, less the submissions);
- how far manual grading has got, part by part.

The views are plain data first (:func:`build_report`, frozen dataclasses); :func:`views_html`
renders them (inline SVG charts, each with its table as the text alternative), the HTML report
and the trainer's dashboard (``dashboard.py``) both show that fragment. matplotlib draws with
its SVG backend, headless, and only when a chart is drawn.

Files, in ``<course>/reports/<assignment>/`` unless ``--output`` says otherwise:

- ``<assignment>-report.html``: the whole report, one self-contained page;
- ``<assignment>-scores.csv``: one row per participant (after a row of the maximum points), one
  column per graded part (grade id), the total of what is graded so far, and whether they
  submitted; a part not graded yet is left empty, never 0;
- ``<assignment>-checks.csv``: the checks that failed, with learners counted and the example.

The CSV files are UTF-8 with a byte order mark (spreadsheets then read Vietnamese right), and a
cell a spreadsheet would take for a formula is written as text.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Iterable

#: The exercises whose answers the report re-checks (each module names its ASSIGNMENT and VISIBLE_CHECKS).
EXERCISE_MODULES = ("advocacy_lab.assignment.campaign_message", "advocacy_lab.assignment.campaign_data")
#: The platforms a post is checked for in the report: the room's three.
POST_PLATFORMS = ("x", "instagram", "facebook")
#: Findings counted as failures: errors and warnings (tips are not failures).
FAILING_SEVERITIES = ("error", "warning")
#: How much of an example the report shows.
EXAMPLE_CHARS = 240
TEMPLATES = Path(__file__).resolve().parent / "templates"


# -- the views, as data --------------------------------------------------------------------------
@dataclass(frozen=True)
class PartScores:
    """One graded part: how many learners got each score (every whole score from 0 to the maximum)."""

    grade_id: str
    notebook: str
    part: str
    max_score: float
    manual: bool
    counts: tuple[tuple[float, int], ...]
    not_graded: int

    @property
    def graded(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class FailedCheck:
    """A check or rule that failed for some learners: how many, what it says, one anonymised example."""

    code: str
    kind: str  # "check" (the exercise's visible check) or "rule" (the post checker's rule)
    severity: str
    message: str
    learners: int
    example: str


@dataclass(frozen=True)
class Absent:
    """A participant without a submission."""

    id: str
    name: str
    organisation: str


@dataclass(frozen=True)
class ManualProgress:
    """A part graded by hand: of the answers nbgrader left for the trainer (``total``), how many have
    their grade; ``unanswered``: answers left as released, which nbgrader scores 0 itself."""

    grade_id: str
    part: str
    graded: int
    total: int
    unanswered: int


@dataclass(frozen=True)
class LearnerScores:
    """One participant's row of the scores table (``None``: not graded yet, or not submitted)."""

    id: str
    name: str
    organisation: str
    submitted: bool
    scores: tuple[float | None, ...]
    total: float | None


@dataclass(frozen=True)
class CohortReport:
    assignment: str
    lang: str
    parts: tuple[PartScores, ...]
    failed: tuple[FailedCheck, ...]
    not_submitted: tuple[Absent, ...]
    manual: tuple[ManualProgress, ...]
    learners: tuple[LearnerScores, ...]
    #: Whether the answers were re-checked (an exercise of ``EXERCISE_MODULES``); else ``failed`` is empty.
    checked: bool = True

    @property
    def submitted(self) -> int:
        return sum(1 for row in self.learners if row.submitted)

    @property
    def max_total(self) -> float:
        return sum(part.max_score for part in self.parts)


# -- anonymising an example ------------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b((?:https?://)?(?:[\w-]+\.)+[A-Za-z]{2,})(?::\d+)?[/?#][^\s<>\"']*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@…])@[\w.]+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
MASK = "…"


def anonymise(text: str, names: Iterable[str] = (), limit: int = EXAMPLE_CHARS) -> str:
    """``text`` with what could name someone masked: e-mail addresses, links' paths, @handles, phone
    numbers (8 digits or more) and each of ``names`` (ids and names of the roster); cut at ``limit``."""
    from advocacy_lab.core.text import strip_bidi_controls

    words = strip_bidi_controls(text)
    words = _EMAIL.sub(f"{MASK}@{MASK}", words)
    # A link keeps its host (which site) and the punctuation after it; its path may name someone.
    words = _URL.sub(lambda m: f"{m.group(1)}/{MASK}{re.search(r'[.,;:!?)]*$', m.group(0)).group(0)}", words)
    words = _HANDLE.sub(f"@{MASK}", words)
    words = _PHONE.sub(lambda m: MASK if sum(c.isdigit() for c in m.group(0)) >= 8 else m.group(0), words)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 3}, key=len, reverse=True):
        words = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", MASK, words, flags=re.IGNORECASE)
    words = " ".join(words.split())
    return words if len(words) <= limit else words[:limit].rstrip() + MASK


# -- reading the course --------------------------------------------------------------------------
def exercise_spec(assignment: str):
    """The module of ``assignment``'s exercise (its visible checks), or None for another assignment."""
    for name in EXERCISE_MODULES:
        module = import_module(name)
        if getattr(module, "ASSIGNMENT", None) == assignment:
            return module
    return None


def graded_assignments(course: Path) -> tuple[str, ...]:
    """The assignments the gradebook knows, by name; ``()`` without a gradebook."""
    from .gradebook import has_gradebook, open_gradebook

    if not has_gradebook(course):
        return ()
    with open_gradebook(course) as gb:
        return tuple(sorted(a.name for a in gb.assignments))


def _cell_order(course: Path, assignment: str, notebook: str) -> list[str]:
    """The grade ids of ``notebook`` in the order of its cells (the instructor's, else the release)."""
    for folder in ("solutions", "exercises", "release", "source"):
        path = Path(course) / folder / assignment / f"{notebook}.ipynb"
        if path.is_file():
            try:
                cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            except ValueError:
                continue
            return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]
    return []


def _part_name(spec: Any, grade_id: str, manual: bool, lang: str) -> str:
    from advocacy_lab.core.catalogue import localized, text

    check = getattr(spec, "VISIBLE_CHECKS", {}).get(grade_id) if spec is not None else None
    if check is not None:
        return localized(check.part, lang)
    return text("trainer.report.part.written" if manual else "trainer.report.part.other", lang)


def build_report(course: Path, assignment: str, lang: str = "en") -> CohortReport:
    """The cohort report of ``assignment`` in ``course``, in ``lang``.

    ValueError, in ``lang``, when there is no gradebook yet or it does not know the assignment.
    """
    from advocacy_lab.core.catalogue import check_language, text
    from advocacy_lab.trainer.roster import read_roster

    check_language(lang)
    course = Path(course)
    from .gradebook import has_gradebook, open_gradebook

    if not has_gradebook(course):
        raise ValueError(text("trainer.report.no_gradebook", lang, folder=course))
    from nbgrader.api import MissingEntry

    roster = read_roster(course)
    spec = exercise_spec(assignment)
    with open_gradebook(course) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "-"
            raise ValueError(text("trainer.report.unknown_assignment", lang, assignment=assignment, known=known)) from None
        cells = []  # (notebook, grade cell name, max score, cell type)
        for notebook in sorted(found.notebooks, key=lambda nb: nb.name):
            order = _cell_order(course, assignment, notebook.name)
            rank = {name: i for i, name in enumerate(order) if name}
            for cell in sorted(notebook.grade_cells, key=lambda c: (rank.get(c.name, len(rank)), c.name)):
                cells.append((notebook.name, cell.name, float(cell.max_score), cell.cell_type))
        grades: dict[str, dict[tuple[str, str], Any]] = {}
        for submission in gb.assignment_submissions(assignment):
            grades[submission.student_id] = {
                (nb.name, g.name): (g.score, g.auto_score, g.needs_manual_grade)
                for nb in submission.notebooks for g in nb.grades
            }
        gradebook_students = {s.id: " ".join(p for p in (s.first_name, s.last_name) if p) for s in gb.students}

    # Everyone: the roster in its order, then the gradebook's other students.
    people: dict[str, tuple[str, str]] = {p.id: (p.name, p.organisation) for p in roster}
    for student_id in sorted(set(gradebook_students) | set(grades)):
        people.setdefault(student_id, (gradebook_students.get(student_id, ""), ""))

    parts, manual = [], []
    for notebook, grade_id, max_score, cell_type in cells:
        given = [grades[s].get((notebook, grade_id)) for s in grades]
        given = [g for g in given if g is not None]
        is_manual = cell_type == "markdown" or any(auto is None for _, auto, _ in given)
        name = _part_name(spec, grade_id, is_manual, lang)
        scored = Counter(float(score) for score, _, waiting in given if score is not None and not waiting)
        steps = [float(s) for s in range(int(max_score) + 1)] if max_score == int(max_score) else []
        counts = tuple((score, scored.get(score, 0)) for score in sorted(set(steps) | set(scored)))
        not_graded = sum(1 for score, _, waiting in given if score is None or waiting)
        parts.append(PartScores(grade_id, notebook, name, max_score, is_manual, counts, not_graded))
        if is_manual:
            # nbgrader leaves an answer to the trainer without an auto score; one left as released it scores 0.
            for_trainer = [waiting for _, auto, waiting in given if auto is None]
            manual.append(ManualProgress(grade_id, name, for_trainer.count(False), len(for_trainer),
                                         len(given) - len(for_trainer)))

    learners = []
    for student_id, (name, organisation) in people.items():
        mine = grades.get(student_id)
        scores: list[float | None] = []
        for notebook, grade_id, _, _ in cells:
            g = mine.get((notebook, grade_id)) if mine is not None else None
            scores.append(None if g is None or g[0] is None or g[2] else float(g[0]))
        total = sum(s for s in scores if s is not None) if mine is not None else None
        learners.append(LearnerScores(student_id, name, organisation, mine is not None, tuple(scores), total))
    not_submitted = tuple(Absent(row.id, row.name, row.organisation) for row in learners if not row.submitted)

    names = [n for p, (n, _) in people.items() for n in (p, n)]
    notebooks = sorted({nb for nb, _, _, _ in cells})
    failed = failed_checks(course, assignment, notebooks, sorted(grades), spec, lang, names)
    return CohortReport(assignment, lang, tuple(parts), failed, not_submitted, tuple(manual), tuple(learners),
                        checked=spec is not None)


# -- the checks that failed ---------------------------------------------------------------------
def _answers_file(course: Path, student: str, assignment: str, notebook: str) -> Path:
    from advocacy_lab.assignment.answers import answers_file_name

    name = answers_file_name(notebook)
    submitted = Path(course) / "submitted" / student / assignment / name
    return submitted if submitted.exists() else Path(course) / "autograded" / student / assignment / name


def _shown(values: dict[str, Any]) -> str:
    return "; ".join(f"{value}" for value in values.values())


def learner_failures(answers_path: Path, spec: Any, lang: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    """What failed for one learner: (kind, code) -> (severity, message in ``lang``, the answer it was about).

    The exercise's visible checks (``VISIBLE_CHECKS``, run as grading runs them) and, for a post,
    the post checker's errors and warnings on each platform of ``POST_PLATFORMS``.
    """
    from advocacy_lab.assignment.answers import AnswerProblem, Answers

    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    try:
        answers = Answers.read(answers_path)
    except AnswerProblem as problem:
        found[("check", problem.code)] = ("error", problem.in_language(lang), "")
        return found
    for check in getattr(spec, "VISIBLE_CHECKS", {}).values():
        values: dict[str, Any] = {}
        try:
            values = check.read(answers)
            check.check(values)
        except AnswerProblem as problem:
            shown = _shown(values) if values else str(problem.values.get("answer", ""))
            found.setdefault(("check", problem.code), ("error", problem.in_language(lang), shown))
    post_key = getattr(spec, "POST_KEY", None)
    if post_key is not None:
        try:
            post = answers.text(post_key, spec.PART_POST, "post", spec.PART_POST)
        except AnswerProblem:
            post = None  # not answered: the visible checks have said so
        if post is not None:
            from advocacy_lab.checks import check_post

            for platform in POST_PLATFORMS:
                for finding in check_post(post, platform, lang=lang).findings:
                    if finding.severity in FAILING_SEVERITIES:
                        found.setdefault(("rule", finding.rule_id), (finding.severity, finding.message, post))
    return found


def failed_checks(course: Path, assignment: str, notebooks: list[str], students: list[str], spec: Any,
                  lang: str, names: Iterable[str]) -> tuple[FailedCheck, ...]:
    """Every check that failed for someone, most learners first, each with one anonymised example."""
    if spec is None:
        return ()
    names = list(names)
    counted: Counter = Counter()
    first: dict[tuple[str, str], tuple[str, str, str]] = {}
    for student in students:  # sorted: the example is the same on every run
        mine: dict[tuple[str, str], tuple[str, str, str]] = {}
        for notebook in notebooks:
            if notebook != getattr(spec, "NOTEBOOK", notebook):
                continue
            for key, value in learner_failures(_answers_file(course, student, assignment, notebook), spec, lang).items():
                mine.setdefault(key, value)
        counted.update(mine.keys())
        for key, value in mine.items():
            first.setdefault(key, value)
    severity_rank = {"error": 0, "warning": 1}
    ordered = sorted(counted, key=lambda k: (-counted[k], severity_rank.get(first[k][0], 2), k[0], k[1]))
    return tuple(
        FailedCheck(code, kind, first[(kind, code)][0], anonymise(first[(kind, code)][1], names, limit=400),
                    counted[(kind, code)], anonymise(first[(kind, code)][2], names))
        for kind, code in ordered
    )


# -- HTML ----------------------------------------------------------------------------------------
def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _svg(draw: Callable[[Any], None], salt: str, size: tuple[float, float]) -> str:
    """A chart as inline SVG markup, drawn by ``draw(axes)`` on matplotlib's SVG backend (no display)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.size": 9}):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure.subplots())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg"):]
    # Scaled to the page (the figure's own size in pt would overflow a phone); the table beside it is the
    # text alternative, so the drawing itself is hidden from screen readers.
    markup = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="al-report-svg" aria-hidden="true" focusable="false"', markup, count=1)
    return markup


def part_chart(part: PartScores, lang: str) -> str:
    from advocacy_lab.core.catalogue import text

    def draw(ax) -> None:
        labels = [_number(score) for score, _ in part.counts]
        ax.bar(labels, [n for _, n in part.counts], color="#2f6f9f")
        ax.set_xlabel(text("trainer.report.score", lang))
        ax.set_ylabel(text("trainer.report.learners", lang))
        ax.yaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    return _svg(draw, f"part-{part.grade_id}", (3.6, 2.0))


def failed_chart(failed: tuple[FailedCheck, ...]) -> str:
    shown = failed[:8][::-1]

    def draw(ax) -> None:
        ax.barh([f.code for f in shown], [f.learners for f in shown], color="#b3541e")
        ax.xaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    return _svg(draw, "failed", (4.2, 0.5 + 0.3 * len(shown)))


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    return env


def views_html(report: CohortReport, *, charts: bool = True) -> str:
    """The report's views as an HTML fragment (headings, charts with their tables), for a page or a widget."""
    from markupsafe import Markup

    from advocacy_lab.core.catalogue import text

    lang = report.lang

    def t(key: str, **values: Any) -> str:
        return text(f"trainer.report.{key}", lang, **values)

    return _environment().get_template("report_views.html.j2").render(
        report=report, t=t,
        part_charts={p.grade_id: Markup(part_chart(p, lang)) for p in report.parts} if charts else {},
        failed_svg=Markup(failed_chart(report.failed)) if charts and report.failed else "",
    )


def styles() -> str:
    """The report's own compact style sheet (the page has no other)."""
    return (TEMPLATES / "report_style.css.j2").read_text(encoding="utf-8")


def report_html(report: CohortReport) -> str:
    """The whole report: one self-contained HTML page (no script, no file beside it)."""
    from markupsafe import Markup

    from advocacy_lab.core.catalogue import text

    return _environment().get_template("report.html.j2").render(
        lang=report.lang, title=text("trainer.report.title", report.lang, assignment=report.assignment),
        sheet=Markup(styles()), views=Markup(views_html(report)),
    )


# -- CSV -----------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    """A cell as text; one a spreadsheet would run as a formula starts with an apostrophe."""
    words = "" if value is None else str(value)
    return "'" + words if words[:1] in ("=", "+", "-", "@", "\t", "\r") else words


def scores_csv(report: CohortReport) -> str:
    from advocacy_lab.core.catalogue import text

    lang = report.lang
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    head = [text(f"trainer.report.csv.{k}", lang) for k in ("id", "name", "organisation", "submitted")]
    writer.writerow(head + [p.grade_id for p in report.parts] + [text("trainer.report.csv.total", lang)])
    writer.writerow([text("trainer.report.csv.max", lang), "", "", ""] + [_number(p.max_score) for p in report.parts]
                    + [_number(report.max_total)])
    yes, no = text("trainer.report.csv.yes", lang), text("trainer.report.csv.no", lang)
    for row in report.learners:
        writer.writerow([_cell(row.id), _cell(row.name), _cell(row.organisation), yes if row.submitted else no]
                        + [_number(s) for s in row.scores] + [_number(row.total)])
    return out.getvalue()


def checks_csv(report: CohortReport) -> str:
    from advocacy_lab.core.catalogue import text

    lang = report.lang
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text(f"trainer.report.csv.{k}", lang) for k in ("code", "kind", "severity", "learners", "message", "example")])
    for f in report.failed:
        writer.writerow([f.code, text(f"trainer.report.kind.{f.kind}", lang), text(f"trainer.report.severity.{f.severity}", lang),
                         f.learners, _cell(f.message), _cell(f.example)])
    return out.getvalue()


def write_report(report: CohortReport, folder: Path) -> dict[str, Path]:
    """The HTML page and the two CSV files in ``folder`` (made if needed); returns them by kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "html": (folder / f"{report.assignment}-report.html", report_html(report), "utf-8"),
        "scores": (folder / f"{report.assignment}-scores.csv", scores_csv(report), "utf-8-sig"),
        "checks": (folder / f"{report.assignment}-checks.csv", checks_csv(report), "utf-8-sig"),
    }
    for path, content, encoding in files.values():
        with open(path, "w", encoding=encoding, newline="") as handle:
            handle.write(content)
    return {kind: path for kind, (path, _, _) in files.items()}


# -- the command ---------------------------------------------------------------------------------
def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import languages, text

    report = sub.add_parser("report", help=text("trainer.report.help"))
    report.add_argument("assignment", metavar="ASSIGNMENT", help=text("trainer.report.help_assignment"))
    report.add_argument("--lang", choices=languages(), default="en", help=text("trainer.report.help_lang"))
    report.add_argument("--output", metavar="DIR", help=text("trainer.report.help_output"))
    report.set_defaults(func=run)
    add_course_option(report)


def run(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text

    course: Path = args.course
    try:
        report = build_report(course, args.assignment, args.lang)
    except ValueError as exc:
        print(f"advocacy-lab: {exc}", file=sys.stderr)
        return 2
    folder = Path(args.output).expanduser().resolve() if args.output else course / "reports" / args.assignment
    try:
        files = write_report(report, folder)
    except OSError as exc:
        print(f"advocacy-lab: {text('trainer.report.cannot_write', args.lang, folder=folder, reason=exc.strerror or exc)}",
              file=sys.stderr)
        return 1
    print(text("trainer.report.written", args.lang, assignment=args.assignment, submitted=report.submitted,
               participants=len(report.learners), folder=folder))
    for path in files.values():
        print(f"  {path}")
    return 0
