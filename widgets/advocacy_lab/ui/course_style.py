"""The course stylesheet outside Voila: JupyterLab, Notebook, any front end with anywidget.

Under Voila the page template inlines ``ui/course.css`` in every page's head
(``server/stylesheet.py``). JupyterLab has no such template, and the course's
widgets carry no inline styles, so there the sheet comes as the ``_css`` of
one small anywidget: anywidget puts a widget model's ``_css`` in the page's
head once the model exists (displayed or not), once per widget class, and
again after a page reload. The course's widgets call ``carry_course_style()``
when they are made; under Voila it does nothing (the page has the sheet, and
the widget state would carry a second copy on every visit).
"""
from __future__ import annotations

from pathlib import Path

import anywidget

from advocacy_lab.ui.stores import running_under_voila

#: The course's one stylesheet (the same file server/stylesheet.py inlines in Voila's pages).
STYLESHEET = Path(__file__).with_name("course.css")


class CourseStyle(anywidget.AnyWidget):
    """No view of its own: it exists to bring the course stylesheet to the page."""

    _esm = "export default { initialize() {} };"
    _css = STYLESHEET


_carrier: CourseStyle | None = None


def carry_course_style() -> CourseStyle | None:
    """The kernel's one ``CourseStyle`` (made on first call) outside Voila; None under Voila."""
    global _carrier
    if running_under_voila():
        return None
    if _carrier is None or getattr(_carrier, "comm", None) is None:  # none yet, or closed
        _carrier = CourseStyle()
    return _carrier
