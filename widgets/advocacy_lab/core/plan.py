"""The take-home campaign plan: a registry of plan sections over the learner's drafts.

The capstone (notebooks/09-campaign-plan.ipynb) must not need to know every
module. Each part of the plan is a ``PlanSection``: the drafts it reads and a
pure ``build(drafts)`` that turns them into ``SectionContent`` (or ``None``
while the learner has not started that part). The seven parts are declared as
data in ``data/plan_sections.json`` (id, order, and the module where each is
done, from the course outline); a part whose module is still "planned" shows
as still to do, "coming soon", with no link.

A module fills its part by declaring a ``PlanPart`` in its package
(``advocacy_lab/modules/<package>/``, ``ModuleParts.plan_parts``): that is the
one way a module registers a section. ``register_section`` adds or replaces a
section from code (tests, experiments).

Labels are catalogue keys (``TextKey``), put into words in the plan's
language. Learner text is carried here as plain ``str``; every renderer
escapes it (``advocacy_lab.core.export`` and ``advocacy_lab.ui.plan``).
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Iterable, Mapping, Union

from advocacy_lab.core.catalogue import Label, TextKey, check_language, localized, text
from advocacy_lab.core.drafts import read_all_drafts
from advocacy_lab.core.text import strip_bidi_controls

log = logging.getLogger(__name__)

#: The words of a fixed label in a language (``advocacy_lab.core.catalogue.localized``).
localize = localized

#: Every draft in a store, damaged ones skipped (the one way to read them all: ``core.drafts``).
load_all_drafts = read_all_drafts


def _fixed_label(value: Label) -> Label:
    """A label as kept in a frozen record: a catalogue key, a copy of a mapping, or text."""
    if isinstance(value, TextKey):
        return value
    return dict(value) if isinstance(value, Mapping) else str(value)


# ---------------------------------------------------------------------------
# Data types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanEntry:
    """One labelled piece of a plan section.

    ``label`` is ours (str or per-language mapping); ``text`` is the learner's,
    plain and unescaped: renderers escape it. Bidi controls are dropped from it
    here, whichever builder made the entry, so no plan shows text reordered.
    """

    label: Label
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ValueError(f"PlanEntry text must be str, not {type(self.text).__name__}")
        object.__setattr__(self, "text", strip_bidi_controls(self.text))
        object.__setattr__(self, "label", _fixed_label(self.label))


@dataclass(frozen=True)
class SectionContent:
    """What a section builder found in the drafts.

    ``gaps`` names what is still missing inside a started part (e.g. "Call to
    action"), so the plan can say exactly what to finish.
    """

    entries: tuple[PlanEntry, ...] = ()
    gaps: tuple[Label, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))
        object.__setattr__(self, "gaps", tuple(self.gaps))
        for entry in self.entries:
            if not isinstance(entry, PlanEntry):
                raise ValueError(f"SectionContent entries must be PlanEntry, not {type(entry).__name__}")

    def localized(self, lang: str) -> "SectionContent":
        """The same content with every label in ``lang`` (plain str)."""
        return SectionContent(
            tuple(PlanEntry(localize(e.label, lang), e.text) for e in self.entries),
            tuple(localize(g, lang) for g in self.gaps),
        )


SectionBuilder = Callable[[Mapping[str, dict]], Union[SectionContent, None]]


def not_filled_yet(drafts: Mapping[str, dict]) -> None:
    """Builder of a declared part that no module fills yet: always missing."""
    return None


class _DoneInAModule:
    """A part of the plan done in a module page (``module_notebook``), or in one still to come (``None``)."""

    module_notebook: str | None

    @property
    def coming_soon(self) -> bool:
        """True while the module where this part is done is not available yet."""
        return self.module_notebook is None


@dataclass(frozen=True)
class PlanSection(_DoneInAModule):
    """A part of the campaign plan, and the module where the learner does it.

    ``module_notebook`` is the lesson's file name inside ``notebooks/`` (e.g.
    ``"04-campaign-message.ipynb"``), or ``None`` while that module is coming
    soon. ``title`` and ``module_title`` are catalogue keys (``TextKey``),
    per-language mappings (``{"en": ..., "vi": ...}``) or plain text. ``build(drafts)`` must be pure: it
    gets every draft as ``{draft key: saved value}`` and reads ``draft_keys``.
    """

    id: str
    title: Label
    order: int
    module_notebook: str | None
    module_title: Label
    draft_keys: tuple[str, ...] = ()
    build: SectionBuilder = not_filled_yet

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError("a plan section needs a non-empty id")
        if not localize(self.title, "en").strip():
            raise ValueError(f"plan section {self.id!r} needs a title")
        if not callable(self.build):
            raise ValueError(f"plan section {self.id!r}: build must be a function build(drafts)")
        nb = self.module_notebook
        if nb is not None and (
            not isinstance(nb, str)
            or not nb.endswith(".ipynb")
            or any(c in nb for c in '/\\"\'<>&?#%')
            or nb.startswith(".")
        ):
            raise ValueError(
                f"plan section {self.id!r}: module_notebook must be a notebook file name in "
                f"notebooks/ such as '04-campaign-message.ipynb', not {nb!r}"
            )
        for attr in ("title", "module_title"):
            object.__setattr__(self, attr, _fixed_label(getattr(self, attr)))
        object.__setattr__(self, "draft_keys", tuple(self.draft_keys))

    def __hash__(self) -> int:  # titles may be dicts
        return hash((self.id, self.order, self.module_notebook, self.draft_keys))


@dataclass(frozen=True)
class FilledSection:
    """A part of the plan the learner has started, with its content (labels localized)."""

    id: str
    title: str
    content: SectionContent
    module_notebook: str | None
    module_title: str


@dataclass(frozen=True)
class MissingPart(_DoneInAModule):
    """A part still to do, and where it is done.

    ``details`` lists what is missing inside a started part (empty when the
    whole part is missing). ``module_notebook`` is ``None`` while the module
    is coming soon: show its title, link nowhere.
    """

    id: str
    title: str
    module_notebook: str | None
    module_title: str
    details: tuple[str, ...] = ()
    started: bool = False


@dataclass(frozen=True)
class CampaignPlan:
    """The learner's campaign plan: filled sections in plan order, and what is missing."""

    title: str
    created: _dt.date
    sections: tuple[FilledSection, ...]
    missing: tuple[MissingPart, ...]
    lang: str = "en"

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "missing", tuple(self.missing))

    @property
    def complete(self) -> bool:
        return not self.missing

    def label(self, key: str) -> str:
        """A fixed (non-learner) text of the plan, in the plan's language."""
        return plan_label(key, self.lang)


# ---------------------------------------------------------------------------
# Declared parts (data files) and the registry
# ---------------------------------------------------------------------------

_lock = threading.RLock()
_registered: dict[str, PlanSection] = {}
_declared: dict[str, PlanSection] | None = None


def _read_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("advocacy_lab.data").joinpath(name).read_text(encoding="utf-8"))


def _declared_sections() -> dict[str, PlanSection]:
    global _declared
    with _lock:
        if _declared is None:
            from advocacy_lab.core.course import load_course  # the outline: module titles, notebooks, plan parts

            course = load_course()
            parts = course.plan_parts
            declared: dict[str, PlanSection] = {}
            for row in _read_json("plan_sections.json")["sections"]:
                sid = row["id"]
                try:
                    module = course.module(row["module"])
                except ValueError:
                    raise ValueError(
                        f"plan_sections.json: section {sid!r} names module {row['module']!r}, "
                        "which modules.json does not list"
                    ) from None
                if sid in declared:
                    raise ValueError(f"plan_sections.json declares {sid!r} twice")
                filler = parts.get(sid)
                if filler is not None and filler[0].id != module.id:
                    raise ValueError(
                        f"module {filler[0].id!r} fills the plan part {sid!r}, which plan_sections.json gives to {module.id!r}"
                    )
                declared[sid] = PlanSection(
                    id=sid,
                    title=TextKey(f"plan.section.{sid}"),
                    order=int(row["order"]),
                    module_notebook=module.notebook if module.available else None,
                    module_title=TextKey(f"course.module.{module.id}.title"),
                    draft_keys=filler[1].draft_keys if filler else (),
                    build=filler[1].build if filler else not_filled_yet,
                )
            undeclared = sorted(set(parts) - set(declared))
            if undeclared:
                raise ValueError(f"modules fill plan parts that plan_sections.json does not declare: {undeclared}")
            _declared = declared
        return _declared


def plan_label(key: str, lang: str = "en") -> str:
    """A fixed label of the plan ("Still to do", ...) in ``lang`` (falls back to English)."""
    return text(f"plan.{key}", lang)


def register_section(section: PlanSection, *, replace: bool = False) -> PlanSection:
    """Add a part to the campaign plan, or fill in a declared part with the same id.

    Registering an id twice from code raises ValueError unless ``replace=True``:
    two modules claiming one part is a bug worth seeing.
    """
    if not isinstance(section, PlanSection):
        raise ValueError(f"register_section needs a PlanSection, not {type(section).__name__}")
    with _lock:
        current = _registered.get(section.id)
        if current is not None and current is not section and not replace:
            raise ValueError(
                f"a plan section with id {section.id!r} is already registered; pass replace=True to replace it"
            )
        _registered[section.id] = section
    return section


def unregister_section(section_id: str) -> None:
    """Remove a section registered from code (a declared part falls back to its data entry)."""
    with _lock:
        _registered.pop(section_id, None)


def plan_sections() -> tuple[PlanSection, ...]:
    """Every part of the plan, in plan order: declared parts overlaid by registered ones."""
    with _lock:
        merged = dict(_declared_sections())
        merged.update(_registered)
    return tuple(sorted(merged.values(), key=lambda s: (s.order, s.id)))


# ---------------------------------------------------------------------------
# Building the plan
# ---------------------------------------------------------------------------


def build_plan(
    drafts: Mapping[str, Mapping[str, Any]],
    title: str | None = None,
    *,
    lang: str = "en",
    today: _dt.date | None = None,
    sections: Iterable[PlanSection] | None = None,
) -> CampaignPlan:
    """Gather the learner's drafts into a ``CampaignPlan``.

    ``drafts`` maps a component's draft key to its saved value. A part whose
    builder returns ``None`` (or no entries) is missing; a part with ``gaps``
    is shown *and* listed as missing those details. A builder that fails on a
    damaged draft marks its part unreadable instead of breaking the plan.
    ``sections`` defaults to ``plan_sections()``.
    """
    check_language(lang)
    if not isinstance(drafts, Mapping):
        raise ValueError(f"drafts must be a mapping of draft key to saved value, not {type(drafts).__name__}")
    safe_drafts = {str(k): dict(v) for k, v in drafts.items() if isinstance(v, Mapping)}
    filled: list[FilledSection] = []
    missing: list[MissingPart] = []
    for section in plan_sections() if sections is None else tuple(sections):
        title_l = localize(section.title, lang)
        module_l = localize(section.module_title, lang)

        def missing_part(details: Iterable[str] = (), started: bool = False) -> MissingPart:
            return MissingPart(section.id, title_l, section.module_notebook, module_l, tuple(details), started)

        try:
            content = section.build(safe_drafts)
            if content is not None and not isinstance(content, SectionContent):
                raise TypeError(f"build returned {type(content).__name__}, not SectionContent")
        except Exception:
            log.exception("plan section %r could not be built from the drafts", section.id)
            missing.append(missing_part([plan_label("section_unreadable", lang)]))
            continue
        if content is None or not content.entries:
            missing.append(missing_part())
            continue
        content = content.localized(lang)
        filled.append(FilledSection(section.id, title_l, content, section.module_notebook, module_l))
        if content.gaps:
            missing.append(missing_part(content.gaps, started=True))
    clean_title = strip_bidi_controls(title).strip() if isinstance(title, str) else ""
    return CampaignPlan(
        title=clean_title or plan_label("default_title", lang),
        created=today or _dt.date.today(),
        sections=tuple(filled),
        missing=tuple(missing),
        lang=lang,
    )


# ---------------------------------------------------------------------------
# For the modules' section builders
# ---------------------------------------------------------------------------


def learner_text(value: Any) -> str:
    """Learner text from a draft value; anything that is not text counts as empty
    (and so does text made only of spaces and bidi controls)."""
    return strip_bidi_controls(value).strip() if isinstance(value, str) else ""


def __getattr__(name: str) -> Any:
    # Older imports: the message builder's draft key and section builder live with
    # their module now (advocacy_lab/modules/campaign_message/).
    if name == "MESSAGE_BUILDER_KEY":
        from advocacy_lab.modules.campaign_message.schema import MESSAGE_BUILDER

        return MESSAGE_BUILDER.key
    if name == "build_messages_section":
        from advocacy_lab.modules.campaign_message.plan import build_messages_section

        return build_messages_section
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
