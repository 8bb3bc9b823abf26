"""The base every learner-facing component shares (see /docs and the contract).

- ``value``: the learner's draft as JSON-serialisable data, kept in step with
  the child widgets in both directions; keys a component does not know are
  kept, so a newer saved draft is never trimmed by an older component.
- ``draft_key``: where the draft is saved (unique per component in the course).
- ``_guard``: runs a callback so that an exception shows a friendly message in
  the component (never a traceback or a file path) and is logged.
- ``fields``: every widget the learner types in, clicks or picks, declared once
  with ``_add_field`` (name, and where its value lives in ``value``). Each gets
  the DOM classes ``al-field`` and ``al-fid-<draft key and name>``, a stable
  identity across page loads that the page's journal (ui/browser_store.js)
  uses to keep what the learner types without a round trip to the kernel.
  ``_read_children``/``_write_children`` work from the same declaration, and
  a restored value that does not fit its field is reported in
  ``dropped_fields`` instead of vanishing.
- ``lang``: the page's language. Every fixed text a component shows is
  declared with its catalogue key (``_add_field(label=...)``,
  ``_labelled``); setting ``lang`` (the page session does, once the page has
  said its language) relabels them all and calls ``_relabel`` so derived
  displays (feedback) are drawn again in that language.
"""
from __future__ import annotations

import functools
import html
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import ipywidgets as widgets
import traitlets

from advocacy_lab.core.catalogue import Label, TextKey, localized, text, texts
from advocacy_lab.core.drafts import set_at, field_id
from advocacy_lab.ui.language import InPageLanguage

log = logging.getLogger("advocacy_lab.ui")



FIELD_CLASS = "al-field"
FIELD_ID_PREFIX = "al-fid-"


def field_class(draft_key: str, name: str) -> str:
    """The DOM class naming one learner field (percent-encoded, so any key fits in one class)."""
    return FIELD_ID_PREFIX + quote(field_id(draft_key, name), safe="")


_TEXT_WIDGETS = (widgets.Text, widgets.Textarea)
_FLAG_WIDGETS = (widgets.Checkbox, widgets.ToggleButton)
_CHOICE_WIDGETS = (widgets.RadioButtons, widgets.Dropdown, widgets.Select, widgets.ToggleButtons)


@dataclass(frozen=True)
class Field:
    """One learner field and where its value lives in the component's ``value``.

    ``kind``: "text" (a string), "flag" (true/false), "member" (``item`` is in
    the list at ``path`` while ticked) or "choice" (one of ``choices``, or
    absent when nothing is picked).
    """

    name: str
    widget: widgets.DOMWidget
    path: tuple[str, ...]
    kind: str
    label: Label  # a catalogue key (TextKey), a per-language mapping, or text
    item: str | None = None
    choices: tuple[Any, ...] = ()

    def label_in(self, lang: str) -> str:
        return localized(self.label, lang)

    def spec(self, draft_key: str) -> dict[str, Any]:
        """What the page's journal needs to know about this field (JSON)."""
        spec: dict[str, Any] = {"key": draft_key, "name": self.name, "path": list(self.path), "kind": self.kind}
        if self.kind == "member":
            spec["item"] = self.item
        if self.kind == "choice":
            spec["choices"] = list(self.choices)
        return spec


def _lookup(value: Any, path: tuple[str, ...]) -> tuple[str, Any]:
    """("found", v), ("absent", None) or ("misfit", None) when a container on the way is not a dict."""
    node = value
    for depth, part in enumerate(path):
        if not isinstance(node, Mapping):
            return ("misfit" if depth else "absent"), None
        if part not in node:
            return "absent", None
        node = node[part]
    return "found", node


def _is_choice(value: Any, choices: tuple[Any, ...]) -> bool:
    return any(type(value) is type(c) and value == c for c in choices)


class LearnerComponent(InPageLanguage, widgets.VBox):
    """A VBox with a draft ``value``, a ``draft_key``, declared ``fields`` and friendly errors."""

    value = traitlets.Dict()
    draft_key = traitlets.Unicode()
    #: The catalogue prefix of this component's own sentences (``self._t``).
    _text_prefix = ""
    #: The catalogue key of how the learner knows this piece of work (the drafts keeper names it so).
    _title_key = ""

    def __init__(self, *, draft_key: str, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.draft_key = draft_key
        self._syncing = False
        self._fields: dict[str, Field] = {}
        # (widget, attribute, catalogue key): every fixed text shown, relabelled when ``lang`` changes.
        self._labels: list[tuple[widgets.Widget, str, str, Callable[[str], str]]] = []
        #: Names of the fields the last restored ``value`` could not be shown in.
        self.dropped_fields: list[str] = []
        self._error = widgets.HTML(value="")
        self._error.add_class("al-error")
        self._first_language(lang)

    @property
    def _lang(self) -> str:
        return self.lang

    @property
    def _t(self) -> dict[str, str]:
        """This component's sentences (``_text_prefix``) in the current language."""
        return texts(self._text_prefix, self.lang)

    @property
    def draft_title(self) -> str:
        """How the learner knows this piece of work, in the current language."""
        return text(self._title_key, self.lang) if self._title_key else self.draft_key

    # -- language ---------------------------------------------------------------
    def _labelled(
        self,
        widget: widgets.Widget,
        key: str,
        attr: str = "description",
        render: Callable[[str], str] | None = None,
    ) -> widgets.Widget:
        """Show the catalogue text ``key`` as ``widget.<attr>`` (through ``render``, e.g. into HTML), in every language."""
        shape = render or (lambda words: words)
        text(key)  # a KeyError now for a key no catalogue has
        self._labels.append((widget, attr, key, shape))
        setattr(widget, attr, shape(text(key, self.lang)))
        return widget

    def _in_language(self) -> None:
        def relabel() -> None:
            for widget, attr, key, shape in self._labels:
                setattr(widget, attr, shape(text(key, self.lang)))
            self._relabel()

        self._guard(relabel)()

    def _relabel(self) -> None:
        """Draw derived displays (feedback, results) again in the new language."""

    # -- the learner's fields ------------------------------------------------
    def _add_field(
        self,
        name: str,
        widget: widgets.DOMWidget,
        *,
        path: tuple[str, ...] | None = None,
        member: str | None = None,
        label: Label | None = None,
        label_key: str | None = None,
        label_attr: str | None = "description",
    ) -> widgets.DOMWidget:
        """Declare ``widget`` as the learner field ``name`` (its value at ``path``, default ``(name,)``).

        A Checkbox with ``member`` puts that item in the list at ``path`` while
        ticked. Text fields update on every keystroke (``continuous_update``),
        so checks and downloads always use what is on screen. ``label_key``:
        the catalogue key of the field's label, shown as ``widget.<label_attr>``
        (``None``: the label is shown elsewhere) and relabelled with ``lang``;
        ``label``: the label given otherwise (a per-language mapping, or text).
        """
        field_id(self.draft_key, name)  # a clear ValueError for a bad name
        if name in self._fields:
            raise ValueError(f"{type(self).__name__} declares the field {name!r} twice.")
        if isinstance(widget, _TEXT_WIDGETS):
            kind = "text"
            widget.continuous_update = True
        elif isinstance(widget, _FLAG_WIDGETS):
            kind = "member" if member is not None else "flag"
        elif isinstance(widget, _CHOICE_WIDGETS):
            kind = "choice"
        else:
            raise ValueError(f"{type(widget).__name__} is not a kind of learner field the drafts know.")
        if member is not None and kind != "member":
            raise ValueError(f"Only a tick box can be a member of a list (field {name!r}).")
        if label_key is not None and label_attr is not None:
            self._labelled(widget, label_key, label_attr)
        field = Field(
            name=name,
            widget=widget,
            path=tuple(path) if path is not None else (name,),
            kind=kind,
            label=TextKey(label_key) if label_key is not None else (
                label if label is not None else str(getattr(widget, "description", "") or name)
            ),
            item=member,
            choices=tuple(value for _, value in widget._options_full) if kind == "choice" else (),
        )
        widget.add_class(FIELD_CLASS)
        widget.add_class(field_class(self.draft_key, name))
        self._fields[name] = field
        return widget

    @property
    def fields(self) -> dict[str, widgets.DOMWidget]:
        """Every learner field by name (in the order declared)."""
        return {name: f.widget for name, f in self._fields.items()}

    @property
    def field_declarations(self) -> tuple[Field, ...]:
        return tuple(self._fields.values())

    def field_specs(self) -> dict[str, dict[str, Any]]:
        """Field id -> what the page's journal needs (draft key, name, path, kind)."""
        return {field_id(self.draft_key, f.name): f.spec(self.draft_key) for f in self._fields.values()}

    def field_label(self, path: list[str] | tuple[str, ...]) -> str:
        """How the learner knows the field at ``path`` (its label), else the draft's title."""
        path = tuple(path)
        for f in self._fields.values():
            if f.path == path or f.path[: len(path)] == path:
                return f.label_in(self.lang)
        return str(getattr(self, "draft_title", "") or self.draft_key)

    # -- value <-> children, from the declared fields ---------------------------
    def _read_children(self) -> dict[str, Any]:
        """The draft as the child widgets currently show it."""
        if not self._fields:
            raise NotImplementedError(f"{type(self).__name__} declares no fields")
        result: dict[str, Any] = {}
        for f in self._fields.values():
            if f.kind == "member":
                if _lookup(result, f.path)[0] != "found":
                    set_at(result, f.path, [])
                if f.widget.value:
                    _lookup(result, f.path)[1].append(f.item)
            elif f.kind == "choice":
                # The group is there even when nothing is picked yet ({"answers": {}}).
                if len(f.path) > 1 and _lookup(result, f.path[:-1])[0] != "found":
                    set_at(result, f.path[:-1], {})
                if f.widget.value is not None:
                    set_at(result, f.path, f.widget.value)
            else:
                set_at(result, f.path, f.widget.value)
        return result

    def _write_children(self, value: Mapping[str, Any]) -> list[str]:
        """Show ``value`` in the child widgets; return the fields whose value did not fit.

        A field that ``value`` does not mention keeps what it shows, except a
        choice whose group is there (that question was not answered). A value
        of the wrong type is not shown, and the field is named in the result.
        """
        dropped: list[str] = []
        for f in self._fields.values():
            status, found = _lookup(value, f.path)
            if f.kind == "choice":
                if len(f.path) > 1:
                    group_status, group = _lookup(value, f.path[:-1])
                    if group_status == "absent":
                        continue
                    if group_status == "misfit" or not isinstance(group, Mapping):
                        dropped.append(f.name)
                        continue
                elif status == "absent":
                    continue
                fits = status == "found" and _is_choice(found, f.choices)
                if status == "found" and found is not None and not fits:
                    dropped.append(f.name)
                f.widget.value = found if fits else None
                continue
            if status == "absent":
                continue
            if status == "misfit":
                fits = False
            elif f.kind == "member":
                fits = isinstance(found, (list, tuple))
            elif f.kind == "flag":
                fits = isinstance(found, bool)
            else:
                fits = isinstance(found, str)
            if not fits:
                dropped.append(f.name)
            elif f.kind == "member":
                f.widget.value = f.item in found
            else:
                f.widget.value = found
        return dropped

    def _after_restore(self) -> None:
        """Refresh derived displays (feedback, previews) after ``value`` is set."""

    # -- syncing ------------------------------------------------------------
    def _sync_from_children(self, change: Any = None) -> None:
        """Child -> value: keep unknown keys, overwrite the known ones."""
        if self._syncing:
            return
        merged = dict(self.value)
        merged.update(self._read_children())
        self._syncing = True
        try:
            self.value = merged
        finally:
            self._syncing = False

    @traitlets.observe("value")
    def _on_value(self, change: Mapping[str, Any]) -> None:
        """Value -> children, when someone (e.g. the drafts keeper) assigns it."""
        if self._syncing:
            return
        new = change["new"] if isinstance(change["new"], Mapping) else {}

        def restore() -> None:
            self._syncing = True
            try:
                self.dropped_fields = list(self._write_children(new) or ())
            finally:
                self._syncing = False
            # Normalise: what the children accepted, plus every unknown key.
            self._sync_from_children()
            self._after_restore()

        self._guard(restore)()

    # -- friendly errors ------------------------------------------------------
    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a callback: on an exception log it and show a friendly line."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - any failure must reach the learner kindly
                log.exception("error in %s callback %s", type(self).__name__, fn.__name__)
                self._show_error(text("component.friendly_error", self.lang))
                return None
            self._show_error("")
            return result

        return wrapper

    def _show_error(self, message: str) -> None:
        self._error.value = (
            f'<div class="al-error-message" role="alert">{html.escape(message)}</div>'
            if message
            else ""
        )

    @property
    def error_message(self) -> str:
        """The friendly error line currently shown ("" when none)."""
        return self._error.value


def str_or(value: Any, default: str) -> str:
    """``value`` when it is text, else ``default`` (restored drafts may be malformed)."""
    return value if isinstance(value, str) else default
