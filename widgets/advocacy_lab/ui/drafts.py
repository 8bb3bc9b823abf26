"""Keep learners' drafts: every change saved, restored after reloads and restarts.

In a notebook::

    from advocacy_lab.ui.drafts import keep_drafts
    builder = MessageBuilder()
    quiz = Quiz(...)
    keeper = keep_drafts(builder, quiz)
    display(keeper, builder, quiz)

Under Voila the drafts live in the learner's own browser (``BrowserDraftStore``,
localStorage), so nothing personal is kept on the server. Elsewhere (JupyterLab,
hosted Jupyter) they live in a JSON file in the user's data directory
(``FileDraftStore``). ``ADVOCACY_LAB_DRAFT_STORE=browser|file|memory`` forces one.
"""
from __future__ import annotations

import contextlib
import copy
import html
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from advocacy_lab.core.drafts import (
    DraftStore,
    FileDraftStore,
    MemoryDraftStore,
    decode_record,
    record_to_json,
    validate_key,
)

log = logging.getLogger(__name__)

NAMESPACE = "advocacy-lab:drafts:"
STORE_ENV = "ADVOCACY_LAB_DRAFT_STORE"

# Set in every kernel Voila starts (voila/handler.py, voila/voila_kernel_manager.py
# for preheated kernels, voila/notebook_renderer.py for VOILA_KERNEL_ID).
_VOILA_ENV = ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_SERVER_URL", "VOILA_APP_PORT")


def running_under_voila(environ: Mapping[str, str] | None = None) -> bool:
    """True in a kernel started by Voila (standalone, pooled or as a server extension)."""
    env = os.environ if environ is None else environ
    if env.get("SERVER_SOFTWARE", "").lower().startswith("voila"):
        return True
    return any(env.get(name) for name in _VOILA_ENV)


# --------------------------------------------------------------------------
# The browser store.
# --------------------------------------------------------------------------

_BROWSER_PROBLEMS = {
    "quota": (
        "This browser's storage for this site is full, so your latest change was not saved. "
        "Copy your work somewhere safe, or use “Start over” on exercises you have finished."
    ),
    "unavailable": (
        "This browser does not let this page save your work (private browsing or blocked "
        "storage), so it will be lost when the page closes. Copy anything you want to keep."
    ),
    "blocked": (
        "This browser blocked saving your work, so it will be lost when the page closes. "
        "Copy anything you want to keep."
    ),
    "unreadable": (
        "The work saved in this browser could not be read, so this page starts empty. "
        "Nothing was deleted."
    ),
    "error": "Your browser could not save your latest change. Copy your work somewhere safe.",
}


class BrowserStorage(anywidget.AnyWidget):
    """The page-side half of BrowserDraftStore: talks to localStorage (browser_store.js).

    The browser fills ``stored`` (draft key -> record as JSON text), ``available``
    and ``problem``, then sets ``loaded``; it carries out the custom messages
    {"op": "save"|"delete"|"clear"|"put_aside", ...} and answers failures with
    {"op": "error", "kind": "quota"|"unavailable"|..., ...}.
    """

    _esm = Path(__file__).with_name("browser_store.js")

    namespace = traitlets.Unicode(NAMESPACE).tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)
    loaded = traitlets.Bool(False).tag(sync=True)
    available = traitlets.Bool(False).tag(sync=True)
    problem = traitlets.Unicode("").tag(sync=True)
    problem_detail = traitlets.Unicode("").tag(sync=True)


class _WaitsForPage:
    """Stores whose drafts exist only once the learner's page has opened.

    ``self.widget`` is an anywidget with a synced ``loaded`` flag; callbacks
    queued with ``when_ready`` run once, when it turns true.
    """

    widget: Any

    def _init_waiting(self) -> None:
        self._ready_callbacks: list[Callable[[], None]] = []

    @property
    def ready(self) -> bool:
        return self.widget.loaded

    def when_ready(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the learner's page has opened and its drafts are here."""
        if self.widget.loaded:
            callback()
        else:
            self._ready_callbacks.append(callback)

    def _run_ready_callbacks(self) -> None:
        callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - one failing listener must not stop the others
                log.exception("drafts ready-callback failed")


class BrowserDraftStore(_WaitsForPage, MemoryDraftStore, traitlets.HasTraits):
    """Drafts kept in the learner's browser (localStorage), for Voila.

    The kernel cannot read localStorage, so the browser sends every saved
    draft once, on start (see ``BrowserStorage``). Until then ``load`` finds
    nothing and changes wait in a queue; ``when_ready`` runs a callback once
    the drafts have arrived. Changes go to the browser as custom messages,
    sent only once the browser has answered. ``widget`` must be displayed
    (``DraftKeeper`` does that; its view is empty).
    """

    # Plain-language note for the learner ("" when all is well).
    notice = traitlets.Unicode("")

    def __init__(self, namespace: str = NAMESPACE) -> None:
        traitlets.HasTraits.__init__(self)
        MemoryDraftStore.__init__(self)  # the kernel's copy of what the browser holds
        self.widget = BrowserStorage(namespace=namespace)
        self._touched: set[str] = set()  # changed here: the browser's older copy must not win
        self._cleared = False
        self._queue: list[dict[str, Any]] = []
        self._init_waiting()
        self.widget.observe(self._on_browser_state, names=["loaded", "stored"])
        self.widget.on_msg(self._on_browser_message)

    # -- DraftStore: the in-memory copy, then the same change to the browser --
    def save(self, key: str, data: Mapping[str, Any]) -> None:
        key = validate_key(key)
        super().save(key, data)
        self._touched.add(key)
        self._send({"op": "save", "key": key, "value": record_to_json(self._records[key])})

    def delete(self, key: str) -> None:
        key = validate_key(key)
        super().delete(key)
        self._touched.add(key)
        self._send({"op": "delete", "key": key})

    def clear(self) -> None:
        super().clear()
        self._cleared = True
        self._send({"op": "clear"})

    def describe(self) -> str:
        if not self.widget.loaded:
            return "Looking for work saved in this browser…"
        if not self.widget.available:
            return "Your work cannot be saved in this browser."
        return "Your work is saved in this browser as you type. It stays on this device, not on the server."

    # -- browser -> kernel -------------------------------------------------
    def _on_browser_state(self, change: Any) -> None:
        if not self.widget.loaded:
            return
        self._absorb(self.widget.stored)
        if self.widget.problem in _BROWSER_PROBLEMS:
            self.notice = _BROWSER_PROBLEMS[self.widget.problem]
        queue, self._queue = self._queue, []
        for msg in queue:
            self._send(msg)
        self._run_ready_callbacks()

    def _absorb(self, stored: Mapping[str, Any]) -> None:
        if self._cleared:
            return
        unreadable = []
        for key, text in stored.items():
            if key in self._touched:
                continue
            try:
                validate_key(key)
                self._records[key] = decode_record(text)
            except (ValueError, RecursionError, TypeError):
                log.warning("draft %r in the browser could not be read; putting it aside", key)
                unreadable.append(key)
                self._touched.add(key)
                self._send({"op": "put_aside", "key": key})
        if unreadable:
            self.notice = (
                "Some of the work saved in this browser could not be read, so it was put aside "
                f"({len(unreadable)} draft{'s' if len(unreadable) != 1 else ''}) and those exercises "
                "start empty. Nothing was deleted."
            )

    def _on_browser_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, Mapping) or content.get("op") != "error":
            return
        kind = content.get("kind")
        log.warning("browser draft store: %s (%s)", kind, content.get("message"))
        self.notice = _BROWSER_PROBLEMS.get(kind, _BROWSER_PROBLEMS["error"])

    # -- kernel -> browser -------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        # Before the browser has answered, a message could be lost (the page may
        # not be connected yet), so it waits; the newest save of a key wins.
        if not self.widget.loaded:
            if msg["op"] in ("save", "delete"):
                self._queue = [m for m in self._queue if m.get("key") != msg["key"]]
            self._queue.append(msg)
            return
        self.widget.send(msg)


# --------------------------------------------------------------------------
# The file store under Voila.
# --------------------------------------------------------------------------

class PageSignal(anywidget.AnyWidget):
    """Tells the kernel that a learner's page has opened (its view is empty)."""

    _esm = """
export default {
  initialize({ model }) {
    model.set("loaded", true);
    model.save_changes();
  },
};
"""
    loaded = traitlets.Bool(False).tag(sync=True)


class VoilaFileDraftStore(_WaitsForPage, FileDraftStore):
    """A FileDraftStore that is first read when a learner's page opens.

    Voila preheats kernels: it runs the notebook long before anyone visits.
    Read then, the page would show the file as it was at that time (a draft
    typed since would look lost, and the next edit would save the stale rest
    over it), and a damaged file would be put aside by a kernel nobody sees,
    so no learner would be told. Until the page has opened this store finds
    nothing and reads nothing; ``when_ready`` callbacks run once it has.
    ``widget`` must be displayed (``DraftKeeper`` does that).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget = PageSignal()
        self._init_waiting()
        self.widget.observe(self._on_page_opened, names="loaded")

    def load_record(self, key: str) -> dict[str, Any] | None:
        if not self.widget.loaded:
            validate_key(key)
            return None
        return super().load_record(key)

    def keys(self) -> list[str]:
        return super().keys() if self.widget.loaded else []

    def _on_page_opened(self, change: Any) -> None:
        if not self.widget.loaded:
            return
        self._run_ready_callbacks()


# --------------------------------------------------------------------------
# Choosing a store.
# --------------------------------------------------------------------------

def default_store() -> DraftStore:
    """The store for this kernel: the browser under Voila, else a file."""
    forced = os.environ.get(STORE_ENV, "").strip().lower()
    if forced == "browser":
        return BrowserDraftStore()
    if forced == "file":
        return VoilaFileDraftStore(show_path=False) if running_under_voila() else FileDraftStore()
    if forced == "memory":
        return MemoryDraftStore()
    if forced:
        log.warning("%s=%r is not one of browser, file, memory; choosing by environment", STORE_ENV, forced)
    return BrowserDraftStore() if running_under_voila() else FileDraftStore()


# --------------------------------------------------------------------------
# The keeper.
# --------------------------------------------------------------------------

def _label(component: Any) -> str:
    return str(getattr(component, "draft_title", "") or component.draft_key)


class DraftKeeper(widgets.VBox):
    """Saves each component's ``value`` on every change and restores it on start.

    Display it near the components: it shows where the work is saved, any
    problem in plain language, and a "Start over" button that asks first.
    """

    def __init__(self, components: tuple[Any, ...] | list[Any], store: DraftStore, **kwargs: Any) -> None:
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
        self._quiet = 0
        self._problem = ""  # latest save/restore problem, in plain language
        self._message = ""  # latest action ("Your drafts were cleared.")

        self._status = widgets.HTML()
        self._status.add_class("al-drafts-status")
        self._notice = widgets.HTML()
        self._notice.add_class("al-drafts-notice")
        self._start_over = widgets.Button(
            description="Start over",
            tooltip="Clear your saved work in these exercises and start again",
        )
        self._start_over.add_class("al-start-over")
        self._confirm_text = widgets.HTML()
        self._confirm_yes = widgets.Button(description="Yes, clear my drafts", button_style="danger")
        self._confirm_yes.add_class("al-start-over-confirm")
        self._confirm_no = widgets.Button(description="Cancel")
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
        self.children = children
        self.add_class("al-drafts")

        for component in components:
            component.observe(self._on_value_change, names="value")
        if isinstance(store, traitlets.HasTraits) and store.has_trait("notice"):
            store.observe(lambda _change: self._refresh(), names="notice")

        when_ready = getattr(store, "when_ready", None)
        if callable(when_ready):
            when_ready(self._on_store_ready)
        else:
            self._restore_all()
        self._refresh()

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
            + html.escape(
                f"Clear your saved work in these exercises ({names}) and start again? This cannot be undone."
            )
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
        if failed:
            self._problem = f"Some saved work could not be cleared ({', '.join(failed)}). Try again."
        else:
            self._problem = ""
            self._message = "Your saved work in these exercises was cleared. You are starting again."
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

    def _restore_all(self) -> None:
        problems = []
        for key, component in zip(self._keys, self._components):
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
        if problems:
            self._problem = (
                f"Your saved work could not be put back in: {', '.join(problems)}. "
                "It is still saved until you change that exercise."
            )

    def _on_value_change(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        component = change["owner"]
        key = next(k for k, c in zip(self._keys, self._components) if c is component)
        self._message = ""
        try:
            self._store.save(key, change["new"])
        except ValueError as exc:
            self._problem = f"Your latest change to {_label(component)} could not be saved: {exc}"
        except OSError as exc:
            log.warning("could not save draft %r: %s", key, exc)
            self._problem = str(exc) if str(exc) else f"Your latest change to {_label(component)} could not be saved."
        except Exception:  # noqa: BLE001 - never a traceback for the learner
            log.exception("could not save draft %r", key)
            self._problem = f"Your latest change to {_label(component)} could not be saved."
        else:
            self._problem = ""
        self._refresh()

    # -- display --------------------------------------------------------------
    def _status_text(self) -> str:
        describe = getattr(self._store, "describe", None)
        text = describe() if callable(describe) else "Your work is saved as you type."
        return f"{text} {self._message}".strip()

    def _notice_text(self) -> str:
        parts = [getattr(self._store, "notice", "") or "", self._problem]
        return " ".join(p for p in parts if p)

    def _refresh(self) -> None:
        status = html.escape(self._status_text())
        self._status.value = f'<p class="al-drafts-status-text" role="status">{status}</p>'
        notice = self._notice_text()
        self._notice.value = (
            f'<p class="al-drafts-notice-text" role="alert"><strong>Please note:</strong> {html.escape(notice)}</p>'
            if notice
            else ""
        )


def keep_drafts(*components: Any, store: DraftStore | None = None) -> DraftKeeper:
    """Save these components' drafts as they change and bring them back on start.

    ``store`` defaults to the learner's browser under Voila and to a file in
    the user's data directory elsewhere. Returns the keeper widget to display.
    """
    return DraftKeeper(components, store if store is not None else default_store())


def read_all_drafts(store: DraftStore) -> dict[str, dict[str, Any]]:
    """Every saved draft in ``store``, by key (for progress and the plan)."""
    result = {}
    for key in store.keys():
        data = store.load(key)
        if data is not None:
            result[key] = data
    return result
