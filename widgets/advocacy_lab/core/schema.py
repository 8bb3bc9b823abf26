"""What a module keeps: its drafts and their fields, declared once.

A module (``advocacy_lab/modules/<package>/``) declares each draft it keeps as
a ``DraftSchema``: the draft key and its fields. Everything else is derived
from that one declaration:

- the progress rule (``DraftSchema.progress_rule``): which fields start the
  module, which must be filled (or, for a list field, chosen) to finish it;
- the plan section's draft keys (``PlanPart``);
- the widgets' default ``draft_key`` and their ``_add_field`` declarations,
  each with the catalogue key of its label (so a page can relabel itself in
  another language).

``ModuleParts`` gathers what one module owns, as the course outline
(``advocacy_lab.core.course``) finds it. Pure: no GUI import.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

from advocacy_lab.core.drafts import validate_key
from advocacy_lab.core.progress import DraftRule, ProgressRule

#: "text": learner text (a str); "choices": a list of picked ids (e.g. platforms);
#: "answers": quiz answers, ``{question id: choice}``.
FieldKind = Literal["text", "choices", "answers"]
FIELD_KINDS: tuple[str, ...] = ("text", "choices", "answers")


@dataclass(frozen=True)
class DraftField:
    """One field of a draft.

    ``required``: finishing the module needs it (text filled, at least one
    choice, or every quiz question answered). ``starts_progress``: any input
    in it shows the module as started. ``label``: the catalogue key of the
    field's label.
    """

    name: str
    kind: FieldKind = "text"
    required: bool = False
    starts_progress: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "." in self.name or "/" in self.name:
            raise ValueError(f"a draft field needs a plain name (no '.' or '/'), not {self.name!r}")
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"draft field {self.name!r}: kind must be one of {', '.join(FIELD_KINDS)}, not {self.kind!r}")

    @property
    def chosen(self) -> bool:
        """True for a list field where finishing needs at least one choice."""
        return self.kind == "choices" and self.required


@dataclass(frozen=True)
class DraftSchema:
    """A draft a module keeps: its key (``<module id>/<exercise>``) and its fields.

    ``quiz``: the name of the module's quiz whose questions the ``answers``
    field answers (``advocacy_lab.core.quiz.load_quiz``), if any. ``title``:
    the catalogue key of how the learner knows this piece of work (the drafts
    keeper names it so).
    """

    key: str
    fields: tuple[DraftField, ...]
    quiz: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        validate_key(self.key)
        object.__setattr__(self, "fields", tuple(self.fields))
        names = [f.name for f in self.fields]
        if not names:
            raise ValueError(f"draft {self.key!r} declares no fields")
        if len(set(names)) != len(names):
            raise ValueError(f"draft {self.key!r} declares a field twice: {names}")
        if any(f.kind == "answers" for f in self.fields) and not self.quiz:
            raise ValueError(f"draft {self.key!r} has an answers field, so it needs the name of its quiz")

    @property
    def module_id(self) -> str:
        """The module the draft belongs to: the key's part before "/"."""
        return self.key.split("/", 1)[0]

    def field(self, name: str) -> DraftField:
        for f in self.fields:
            if f.name == name:
                return f
        raise ValueError(f"draft {self.key!r} has no field {name!r}; its fields are {[f.name for f in self.fields]}")

    def of_kind(self, kind: FieldKind) -> tuple[DraftField, ...]:
        return tuple(f for f in self.fields if f.kind == kind)

    def progress_rule(self, question_ids: tuple[str, ...] = ()) -> DraftRule:
        """What this draft contributes to its module's progress.

        ``question_ids``: the ids of the quiz's questions (for an answers field).
        """
        answers = self.of_kind("answers")
        return DraftRule(
            key=self.key,
            started_by=tuple(f.name for f in self.fields if f.starts_progress and f.kind != "answers"),
            required=tuple(f.name for f in self.of_kind("text") if f.required),
            chosen=tuple(f.name for f in self.of_kind("choices") if f.required),
            answered=tuple(question_ids) if answers else (),
        )


SectionBuilder = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class PlanPart:
    """A module's part of the take-home plan: the declared section it fills, and how.

    ``build(drafts)`` is pure and returns ``advocacy_lab.core.plan.SectionContent``
    or ``None`` while the learner has not started it; it reads ``drafts`` only.
    """

    section_id: str
    drafts: tuple[DraftSchema, ...]
    build: SectionBuilder

    def __post_init__(self) -> None:
        object.__setattr__(self, "drafts", tuple(self.drafts))
        if not callable(self.build):
            raise ValueError(f"plan part {self.section_id!r}: build must be a function build(drafts)")

    @property
    def draft_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.drafts)


@dataclass(frozen=True)
class ModuleParts:
    """What one module owns: its drafts, its part of the plan, when it is finished.

    ``plan_complete``: finishing the module also needs nothing left to do in the
    campaign plan (the capstone).
    """

    id: str
    drafts: tuple[DraftSchema, ...]
    plan_parts: tuple[PlanPart, ...] = ()
    plan_complete: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "drafts", tuple(self.drafts))
        object.__setattr__(self, "plan_parts", tuple(self.plan_parts))
        for draft in self.drafts:
            if draft.module_id != self.id:
                raise ValueError(f"module {self.id!r} declares draft {draft.key!r}, whose key names another module")

    def draft(self, key: str) -> DraftSchema:
        for d in self.drafts:
            if d.key == key:
                return d
        raise ValueError(f"module {self.id!r} keeps no draft {key!r}")

    def progress_rule(self) -> ProgressRule:
        """When the module counts as started and finished, from its drafts."""
        rules = []
        for draft in self.drafts:
            questions: tuple[str, ...] = ()
            if draft.quiz:
                from advocacy_lab.core.quiz import load_quiz  # only modules with a quiz read one

                questions = tuple(q.id for q in load_quiz(draft.quiz))
            rules.append(draft.progress_rule(questions))
        try:
            return ProgressRule(drafts=tuple(rules), plan_complete=self.plan_complete)
        except ValueError as exc:
            raise ValueError(f"module {self.id!r}: {exc}") from None
