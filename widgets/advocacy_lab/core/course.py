"""The course outline, parsed once: its modules in teaching order and what each owns.

``data/modules.json`` lists the modules (id, number, notebook, whether it is
available yet); their titles, summaries and "finished when" sentences are in
the text catalogue (``course.module.<id>.title`` ...); what an available
module keeps (its drafts, its part of the plan) is declared in its own
package, ``advocacy_lab/modules/<package>/`` (``advocacy_lab.modules``).
Progress, the plan, the navigation, the landing page, the server and the
tests all read this one ``Course``. Pure: no GUI import.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Literal, Mapping
from urllib.parse import urlencode

from advocacy_lab.core.catalogue import REFERENCE, catalogue, text
from advocacy_lab.core.progress import ProgressRule
from advocacy_lab.core.schema import DraftSchema, ModuleParts, PlanPart

ModuleStatus = Literal["available", "planned"]
_STATUSES = ("available", "planned")


@dataclass(frozen=True)
class CourseModule:
    """One module of the course, as listed on the landing page.

    ``parts`` is what the module's package declares (``None`` for a module
    with no folder yet); ``progress`` is derived from it.
    """

    id: str
    number: int
    notebook: str  # file name inside notebooks/
    status: ModuleStatus
    parts: ModuleParts | None = None
    progress: ProgressRule | None = field(default=None, compare=False)
    ready: str = ""  # CSS selector of the page's main control (available modules)

    @property
    def available(self) -> bool:
        return self.status == "available"

    def title_in(self, lang: str) -> str:
        return text(f"course.module.{self.id}.title", lang)

    def summary_in(self, lang: str) -> str:
        return text(f"course.module.{self.id}.summary", lang)

    def finished_when_in(self, lang: str) -> str:
        """What finishing the module takes, in plain language ("" when not said)."""
        key = f"course.module.{self.id}.finished_when"
        return text(key, lang) if key in catalogue(REFERENCE) else ""

    @property
    def title(self) -> str:
        """The title in English (``title_in(lang)`` for another language)."""
        return self.title_in(REFERENCE)

    @property
    def summary(self) -> str:
        return self.summary_in(REFERENCE)


@dataclass(frozen=True)
class CoursePage:
    """A page a learner opens: its notebook and the selector of its main control (shown = ready to use)."""

    notebook: str
    ready: str


@dataclass(frozen=True)
class Course:
    """The landing page and the modules in teaching order."""

    landing_notebook: str
    modules: tuple[CourseModule, ...]
    landing_ready: str = ".jupyter-widgets"

    @property
    def pages(self) -> tuple[CoursePage, ...]:
        """The landing page, then every available module's page: what browser tests and benchmarks open."""
        return (
            CoursePage(self.landing_notebook, self.landing_ready),
            *(CoursePage(m.notebook, m.ready) for m in self.available),
        )

    def ready_selector(self, notebook: str) -> str:
        """The selector that shows ``notebook``'s page is ready (ValueError for a page the course lacks)."""
        for page in self.pages:
            if page.notebook == notebook:
                return page.ready
        raise ValueError(f"{notebook!r} is not a page of the course; its pages are {[p.notebook for p in self.pages]}")

    @property
    def available(self) -> tuple[CourseModule, ...]:
        """The modules a learner can open, in teaching order."""
        return tuple(m for m in self.modules if m.available)

    def landing_link_in(self, lang: str) -> str:
        """How module pages name the link back to the landing page."""
        return text("course.landing_link", lang)

    @property
    def landing_link(self) -> str:
        return self.landing_link_in(REFERENCE)

    def module(self, module_id: str) -> CourseModule:
        for m in self.modules:
            if m.id == module_id:
                return m
        raise ValueError(f"the course has no module {module_id!r}; its modules are {[m.id for m in self.modules]}")

    def module_of_notebook(self, notebook: str) -> CourseModule | None:
        return next((m for m in self.modules if m.notebook == notebook), None)

    @property
    def drafts(self) -> tuple[DraftSchema, ...]:
        """Every draft the course's modules keep."""
        return tuple(d for m in self.modules if m.parts is not None for d in m.parts.drafts)

    @property
    def plan_parts(self) -> dict[str, tuple[CourseModule, PlanPart]]:
        """Section id -> (the module, its part of the plan), for every module that fills one."""
        found: dict[str, tuple[CourseModule, PlanPart]] = {}
        for m in self.modules:
            for part in m.parts.plan_parts if m.parts is not None else ():
                if part.section_id in found:
                    raise ValueError(
                        f"modules {found[part.section_id][0].id!r} and {m.id!r} both fill the plan part {part.section_id!r}"
                    )
                found[part.section_id] = (m, part)
        return found

    def neighbours(self, notebook: str) -> tuple[CourseModule | None, CourseModule | None]:
        """The available modules before and after ``notebook`` in teaching order.

        Coming-soon modules are skipped; ``None`` at either end (the page then
        links back to the landing page). ValueError when ``notebook`` is not an
        available module.
        """
        available = self.available
        for index, module in enumerate(available):
            if module.notebook == notebook:
                before = available[index - 1] if index > 0 else None
                after = available[index + 1] if index + 1 < len(available) else None
                return before, after
        names = ", ".join(m.notebook for m in available)
        raise ValueError(f"{notebook!r} is not an available module; the available ones are {names}")


def notebook_name(value: Any, where: str) -> str:
    """A bare file name in notebooks/ (links stay relative and cannot leave the folder), else ValueError."""
    if (
        not isinstance(value, str)
        or not value.endswith(".ipynb")
        or value.startswith(".")
        or any(c in value for c in '/\\"\'<>&?#%')
    ):
        raise ValueError(f"{where}: notebook must be a file name in notebooks/ such as '04-campaign-message.ipynb', not {value!r}")
    return value


def _selector(value: Any, where: str) -> str:
    """A CSS selector for the page's main control (no markup), else ValueError."""
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "<>{};"):
        raise ValueError(f"{where}: 'ready' must be the CSS selector of the page's main control, not {value!r}")
    return value.strip()


PartsFinder = Callable[[str], "ModuleParts | None"]


def _find_parts(module_id: str) -> ModuleParts | None:
    from advocacy_lab.modules import module_parts  # the modules' pure packages, found by id

    return module_parts(module_id)


def parse_course(data: Mapping[str, Any], parts_of: PartsFinder | Mapping[str, ModuleParts] | None = None) -> Course:
    """The course from the parsed JSON of ``data/modules.json`` (ValueError names any problem).

    ``parts_of`` finds what a module owns (default: its package in
    ``advocacy_lab/modules/``); a mapping of module id to ``ModuleParts``
    overrides some modules and leaves the rest to their packages.
    """
    if isinstance(parts_of, Mapping):
        given = dict(parts_of)
        finder: PartsFinder = lambda module_id: given[module_id] if module_id in given else _find_parts(module_id)
    else:
        finder = parts_of or _find_parts
    if not isinstance(data, Mapping) or not isinstance(data.get("modules"), list):
        raise ValueError("modules.json must be an object with a 'modules' list")
    landing = data.get("landing")
    if not isinstance(landing, Mapping):
        raise ValueError("modules.json needs a 'landing' object with the landing page's notebook")
    english = catalogue(REFERENCE)
    modules = []
    for item in data["modules"]:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise ValueError(f"each module in modules.json needs an 'id', not {item!r:.80}")
        module_id = item["id"]
        status = item.get("status")
        if status not in _STATUSES:
            raise ValueError(f"module {module_id!r}: status must be 'available' or 'planned', not {status!r}")
        for key in (f"course.module.{module_id}.title", f"course.module.{module_id}.summary"):
            if key not in english:
                raise ValueError(f"module {module_id!r}: the text catalogue lacks {key!r} (locales/en.json)")
        parts = finder(module_id)
        if parts is not None and parts.id != module_id:
            raise ValueError(f"module {module_id!r} was given the parts of module {parts.id!r}")
        progress = None
        if status == "available":
            if parts is None:
                raise ValueError(
                    f"module {module_id!r} is available, so it needs its package in advocacy_lab/modules/ "
                    "declaring PARTS (its drafts, from which its progress rule comes)"
                )
            progress = parts.progress_rule()
        try:
            number = int(item["number"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"module {module_id!r} needs a whole 'number' (its place in teaching order)") from None
        ready = item.get("ready", "")
        if status == "available":
            ready = _selector(ready, f"module {module_id!r}")
        modules.append(
            CourseModule(
                id=module_id,
                number=number,
                notebook=notebook_name(item.get("notebook"), f"module {module_id!r}"),
                status=status,
                parts=parts,
                progress=progress,
                ready=ready,
            )
        )
    ids = [m.id for m in modules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"module ids in modules.json must be unique: {ids}")
    course = Course(
        landing_notebook=notebook_name(landing.get("notebook"), "landing page"),
        modules=tuple(sorted(modules, key=lambda m: m.number)),
        landing_ready=_selector(landing.get("ready"), "landing page"),
    )
    keys = [d.key for d in course.drafts]
    if len(set(keys)) != len(keys):
        raise ValueError(f"two modules keep a draft under the same key: {keys}")
    course.plan_parts  # noqa: B018 - a plan part claimed twice is a ValueError now, not later
    return course


def read_course_data() -> dict[str, Any]:
    """The parsed JSON of ``data/modules.json``."""
    return json.loads(resources.files("advocacy_lab").joinpath("data", "modules.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def load_course() -> Course:
    """The course as ``data/modules.json`` and the modules' packages declare it (parsed once)."""
    return parse_course(read_course_data())


def page_href(notebook: str, lang: str = REFERENCE) -> str:
    """The relative link to a course page in ``lang``: ``04-campaign-message.ipynb``, with ``?lang=vi``
    when the page is not in English (so a shared link opens in the same language)."""
    notebook_name(notebook, "a link")
    return notebook if lang == REFERENCE else f"{notebook}?{urlencode({'lang': lang})}"
