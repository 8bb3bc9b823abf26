"""Where a learner is in the course: each module not started, started, finished or coming soon.

Pure: plain functions over the learner's drafts (``{draft key: saved value}``)
and the course's modules (``advocacy_lab.core.course.CourseModule``). What
counts as *started* and *finished* is derived from the drafts each module
declares (``advocacy_lab.core.schema``) into a ``ProgressRule``:

- ``drafts``: the drafts the module keeps. For each, ``started_by`` names the
  fields where any learner text (not blank) means the module is *started*;
  ``required`` names the text fields that must all be filled for it to be
  *finished*, ``chosen`` the list fields (e.g. platforms) that need at least
  one choice; ``answered`` names quiz questions (from the module's quiz file):
  any of them answered in the draft's ``"answers"`` means *started*, all of
  them answered is needed for *finished*.
- ``plan_complete``: finished also needs the campaign plan to have nothing
  left under "Still to do" (``advocacy_lab.core.plan.build_plan``).

The same rule in plain language, for the learner, is the catalogue's
``course.module.<id>.finished_when``.

Progress only reads the drafts: a malformed draft counts as no input, never
raises, and is never changed, so no learner work is lost by looking at it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping

from advocacy_lab.core.catalogue import REFERENCE, text

if TYPE_CHECKING:
    from advocacy_lab.core.course import CourseModule

log = logging.getLogger(__name__)

Status = Literal["not started", "started", "finished", "coming soon"]
STATUSES: tuple[Status, ...] = ("not started", "started", "finished", "coming soon")



def status_label(status: str, lang: str = REFERENCE) -> str:
    """How a status reads on the page, in words (never colour alone): "✓ Finished", ..."""
    return text(f"progress.status.{status}", lang)


#: Each status in English (``status_label`` for another language).
STATUS_LABELS: dict[str, str] = {status: status_label(status) for status in STATUSES}


@dataclass(frozen=True)
class DraftRule:
    """What one of a module's drafts contributes to its progress."""

    key: str
    started_by: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    chosen: tuple[str, ...] = ()  # list fields (e.g. platforms) where finishing needs a choice
    answered: tuple[str, ...] = ()  # quiz question ids the draft's "answers" must answer

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip():
            raise ValueError("a progress draft rule needs the draft key it reads")
        for name in ("started_by", "required", "chosen", "answered"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
                raise ValueError(f"progress rule for draft {self.key!r}: {name} must be a list of field names")
            object.__setattr__(self, name, tuple(value))


@dataclass(frozen=True)
class ProgressRule:
    """When a module counts as started and finished (see the module docstring)."""

    drafts: tuple[DraftRule, ...] = ()
    plan_complete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "drafts", tuple(self.drafts))
        if not self.drafts:
            raise ValueError("a progress rule needs at least one draft: nothing else shows a learner started")
        if not any(d.required or d.chosen or d.answered for d in self.drafts) and not self.plan_complete:
            raise ValueError(
                "a progress rule needs something to finish: required or chosen fields, answers or plan_complete"
            )


@dataclass(frozen=True)
class ModuleProgress:
    """One module and where the learner is in it."""

    module_id: str
    title: str
    notebook: str
    status: Status

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")

    @property
    def label(self) -> str:
        """The status as the learner reads it, in English ("✓ Finished", "Started", ...)."""
        return status_label(self.status)

    def label_in(self, lang: str) -> str:
        return status_label(self.status, lang)


def has_input(value: Any) -> bool:
    """True when a text field holds text the learner entered (not blank).

    Anything else (a number, a list, ``None``) is a malformed text field and
    counts as no input.
    """
    return isinstance(value, str) and bool(value.strip())


def has_choice(value: Any) -> bool:
    """True when a list field (e.g. the platforms picked) holds at least one choice."""
    return isinstance(value, (list, tuple)) and any(has_input(v) for v in value)


def answer_given(value: Any) -> bool:
    """True when a quiz answer is a chosen choice: its index (0, 1, ...) or its text."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and bool(value.strip())


def _answers(draft: Mapping[str, Any]) -> Mapping[str, Any]:
    answers = draft.get("answers")
    return answers if isinstance(answers, Mapping) else {}


def _draft(drafts: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = drafts.get(key)
    return value if isinstance(value, Mapping) else {}


def _plan_complete(drafts: Mapping[str, Any]) -> bool:
    from advocacy_lab.core.plan import build_plan  # only modules that ask for it pay for it

    try:
        return build_plan(drafts).complete
    except Exception:  # noqa: BLE001 - a damaged draft means "not finished", never a crash
        log.warning("could not build the campaign plan to see whether it is complete", exc_info=True)
        return False


def status_of(rule: ProgressRule, drafts: Mapping[str, Any]) -> Status:
    """Where the learner is in a module with this rule: not started, started or finished."""
    finished = all(
        all(has_input(_draft(drafts, d.key).get(f)) for f in d.required)
        and all(has_choice(_draft(drafts, d.key).get(f)) for f in d.chosen)
        and all(answer_given(_answers(_draft(drafts, d.key)).get(q)) for q in d.answered)
        for d in rule.drafts
    )
    if finished and rule.plan_complete:
        finished = _plan_complete(drafts)
    if finished:
        return "finished"
    started = any(
        any(has_input(_draft(drafts, d.key).get(f)) for f in d.started_by)
        or any(answer_given(_answers(_draft(drafts, d.key)).get(q)) for q in d.answered)
        for d in rule.drafts
    )
    return "started" if started else "not started"


def module_progress(modules: Iterable["CourseModule"], drafts: Any) -> tuple[ModuleProgress, ...]:
    """Each module's status, in the order given, from the learner's drafts.

    ``drafts`` maps a draft key to its saved value; anything malformed (not a
    mapping, a draft that is not a dict, fields of the wrong type) counts as no
    input. An available module without a progress rule stays "not started".
    """
    safe = drafts if isinstance(drafts, Mapping) else {}
    result = []
    for module in modules:
        if not module.available:
            status: Status = "coming soon"
        elif module.progress is None:
            status = "not started"
        else:
            status = status_of(module.progress, safe)
        result.append(ModuleProgress(module.id, module.title, module.notebook, status))
    return tuple(result)
