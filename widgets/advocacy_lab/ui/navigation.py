"""Previous/next links at the end of every module page.

Derived from the order of ``data/modules.json`` (the one source of truth):
coming-soon modules are skipped, and the first and last module link back to
the landing page. Links are relative file names, so they work in JupyterLab
and under Voila's ``/voila/render/``. In a notebook::

    from advocacy_lab.ui.navigation import module_navigation

    module_navigation("04-campaign-message.ipynb")
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from advocacy_lab.course import Course, load_course, module_neighbours


def _link(href: str, text: str, css: str, rel: str | None = None) -> str:
    rel_attr = f' rel="{rel}"' if rel else ""
    return f'<a class="{css}" href="{html.escape(href)}"{rel_attr}>{text}</a>'


def navigation_links(notebook: str, course: Course | None = None) -> list[tuple[str, str, str | None]]:
    """``[(href, text, rel), ...]``: previous module (or the landing page), then next (or landing)."""
    course = course if course is not None else load_course()
    before, after = module_neighbours(course, notebook)
    landing = course.landing_notebook
    back = course.landing_link
    return [
        (before.notebook, f"← Previous: {before.title}", "prev") if before else (landing, f"← {back}", None),
        (after.notebook, f"Next: {after.title} →", "next") if after else (landing, f"{back} →", None),
    ]


def module_navigation(notebook: str, course: Course | None = None) -> widgets.HTML:
    """The previous/next links for the module page ``notebook`` (a file name in notebooks/).

    ValueError when ``notebook`` is not an available module in modules.json.
    """
    (prev_href, prev_text, prev_rel), (next_href, next_text, next_rel) = navigation_links(notebook, course)
    arrow = '<span aria-hidden="true">{}</span>'
    # The arrows are decoration: screen readers read "Previous: ..." / "Next: ...".
    prev_label = html.escape(prev_text).replace("←", arrow.format("←"), 1)
    next_label = html.escape(next_text).replace("→", arrow.format("→"), 1)
    nav = (
        '<nav class="al-module-nav-links" aria-label="Modules" '
        'style="display:flex;flex-wrap:wrap;justify-content:space-between;gap:1em;'
        'margin:1.5em 0 0.5em 0;padding-top:0.8em;border-top:1px solid #ccc">'
        + _link(prev_href, prev_label, "al-nav-previous", prev_rel)
        + _link(next_href, next_label, "al-nav-next", next_rel)
        + "</nav>"
    )
    widget = widgets.HTML(nav)
    widget.add_class("al-module-nav")
    return widget
