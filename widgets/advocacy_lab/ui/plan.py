"""The take-home campaign plan page: the plan so far, what is still to do, and downloads.

Thin over the core: ``advocacy_lab.core.plan`` builds the plan from the drafts,
``advocacy_lab.core.export`` renders it. Downloads are data: links in an HTML
widget, so they work in Voila where the learner has no file browser.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
from typing import Any, Mapping

import ipywidgets as widgets

from advocacy_lab.core.export import (
    DOCX_MIME,
    HTML_MIME,
    MARKDOWN_MIME,
    data_uri,
    esc,
    exports,
    missing_html,
    plan_html_body,
)
from advocacy_lab.core.drafts import field_id, read_all_drafts
from advocacy_lab.core.plan import CampaignPlan, build_plan
from advocacy_lab.core.text import strip_bidi_controls
from advocacy_lab.modules.campaign_plan import PLAN
from advocacy_lab.ui._component import LearnerComponent

#: Largest file offered as a download link. A data: link carries the whole file
#: (a third larger in base64) to the browser, so a runaway plan must not
#: freeze a page on a slow connection.
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024


_FORMATS: tuple[tuple[str, str], ...] = (
    ("md", MARKDOWN_MIME + ";charset=utf-8"),
    ("html", HTML_MIME + ";charset=utf-8"),
    ("docx", DOCX_MIME),
)


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
        self._downloads: dict[str, tuple[str, bytes]] = {}

        self._title = widgets.Text(
            value="",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="40rem"),
        )
        self._title.add_class("al-plan-title")
        self._labelled(self._title, "plan_view.title_placeholder", "placeholder")
        # Counts as typed on every keystroke, Enter or not (continuous_update):
        # the downloads carry the title on screen.
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
        self._links = {fmt: widgets.HTML() for fmt, _ in _FORMATS}
        for fmt, link in self._links.items():
            link.add_class(f"al-download-{fmt}")
        downloads_heading = self._labelled(
            widgets.HTML(), "plan_view.downloads", "value", lambda words: f"<h3>{html.escape(words)}</h3>"
        )
        self._downloads_box = widgets.VBox([downloads_heading, widgets.HBox(list(self._links.values()))])
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
        """{format: (file name, bytes)} of the files offered for download."""
        return dict(self._downloads)

    def refresh(self, drafts: Mapping[str, Mapping[str, Any]] | None = None) -> CampaignPlan | None:
        """Rebuild the plan from ``drafts`` (or from the store) and re-render everything."""
        return self._guard(self._rebuild)(drafts)

    # -- rendering -------------------------------------------------------------
    def _rebuild(self, drafts: Mapping[str, Mapping[str, Any]] | None) -> CampaignPlan:
        if drafts is None:
            drafts = read_all_drafts(self._store) if self._store is not None else {}
        plan = build_plan(drafts, self._title.value, lang=self._lang, today=self._today)
        self._plan = plan
        # Downloads first: the page applies widget updates in order, so by the time
        # the learner sees their text in the plan, the files already carry it too.
        self._render_downloads(plan)
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

    def _render_downloads(self, plan: CampaignPlan) -> None:
        self._downloads = {}
        mimes = dict(_FORMATS)
        for fmt, name, content in exports(plan):  # the one export path (core.export)
            mime = mimes[fmt]
            label = f"{self._t['download']} {self._t[fmt]}"
            if len(content) > MAX_DOWNLOAD_BYTES:
                size = f"{len(content) / 1024 / 1024:.1f}"
                self._links[fmt].value = (
                    f'<p class="al-download-too-large">{html.escape(label)}: '
                    f"{html.escape(self._t['too_large'].format(size=size))}</p>"
                )
                continue
            self._downloads[fmt] = (name, content)
            uri = data_uri(content, mime)
            # The fields this file was built from, as they were: the page holds a
            # click until the link carries what the learner sees (browser_store.js).
            # (Without bidi controls, as everywhere learner text is shown; the page
            # compares without them too.)
            built_from = json.dumps(
                {field_id(self.draft_key, "title"): strip_bidi_controls(self._title.value)}, ensure_ascii=False
            )
            self._links[fmt].value = (
                f'<a class="al-download-link" download="{esc(name)}" href="{esc(uri)}" '
                f'data-al-built-from="{html.escape(built_from, quote=True)}">'
                f"{html.escape(label)}</a>"
            )
