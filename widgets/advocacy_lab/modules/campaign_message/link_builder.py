"""``TrackingLinkBuilder``: add UTM parameters to a link so website statistics
show which post brought each visitor. A thin view over
``advocacy_lab.checks.build_tracking_link``.
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from advocacy_lab import checks
from advocacy_lab.core.links import LinkError
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.course_style import carry_course_style

from .schema import TRACKING_LINK

FIELDS = tuple(f.name for f in TRACKING_LINK.fields)


class TrackingLinkBuilder(LearnerComponent):
    """Four inputs and a button; shows the tracked link or what to fix.

    ``value`` = {"url", "source", "medium", "campaign": str}.
    ``check()`` builds the link: returns it (str), or None when an input is
    wrong, in which case the core's message is shown.
    """

    _text_prefix = "campaign_message.link"
    _title_key = TRACKING_LINK.title

    def __init__(
        self,
        *,
        draft_key: str = TRACKING_LINK.key,
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._link: str | None = None
        self._inputs: dict[str, widgets.Text] = {}
        for field in TRACKING_LINK.fields:
            box = widgets.Text(
                value="",
                continuous_update=True,
            )
            box.add_class(f"al-link-{field.name}")
            self._labelled(box, f"{field.label}_ph", "placeholder")
            self._add_field(field.name, box, label_key=field.label)
            box.observe(self._guard(self._on_input), names="value")
            self._inputs[field.name] = box
        self._build = self._labelled(
            widgets.Button(button_style="primary"), f"{self._text_prefix}.build"
        )
        self._build.add_class("al-link-build")
        self._build.on_click(self._guard(lambda _b: self.check()))
        self._result = widgets.HTML("")
        self._result.add_class("al-link-result")
        self.children = [
            # Catalogue texts are words, not markup: the heading and its class are added here, escaped.
            self._labelled(
                widgets.HTML(), f"{self._text_prefix}.intro_title", "value",
                lambda words: f'<h3 class="al-intro-title">{html.escape(words)}</h3>',
            ),
            self._labelled(
                widgets.HTML(), f"{self._text_prefix}.intro", "value",
                lambda words: f'<p class="al-intro-text">{html.escape(words)}</p>',
            ),
            *self._inputs.values(),
            self._build,
            self._error,
            self._result,
        ]
        self.add_class("al-tracking-link-builder")
        carry_course_style()
        self._sync_from_children()

    def _on_input(self, change: Any = None) -> None:
        self._sync_from_children()
        # Once a result is shown, it follows what is on screen (a click may
        # reach the kernel before the last keystroke does).
        if self._result.value:
            self.check()

    def _relabel(self) -> None:
        # A result or a problem on screen is said again in the page's language.
        if self._result.value:
            self.check()

    def _after_restore(self) -> None:
        # A restored draft with every part filled shows its link again.
        if all(box.value.strip() for box in self._inputs.values()):
            self.check()
        else:
            self._link = None
            self._result.value = ""

    @property
    def link(self) -> str | None:
        """The last link built, or None."""
        return self._link

    def check(self) -> str | None:
        values = {name: box.value.strip() for name, box in self._inputs.items()}
        try:
            link = checks.build_tracking_link(
                values["url"], values["source"], values["medium"], values["campaign"]
            )
        except ValueError as exc:
            # Expected learner mistakes: the core's code says what to fix, here in the page's language.
            problem = exc.in_language(self.lang) if isinstance(exc, LinkError) else str(exc)
            self._link = None
            self._result.value = (
                '<div class="al-status al-status-fail" role="status">'
                f"<strong>{html.escape(self._t['not_yet'])}</strong> {html.escape(problem)}</div>"
            )
            return None
        self._link = link
        label = html.escape(self._t["result_label"])
        self._result.value = (
            '<div class="al-status al-status-pass" role="status">'
            f"{html.escape(self._t['result'])}</div>"
            f'<input class="al-link-copy" type="text" readonly aria-label="{label}" value="{html.escape(link)}">'
            f'<div class="al-link-text">{html.escape(link)}</div>'
        )
        return link
