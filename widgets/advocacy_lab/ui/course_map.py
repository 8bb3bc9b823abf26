"""``CourseMap``: the landing page's list of modules, with links.

Reads the module list from ``advocacy_lab.course.load_modules`` (data), so a
new module appears on the landing page by editing ``data/modules.json``.
Links are relative (``04-campaign-message.ipynb``) so they work both in
JupyterLab and under Voila's ``/voila/render/``.
"""
from __future__ import annotations

import html
from typing import Any, Mapping

import ipywidgets as widgets

from advocacy_lab.course import CourseModule, load_modules

PROGRESS_LABELS = {"started": "Started", "finished": "Finished"}


def _module_item(module: CourseModule, progress: str | None) -> str:
    title = html.escape(f"{module.number:02d}. {module.title}")
    summary = html.escape(module.summary)
    if module.available:
        heading = f'<a href="{html.escape(module.notebook)}">{title}</a>'
        badge = ""
        if progress in PROGRESS_LABELS:
            badge = (
                f' <span class="al-progress al-progress-{progress}" '
                f'style="font-size:0.85em;padding:0 0.4em;border:1px solid #1e6b2f;'
                f'border-radius:0.6em;color:#1e6b2f">{PROGRESS_LABELS[progress]}</span>'
            )
        css = "al-module al-module-available"
    else:
        heading = f'<span style="color:#555">{title}</span>'
        badge = ' <span class="al-coming-soon" style="font-size:0.85em;color:#555">(coming soon)</span>'
        css = "al-module al-module-planned"
    return (
        f'<li class="{css}" data-module="{html.escape(module.id)}" style="margin:0.4em 0">'
        f"<strong>{heading}</strong>{badge}<br><span>{summary}</span></li>"
    )


class CourseMap(widgets.VBox):
    """The list of modules; available ones link to their notebook.

    ``progress`` maps a module id to "started" or "finished" (issue #3 fills it
    from the learner's drafts).
    """

    def __init__(self, progress: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._modules = load_modules()
        self._list = widgets.HTML("")
        self._list.add_class("al-course-map-list")
        self.children = [self._list]
        self.add_class("al-course-map")
        self.show_progress(progress or {})

    @property
    def modules(self) -> tuple[CourseModule, ...]:
        return self._modules

    def show_progress(self, progress: Mapping[str, str]) -> None:
        items = "".join(_module_item(m, progress.get(m.id)) for m in self._modules)
        self._list.value = f'<ol style="list-style:none;padding-left:0">{items}</ol>'
