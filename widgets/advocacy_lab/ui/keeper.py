"""The drafts keeper: every change saved, restored after reloads and restarts.

In a notebook::

    from advocacy_lab.ui.drafts import keep_drafts
    builder = MessageBuilder()
    quiz = Quiz(...)
    keeper = keep_drafts(builder, quiz)
    display(keeper, builder, quiz)

The keeper uses the page session's store (``advocacy_lab.ui.session``) and
follows its language. Nothing typed is lost when the server or the kernel
goes away: with the browser store, the page keeps a journal of every learner
field itself (browser_store.js), merged over the drafts on the next load, and
the ``ConnectionWatch`` tells the learner what happened and what to do. Saves
carry only the fields that changed, so two tabs of one module keep each
other's text; a text written over is kept aside and shown.
"""
from __future__ import annotations

import contextlib
import copy
import html
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import ipywidgets as widgets
import traitlets

from advocacy_lab.core.catalogue import text, texts
from advocacy_lab.core.drafts import DraftStore, diff_changes, validate_key
from advocacy_lab.core.text import strip_bidi_controls
from advocacy_lab.ui.connection import ConnectionWatch
from advocacy_lab.ui.language import InPageLanguage

log = logging.getLogger(__name__)


def _label(component: Any) -> str:
    return str(getattr(component, "draft_title", "") or component.draft_key)


def _problem(key: str, **values: Any) -> tuple[str, dict[str, Any]]:
    # A problem is kept as its catalogue key and values, so it can be said again in another language.
    return key, values


class DraftKeeper(InPageLanguage, widgets.VBox):
    """Saves each component's ``value`` on every change and restores it on start.

    Display it near the components: it shows where the work is saved, any
    problem in plain language, and a "Start over" button that asks first.
    Only the fields that changed are saved (``store.update``), so another tab
    of the same module keeps its text; a text written over elsewhere is kept
    aside and shown. With a store that keeps a page journal (the browser
    store) it also tells the page which fields to journal, and shows the
    connection watch (``ConnectionWatch``).
    """

    #: Conflicts shown at once (the newest); each is also kept in the store.
    MAX_CONFLICTS_SHOWN = 3

    def __init__(
        self,
        components: tuple[Any, ...] | list[Any],
        store: DraftStore,
        *,
        lang: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        components = tuple(components)
        if not components:
            raise ValueError("keep_drafts needs at least one component to keep.")
        seen: dict[str, Any] = {}
        for component in components:
            if not (
                isinstance(component, traitlets.HasTraits)
                and component.has_trait("value")
                and isinstance(component.value, Mapping)
            ):
                raise ValueError(
                    f"{type(component).__name__} has no dict 'value' trait (the learner's draft), "
                    "so its drafts cannot be kept."
                )
            key = getattr(component, "draft_key", None)
            try:
                validate_key(key)
            except ValueError as exc:
                raise ValueError(f"{type(component).__name__} needs a valid draft_key: {exc}") from None
            if key in seen:
                raise ValueError(f"Two components share the draft_key {key!r}; each needs its own.")
            seen[key] = component
        self._store = store
        self._components = components
        self._keys = tuple(component.draft_key for component in components)
        # What "Start over" goes back to: each component as it was built.
        self._blank = {key: copy.deepcopy(dict(c.value)) for key, c in zip(self._keys, components)}
        # Each draft as last saved or restored: what a change is measured from
        # (after a failed save the component is ahead of the store).
        self._saved = copy.deepcopy(self._blank)
        self._quiet = 0
        self._problem: tuple[str, dict[str, Any]] | None = None  # latest save/restore problem (catalogue key, values)
        self._problem_text = ""  # or a problem the store said in words (an OSError's message)
        self._message = ""  # catalogue key of the latest action ("drafts.keeper.cleared")
        self._first_language(lang or str(getattr(components[0], "lang", "") or "en"))
        self._dropped: list[str] = []  # labels of restored parts that did not fit their field
        self._other_tab = False
        self._incomplete = False  # some saved work did not reach the kernel on load
        self._conflicts: list[tuple[str, str]] = []  # (part, the other text), newest last

        self._status = widgets.HTML()
        self._status.add_class("al-drafts-status")
        self._notice = widgets.HTML()
        self._notice.add_class("al-drafts-notice")
        self._start_over = widgets.Button()
        self._start_over.add_class("al-start-over")
        self._confirm_text = widgets.HTML()
        self._confirm_yes = widgets.Button(button_style="danger")
        self._confirm_yes.add_class("al-start-over-confirm")
        self._confirm_no = widgets.Button()
        self._label_buttons()
        self._confirm_no.add_class("al-start-over-cancel")
        self._confirm = widgets.VBox(
            [self._confirm_text, widgets.HBox([self._confirm_yes, self._confirm_no])],
            layout=widgets.Layout(display="none"),
        )
        self._confirm.add_class("al-start-over-confirmation")
        self._start_over.on_click(lambda _b: self.request_start_over())
        self._confirm_yes.on_click(lambda _b: self.confirm_start_over())
        self._confirm_no.on_click(lambda _b: self.cancel_start_over())

        children: list[widgets.Widget] = [self._status, self._notice, self._start_over, self._confirm]
        store_widget = getattr(store, "widget", None)
        if isinstance(store_widget, widgets.Widget):
            children.append(store_widget)  # its view is empty; it must be on the page to reach the browser
        self.watch: ConnectionWatch | None = None
        declare_fields = getattr(store, "declare_fields", None)
        if callable(declare_fields):
            # The page journals these fields itself, so it can say "keep typing"
            # when the kernel is gone: hence the watch, with this store only.
            specs: dict[str, Any] = {}
            for component in components:
                field_specs = getattr(component, "field_specs", None)
                if callable(field_specs):
                    specs.update(field_specs())
            declare_fields(specs)
            self.watch = ConnectionWatch(lang=self.lang)
            children.append(self.watch)
        self.children = children
        self.add_class("al-drafts")

        for component in components:
            component.observe(self._on_value_change, names="value")
        if isinstance(store, traitlets.HasTraits) and store.has_trait("notice"):
            store.observe(lambda _change: self._refresh(), names="notice")
        add_listener = getattr(store, "add_listener", None)
        if callable(add_listener):
            add_listener(self._on_store_event)

        when_ready = getattr(store, "when_ready", None)
        if callable(when_ready):
            when_ready(self._on_store_ready)
        else:
            self._restore_all()
        self._refresh()

    @property
    def _lang(self) -> str:
        return self.lang

    # -- language ----------------------------------------------------------------
    def _in_language(self) -> None:
        self._label_buttons()
        if self.watch is not None:
            self.watch.texts = texts("connection", self.lang)
        if self.awaiting_confirmation:
            self.request_start_over()
        self._refresh()

    def _label_buttons(self) -> None:
        self._start_over.description = text("drafts.keeper.start_over", self.lang)
        self._start_over.tooltip = text("drafts.keeper.start_over_tip", self.lang)
        self._confirm_yes.description = text("drafts.keeper.confirm_yes", self.lang)
        self._confirm_no.description = text("drafts.keeper.confirm_no", self.lang)

    # -- read-only state (for tests and pages) ------------------------------
    @property
    def store(self) -> DraftStore:
        return self._store

    @property
    def components(self) -> tuple[Any, ...]:
        return self._components

    @property
    def status(self) -> str:
        """The status line as plain text."""
        return self._status_text()

    @property
    def notice(self) -> str:
        """Problems the learner should know about, as plain text ("" when none)."""
        return self._notice_text()

    @property
    def awaiting_confirmation(self) -> bool:
        return self._confirm.layout.display != "none"

    # -- Start over ---------------------------------------------------------
    def request_start_over(self) -> None:
        """Ask before clearing (what the "Start over" button does)."""
        names = ", ".join(_label(c) for c in self._components)
        self._confirm_text.value = (
            '<p class="al-start-over-question" role="alert">'
            + html.escape(text("drafts.keeper.confirm_question", self.lang, parts=names))
            + "</p>"
        )
        self._confirm.layout.display = None
        self._start_over.disabled = True

    def cancel_start_over(self) -> None:
        self._hide_confirmation()

    def confirm_start_over(self) -> None:
        """Delete these components' drafts and put them back as they were built."""
        if not self.awaiting_confirmation:
            return  # only ever after the learner was asked
        self._hide_confirmation()
        failed = []
        for key, component in zip(self._keys, self._components):
            try:
                self._store.delete(key)
            except Exception:  # noqa: BLE001 - tell the learner, keep going
                log.exception("could not delete draft %r", key)
                failed.append(_label(component))
            with self._quietly():
                component.value = copy.deepcopy(self._blank[key])
            self._saved[key] = copy.deepcopy(dict(component.value))
        self._problem_text = ""
        if failed:
            self._problem = _problem("drafts.keeper.not_cleared", parts=", ".join(failed))
        else:
            self._problem = None
            self._message = "drafts.keeper.cleared"
        self._refresh()

    def _hide_confirmation(self) -> None:
        self._confirm.layout.display = "none"
        self._confirm_text.value = ""
        self._start_over.disabled = False

    # -- saving and restoring -------------------------------------------------
    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _on_store_ready(self) -> None:
        self._restore_all()
        self._refresh()

    def _restore_all(self, keys: Any = None) -> None:
        problems = []
        for key, component in zip(self._keys, self._components):
            if keys is not None and key not in keys:
                continue
            try:
                saved = self._store.load(key)
            except Exception:  # noqa: BLE001 - an unreadable store must not break the page
                log.exception("could not load draft %r", key)
                problems.append(_label(component))
                continue
            if saved is None or saved == component.value:
                continue
            try:
                with self._quietly():
                    component.value = saved
            except Exception:  # noqa: BLE001
                log.exception("could not restore draft %r", key)
                problems.append(_label(component))
                continue
            self._saved[key] = copy.deepcopy(dict(component.value))
            self._announce_dropped(key, component)
        if problems:
            self._problem = _problem("drafts.keeper.not_restored", parts=", ".join(problems))

    def _announce_dropped(self, key: str, component: Any) -> None:
        """A restored part that did not fit its field: say so, and keep the draft as it was aside.

        The stored draft keeps that part too: only changed fields are saved,
        so it is written over only once the learner changes that field.
        """
        dropped = list(getattr(component, "dropped_fields", ()) or ())
        if not dropped:
            return
        field_label = getattr(component, "field_label", None)
        fields = {f.name: f for f in getattr(component, "field_declarations", ())}
        for name in dropped:
            label = (
                field_label(fields[name].path) if callable(field_label) and name in fields else f"{_label(component)} ({name})"
            )
            if label not in self._dropped:
                self._dropped.append(label)
        keep_aside = getattr(self._store, "keep_aside", None)
        if callable(keep_aside):
            try:
                keep_aside(key)
            except Exception:  # noqa: BLE001 - the draft itself stays where it is
                log.exception("could not keep draft %r aside", key)

    def _on_store_event(self, event: str, info: Mapping[str, Any]) -> None:
        if event == "conflict":
            self._add_conflict(info.get("key"), info.get("path"), info.get("other"))
        elif event == "other_tab" and info.get("key") in self._keys:
            self._other_tab = True
        elif event == "incomplete":
            self._incomplete = True
        elif event == "restored":
            self._restore_all(set(info.get("keys") or ()))
        self._refresh()

    def _add_conflict(self, key: Any, path: Any, other: Any) -> None:
        if not isinstance(other, str) or not other.strip():
            return
        component = next((c for k, c in zip(self._keys, self._components) if k == key), None)
        field_label = getattr(component, "field_label", None)
        if component is not None and callable(field_label) and isinstance(path, (list, tuple)):
            part = field_label(path)
        elif isinstance(path, (list, tuple)) and path:
            part = str(path[-1])
        else:
            part = str(key)
        entry = (part, other)
        if entry in self._conflicts:
            self._conflicts.remove(entry)
        self._conflicts.append(entry)
        del self._conflicts[: -self.MAX_CONFLICTS_SHOWN]

    def _on_value_change(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        component = change["owner"]
        key = next(k for k, c in zip(self._keys, self._components) if c is component)
        self._message = ""
        update = getattr(self._store, "update", None)
        try:
            if callable(update):
                # Only the fields that changed: another tab's text in the others stays.
                changes = diff_changes(self._saved[key], change["new"])
                for conflict in update(key, change["new"], changes) or ():
                    self._add_conflict(key, conflict.get("path"), conflict.get("other"))
            else:
                self._store.save(key, change["new"])
            self._saved[key] = copy.deepcopy(dict(change["new"]))
        except ValueError as exc:
            self._problem, self._problem_text = _problem("drafts.keeper.not_saved_because", part=_label(component), reason=str(exc)), ""
        except OSError as exc:
            log.warning("could not save draft %r: %s", key, exc)
            code = getattr(exc, "code", None)
            if isinstance(code, str):  # the store's own sentence, said in the page's language
                self._problem, self._problem_text = _problem(code, **getattr(exc, "values", {})), ""
            else:
                self._problem = None if str(exc) else _problem("drafts.keeper.not_saved", part=_label(component))
                self._problem_text = str(exc)
        except Exception:  # noqa: BLE001 - never a traceback for the learner
            log.exception("could not save draft %r", key)
            self._problem, self._problem_text = _problem("drafts.keeper.not_saved", part=_label(component)), ""
        else:
            self._problem, self._problem_text = None, ""
        self._refresh()

    # -- display --------------------------------------------------------------
    def _status_text(self) -> str:
        describe = getattr(self._store, "describe", None)
        where = describe(self.lang) if callable(describe) else text("drafts.keeper.saved_as_you_type", self.lang)
        message = text(self._message, self.lang) if self._message else ""
        return f"{where} {message}".strip()

    def _notes(self) -> list[str]:
        notice_in = getattr(self._store, "notice_in", None)
        notice = notice_in(self.lang) if callable(notice_in) else getattr(self._store, "notice", "") or ""
        problem = text(self._problem[0], self.lang, **self._problem[1]) if self._problem else ""
        notes = [notice, problem, self._problem_text]
        if self._dropped:
            notes.append(text("drafts.field_dropped", self._lang, parts=", ".join(self._dropped)))
        if self._other_tab:
            notes.append(text("drafts.other_tab", self._lang))
        if self._incomplete:
            notes.append(text("drafts.transfer_incomplete", self._lang))
        return [n for n in notes if n]

    def _conflict_notes(self) -> list[tuple[str, str]]:
        return [(text("drafts.conflict", self._lang, part=part), other) for part, other in self._conflicts]

    def _notice_text(self) -> str:
        parts = self._notes()
        for sentence, other in self._conflict_notes():
            parts += [sentence, other]
        return " ".join(parts)

    def _refresh(self) -> None:
        status = html.escape(self._status_text())
        self._status.value = f'<p class="al-drafts-status-text" role="status">{status}</p>'
        notes = self._notes()
        conflicts = self._conflict_notes()
        if not (notes or conflicts):
            self._notice.value = ""
            return
        body = ""
        if notes:
            please_note = html.escape(text("drafts.keeper.please_note", self.lang))
            body += f'<p><strong>{please_note}</strong> {html.escape(" ".join(notes))}</p>'
        for sentence, other in conflicts:
            # The other text, as it was, to copy back: learner text, so escaped.
            body += (
                f'<p class="al-conflict">{html.escape(sentence)}</p>'
                f'<blockquote class="al-kept-text">{html.escape(strip_bidi_controls(other))}</blockquote>'
            )
        self._notice.value = f'<div class="al-drafts-notice-text" role="alert">{body}</div>'


def keep_drafts(*components: Any, store: DraftStore | None = None, lang: str | None = None) -> DraftKeeper:
    """Save these components' drafts as they change and bring them back on start.

    Without ``store``, the page session's store (``advocacy_lab.ui.session``:
    the learner's browser under Voila, a file in the user's data directory
    elsewhere), and the keeper and the components follow the page's language.
    ``lang`` (default: the first component's) is the language of the keeper's
    notes and the connection banner. Returns the keeper widget to display.
    """
    if store is None and lang is None:
        from advocacy_lab.ui.session import page_session

        return page_session().keep(*components)
    if store is None:
        from advocacy_lab.ui.session import page_session

        store = page_session().store
    return DraftKeeper(components, store, lang=lang)
