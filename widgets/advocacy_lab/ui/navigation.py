"""Previous/next links at the end of every module page.

Derived from the order of the course outline (``advocacy_lab.core.course``):
coming-soon modules are skipped, and the first and last module link back to
the landing page. Links are relative file names, so they work in JupyterLab
and under Voila's ``/voila/render/``; they carry ``?lang=`` when the page is
not in English, and follow the page's language (``ModuleNavigation.lang``,
set by the page session). In a notebook::

    from advocacy_lab.ui.navigation import module_navigation

    module_navigation("04-campaign-message.ipynb")
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from advocacy_lab.core.catalogue import check_language, text
from advocacy_lab.core.course import Course, load_course, page_href
from advocacy_lab.ui.course_style import carry_course_style
from advocacy_lab.ui.language import InPageLanguage


def _link(href: str, words: str, css: str, rel: str | None = None) -> str:
    rel_attr = f' rel="{rel}"' if rel else ""
    return f'<a class="{css}" href="{html.escape(href)}"{rel_attr}>{words}</a>'


def navigation_links(
    notebook: str, course: Course | None = None, lang: str = "en"
) -> list[tuple[str, str, str | None]]:
    """``[(href, text, rel), ...]``: previous module (or the landing page), then next (or landing)."""
    course = course if course is not None else load_course()
    before, after = course.neighbours(notebook)
    landing = page_href(course.landing_notebook, lang)
    back = course.landing_link_in(lang)
    return [
        (page_href(before.notebook, lang), text("navigation.previous", lang, title=before.title_in(lang)), "prev")
        if before
        else (landing, text("navigation.back", lang, landing=back), None),
        (page_href(after.notebook, lang), text("navigation.next", lang, title=after.title_in(lang)), "next")
        if after
        else (landing, text("navigation.forward_to_landing", lang, landing=back), None),
    ]


def navigation_html(notebook: str, course: Course | None = None, lang: str = "en") -> str:
    (prev_href, prev_text, prev_rel), (next_href, next_text, next_rel) = navigation_links(notebook, course, lang)
    arrow = '<span aria-hidden="true">{}</span>'
    # The arrows are decoration: screen readers read "Previous: ..." / "Next: ...".
    prev_label = html.escape(prev_text).replace("←", arrow.format("←"), 1)
    next_label = html.escape(next_text).replace("→", arrow.format("→"), 1)
    return (
        f'<nav class="al-module-nav-links" aria-label="{html.escape(text("navigation.label", lang))}">'
        + _link(prev_href, prev_label, "al-nav-previous", prev_rel)
        + _link(next_href, next_label, "al-nav-next", next_rel)
        + "</nav>"
    )


class ModuleNavigation(InPageLanguage, widgets.HTML):
    """The previous/next links of one module page, in the page's language (``lang``)."""

    def __init__(self, notebook: str, course: Course | None = None, lang: str = "en", **kwargs: Any) -> None:
        self._notebook = notebook
        self._course = course
        super().__init__(navigation_html(notebook, course, check_language(lang)), **kwargs)
        self._first_language(lang)
        self.add_class("al-module-nav")
        carry_course_style()

    def _in_language(self) -> None:
        self.value = navigation_html(self._notebook, self._course, self.lang)


def module_navigation(notebook: str, course: Course | None = None, lang: str | None = None) -> ModuleNavigation:
    """The previous/next links for the module page ``notebook`` (a file name in notebooks/).

    Without ``lang``, the links follow the page session's language. ValueError
    when ``notebook`` is not an available module of the course.
    """
    if lang is not None:
        return ModuleNavigation(notebook, course, lang)
    from advocacy_lab.ui.session import page_session

    session = page_session()
    nav = ModuleNavigation(notebook, course, session.lang)
    session.follow(nav)
    return nav
