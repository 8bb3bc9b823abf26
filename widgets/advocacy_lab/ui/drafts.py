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

Nothing typed is lost when the server or the kernel goes away: with the
browser store, the page keeps a journal of every learner field itself
(browser_store.js), merged over the drafts on the next load, and the
``ConnectionWatch`` tells the learner what happened and what to do. Saves carry
only the fields that changed, so two tabs of one module keep each other's text;
a text written over is kept aside and shown.
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

from advocacy_lab.core.catalogue import text, texts
from advocacy_lab.core.drafts import (
    LOAD_OPS,
    DraftStore,
    DraftsArrival,
    FileDraftStore,
    MemoryDraftStore,
    MessageParts,
    PageDrafts,
    apply_changes,
    apply_journal,
    decode_record,
    diff_changes,
    encode_record,
    journal_entry_problem,
    merge_change_lists,
    record_to_json,
    validate_key,
)
from advocacy_lab.core.text import MAX_FIELD_CHARS, strip_bidi_controls

log = logging.getLogger(__name__)

NAMESPACE = "advocacy-lab:drafts:"
JOURNAL_PREFIX = "advocacy-lab:journal:"
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

    The browser fills ``stored`` (draft key -> record as JSON text), ``journal``
    (the entries of every page's journal), ``available`` and ``problem``, then
    sets ``loaded``, all in one update when that fits in PART_BYTES; else it
    sends them one by one ({"op": "load_draft"|"load_entry"|"load_done"}, see
    advocacy_lab.core.drafts), and the kernel sets those traits (not
    ``stored`` and ``journal``) and ``loaded`` once all have arrived, as the
    server refuses a message above 1 MiB. Any message larger than PART_BYTES
    comes in parts ({"op": "part"}). It carries out the custom messages
    {"op": "save"|"delete"|"clear"|"put_aside"|"keep_aside", ...} (a save with
    ``changes`` is merged by field over the record held) and sends
    {"op": "error", "kind": "quota"|"unavailable"|..., ...} on failures,
    {"op": "conflict", "key", "conflicts"} when a save wrote over another
    page's text (kept aside first), {"op": "other_tab", "key"} and, back in
    touch after an outage, {"op": "journal", "entries"}.
    """

    _esm = Path(__file__).with_name("browser_store.js")

    namespace = traitlets.Unicode(NAMESPACE).tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)
    loaded = traitlets.Bool(False).tag(sync=True)
    available = traitlets.Bool(False).tag(sync=True)
    problem = traitlets.Unicode("").tag(sync=True)
    problem_detail = traitlets.Unicode("").tag(sync=True)
    # The page's journal (see browser_store.js): where it is kept, the fields
    # it watches (field id -> {"key", "name", "path", "kind", ...}), and every
    # entry found on load (browser -> kernel).
    journal_prefix = traitlets.Unicode(JOURNAL_PREFIX).tag(sync=True)
    fields = traitlets.Dict().tag(sync=True)
    journal = traitlets.List().tag(sync=True)
    #: The longest text a field takes (the page sets it as maxlength).
    max_chars = traitlets.Int(MAX_FIELD_CHARS).tag(sync=True)


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
    draft once, on start (see ``BrowserStorage``), with the page journals'
    entries, which are merged over the drafts (what was typed while the
    kernel or the server was gone comes back). Until then ``load`` finds
    nothing and changes wait in a queue; ``when_ready`` runs a callback once
    the drafts have arrived. Changes go to the browser as custom messages,
    sent only once the browser has answered; ``update`` sends only the
    changed fields, which the browser merges over the record it holds, so
    two tabs of one module keep each other's text. ``widget`` must be
    displayed (``DraftKeeper`` does that; its view is empty).

    Listeners (``add_listener``) hear ``("conflict", {"key", "path", "other"})``
    when a text written elsewhere was kept aside, ``("restored", {"keys"})``
    when a journal changed drafts after the start, ``("other_tab", {"key"})``,
    and ``("incomplete", {"missing_entries"})`` when journal entries the page
    sent on load did not all arrive (drafts that did not are put aside).
    """

    # Plain-language note for the learner ("" when all is well).
    notice = traitlets.Unicode("")

    def __init__(self, namespace: str = NAMESPACE) -> None:
        traitlets.HasTraits.__init__(self)
        MemoryDraftStore.__init__(self)  # the kernel's copy of what the browser holds
        self.widget = BrowserStorage(namespace=namespace)
        self._touched: set[str] = set()  # changed here: the browser's older copy must not win
        self._cleared = False
        self._absorbed = False
        self._queue: list[dict[str, Any]] = []
        self._pending: dict[str, list[dict[str, Any]]] = {}  # field changes made before the browser answered
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        # Drafts and messages too large for one websocket message come in pieces.
        self._parts = MessageParts()
        self._arrival = DraftsArrival()
        self._arrived: PageDrafts | None = None
        self._init_waiting()
        self.widget.observe(self._on_browser_state, names=["loaded", "stored"])
        self.widget.on_msg(self._on_browser_message)

    # -- DraftStore: the in-memory copy, then the same change to the browser --
    def save(self, key: str, data: Mapping[str, Any]) -> None:
        key = validate_key(key)
        super().save(key, data)
        self._touched.add(key)
        self._pending.pop(key, None)  # a whole record replaces any field changes
        self._send({"op": "save", "key": key, "value": record_to_json(self._records[key])})

    def update(self, key: str, data: Mapping[str, Any], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Save the changed fields: the browser merges them over the record it holds.

        Conflicts with another tab's text are found by the browser, which keeps
        the other text aside and says so (a "conflict" event); none are returned.
        """
        key = validate_key(key)
        encode_record(data)  # the same checks and errors as save()
        current = self._records.get(key)
        merged = apply_changes(current["data"], changes)[0] if current is not None else dict(data)
        self._records[key] = encode_record(merged)
        self._touched.add(key)
        if not self.widget.loaded:
            self._pending[key] = merge_change_lists(self._pending.get(key, []), list(changes))
        self._send(
            {"op": "save", "key": key, "value": record_to_json(self._records[key]), "changes": list(changes)}
        )
        return []

    def keep_aside(self, key: str) -> None:
        """Keep a copy of the stored draft aside in the browser (the draft stays)."""
        key = validate_key(key)
        super().keep_aside(key)
        self._send({"op": "keep_aside", "key": key})

    def delete(self, key: str) -> None:
        key = validate_key(key)
        super().delete(key)
        self._touched.add(key)
        self._pending.pop(key, None)
        self._send({"op": "delete", "key": key})

    def clear(self) -> None:
        super().clear()
        self._cleared = True
        self._pending.clear()
        self._send({"op": "clear"})

    def describe(self) -> str:
        if not self.widget.loaded:
            return "Looking for work saved in this browser…"
        if not self.widget.available:
            return "Your work cannot be saved in this browser."
        return "Your work is saved in this browser as you type. It stays on this device, not on the server."

    def declare_fields(self, specs: Mapping[str, Mapping[str, Any]]) -> None:
        """Tell the page which fields to keep in its journal (field id -> spec)."""
        self.widget.fields = {**self.widget.fields, **{k: dict(v) for k, v in specs.items()}}

    def add_listener(self, callback: Callable[[str, dict[str, Any]], None]) -> None:
        self._listeners.append(callback)

    def _tell(self, event: str, info: dict[str, Any]) -> None:
        for callback in list(self._listeners):
            try:
                callback(event, info)
            except Exception:  # noqa: BLE001 - one failing listener must not stop the others
                log.exception("drafts listener failed on %s", event)

    # -- browser -> kernel -------------------------------------------------
    def _on_browser_state(self, change: Any) -> None:
        if not self.widget.loaded or self._absorbed:
            return
        self._absorbed = True
        arrived, self._arrived = self._arrived, None  # the texts are not kept twice
        self._absorb(arrived.stored if arrived is not None else self.widget.stored)
        if self.widget.problem in _BROWSER_PROBLEMS:
            self.notice = _BROWSER_PROBLEMS[self.widget.problem]
        queue, self._queue = self._queue, []
        browser_data = {key: copy.deepcopy(rec["data"]) for key, rec in self._browser_records.items()}
        pending, self._pending = self._pending, {}
        # What the page journaled (earlier pages, an outage), then what was
        # changed here before the page answered, over what the browser holds.
        journal = arrived.entries if arrived is not None else self.widget.journal
        merged, _changes, conflicts = apply_journal(browser_data, self._valid_journal(journal))
        combined = {**browser_data, **merged}
        for key, changes in pending.items():
            combined[key] = apply_changes(combined.get(key, {}), changes)[0]
        for msg in queue:
            if msg["op"] == "save" and msg.get("key") in pending:
                continue  # sent below, merged with the journal
            self._send(msg)
        self._keep_aside_before(conflicts, browser_data)
        for key in sorted(set(merged) | set(pending)):
            if key in self._touched and key not in pending and key not in self._records:
                continue  # deleted ("Start over") here meanwhile
            if key in self._touched and key not in pending and key in self._records:
                continue  # saved whole here meanwhile: that save wins
            try:
                self._records[key] = encode_record(combined[key])
            except ValueError as exc:  # e.g. too large: keep what the browser holds
                log.warning("journal for draft %r not applied: %s", key, exc)
                continue
            changes = diff_changes(browser_data.get(key, {}), combined[key])
            if changes:
                self._send(
                    {"op": "save", "key": key, "value": record_to_json(self._records[key]), "changes": changes}
                )
        self._tell_conflicts(conflicts)
        if arrived is not None and (arrived.missing_entries or arrived.malformed):
            # Drafts that did not arrive whole were put aside and announced in _absorb;
            # journal entries stay in the page's journal, for the next load.
            self._tell("incomplete", {"missing_entries": arrived.missing_entries})
        self._run_ready_callbacks()

    def _valid_journal(self, entries: Any) -> list[dict[str, Any]]:
        valid = []
        for entry in entries if isinstance(entries, list) else []:
            problem = journal_entry_problem(entry)
            if problem is None:
                valid.append(entry)
            else:
                log.warning("journal entry from the page ignored: %s", problem)
        return valid

    def _keep_aside_before(self, conflicts: list[dict[str, Any]], held: Mapping[str, Any]) -> None:
        """A copy of each draft whose text is about to be overwritten, before it is."""
        for key in sorted({c["key"] for c in conflicts}):
            if key in held:
                self._send({"op": "keep_aside", "key": key})

    def _tell_conflicts(self, conflicts: list[dict[str, Any]]) -> None:
        for conflict in conflicts:
            self._tell("conflict", {"key": conflict["key"], "path": conflict["path"], "other": conflict["other"]})

    def _absorb(self, stored: Mapping[str, Any]) -> None:
        self._browser_records: dict[str, dict[str, Any]] = {}
        if self._cleared:
            return
        unreadable = []
        for key, text in stored.items():
            try:
                validate_key(key)
                record = decode_record(text)
            except (ValueError, RecursionError, TypeError):
                if key in self._touched:
                    continue
                log.warning("draft %r in the browser could not be read; putting it aside", key)
                unreadable.append(key)
                self._touched.add(key)
                self._send({"op": "put_aside", "key": key})
                continue
            self._browser_records[key] = record
            if key not in self._touched:
                self._records[key] = record
        if unreadable:
            self.notice = (
                "Some of the work saved in this browser could not be read, so it was put aside "
                f"({len(unreadable)} draft{'s' if len(unreadable) != 1 else ''}) and those exercises "
                "start empty. Nothing was deleted."
            )

    def _on_browser_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, Mapping):
            return
        op = content.get("op")
        if op == "part":
            whole = self._parts.add(content)
            self._log_problems(self._parts)
            if whole is None:
                return
            content, op = whole, whole.get("op")
        if op in LOAD_OPS:
            self._on_load_message(content)
            return
        if op == "conflict":
            key = content.get("key")
            for conflict in content.get("conflicts") or ():
                if isinstance(conflict, Mapping) and isinstance(conflict.get("other"), str):
                    self._tell("conflict", {"key": key, "path": conflict.get("path"), "other": conflict["other"]})
            return
        if op == "other_tab":
            self._tell("other_tab", {"key": content.get("key")})
            return
        if op == "journal":
            self._on_late_journal(content.get("entries"))
            return
        if op != "error":
            return
        kind = content.get("kind")
        log.warning("browser draft store: %s (%s)", kind, content.get("message"))
        self.notice = _BROWSER_PROBLEMS.get(kind, _BROWSER_PROBLEMS["error"])

    @staticmethod
    def _log_problems(source: MessageParts | DraftsArrival) -> None:
        for problem in source.problems:
            log.warning("from the page: %s", problem)
        source.problems.clear()

    def _on_load_message(self, message: Mapping[str, Any]) -> None:
        """The page's drafts, one by one; readable once the page says it is done."""
        if self._absorbed or self.widget.loaded:
            return  # already here: the page sent them again, not knowing
        arrived = self._arrival.add(message)
        self._log_problems(self._arrival)
        if arrived is None:
            return
        self._arrived = arrived
        with self.widget.hold_sync():
            self.widget.available = arrived.available
            self.widget.problem = arrived.problem
            self.widget.problem_detail = arrived.detail
        self.widget.loaded = True  # takes them in (_on_browser_state), then the ready callbacks

    def _on_late_journal(self, entries: Any) -> None:
        """The page is back in touch after an outage: take in what it kept meanwhile."""
        if not self.widget.loaded:
            return
        current = {key: copy.deepcopy(rec["data"]) for key, rec in self._records.items()}
        merged, changes, conflicts = apply_journal(current, self._valid_journal(entries))
        self._keep_aside_before(conflicts, current)
        for key, data in list(merged.items()):
            try:
                self._records[key] = encode_record(data)
            except ValueError as exc:
                log.warning("journal for draft %r not applied: %s", key, exc)
                del merged[key]
                continue
            self._touched.add(key)
            self._send({"op": "save", "key": key, "value": record_to_json(self._records[key]), "changes": changes[key]})
        self._tell_conflicts(conflicts)
        if merged:
            self._tell("restored", {"keys": sorted(merged)})

    # -- kernel -> browser -------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        # Before the browser has answered, a message could be lost (the page may
        # not be connected yet), so it waits; the newest save of a key wins
        # (field changes are kept in _pending and merged when the page answers).
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
# The connection watch.
# --------------------------------------------------------------------------

class ConnectionWatch(anywidget.AnyWidget):
    """Tells the learner, on the page itself, when the kernel can no longer be reached.

    The page script (connection.js) sends ``{"op": "ping"}`` every
    ``ping_every_ms``; this kernel answers ``{"op": "pong"}``. A ping left
    unanswered makes the page ask the server about its kernel: when the
    server cannot be reached, or the kernel is gone or idle yet silent (killed
    and restarted), the page shows a banner in the learner's language
    (``texts``, sent while the kernel was alive) with what to do, hides the
    "saved" line and, once the server answers again, offers a reload. The
    drafts page script keeps what is typed meanwhile (browser_store.js).
    Its view is empty; the banner is drawn by the page, as the kernel may be gone.
    """

    _esm = Path(__file__).with_name("connection.js")
    _css = Path(__file__).with_name("course.css")

    texts = traitlets.Dict().tag(sync=True)
    #: Pings are the fallback: the kernel connection's own news (connection.js) comes first.
    ping_every_ms = traitlets.Int(4000).tag(sync=True)
    #: Unanswered this long, the page asks the server how its kernel is (a
    #: server that does not answer at all means the connection is lost).
    probe_after_ms = traitlets.Int(3000).tag(sync=True)
    #: Unanswered this long while the server says the kernel is not busy: it
    #: is gone (an idle kernel answers in milliseconds; a busy one may take a
    #: few seconds over a long check, hence busy_lost_after_ms).
    lost_after_ms = traitlets.Int(8000).tag(sync=True)
    #: Unanswered this long even while the server says the kernel is busy: lost.
    busy_lost_after_ms = traitlets.Int(60000).tag(sync=True)

    def __init__(self, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(texts=texts("connection", lang), **kwargs)
        self.on_msg(self._on_page_message)

    def _on_page_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, Mapping) and content.get("op") == "ping":
            n = content.get("n")
            self.send({"op": "pong", "n": n if isinstance(n, int) and not isinstance(n, bool) else None})


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
        self._problem = ""  # latest save/restore problem, in plain language
        self._message = ""  # latest action ("Your drafts were cleared.")
        self._lang = lang or str(getattr(components[0], "lang", "") or "en")
        self._dropped: list[str] = []  # labels of restored parts that did not fit their field
        self._other_tab = False
        self._incomplete = False  # some saved work did not reach the kernel on load
        self._conflicts: list[tuple[str, str]] = []  # (part, the other text), newest last

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
            self.watch = ConnectionWatch(lang=self._lang)
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
            self._saved[key] = copy.deepcopy(dict(component.value))
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
            self._problem = (
                f"Your saved work could not be put back in: {', '.join(problems)}. "
                "It is still saved until you change that exercise."
            )

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
        where = describe() if callable(describe) else "Your work is saved as you type."
        return f"{where} {self._message}".strip()

    def _notes(self) -> list[str]:
        notes = [getattr(self._store, "notice", "") or "", self._problem]
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
            body += f'<p><strong>Please note:</strong> {html.escape(" ".join(notes))}</p>'
        for sentence, other in conflicts:
            # The other text, as it was, to copy back: learner text, so escaped.
            body += (
                f'<p class="al-conflict">{html.escape(sentence)}</p>'
                f'<blockquote class="al-kept-text">{html.escape(strip_bidi_controls(other))}</blockquote>'
            )
        self._notice.value = f'<div class="al-drafts-notice-text" role="alert">{body}</div>'


def keep_drafts(*components: Any, store: DraftStore | None = None, lang: str | None = None) -> DraftKeeper:
    """Save these components' drafts as they change and bring them back on start.

    ``store`` defaults to the learner's browser under Voila and to a file in
    the user's data directory elsewhere. ``lang`` (default: the first
    component's) is the language of the keeper's notes and the connection
    banner. Returns the keeper widget to display.
    """
    return DraftKeeper(components, store if store is not None else default_store(), lang=lang)


def read_all_drafts(store: DraftStore) -> dict[str, dict[str, Any]]:
    """Every saved draft in ``store``, by key (for progress and the plan)."""
    result = {}
    for key in store.keys():
        data = store.load(key)
        if data is not None:
            result[key] = data
    return result
