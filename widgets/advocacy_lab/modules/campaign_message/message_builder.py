"""``MessageBuilder``: the message box (problem, solution, ask) and a post
checked live against each platform the learner picks.

A thin view over ``advocacy_lab.checks.check_post``: the widget only gathers
text, calls the core and renders its ``Feedback`` (escaped) per platform with
a length bar and a copy-ready post.
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from advocacy_lab import checks
from advocacy_lab.core.counting import prepare_counting
from advocacy_lab.core.feedback import Feedback
from advocacy_lab.ui._component import LearnerComponent
from advocacy_lab.ui.course_style import carry_course_style
from advocacy_lab.ui.feedback_view import render_details, render_findings, render_for_trainers, render_status

from .schema import MESSAGE_BUILDER

DEFAULT_PLATFORMS = ("x", "facebook", "instagram")



def _length_bar(length: int, limit: int, caption: str, over_text: str) -> str:
    """The count, e.g. "247 / 280", and a meter of it: green, amber past 90 %, red when over
    (the browser draws the meter from its value; its colours are the stylesheet's)."""
    over = " al-length-over" if length > limit else ""
    label = html.escape(caption)
    extra = f" ({html.escape(over_text.format(n=f'{length - limit:,}'))})" if length > limit else ""
    near = int(limit * 0.9)
    return (
        f'<div class="al-length-bar{over}" data-length="{length}" data-limit="{limit}">'
        f'<div class="al-length-caption">{label}: <strong>{length:,} / {limit:,}</strong>{extra}</div>'
        f'<meter class="al-length-meter" aria-label="{label}" min="0" max="{limit}" '
        f'low="{near}" high="{limit}" optimum="0" value="{min(length, limit)}"></meter></div>'
    )


class MessageBuilder(LearnerComponent):
    """Message box + post composer, checked live for each chosen platform.

    ``value`` = {"problem", "solution", "ask", "post": str, "platforms": [ids]}.
    ``check()`` returns {platform id: Feedback} for the chosen platforms.
    """

    _text_prefix = "campaign_message.builder"
    _title_key = MESSAGE_BUILDER.title

    def __init__(
        self,
        *,
        draft_key: str = MESSAGE_BUILDER.key,
        platforms: tuple[str, ...] = DEFAULT_PLATFORMS,
        lang: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(draft_key=draft_key, lang=lang, **kwargs)
        self._platforms = dict(checks.load_platforms())
        prepare_counting()
        unknown = [p for p in platforms if p not in self._platforms]
        if unknown:
            raise ValueError(
                f"unknown platform(s) {', '.join(unknown)}; "
                f"valid ones are {', '.join(self._platforms)}"
            )
        self._feedback: dict[str, Feedback] = {}
        prefix = self._text_prefix

        # The text fields of the draft schema, each a text area labelled from its catalogue key.
        rows = {"post": 5}
        css = {"post": "al-post-text"}
        boxes: dict[str, widgets.Textarea] = {}
        for field in MESSAGE_BUILDER.of_kind("text"):
            box = widgets.Textarea(
                value="",
                rows=rows.get(field.name, 2),
                continuous_update=True,
            )
            box.add_class(css.get(field.name, f"al-{field.name}"))
            self._labelled(box, f"{field.label}_ph", "placeholder")
            self._add_field(field.name, box, label_key=field.label)
            boxes[field.name] = box

        # Catalogue texts are words, not markup: the heading and its class are added here, escaped.
        self._intro_title = self._labelled(
            widgets.HTML(), f"{prefix}.intro_title", "value",
            lambda words: f'<h3 class="al-intro-title">{html.escape(words)}</h3>',
        )
        self._intro = self._labelled(
            widgets.HTML(), f"{prefix}.intro", "value", lambda words: f'<p class="al-intro-text">{html.escape(words)}</p>'
        )
        self._problem = boxes["problem"]
        self._solution = boxes["solution"]
        self._ask = boxes["ask"]
        self._compose = self._labelled(
            widgets.Button(), f"{prefix}.compose"
        )
        self._compose.add_class("al-compose")
        self._compose_note = widgets.HTML("")
        self._post = boxes["post"]

        self._platform_boxes = {}
        for pid, platform in self._platforms.items():
            cb = widgets.Checkbox(
                value=pid in platforms,
                description=platform.name,
                indent=False,
            )
            cb.add_class(f"al-platform-{pid}")
            self._platform_boxes[pid] = cb
        platforms_field = MESSAGE_BUILDER.field("platforms")
        for pid, cb in self._platform_boxes.items():
            # The tick box shows the platform's name; the field is known by the picker's label.
            self._add_field(
                f"{platforms_field.name}.{pid}", cb, path=(platforms_field.name,), member=pid,
                label_key=platforms_field.label, label_attr=None,
            )
        self._platform_picker = widgets.HBox(
            [self._labelled(widgets.Label(), platforms_field.label, "value")] + list(self._platform_boxes.values())
        )
        self._platform_picker.add_class("al-platforms")

        self._check_button = self._labelled(
            widgets.Button(button_style="primary"), f"{prefix}.check"
        )
        self._check_button.add_class("al-check")
        self._feedback_html = widgets.HTML(self._waiting_html())
        self._feedback_html.add_class("al-feedback")

        for box in (self._problem, self._solution, self._ask):
            box.observe(self._guard(self._sync_from_children), names="value")
        self._post.observe(self._guard(self._on_post), names="value")
        for cb in self._platform_boxes.values():
            cb.observe(self._guard(self._on_platforms), names="value")
        self._check_button.on_click(self._guard(lambda _b: self.check()))
        self._compose.on_click(self._guard(lambda _b: self.compose_from_message_box()))

        self.children = [
            self._intro_title,
            self._intro,
            self._problem,
            self._solution,
            self._ask,
            widgets.HBox([self._compose, self._compose_note]),
            self._post,
            self._platform_picker,
            self._check_button,
            self._error,
            self._feedback_html,
        ]
        self.add_class("al-message-builder")
        carry_course_style()
        self._sync_from_children()

    # -- value <-> children: from the fields declared above (LearnerComponent) --
    def _relabel(self) -> None:
        # Feedback and notes are drawn again in the page's language.
        self._compose_note.value = ""
        self._after_restore()

    def _after_restore(self) -> None:
        # A restored (or started-over) empty post shows the invitation, not an error.
        if self._post.value:
            self.check()
        else:
            self._feedback = {}
            self._feedback_html.value = self._waiting_html()

    # -- callbacks ------------------------------------------------------------
    def _on_post(self, change: Any = None) -> None:
        self._sync_from_children()
        self._refresh()

    def _on_platforms(self, change: Any = None) -> None:
        self._sync_from_children()
        self._refresh()

    def _refresh(self) -> None:
        """Live update: re-check once there is something to check."""
        # Once checked, keep checking: emptying the post says so (text.empty).
        if self._post.value or self._feedback:
            self.check()
        else:
            self._feedback_html.value = self._waiting_html()

    # -- public API -------------------------------------------------------------
    @property
    def platforms(self) -> list[str]:
        """Ids of the platforms currently picked, in the platform table's order."""
        return [pid for pid, cb in self._platform_boxes.items() if cb.value]

    @property
    def feedback(self) -> dict[str, Feedback]:
        """The Feedback of the last check, per platform id."""
        return dict(self._feedback)

    def compose_from_message_box(self) -> bool:
        """Fill an empty post from problem + solution + ask; never overwrite a post."""
        if self._post.value.strip():
            self._compose_note.value = f"<em>{html.escape(self._t['compose_full'])}</em>"
            return False
        parts = [p.value.strip() for p in (self._problem, self._solution, self._ask)]
        parts = [p for p in parts if p]
        if not parts:
            self._compose_note.value = f"<em>{html.escape(self._t['compose_empty'])}</em>"
            return False
        self._compose_note.value = ""
        self._post.value = " ".join(parts)
        return True

    def check(self) -> dict[str, Feedback]:
        """Check the post for every chosen platform and render the results."""
        text = self._post.value
        results = {pid: checks.check_post(text, pid, lang=self._lang) for pid in self.platforms}
        self._feedback = results
        if not results:
            self._feedback_html.value = f"<p><em>{html.escape(self._t['no_platforms'])}</em></p>"
        else:
            self._feedback_html.value = "".join(
                self._platform_section(pid, fb, text) for pid, fb in results.items()
            )
        return dict(results)

    # -- rendering ----------------------------------------------------------------
    def _waiting_html(self) -> str:
        return f"<p class='al-waiting'><em>{html.escape(self._t['waiting'])}</em></p>"

    def _platform_section(self, pid: str, fb: Feedback, text: str) -> str:
        from advocacy_lab.core.text import strip_bidi_controls

        # What is shown and copied carries no bidi control (the text.bidi_controls finding says so).
        text = strip_bidi_controls(text)
        platform = self._platforms[pid]
        name = platform.name
        t = self._t
        length = int(fb.metrics.get("length", 0))
        limit = int(fb.metrics.get("limit", platform.limit))
        parts = [
            # Its edge takes the verdict's colour (the stylesheet, by data-verdict).
            f'<section class="al-platform-result al-platform-result-{html.escape(pid)}" '
            f'data-verdict="{fb.verdict.value}">',
            render_status(fb, platform_name=name, lang=self._lang),
            _length_bar(length, limit, t["length"].format(name=name), t["over"]),
            render_findings(fb.findings, lang=self._lang),
            # Reading ease in words, and the post with what does not fit, or what shows
            # only after "more", marked (offsets into the post as typed): the cut is shown once, there.
            render_details(self._post.value, fb, platform_name=name, lang=self._lang),
        ]
        if fb.passed:
            label = html.escape(t["copy_label"].format(name=name))
            parts.append(
                f'<div class="al-copy-ready">'
                f'<div class="al-copy-caption">{html.escape(t["copy"].format(name=name))}</div>'
                f'<textarea readonly class="al-copy-text" aria-label="{label}" rows="4">'
                f"{html.escape(text.strip())}</textarea></div>"
            )
        else:
            parts.append(
                f'<div class="al-copy-ready al-copy-not-ready">'
                f"<em>{html.escape(t['fix_first'].format(name=name))}</em></div>"
            )
        parts.append(render_for_trainers(fb, lang=self._lang))
        parts.append("</section>")
        return "".join(parts)
