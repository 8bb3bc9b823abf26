"""The take-home campaign plan page: the plan so far, what is still to do, and downloads.

Thin over the core: ``advocacy_lab.core.plan`` builds the plan from the drafts,
``advocacy_lab.core.export`` renders it. The downloads (``PlanDownloads``,
plan_downloads.js) are built only when the learner clicks one, from the plan
as shown and the title as typed on screen, and reach the page as bytes, so
no visit carries the files; they work in Voila, where the learner has no file
browser, and in JupyterLab alike.
"""
from __future__ import annotations

import datetime as _dt
import html
import logging
from pathlib import Path
from typing import Any, Mapping

import anywidget
import ipywidgets as widgets
import traitlets
from anywidget.experimental import command

from advocacy_lab.core.catalogue import text, texts
from advocacy_lab.core.export import EXPORT_FORMATS, esc, export_plan, missing_html, plan_html_body
from advocacy_lab.core.drafts import field_id, read_all_drafts
from advocacy_lab.core.plan import CampaignPlan, build_plan
from advocacy_lab.core.text import MAX_FIELD_CHARS
from advocacy_lab.modules.campaign_plan import PLAN
from advocacy_lab.ui._component import LearnerComponent, field_class

log = logging.getLogger(__name__)

#: Largest file the page is handed. The bytes cross the learner's connection
#: in one message, so a runaway plan must not freeze a page on a slow link.
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024
#: How long the page waits for a file before saying the course did not answer.
DOWNLOAD_WAIT_MS = 30_000


class PlanDownloads(anywidget.AnyWidget):
    """The plan's download links; a click asks the kernel for that one file (plan_downloads.js).

    ``formats``: [{"format", "label" (the link's text), "kind" (the format's
    name)}]; ``texts``: the ``plan.download.*`` sentences the page says while
    a file is made; ``sources``: field id -> DOM class of the fields whose text
    on screen the file is built from. The page invokes the ``build`` command
    with {"format", "screen": {field id: text}}; ``answer`` (given by the view)
    returns ({"ok": True, "name", "mime"}, [bytes]) or ({"ok": False,
    "message"}, []).
    """

    _esm = Path(__file__).with_name("plan_downloads.js")

    formats = traitlets.List().tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    sources = traitlets.Dict().tag(sync=True)
    wait_ms = traitlets.Int(DOWNLOAD_WAIT_MS).tag(sync=True)

    def __init__(self, answer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answer = answer

    @command
    def build(self, request: Any, _buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        return self._answer(request)


class CampaignPlanView(LearnerComponent):
    """The learner's campaign plan, gathered from the drafts of every module.

    ``store`` is any DraftStore (``keys()``/``load(key)``); by default the
    page session's (``advocacy_lab.ui.session``: the learner's browser under
    Voila, a file elsewhere), whose language the plan then follows. A store with ``when_ready`` (the browser
    store loads asynchronously) refreshes the plan once it has loaded.
    ``refresh(drafts)`` rebuilds the plan from the given drafts (or, with no
    argument, from the store). ``value`` = {"title": str} is the plan's own draft.

    In a notebook::

        plan = CampaignPlanView()
        keeper = keep_drafts(plan)   # the same page session, so the same store
        display(keeper, plan)
    """

    _text_prefix = "plan_view"
    _title_key = PLAN.title

    def __init__(
        self,
        store: Any = None,
        *,
        drafts: Mapping[str, Mapping[str, Any]] | None = None,
        draft_key: str = PLAN.key,
        lang: str = "en",
        today: _dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._store: Any = None
        self._today = today
        self._plan: CampaignPlan | None = None
        #: The drafts the plan on screen was built from (a download is built from them too).
        self._drafts: Mapping[str, Mapping[str, Any]] = {}

        self._title = widgets.Text(
            value="",
            layout=widgets.Layout(width="100%", max_width="40rem"),
        )
        self._title.add_class("al-plan-title")
        self._labelled(self._title, "plan_view.title_placeholder", "placeholder")
        # Counts as typed on every keystroke, Enter or not (continuous_update);
        # a download carries the title on screen, even one the kernel has not heard yet.
        title_field = PLAN.field("title")
        self._add_field(title_field.name, self._title, label_key=title_field.label)
        # No icon on any button: a Font Awesome glyph fetches a 77 KB font on a first visit.
        self._update = widgets.Button()
        self._labelled(self._update, "plan_view.update")
        self._labelled(self._update, "plan_view.update_tip", "tooltip")
        self._update.add_class("al-plan-update")
        self._plan_html = widgets.HTML()
        self._plan_html.add_class("al-plan")
        self._missing_html = widgets.HTML()
        self._missing_html.add_class("al-plan-missing")
        self._download_links = PlanDownloads(
            self._answer_download,
            sources={field_id(self.draft_key, title_field.name): field_class(self.draft_key, title_field.name)},
        )
        self._download_links.add_class("al-download-links")
        self._label_downloads()
        downloads_heading = self._labelled(
            widgets.HTML(), "plan_view.downloads", "value", lambda words: f"<h3>{html.escape(words)}</h3>"
        )
        self._downloads_box = widgets.VBox([downloads_heading, self._download_links])
        self._downloads_box.add_class("al-downloads")

        self._title.observe(self._guard(self._on_title), names="value")
        self._update.on_click(self._guard(lambda _button: self._rebuild(None)))

        self.children = [
            self._title,
            self._update,
            self._error,
            self._plan_html,
            self._missing_html,
            self._downloads_box,
        ]
        self.add_class("al-plan-view")
        self._sync_from_children()
        session = None
        if store is None:
            from advocacy_lab.ui.session import page_session

            session = page_session()
            store = session.store
        self.store = store
        self.refresh(drafts)
        if session is not None:
            session.follow(self)  # after the first build: a language change rebuilds it

    def _after_restore(self) -> None:
        self._rebuild(None)

    def _relabel(self) -> None:
        # The plan, its labels and the downloads, again in the page's language.
        self._label_downloads()
        self._rebuild(None)

    def _on_title(self, change: Any = None) -> None:
        self._sync_from_children()
        self._rebuild(None)

    # -- public ----------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The DraftStore the plan reads when refreshed without drafts."""
        return self._store

    @store.setter
    def store(self, store: Any) -> None:
        self._store = store
        when_ready = getattr(store, "when_ready", None)
        if callable(when_ready):
            # The browser store answers only after the page has loaded it.
            when_ready(lambda: self.refresh() if self._store is store else None)

    @property
    def plan(self) -> CampaignPlan | None:
        """The plan as last built (None only if building it failed)."""
        return self._plan

    @property
    def downloads(self) -> dict[str, tuple[str, bytes]]:
        """{format: (file name, bytes)}: the files a click would give now (built on each call; none too large)."""
        found = {}
        for fmt in EXPORT_FORMATS:
            answer, buffers = self._answer_download({"format": fmt})
            if answer["ok"]:
                found[fmt] = (answer["name"], buffers[0])
        return found

    def refresh(self, drafts: Mapping[str, Mapping[str, Any]] | None = None) -> CampaignPlan | None:
        """Rebuild the plan from ``drafts`` (or from the store) and re-render everything."""
        return self._guard(self._rebuild)(drafts)

    # -- rendering -------------------------------------------------------------
    def _rebuild(self, drafts: Mapping[str, Mapping[str, Any]] | None) -> CampaignPlan:
        if drafts is None:
            drafts = read_all_drafts(self._store) if self._store is not None else {}
        plan = build_plan(drafts, self._title.value, lang=self._lang, today=self._today)
        self._plan, self._drafts = plan, drafts
        body = plan_html_body(plan, link_modules=True, include_missing=False, top_level=3)
        if not plan.sections:
            body += f"<p><em>{html.escape(self._t['nothing_yet'])}</em></p>"
        self._plan_html.value = f'<div class="al-plan-body">{body}</div>'
        self._missing_html.value = (
            f"<h3>{esc(plan.label('still_to_do'))}</h3>"
            + (f"<p>{html.escape(self._t['missing_intro'])}</p>" if plan.missing else "")
            + missing_html(plan, link_modules=True)
        )
        return plan

    # -- downloads ---------------------------------------------------------------
    def _label_downloads(self) -> None:
        words = self._t
        self._download_links.formats = [
            {"format": fmt, "label": f"{words['download']} {words[fmt]}", "kind": words[fmt]} for fmt in EXPORT_FORMATS
        ]
        self._download_links.texts = texts("plan.download", self._lang)

    def _answer_download(self, request: Any) -> tuple[dict[str, Any], list[bytes]]:
        """The page's request for one file: ({"ok", "name", "mime"}, [bytes]), or ({"ok": False, "message"}, []).

        Built now from the drafts of the plan on screen and the title as the
        page shows it (``request["screen"]``, field id -> text; the kernel may
        not have heard the last keystrokes yet), so a click never gets a stale file.
        """
        request = request if isinstance(request, Mapping) else {}
        fmt = request.get("format")
        kind = self._t.get(fmt, "") if isinstance(fmt, str) else ""
        try:
            title = self._title.value
            screen = request.get("screen")
            typed = screen.get(field_id(self.draft_key, "title")) if isinstance(screen, Mapping) else None
            if isinstance(typed, str) and len(typed) <= MAX_FIELD_CHARS:
                title = typed
            plan = build_plan(self._drafts, title, lang=self._lang, today=self._today)
            name, mime, content = export_plan(plan, fmt)  # a ValueError for a format it does not know
        except Exception:  # noqa: BLE001 - the learner gets a sentence, the log the traceback
            log.exception("the plan's %r download could not be built", fmt)
            message = text("plan.download.failed", self._lang, format=kind)
            return {"ok": False, "message": " ".join(message.split())}, []
        if len(content) > MAX_DOWNLOAD_BYTES:
            size = f"{len(content) / 1024 / 1024:.1f}"
            return {"ok": False, "message": text("plan.download.too_large", self._lang, size=size)}, []
        return {"ok": True, "name": name, "mime": mime}, [content]
