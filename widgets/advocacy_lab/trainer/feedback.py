"""``advocacy-lab feedback ASSIGNMENT``: each learner's feedback, as a web page in the learner's language.

Made from nbgrader's gradebook after autograding (``nbgrader autograde`` or ``advocacy-lab grade``),
not from the autograded notebook: nbgrader's own ``generate_feedback`` renders that notebook, so it
shows "0.0 / 6.0" for a part the trainer has not read yet, speaks English only and carries Python's
error text. Here each graded part says, in the learner's language (``roster.language_of``):

- its score, or "not graded yet" for a part the trainer grades by hand and has not graded (never 0);
- the learner's own answers, as text (escaped by the template: a post may hold ``<b>``, ``&``, emoji, RTL);
- for each autograded check, passed or not; when not, the reason the visible check gives (the same
  ``VisibleCheck`` the test cell and the self-check run, re-run here on the submitted answers), the
  lesson's checker's own findings where the part is a post, and the check's plain-language hint.
  A hidden test is only said to have not passed: its code never reaches the page;
- the trainer's comments, as text.

The page goes where ``generate_feedback`` writes (``feedback/<student>/<assignment>/<notebook>.html``,
beside the submission's ``timestamp.txt`` and ``submission_secret.txt``), so nbgrader's own
``release_feedback`` and ``fetch_feedback`` carry it to the learner.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

#: What ``release_feedback`` reads beside each page (written by nbgrader's submit, kept by collect and autograde).
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")
TEMPLATE = "feedback.html.j2"


def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import text

    feedback = sub.add_parser("feedback", help=text("trainer.feedback.help"))
    feedback.add_argument("assignment", metavar="ASSIGNMENT", help=text("trainer.feedback.help_assignment"))
    feedback.set_defaults(func=run)
    add_course_option(feedback)


# -- what one page says ------------------------------------------------------------------
@dataclass(frozen=True)
class ShownAnswer:
    """One of the learner's answers, named as the exercise named it, in words (never markup)."""

    label: str
    words: str


@dataclass(frozen=True)
class CheckResult:
    """One graded cell of a part: an autograded check, or the written answer the trainer grades."""

    grade_id: str
    name: str
    score: float | None  # None: not graded yet
    max_score: float
    written: bool
    reason: str = ""  # why the visible check did not pass, in the learner's words
    further: bool = False  # a check the learner cannot see did not pass (said, never shown)
    hint: str = ""
    advice: tuple[str, ...] = ()  # the lesson checker's findings, where the part is a post
    comment: str = ""  # the trainer's

    @property
    def graded(self) -> bool:
        return self.score is not None

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.max_score


@dataclass(frozen=True)
class PartFeedback:
    """One part of the exercise, as the learner knows it: their answers and its checks."""

    title: str
    answers: tuple[ShownAnswer, ...]
    checks: tuple[CheckResult, ...]

    @property
    def graded(self) -> bool:
        return all(check.graded for check in self.checks)

    @property
    def score(self) -> float:
        return sum(check.score or 0 for check in self.checks)

    @property
    def max_score(self) -> float:
        return sum(check.max_score for check in self.checks)


@dataclass(frozen=True)
class LearnerFeedback:
    """One learner's feedback on one notebook of an assignment."""

    student: str
    lang: str
    assignment: str
    notebook: str
    parts: tuple[PartFeedback, ...]
    #: Why the answers file could not be read (said once, above the parts), "" when it was read.
    answers_problem: str = ""

    @property
    def complete(self) -> bool:
        return all(part.graded for part in self.parts)

    @property
    def score(self) -> float:
        return sum(part.score for part in self.parts)

    @property
    def max_score(self) -> float:
        return sum(part.max_score for part in self.parts)


# -- the exercises ----------------------------------------------------------------------
def exercise_spec(assignment: str) -> ModuleType | None:
    """The module describing ``assignment``'s checks (``assignment/<package>.py``), None when it has none."""
    from importlib import import_module

    for name in ("campaign_message", "campaign_data"):
        module = import_module(f"advocacy_lab.assignment.{name}")
        if module.ASSIGNMENT == assignment:
            return module
    return None


def _score(grade: Any) -> float | None:
    """The grade's score; None while a part the trainer grades is not graded (nbgrader would say 0)."""
    if grade.manual_score is not None:
        score = float(grade.manual_score)
    elif grade.needs_manual_grade or grade.auto_score is None:
        return None
    else:
        score = float(grade.auto_score)
    return score + float(grade.extra_credit or 0)


def graded_cells_in_order(notebook_file: Path) -> tuple[tuple[str, str], ...]:
    """(grade_id, cell source) of each graded cell of the learner's autograded notebook, in notebook order."""
    import nbformat

    nb = nbformat.read(notebook_file, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id"):
            cells.append((str(meta["grade_id"]), str(cell.source)))
    return tuple(cells)


def released_sources(course: Path, assignment: str, notebook: str) -> dict[str, str]:
    """grade_id -> the cell as released (a written answer still equal to it was not answered)."""
    path = course / "exercises" / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    return dict(graded_cells_in_order(path))


def _read_answers(folder: Path, notebook: str):
    """The learner's answers file, or the ``AnswerProblem`` that says why it cannot be read."""
    from advocacy_lab.assignment.answers import AnswerProblem, Answers, answers_path

    try:
        return Answers.read(answers_path(notebook, folder)), None
    except AnswerProblem as problem:
        return None, problem


def _autograded_check(
    spec: ModuleType, grade_id: str, score: float | None, max_score: float, answers: Any, unread: Any, lang: str
) -> tuple[CheckResult, dict[str, Any]]:
    """An autograded check, its visible check re-run in-process on the submitted answers for its reason."""
    from advocacy_lab.assignment.answers import AnswerProblem
    from advocacy_lab.core.catalogue import localized, text

    check = spec.VISIBLE_CHECKS[grade_id]
    values: dict[str, Any] = {}
    problem = None  # an unreadable answers file (``unread``) is said once for the page, not per check
    if answers is not None:
        try:
            values = check.read(answers)
            check.check(values)
        except AnswerProblem as found:
            problem = found
        except ValueError:
            problem = None  # the case data could not be read here; the gradebook's score stands alone
    passed = score is not None and score >= max_score
    result = CheckResult(
        grade_id=grade_id,
        name=text(f"assignment.self_check.check.{grade_id}", lang),
        score=score,
        max_score=max_score,
        written=False,
    )
    if not passed and score is not None:
        advise = getattr(spec, "advice", None)
        result = replace(
            result,
            reason=problem.in_language(lang) if problem is not None else "",
            further=problem is None and unread is None,
            hint=localized(spec.HINTS[grade_id], lang) if grade_id in getattr(spec, "HINTS", {}) else "",
            advice=tuple(advise(values, lang)) if advise and values else (),
        )
    return result, values


def learner_feedback(
    course: Path, gradebook: Any, assignment: str, notebook: str, student: str, lang: str
) -> LearnerFeedback:
    """What ``student``'s page for ``notebook`` says, from the gradebook and their submission."""
    from advocacy_lab.core.catalogue import localized, text

    from advocacy_lab.assignment.answers import answers_path, shown_answer

    spec = exercise_spec(assignment)
    submitted = gradebook.find_submission_notebook(notebook, assignment, student)
    grades = {grade.name: grade for grade in submitted.grades}
    comments = {comment.name: (comment.manual_comment or "").strip() for comment in submitted.comments}
    autograded = course / "autograded" / student / assignment
    order = graded_cells_in_order(autograded / f"{notebook}.ipynb")
    released = released_sources(course, assignment, notebook)
    # The answers autograde graded (its copy is never overwritten: nbgrader_config.py), else the submitted ones.
    folder = autograded if answers_path(notebook, autograded).is_file() else course / "submitted" / student / assignment
    answers, unread = _read_answers(folder, notebook)
    visible = getattr(spec, "VISIBLE_CHECKS", {})
    written_parts = getattr(spec, "WRITTEN_PARTS", {})
    labels = getattr(spec, "ANSWER_LABELS", {})
    words = getattr(spec, "answer_words", lambda name, value, lang: shown_answer(value))

    parts: list[tuple[str, list[ShownAnswer], list[CheckResult]]] = []
    # A graded cell missing from the notebook (nbgrader scored it all the same) comes last, never dropped.
    seen = {grade_id for grade_id, _ in order}
    order = (*order, *((name, "") for name in grades if name not in seen))
    for grade_id, source in order:
        grade = grades.get(grade_id)
        if grade is None:
            continue
        score, max_score = _score(grade), float(grade.max_score)
        if grade_id in visible:
            result, values = _autograded_check(spec, grade_id, score, max_score, answers, unread, lang)
            title = localized(visible[grade_id].part, lang)
            shown = [
                ShownAnswer(localized(labels[name], lang) if name in labels else name, words(name, value, lang))
                for name, value in values.items()
            ]
        elif grade.cell_type == "code":  # a test cell of an exercise without visible checks: its score alone
            passed = score is not None and score >= max_score
            result = CheckResult(grade_id, grade_id, score, max_score, written=False, further=not passed and score is not None)
            title, shown = grade_id, []
        else:
            answered = source.strip() and source != released.get(grade_id)
            result = CheckResult(grade_id, text("trainer.feedback.written", lang), score, max_score, written=True)
            title = localized(written_parts[grade_id], lang) if grade_id in written_parts else grade_id
            shown = [ShownAnswer(text("trainer.feedback.your_text", lang), shown_answer(source) if answered else "")]
        result = replace(result, comment=comments.get(grade_id, ""))
        if parts and parts[-1][0] == title:
            parts[-1][2].append(result)
            parts[-1][1].extend(a for a in shown if a not in parts[-1][1])
        else:
            parts.append((title, shown, [result]))
    return LearnerFeedback(
        student=student, lang=lang, assignment=assignment, notebook=notebook,
        parts=tuple(PartFeedback(title, tuple(shown), tuple(checks)) for title, shown, checks in parts),
        answers_problem=unread.in_language(lang) if unread is not None and visible else "",
    )


# -- the page ----------------------------------------------------------------------------
def number(value: float, lang: str) -> str:
    """A score as the learner's language writes it: 2, 1.5 / 1,5."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.##", locale=lang)


def exercise_title(assignment: str, lang: str) -> str:
    """The exercise as the course names it (its module's title: the graded exercise of module 04 is
    ``campaign-message``, the module's id); the assignment's folder name otherwise."""
    from advocacy_lab.core.catalogue import catalogue

    return catalogue(lang).get(f"course.module.{assignment}.title", assignment)


def render(feedback: LearnerFeedback, name: str = "") -> str:
    """The feedback page: one HTML file, its own small stylesheet, no script; everything learner-given escaped."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from advocacy_lab.core.catalogue import text

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        autoescape=True,  # learner text is data, never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    lang = feedback.lang
    return env.get_template(TEMPLATE).render(
        feedback=feedback,
        title=exercise_title(feedback.assignment, lang),
        name=name or feedback.student,
        lang=lang,
        t=lambda key, **values: text(f"trainer.feedback.{key}", lang, **values),
        n=lambda value: number(value, lang),
    )


# -- the command -------------------------------------------------------------------------
@dataclass(frozen=True)
class Written:
    """A page written; ``by_hand`` when the submission did not come through nbgrader's exchange."""

    student: str
    lang: str
    file: Path
    by_hand: bool = False


def release_command(assignment: str, written: list[Written]) -> str:
    """nbgrader's ``release_feedback`` for the pages written. A submission put in submitted/ by hand has no
    exchange secret, and release_feedback stops at the first such page: those learners are left out."""
    by_hand = sorted({page.student for page in written if page.by_hand})
    command = f"nbgrader release_feedback {assignment}"
    return command + (f" --CourseDirectory.student_id_exclude={','.join(by_hand)}" if by_hand else "")


def write_feedback(course: Path, assignment: str) -> tuple[list[Written], list[tuple[str, str]]]:
    """Every learner's page for ``assignment``; returns (pages written, (student, reason) skipped).

    ValueError with the trainer's sentence when there is no gradebook or it has no such assignment.
    """
    from nbgrader.api import MissingEntry

    from advocacy_lab.core.catalogue import text
    from advocacy_lab.trainer.gradebook import has_gradebook, open_gradebook
    from advocacy_lab.trainer.roster import language_of, read_roster

    if not has_gradebook(course):
        raise ValueError(text("trainer.feedback.no_gradebook", folder=course, assignment=assignment))
    roster = read_roster(course)
    names = {p.id: p.name for p in roster}
    written: list[Written] = []
    skipped: list[tuple[str, str]] = []
    with open_gradebook(course) as gradebook:
        known = sorted(a.name for a in gradebook.assignments)
        if assignment not in known:
            raise ValueError(text("trainer.feedback.unknown", assignment=assignment, known=", ".join(known) or "-"))
        students = sorted({s.id for s in gradebook.students} | set(names))
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                skipped.append((student, text("trainer.feedback.no_submission", assignment=assignment)))
                continue
            autograded = course / "autograded" / student / assignment
            lang = language_of(course, student)
            notebooks = [nb.name for nb in submission.notebooks]
            missing = [nb for nb in notebooks if not (autograded / f"{nb}.ipynb").is_file()]
            if not notebooks or missing:
                skipped.append((student, text("trainer.feedback.not_autograded", assignment=assignment)))
                continue
            out = course / "feedback" / student / assignment
            out.mkdir(parents=True, exist_ok=True)
            by_hand = False
            for name in SUBMISSION_FILES:  # what release_feedback reads beside the page
                if (autograded / name).is_file():
                    shutil.copyfile(autograded / name, out / name)
                else:
                    by_hand = True
            for nb in notebooks:
                page = render(learner_feedback(course, gradebook, assignment, nb, student, lang), names.get(student, ""))
                target = out / f"{nb}.html"
                target.write_text(page, encoding="utf-8")
                written.append(Written(student, lang, target, by_hand))
    return written, skipped


def run(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text

    course: Path = args.course
    try:
        written, skipped = write_feedback(course, args.assignment)
    except ValueError as exc:
        print(f"advocacy-lab: {exc}", file=sys.stderr)
        return 2
    for page in written:
        print(text("trainer.feedback.wrote", student=page.student, language=page.lang, file=page.file))
    for student, reason in skipped:
        print(text("trainer.feedback.skipped", student=student, reason=reason))
    print(text("trainer.feedback.done", count=len(written), learners=len({p.student for p in written}),
               skipped=len(skipped)))
    by_hand = sorted({page.student for page in written if page.by_hand})
    if by_hand:
        print(text("trainer.feedback.by_hand", students=", ".join(by_hand)))
    if any(not page.by_hand for page in written):
        print(text("trainer.feedback.release", command=release_command(args.assignment, written)))
    return 0 if written else 1
