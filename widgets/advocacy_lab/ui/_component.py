"""The base every learner-facing component shares (see /docs and the contract).

- ``value``: the learner's draft as JSON-serialisable data, kept in step with
  the child widgets in both directions; keys a component does not know are
  kept, so a newer saved draft is never trimmed by an older component.
- ``draft_key``: where the draft is saved (unique per component in the course).
- ``_guard``: runs a callback so that an exception shows a friendly message in
  the component (never a traceback or a file path) and is logged.
"""
from __future__ import annotations

import functools
import html
import logging
from typing import Any, Callable, Mapping

import ipywidgets as widgets
import traitlets

log = logging.getLogger("advocacy_lab.ui")

FRIENDLY_ERROR = {
    "en": "Sorry, something went wrong on our side. Your text is safe. "
    "Try again, and if it keeps happening, tell your trainer.",
    "vi": "Xin lỗi, đã có lỗi xảy ra ở phía chúng tôi. Nội dung của bạn vẫn được giữ. "
    "Hãy thử lại, nếu vẫn lỗi, hãy báo cho giảng viên.",
}


class LearnerComponent(widgets.VBox):
    """A VBox with a draft ``value``, a ``draft_key`` and friendly errors."""

    value = traitlets.Dict()
    draft_key = traitlets.Unicode()

    def __init__(self, *, draft_key: str, lang: str = "en", **kwargs: Any) -> None:
        if lang not in ("en", "vi"):
            raise ValueError(f"lang must be 'en' or 'vi', not {lang!r}")
        super().__init__(**kwargs)
        self.draft_key = draft_key
        self._lang = lang
        self._syncing = False
        self._error = widgets.HTML(value="")
        self._error.add_class("al-error")

    # -- subclasses implement these two ------------------------------------
    def _read_children(self) -> dict[str, Any]:
        """The draft as the child widgets currently show it."""
        raise NotImplementedError

    def _write_children(self, value: Mapping[str, Any]) -> None:
        """Show ``value`` in the child widgets (ignore keys of the wrong type)."""
        raise NotImplementedError

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
                self._write_children(new)
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
                self._show_error(FRIENDLY_ERROR[self._lang])
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
