"""The page session: one per page, it owns the page's draft store and language.

A Voila kernel serves one page, so one session per kernel: ``page_session()``.
It holds:

- the **store** (``default_store()``: the learner's browser under Voila, a
  file elsewhere), handed to the drafts keeper, the campaign plan and the
  course map, so a page reads and writes its drafts one way;
- the **language**. Voila preheats kernels before any request, so the kernel
  cannot read the address. The page decides its language before the widgets
  render (``window.advocacyLabLang``, from ``?lang=``, else the learner's
  remembered choice, else English) and the store's page half
  (``browser_store.js``) sends it to the kernel when it starts; in JupyterLab
  (no page script) it comes from ``ADVOCACY_LAB_LANG``, else English.
  Every widget the session follows (``follow``) gets its ``lang`` set, and
  relabels itself.

In a notebook::

    from advocacy_lab.ui.session import page_session

    session = page_session()
    keeper = session.keep(builder, quiz)   # same as keep_drafts(builder, quiz)
"""
from __future__ import annotations

import logging
import os
import weakref
from typing import Any, Mapping

import traitlets

from advocacy_lab.core.catalogue import REFERENCE, languages
from advocacy_lab.core.drafts import DATA_DIR_ENV, DraftStore
from advocacy_lab.ui.stores import STORE_ENV, default_store, running_under_voila

log = logging.getLogger(__name__)

#: The page language outside Voila (JupyterLab has no page script to say it).
LANG_ENV = "ADVOCACY_LAB_LANG"


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``ADVOCACY_LAB_LANG`` when it names a language of the catalogue, else English."""
    env = os.environ if environ is None else environ
    code = env.get(LANG_ENV, "").strip()
    if code and code not in languages():
        log.warning("%s=%r is not one of %s; the page is in English", LANG_ENV, code, ", ".join(languages()))
        return REFERENCE
    return code or REFERENCE


class PageSession(traitlets.HasTraits):
    """One page's store and language (see the module docstring)."""

    #: The page's language; every followed widget's ``lang`` is kept equal to it.
    lang = traitlets.Unicode(REFERENCE)

    def __init__(self, store: DraftStore | None = None, *, lang: str | None = None) -> None:
        super().__init__()
        self.store = store if store is not None else default_store()
        self._followers: "weakref.WeakSet[Any]" = weakref.WeakSet()
        self.set_trait("lang", lang if lang in languages() else language_from_env())
        # The store's page half (an anywidget, displayed by the keeper or the course map)
        # says the page's language once the page has started.
        self.page = getattr(self.store, "widget", None)
        if isinstance(self.page, traitlets.HasTraits) and self.page.has_trait("lang"):
            self.page.observe(self._on_page_lang, names="lang")
            self._on_page_lang({"new": self.page.lang})

    def _on_page_lang(self, change: Mapping[str, Any]) -> None:
        code = change.get("new")
        if not code:
            return  # no page script (JupyterLab): the language from the environment stays
        if code not in languages():
            log.warning("the page asked for language %r, which the course does not have", code)
            return
        self.lang = code

    @traitlets.observe("lang")
    def _on_lang(self, change: Mapping[str, Any]) -> None:
        for widget in list(self._followers):
            try:
                widget.lang = change["new"]
            except Exception:  # noqa: BLE001 - one widget failing must not keep the others in the old language
                log.exception("could not relabel %s in %r", type(widget).__name__, change["new"])

    def follow(self, *widgets: Any) -> None:
        """Keep these widgets' ``lang`` equal to the page's, from now on."""
        for widget in widgets:
            if isinstance(widget, traitlets.HasTraits) and widget.has_trait("lang"):
                widget.lang = self.lang
                self._followers.add(widget)

    def keep(self, *components: Any) -> Any:
        """The drafts keeper of these components, on this page's store and in its language."""
        from advocacy_lab.ui.keeper import DraftKeeper

        keeper = DraftKeeper(components, self.store, lang=self.lang)
        self.follow(keeper, *components)
        return keeper


_sessions: dict[tuple[Any, ...], PageSession] = {}


def page_session() -> PageSession:
    """This page's session (one per kernel: a Voila kernel serves one page).

    Keyed by what chooses the store and the language, so a changed
    environment (tests) gets a session of its own.
    """
    key = (
        os.environ.get(STORE_ENV, ""),
        os.environ.get(DATA_DIR_ENV, ""),
        running_under_voila(),
        os.environ.get(LANG_ENV, ""),
    )
    session = _sessions.get(key)
    if session is None:
        session = _sessions[key] = PageSession()
    return session
