"""The draft stores of a page: where a learner's drafts live while the page is open.

Under Voila the drafts live in the learner's own browser (``BrowserDraftStore``,
localStorage, with its page half ``BrowserStorage``: browser_store.js), so
nothing personal is kept on the server. Elsewhere (JupyterLab, hosted
Jupyter) they live in a JSON file in the user's data directory
(``FileDraftStore``; ``VoilaFileDraftStore`` when forced under Voila).
``ADVOCACY_LAB_DRAFT_STORE=browser|file|memory`` forces one. A page has one
store, held by its page session (``advocacy_lab.ui.session``).

The page half also tells the kernel the page's language (``lang``), which
the page decides before the widgets render (``window.advocacyLabLang``).
"""
from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anywidget
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
from advocacy_lab.core.text import MAX_FIELD_CHARS

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

#: What the page can report about localStorage: each a sentence ``drafts.browser.<kind>`` in the catalogue.
_BROWSER_PROBLEMS = ("quota", "unavailable", "blocked", "unreadable", "error")


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
    #: The page's language, sent by the page when it starts (``window.advocacyLabLang``; "" when the page has none).
    lang = traitlets.Unicode("").tag(sync=True)


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

    def describe(self, lang: str = "en") -> str:
        if not self.widget.loaded:
            return text("drafts.status.browser_looking", lang)
        if not self.widget.available:
            return text("drafts.status.browser_unavailable", lang)
        return text("drafts.status.browser", lang)

    def _say(self, key: str, **values: Any) -> None:
        """Set the notice for the learner: kept as a catalogue key, said in any language by ``notice_in``."""
        self._notice = (key, values)
        self.notice = text(key, "en", **values)

    def notice_in(self, lang: str) -> str:
        """The notice for the learner in ``lang`` ("" when all is well)."""
        notice = getattr(self, "_notice", None)
        return text(notice[0], lang, **notice[1]) if notice and self.notice else ""

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
            self._say(f"drafts.browser.{self.widget.problem}")
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
            if len(unreadable) == 1:
                self._say("drafts.browser.put_aside_one")
            else:
                self._say("drafts.browser.put_aside_many", count=len(unreadable))

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
        self._say(f"drafts.browser.{kind if kind in _BROWSER_PROBLEMS else 'error'}")

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
    // The page's language, decided by the page before the widgets render.
    model.set("lang", (typeof window !== "undefined" && window.advocacyLabLang) || "");
    model.set("loaded", true);
    model.save_changes();
  },
};
"""
    loaded = traitlets.Bool(False).tag(sync=True)
    lang = traitlets.Unicode("").tag(sync=True)


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
