"""``CourseMap``: the landing page's list of modules, with links and the learner's progress.

Reads the course outline (``advocacy_lab.core.course``), so a new module
appears on the landing page with its outline entry. Each module shows its
status in words ("✓ Finished", "Started", "Not started", "Not open yet
(coming soon)"), worked out by ``advocacy_lab.core.progress`` from the drafts
in the page session's store (``advocacy_lab.ui.session``: the learner's
browser under Voila, a file elsewhere). The map only reads the drafts. Every
text is in the page's language (``lang``, which the page session sets).

Links are relative (``04-campaign-message.ipynb``) so they work both in
JupyterLab and under Voila's ``/voila/render/``; they carry ``?lang=`` when
the page is not in English.
"""
from __future__ import annotations

import html
import logging
from typing import Any, Mapping

import ipywidgets as widgets
import traitlets

from advocacy_lab.core.catalogue import text
from advocacy_lab.core.course import Course, CourseModule, load_course, page_href
from advocacy_lab.core.drafts import read_all_drafts
from advocacy_lab.core.progress import STATUSES, ModuleProgress, module_progress, status_label
from advocacy_lab.ui.course_style import carry_course_style
from advocacy_lab.ui.language import InPageLanguage

log = logging.getLogger(__name__)


def _badge(status: str, lang: str) -> str:
    label = status_label(status, lang)
    if label.startswith("✓ "):
        # The tick is decoration; screen readers read the word.
        words = '<span aria-hidden="true">✓ </span>' + html.escape(label[2:])
    else:
        words = html.escape(label)
    # Its look (colour and border per status) is the stylesheet's: al-progress-<status>.
    css = "al-progress al-progress-" + status.replace(" ", "-")
    if status == "coming soon":
        css += " al-coming-soon"
    return f' <span class="{css}">{words}</span>'


def _module_item(module: CourseModule, status: str | None, lang: str) -> str:
    title = html.escape(text("course_map.module_title", lang, number=f"{module.number:02d}", title=module.title_in(lang)))
    summary = html.escape(module.summary_in(lang))
    if module.available:
        heading = f'<a href="{html.escape(page_href(module.notebook, lang))}">{title}</a>'
        css = "al-module al-module-available"
    else:
        heading = f'<span class="al-module-title-planned">{title}</span>'
        css = "al-module al-module-planned"
        status = "coming soon"
    badge = _badge(status, lang) if status in STATUSES else ""
    hint = ""
    if module.available and status in ("started", "not started") and module.progress is not None:
        rule = module.finished_when_in(lang)
        if rule:
            hint = (
                '<br><span class="al-finished-when">'
                f"{html.escape(text('course_map.finished_when', lang, rule=rule))}</span>"
            )
    return (
        f'<li class="{css}" data-module="{html.escape(module.id)}">'
        f"<strong>{heading}</strong>{badge}<br><span>{summary}</span>{hint}</li>"
    )


class CourseMap(InPageLanguage, widgets.VBox):

    """The list of modules with the learner's progress; available ones link to their notebook.

    By default the progress comes from the drafts in ``store`` (or the page
    session's, ``advocacy_lab.ui.session.page_session()``, whose language the
    map then follows). A store that loads later (the
    browser store under Voila) refreshes the map once its drafts arrive; the
    "Update my progress" button (file and memory stores) reads the store again. ``progress`` (module id
    -> status) shows given statuses instead and reads no store.
    """

    def __init__(
        self,
        progress: Mapping[str, str] | None = None,
        *,
        store: Any = None,
        course: Course | None = None,
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._first_language(lang)
        self._course = course if course is not None else load_course()
        self._modules = self._course.modules
        self._progress: tuple[ModuleProgress, ...] = ()
        self._given: Mapping[str, str] | None = None
        self._problem = ""
        self._list = widgets.HTML("")
        self._list.add_class("al-course-map-list")
        self._status = widgets.HTML("")
        self._status.add_class("al-course-map-status")
        children: list[widgets.Widget] = [self._status, self._list]
        self.add_class("al-course-map")
        carry_course_style()

        self._store: Any = None
        self._ready = True
        if progress is not None:
            self.children = children
            self.show_progress(progress)
            return

        session = None
        if store is None:
            from advocacy_lab.ui.session import page_session

            session = page_session()
            store = session.store
        self._store = store
        when_ready = getattr(store, "when_ready", None)
        self._update: widgets.Button | None = None
        if not callable(when_ready):
            # A file store can be read again after work in another tab. The
            # browser store is read once per page: there, reloading the page
            # (which the notebook's text says) brings in the latest work.
            self._update = widgets.Button()
            self._label_update()
            self._update.add_class("al-course-map-update")
            self._update.on_click(lambda _b: self.refresh())
            children.append(self._update)
        store_widget = getattr(store, "widget", None)
        if isinstance(store_widget, widgets.Widget):
            children.append(store_widget)  # its view is empty; it must be on the page to reach the browser
        self.children = children
        if isinstance(store, traitlets.HasTraits) and store.has_trait("notice"):
            store.observe(lambda _change: self._render(), names="notice")

        if callable(when_ready):
            self._ready = False
            self._render()
            when_ready(self._on_store_ready)
        else:
            self.refresh()
        if session is not None:
            session.follow(self)

    def _in_language(self) -> None:
        self._label_update()
        self._render(given=self._given)

    def _label_update(self) -> None:
        if getattr(self, "_update", None) is not None:
            self._update.description = text("course_map.update", self.lang)
            self._update.tooltip = text("course_map.update_tip", self.lang)

    # -- read-only state -------------------------------------------------------
    @property
    def modules(self) -> tuple[CourseModule, ...]:
        return self._modules

    @property
    def progress(self) -> tuple[ModuleProgress, ...]:
        """Each module's status as last shown (empty until the drafts have been read)."""
        return self._progress

    @property
    def statuses(self) -> dict[str, str]:
        """Module id -> status as last shown."""
        return {p.module_id: p.status for p in self._progress}

    # -- updating ----------------------------------------------------------------
    def _on_store_ready(self) -> None:
        self._ready = True
        self.refresh()

    def refresh(self) -> tuple[ModuleProgress, ...]:
        """Read the drafts from the store again and show each module's status."""
        if self._store is None or not self._ready:
            return self._progress
        try:
            drafts = read_all_drafts(self._store)  # skips a draft that fails to load
            self._progress = module_progress(self._modules, drafts)
            self._problem = ""
        except Exception:  # noqa: BLE001 - the landing page must never show a traceback
            log.exception("could not read the drafts to show progress")
            self._progress = module_progress(self._modules, {})
            self._problem = "course_map.unreadable"
        self._given = None
        self._render()
        return self._progress

    def show_progress(self, progress: Mapping[str, str]) -> None:
        """Show given statuses (module id -> "started"/"finished"/...) instead of reading a store."""
        known = {k: v for k, v in progress.items() if v in STATUSES}
        self._progress = tuple(
            ModuleProgress(
                m.id,
                m.title,
                m.notebook,
                "coming soon" if not m.available else known.get(m.id, "not started"),  # type: ignore[arg-type]
            )
            for m in self._modules
        )
        self._given = known
        self._render(given=known)

    def _render(self, *, given: Mapping[str, str] | None = None) -> None:
        if given is not None:
            statuses = dict(given)
        elif self._ready:
            statuses = self.statuses
        else:
            statuses = {}
        items = "".join(_module_item(m, statuses.get(m.id), self.lang) for m in self._modules)
        self._list.value = f'<ol class="al-module-list">{items}</ol>'
        lines = []
        if not self._ready:
            lines.append(text("course_map.looking", self.lang))
        notice_in = getattr(self._store, "notice_in", None) if self._store is not None else None
        notice = notice_in(self.lang) if callable(notice_in) else getattr(self._store, "notice", "") or ""
        for line in (notice, text(self._problem, self.lang) if self._problem else ""):
            if line:
                lines.append(line)
        self._status.value = "".join(
            f'<p class="al-course-map-status-text" role="status">{html.escape(line)}</p>' for line in lines
        )
