"""Headless tests of keep_drafts / DraftKeeper and the browser draft store.

The browser side (browser_store.js) is exercised for real under Node with a
fake localStorage; the keeper is driven like the page would drive it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
import traitlets

from advocacy_lab.core.drafts import (
    FileDraftStore,
    MemoryDraftStore,
    apply_changes,
    encode_record,
    record_to_json,
)
from advocacy_lab.ui import drafts as ui_drafts
from advocacy_lab.ui.drafts import (
    NAMESPACE,
    BrowserDraftStore,
    DraftKeeper,
    default_store,
    keep_drafts,
    read_all_drafts,
    running_under_voila,
)

JS_FILE = Path(ui_drafts.__file__).with_name("browser_store.js")
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


class FakeComponent(widgets.VBox):
    """The smallest component honouring the contract: a Text and a ``value`` Dict."""

    value = traitlets.Dict()

    def __init__(self, draft_key: str = "test/fake", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.draft_key = draft_key
        self._text = widgets.Text(value="")
        self._choice = widgets.Dropdown(options=["x", "facebook"], value="x")
        self.children = [self._text, self._choice]
        self._syncing = False
        self._text.observe(self._from_children, names="value")
        self._choice.observe(self._from_children, names="value")
        self._from_children()

    def _from_children(self, change: Any = None) -> None:
        if self._syncing:
            return
        self.value = {**self.value, "text": self._text.value, "platform": self._choice.value}

    @traitlets.observe("value")
    def _to_children(self, change: Any) -> None:
        self._syncing = True
        try:
            self._text.value = str(change["new"].get("text", self._text.value))
            if change["new"].get("platform") in self._choice.options:
                self._choice.value = change["new"]["platform"]
        finally:
            self._syncing = False

    def type(self, text: str) -> None:  # what the learner does
        self._text.value = text


@pytest.fixture
def file_store(tmp_path):
    return FileDraftStore(tmp_path / "drafts.json")


def start_over(keeper: DraftKeeper) -> None:
    keeper._start_over.click()


def test_keeper_is_a_box_to_display_with_a_status_line(file_store):
    keeper = keep_drafts(FakeComponent(), store=file_store)
    assert isinstance(keeper, widgets.VBox) and "al-drafts" in keeper._dom_classes
    assert keeper.store is file_store
    assert keeper.status == f"Your work is saved as you type, to {file_store.path}."
    assert str(file_store.path) in keeper._status.value
    assert keeper.notice == "" and keeper._notice.value == ""


def test_change_is_saved_and_restored_in_a_new_kernel(file_store, tmp_path):
    component = FakeComponent()
    keep_drafts(component, store=file_store)
    component.type("Sign the petition for clean water in schools")
    component._choice.value = "facebook"
    assert file_store.load("test/fake") == {
        "text": "Sign the petition for clean water in schools",
        "platform": "facebook",
    }

    # a kernel restart: new objects, same file
    again = FakeComponent()
    assert again.value["text"] == ""
    keeper = keep_drafts(again, store=FileDraftStore(tmp_path / "drafts.json"))
    assert again.value == {"text": "Sign the petition for clean water in schools", "platform": "facebook"}
    assert again._text.value == "Sign the petition for clean water in schools"
    assert again._choice.value == "facebook"
    assert keeper.notice == ""


def test_restoring_does_not_write_the_file_again(file_store):
    file_store.save("test/fake", {"text": "saved earlier", "platform": "x"})
    before = file_store.path.read_bytes()
    component = FakeComponent()
    keep_drafts(component, store=file_store)
    assert component.value["text"] == "saved earlier"
    assert file_store.path.read_bytes() == before


def test_keys_the_component_does_not_know_survive_the_round_trip(file_store):
    file_store.save("test/fake", {"text": "hi", "platform": "x", "added_by_a_newer_release": [1, 2]})
    component = FakeComponent()
    keep_drafts(component, store=file_store)
    component.type("hello")
    assert file_store.load("test/fake") == {"text": "hello", "platform": "x", "added_by_a_newer_release": [1, 2]}


def test_several_components_each_keep_their_own_draft(file_store):
    first, second = FakeComponent("m/first"), FakeComponent("m/second")
    keep_drafts(first, second, store=file_store)
    first.type("one")
    second.type("two")
    assert file_store.load("m/first")["text"] == "one"
    assert file_store.load("m/second")["text"] == "two"
    assert read_all_drafts(file_store) == {
        "m/first": {"text": "one", "platform": "x"},
        "m/second": {"text": "two", "platform": "x"},
    }


# --------------------------------------------------------------- start over

def test_start_over_asks_first_and_cancel_keeps_everything(file_store):
    component = FakeComponent()
    keeper = keep_drafts(component, store=file_store)
    component.type("my draft")
    assert not keeper.awaiting_confirmation

    start_over(keeper)
    assert keeper.awaiting_confirmation
    assert keeper._start_over.disabled
    assert "cannot be undone" in keeper._confirm_text.value
    assert keeper._confirm_yes.description == "Yes, clear my drafts"
    # asking changed nothing yet
    assert component.value["text"] == "my draft"
    assert file_store.load("test/fake")["text"] == "my draft"

    keeper._confirm_no.click()
    assert not keeper.awaiting_confirmation and not keeper._start_over.disabled
    assert component.value["text"] == "my draft"
    assert file_store.load("test/fake")["text"] == "my draft"


def test_start_over_after_yes_clears_drafts_and_resets_components(file_store):
    first, second = FakeComponent("m/first"), FakeComponent("m/second")
    file_store.save("other/module", {"text": "another module's draft"})
    keeper = keep_drafts(first, second, store=file_store)
    first.type("one")
    second._choice.value = "facebook"

    start_over(keeper)
    keeper._confirm_yes.click()
    assert not keeper.awaiting_confirmation
    assert first.value == {"text": "", "platform": "x"} and first._text.value == ""
    assert second.value == {"text": "", "platform": "x"} and second._choice.value == "x"
    assert file_store.load("m/first") is None and file_store.load("m/second") is None
    assert file_store.load("other/module") == {"text": "another module's draft"}  # not ours to clear
    assert "cleared" in keeper.status

    first.type("a fresh start")  # saving carries on afterwards
    assert file_store.load("m/first")["text"] == "a fresh start"
    assert "cleared" not in keeper.status


def test_confirm_without_being_asked_does_nothing(file_store):
    component = FakeComponent()
    keeper = keep_drafts(component, store=file_store)
    component.type("keep me")
    keeper.confirm_start_over()
    keeper._confirm_yes.click()  # a stray click on the hidden button
    assert file_store.load("test/fake")["text"] == "keep me"
    assert component.value["text"] == "keep me"


# ------------------------------------------------------------ problems shown

def test_corrupt_file_notice_is_shown_in_plain_language(file_store):
    file_store.path.write_bytes(b"\x00\x01 this is not json")
    component = FakeComponent()
    keeper = keep_drafts(component, store=file_store)
    assert component.value["text"] == ""
    [backup] = file_store.backups
    assert backup.read_bytes() == b"\x00\x01 this is not json"
    assert keeper.notice.startswith("Your saved drafts file could not be read, so it was put aside as drafts.json.corrupt-")
    assert backup.name in keeper._notice.value
    component.type("new work")  # and saving works again, into a new file
    assert FileDraftStore(file_store.path).load("test/fake")["text"] == "new work"
    assert backup.read_bytes() == b"\x00\x01 this is not json"


def test_unsaveable_change_is_reported_not_raised_and_escaped(file_store):
    component = FakeComponent()
    keeper = keep_drafts(component, store=file_store)
    component.type("good")
    component.value = {"text": "bad", HOSTILE: {1, 2}}  # no exception reaches the learner
    assert "could not be saved" in keeper.notice and "set" in keeper.notice
    assert HOSTILE not in keeper._notice.value and "&lt;img src=x" in keeper._notice.value
    assert file_store.load("test/fake")["text"] == "good"  # the last good draft is untouched
    component.value = {"text": "good again", "platform": "x"}
    assert keeper.notice == ""
    assert file_store.load("test/fake")["text"] == "good again"


def test_disk_failure_is_reported_without_a_traceback(file_store, monkeypatch):
    component = FakeComponent()
    keeper = keep_drafts(component, store=file_store)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("advocacy_lab.core.drafts.tempfile.mkstemp", full_disk)
    component.type("typed while the disk is full")
    assert "could not be saved" in keeper.notice and "No space left" in keeper.notice
    assert "Traceback" not in keeper._notice.value


def test_learner_text_in_keys_is_escaped_in_the_confirmation(file_store):
    component = FakeComponent(draft_key=f"m/{HOSTILE}")
    keeper = keep_drafts(component, store=file_store)
    start_over(keeper)
    assert "<img" not in keeper._confirm_text.value and "&lt;img" in keeper._confirm_text.value


@pytest.mark.parametrize(
    "components,message",
    [
        ((), "at least one component"),
        ((widgets.Text(),), "Text has no dict 'value' trait"),
        ((widgets.Button(),), "Button has no dict 'value' trait"),
        ((FakeComponent("same"), FakeComponent("same")), "share the draft_key 'same'"),
        ((FakeComponent(""),), "needs a valid draft_key"),
    ],
)
def test_misuse_gets_a_clear_value_error(file_store, components, message):
    with pytest.raises(ValueError, match=message):
        keep_drafts(*components, store=file_store)


# ------------------------------------------------------------ choosing a store

def test_voila_is_recognised_from_its_kernel_environment():
    assert running_under_voila({"SERVER_SOFTWARE": "voila/0.5.13"})
    assert running_under_voila({"VOILA_PREHEAT": "True", "VOILA_BASE_URL": "/"})  # pooled kernel
    assert running_under_voila({"VOILA_KERNEL_ID": "0f3c"})
    assert not running_under_voila({})
    assert not running_under_voila({"SERVER_SOFTWARE": "TornadoServer/6.4", "JPY_SESSION_NAME": "x.ipynb"})


def test_the_variables_looked_for_are_the_ones_voila_sets():
    from voila.utils import ENV_VARIABLE

    for name in ui_drafts._VOILA_ENV + ("SERVER_SOFTWARE",):
        assert ENV_VARIABLE(name) == name


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("VOILA_") or name in ("SERVER_SOFTWARE", "ADVOCACY_LAB_DRAFT_STORE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_default_store_is_the_file_outside_voila(clean_env, tmp_path):
    store = default_store()
    assert isinstance(store, FileDraftStore)
    assert store.path == tmp_path / "data" / "drafts.json"
    assert str(store.path) in store.describe()


def test_default_store_is_the_browser_under_voila(clean_env, tmp_path):
    clean_env.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    store = default_store()
    assert isinstance(store, BrowserDraftStore)
    keeper = keep_drafts(FakeComponent(), store=None)
    assert isinstance(keeper.store, BrowserDraftStore)
    assert keeper.store.widget in keeper.children  # on the page, so it can reach the browser
    assert not (tmp_path / "data").exists()  # nothing written on the server


@pytest.mark.parametrize("forced,kind", [("file", FileDraftStore), ("memory", MemoryDraftStore), ("browser", BrowserDraftStore)])
def test_store_can_be_forced(clean_env, forced, kind):
    clean_env.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    clean_env.setenv("ADVOCACY_LAB_DRAFT_STORE", forced)
    assert isinstance(default_store(), kind)


def test_forced_file_store_under_voila_hides_server_paths(clean_env, tmp_path):
    clean_env.setenv("VOILA_KERNEL_ID", "abc")
    clean_env.setenv("ADVOCACY_LAB_DRAFT_STORE", "file")
    store = default_store()
    assert str(tmp_path) not in store.describe()


# ------------------------------------------------------ the browser store (Python side)

class FakeBrowser:
    """A page's localStorage, driven through the synced traits and messages."""

    def __init__(self, storage: dict[str, str] | None = None, quota: int | None = None) -> None:
        self.storage = {} if storage is None else storage
        self.quota = quota

    def attach(self, store: BrowserDraftStore) -> BrowserDraftStore:
        store.widget.send = lambda msg, buffers=None: self._on_message(store, msg)
        return store

    def start(self, store: BrowserDraftStore) -> None:
        """What browser_store.js does when the page creates the model."""
        store.widget.stored = {k[len(NAMESPACE):]: v for k, v in self.storage.items() if k.startswith(NAMESPACE)}
        store.widget.available = True
        store.widget.loaded = True

    def _on_message(self, store: BrowserDraftStore, msg: dict) -> None:
        name = NAMESPACE + msg.get("key", "")
        if msg["op"] == "save":
            if self.quota is not None and len(msg["value"]) > self.quota:
                store.widget._handle_custom_msg({"op": "error", "kind": "quota", "key": msg["key"]}, [])
                return
            value = msg["value"]
            if "changes" in msg and name in self.storage:
                # As browser_store.js does: the changed fields over the record held now.
                record = json.loads(value)
                record["data"], conflicts = apply_changes(json.loads(self.storage[name])["data"], msg["changes"])
                value = json.dumps(record)
                if conflicts:
                    self.storage["advocacy-lab:drafts-put-aside:" + msg["key"]] = self.storage[name]
                    store.widget._handle_custom_msg({"op": "conflict", "key": msg["key"], "conflicts": [
                        {"path": c["path"], "other": c["other"]} for c in conflicts]}, [])
            self.storage[name] = value
        elif msg["op"] == "delete":
            self.storage.pop(name, None)
        elif msg["op"] == "clear":
            for k in [k for k in self.storage if k.startswith(NAMESPACE)]:
                del self.storage[k]
        elif msg["op"] == "put_aside":
            self.storage["advocacy-lab:drafts-put-aside:" + msg["key"]] = self.storage.pop(name)


def open_page(browser: FakeBrowser, key: str = "test/fake") -> tuple[FakeComponent, DraftKeeper]:
    """A page load: a new kernel, a new store and component, then the browser answers."""
    store = browser.attach(BrowserDraftStore())
    component = FakeComponent(key)
    keeper = keep_drafts(component, store=store)
    browser.start(store)
    return component, keeper


def test_browser_round_trip_survives_a_reload():
    browser = FakeBrowser()
    component, keeper = open_page(browser)
    assert keeper.status.startswith("Your work is saved in this browser")
    component.type("Hãy ký thỉnh nguyện thư " + HOSTILE)
    record = json.loads(browser.storage[NAMESPACE + "test/fake"])
    assert record["schema_version"] == 1 and record["data"]["text"].startswith("Hãy ký")

    reloaded, keeper2 = open_page(browser)  # reload: a fresh kernel knows nothing
    assert reloaded.value["text"] == "Hãy ký thỉnh nguyện thư " + HOSTILE
    assert reloaded._text.value == reloaded.value["text"]
    assert keeper2.notice == ""


def test_browser_store_restores_values_that_arrive_after_the_components_are_built():
    browser = FakeBrowser({NAMESPACE + "test/fake": record_to_json(encode_record({"text": "from last week"}))})
    store = browser.attach(BrowserDraftStore())
    component = FakeComponent()
    keeper = keep_drafts(component, store=store)
    assert component.value["text"] == "" and keeper.status.startswith("Looking for work")
    browser.start(store)
    assert component.value["text"] == "from last week"
    assert keeper.status.startswith("Your work is saved in this browser")


def test_changes_before_the_browser_answers_are_queued_and_win():
    browser = FakeBrowser({NAMESPACE + "test/fake": record_to_json(encode_record({"text": "older"}))})
    store = browser.attach(BrowserDraftStore())
    sent = []
    store.widget.send = lambda msg, buffers=None: sent.append(msg)
    component = FakeComponent()
    keep_drafts(component, store=store)
    component.type("typed before the page connected")
    component.type("typed before the page connected, twice")
    assert sent == []  # nothing is sent into the void
    browser.start(store)
    assert [m["op"] for m in sent] == ["save"]  # only the newest save of the key
    assert json.loads(sent[0]["value"])["data"]["text"] == "typed before the page connected, twice"
    assert component.value["text"] == "typed before the page connected, twice"  # not the older copy


def test_two_tabs_last_write_wins_nothing_lost():
    shared = FakeBrowser()
    tab_a, _ = open_page(shared, "m/a")
    tab_b, _ = open_page(shared, "m/b")
    both_a, _ = open_page(shared, "m/a")  # a second tab of the same exercise
    tab_a.type("first tab")
    tab_b.type("other exercise")
    both_a.type("second tab, later")
    later, _ = open_page(shared, "m/a")
    assert later.value["text"] == "second tab, later"
    other, _ = open_page(shared, "m/b")
    assert other.value["text"] == "other exercise"
    for text in shared.storage.values():
        assert json.loads(text)["schema_version"] == 1


def test_two_tabs_of_one_exercise_keep_each_others_fields():
    """Each tab saves the fields it changed; the page merges them over what it holds."""
    from advocacy_lab.ui.message_builder import MessageBuilder

    shared = FakeBrowser()

    def open_builder() -> tuple[MessageBuilder, DraftKeeper]:
        store = shared.attach(BrowserDraftStore())
        builder = MessageBuilder()
        keeper = keep_drafts(builder, store=store)
        shared.start(store)
        return builder, keeper

    first, _ = open_builder()
    second, second_keeper = open_builder()  # opened before the first tab typed anything
    first.fields["problem"].value = "typed in the first tab"
    second.fields["ask"].value = "typed in the second tab"
    reloaded, _ = open_builder()
    assert reloaded.fields["problem"].value == "typed in the first tab"  # not written over with ""
    assert reloaded.fields["ask"].value == "typed in the second tab"
    assert second_keeper.notice == ""  # different fields: nothing to say

    first.fields["post"].value = "the first tab's post"
    second.fields["post"].value = "the second tab's post"  # the same field, later
    assert open_builder()[0].fields["post"].value == "the second tab's post"
    assert "the first tab's post" in second_keeper.notice and "Your post" in second_keeper.notice
    aside = json.loads(shared.storage["advocacy-lab:drafts-put-aside:" + second.draft_key])
    assert aside["data"]["post"] == "the first tab's post"


def test_unreadable_browser_draft_is_put_aside_with_a_notice():
    browser = FakeBrowser({
        NAMESPACE + "test/fake": "{broken",
        NAMESPACE + "m/future": json.dumps({"schema_version": 99, "saved_at": "x", "data": {}}),
        NAMESPACE + "m/fine": record_to_json(encode_record({"text": "fine"})),
    })
    component, keeper = open_page(browser)
    assert component.value["text"] == ""
    assert "could not be read, so it was put aside (2 drafts)" in keeper.notice
    assert browser.storage["advocacy-lab:drafts-put-aside:test/fake"] == "{broken"
    assert "advocacy-lab:drafts-put-aside:m/future" in browser.storage
    assert keeper.store.keys() == ["m/fine"]


def test_quota_error_from_the_browser_becomes_a_notice():
    browser = FakeBrowser(quota=200)
    component, keeper = open_page(browser)
    component.type("short")
    assert keeper.notice == ""
    component.type("long " * 100)
    assert "storage for this site is full" in keeper.notice
    assert "full" in keeper._notice.value


def test_blocked_storage_becomes_a_notice():
    store = BrowserDraftStore()
    store.widget.send = lambda msg, buffers=None: None
    keeper = keep_drafts(FakeComponent(), store=store)
    store.widget.problem = "unavailable"
    store.widget.loaded = True
    assert "does not let this page save your work" in keeper.notice
    assert keeper.status == "Your work cannot be saved in this browser."


def test_start_over_in_the_browser_deletes_only_these_drafts():
    browser = FakeBrowser({NAMESPACE + "other/module": record_to_json(encode_record({"text": "keep"}))})
    component, keeper = open_page(browser)
    component.type("mine")
    start_over(keeper)
    keeper._confirm_yes.click()
    assert NAMESPACE + "test/fake" not in browser.storage
    assert NAMESPACE + "other/module" in browser.storage
    again, _ = open_page(browser)
    assert again.value["text"] == ""


# ------------------------------------------------------ the real browser_store.js under Node

NODE = shutil.which("node")

HARNESS = r"""
import mod from "./browser_store.mjs";
const scenario = JSON.parse(process.argv[2]);
class Storage {
  constructor(items, quota, blocked) { this.items = new Map(Object.entries(items)); this.quota = quota; this.blocked = blocked; }
  get length() { return this.items.size; }
  key(i) { return [...this.items.keys()][i] ?? null; }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) {
    if (this.blocked) { const e = new Error("The operation is insecure."); e.name = "SecurityError"; throw e; }
    const size = [...this.items].reduce((n, [a, b]) => n + a.length + b.length, 0) + k.length + String(v).length;
    if (this.quota !== null && size > this.quota) { const e = new Error("quota exceeded"); e.name = "QuotaExceededError"; throw e; }
    this.items.set(k, String(v));
  }
  removeItem(k) { this.items.delete(k); }
}
const storage = new Storage(scenario.storage, scenario.quota, false);
if (scenario.blocked) {
  Object.defineProperty(globalThis, "localStorage", { get() { const e = new Error("denied"); e.name = "SecurityError"; throw e; } });
} else {
  globalThis.localStorage = storage;
}
const state = { namespace: "advocacy-lab:drafts:" };
const saved = [];
const sent = [];
const handlers = [];
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; },
  save_changes: () => saved.push(JSON.parse(JSON.stringify(state))),
  on: (name, fn) => { if (name === "msg:custom") handlers.push(fn); },
  off: () => {},
  send: (m) => sent.push(m),
};
mod.initialize({ model });
for (const msg of scenario.messages) { for (const h of handlers) h(msg); }
const el = {};
mod.render({ model, el });
console.log(JSON.stringify({ saved, sent, storage: Object.fromEntries(storage.items), hidden: el.hidden === true }));
"""


def run_js(tmp_path: Path, storage: dict[str, str] | None = None, messages: list | None = None,
           quota: int | None = None, blocked: bool = False) -> dict:
    if NODE is None:
        pytest.skip("node is not installed; browser_store.js is covered by the browser tests")
    shutil.copy(JS_FILE, tmp_path / "browser_store.mjs")
    (tmp_path / "harness.mjs").write_text(HARNESS, encoding="utf-8")
    scenario = {"storage": storage or {}, "messages": messages or [], "quota": quota, "blocked": blocked}
    out = subprocess.run([NODE, "harness.mjs", json.dumps(scenario)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_js_reports_saved_drafts_of_its_namespace_only(tmp_path):
    record = record_to_json(encode_record({"text": "xin chào"}))
    result = run_js(tmp_path, storage={NAMESPACE + "m/a": record, "another-app:key": "x"})
    [state] = result["saved"]
    assert state["stored"] == {"m/a": record}
    assert state["loaded"] is True and state["available"] is True and state["problem"] == ""
    assert result["hidden"] is True


def test_python_messages_carried_out_by_the_real_js_round_trip(tmp_path):
    # page 1: Python saves through BrowserDraftStore; capture its messages
    sent: list[dict] = []
    store = BrowserDraftStore()
    store.widget.send = lambda msg, buffers=None: sent.append(msg)
    store.widget.loaded = True
    store.save("m/a", {"text": HOSTILE + " ộ 👩‍👩‍👧"})
    store.save("m/b", {"n": 1})
    store.delete("m/b")
    result = run_js(tmp_path, messages=sent)
    assert result["sent"] == []  # no errors
    assert set(result["storage"]) == {NAMESPACE + "m/a"}

    # page 2 (reload): the real JS reports what page 1 left; a new Python store restores it
    reloaded = run_js(tmp_path, storage=result["storage"])
    store2 = BrowserDraftStore()
    store2.widget.send = lambda msg, buffers=None: None
    component = FakeComponent("m/a")
    keep_drafts(component, store=store2)
    state = reloaded["saved"][0]
    store2.widget.stored = state["stored"]
    store2.widget.available = state["available"]
    store2.widget.loaded = state["loaded"]
    assert component.value["text"] == HOSTILE + " ộ 👩‍👩‍👧"


def test_js_puts_aside_rather_than_deleting(tmp_path):
    result = run_js(
        tmp_path,
        storage={NAMESPACE + "m/bad": "{broken", NAMESPACE + "m/ok": "{}"},
        messages=[{"op": "put_aside", "key": "m/bad"}, {"op": "clear"}],
    )
    aside = [k for k in result["storage"] if k.startswith("advocacy-lab:drafts-put-aside:")]
    assert len(aside) == 1 and aside[0].endswith(":m/bad")
    assert result["storage"][aside[0]] == "{broken"
    assert not any(k.startswith(NAMESPACE) for k in result["storage"])  # clear removed ours only


def test_js_reports_a_full_storage_as_a_quota_error(tmp_path):
    result = run_js(tmp_path, quota=300, messages=[
        {"op": "save", "key": "m/a", "value": "x" * 50},
        {"op": "save", "key": "m/b", "value": "y" * 1000},
    ])
    assert result["storage"] == {NAMESPACE + "m/a": "x" * 50}
    [error] = result["sent"]
    assert error["op"] == "error" and error["kind"] == "quota" and error["key"] == "m/b"

    store = BrowserDraftStore()
    store.widget._handle_custom_msg(error, [])
    assert "storage for this site is full" in store.notice


def test_js_survives_blocked_storage(tmp_path):
    result = run_js(tmp_path, blocked=True, messages=[{"op": "save", "key": "m/a", "value": "{}"}])
    [state] = result["saved"]
    assert state["available"] is False and state["problem"] == "unavailable" and state["loaded"] is True
    assert result["sent"][0]["kind"] == "unavailable"


def test_js_ignores_malformed_messages(tmp_path):
    result = run_js(tmp_path, messages=[None, 7, {"op": 3}, {"op": "save"}, {"op": "save", "key": "k", "value": 5},
                                        {"op": "unknown", "key": "k"}])
    assert result["sent"] == [] and result["storage"] == {}


# ------------------------------------------------------ with the real lesson widget

def _find(widget: widgets.Widget, css: str) -> widgets.Widget:
    if css in getattr(widget, "_dom_classes", ()):
        return widget
    for child in getattr(widget, "children", ()):
        try:
            return _find(child, css)
        except LookupError:
            pass
    raise LookupError(css)


def test_message_builder_draft_survives_and_starts_over(tmp_path):
    try:
        from advocacy_lab.ui.message_builder import MessageBuilder
    except ImportError as exc:  # the lesson widgets land in parallel (issue #2)
        pytest.skip(f"MessageBuilder not importable yet: {exc}")
    store = FileDraftStore(tmp_path / "drafts.json")
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    _find(builder, "al-problem").value = "Children drink unsafe water " + HOSTILE
    _find(builder, "al-post-text").value = "Sign the petition today!"
    saved = store.load(builder.draft_key)
    assert saved["problem"] == "Children drink unsafe water " + HOSTILE
    assert saved["post"] == "Sign the petition today!"

    again = MessageBuilder()
    keep_drafts(again, store=FileDraftStore(tmp_path / "drafts.json"))
    assert _find(again, "al-problem").value == "Children drink unsafe water " + HOSTILE
    assert _find(again, "al-post-text").value == "Sign the petition today!"
    assert again.value["post"] == "Sign the petition today!"

    start_over(keeper)
    keeper._confirm_yes.click()
    assert _find(builder, "al-post-text").value == "" and _find(builder, "al-problem").value == ""
    assert store.load(builder.draft_key) is None


def test_quiz_answers_survive_a_restart_and_start_over_clears_them(tmp_path):
    from advocacy_lab.ui.quiz import Quiz

    store = FileDraftStore(tmp_path / "drafts.json")
    quiz = Quiz()
    keeper = keep_drafts(quiz, store=store)
    first, second = quiz.questions[0], quiz.questions[1]
    quiz.answer(first.id, 1)
    quiz.answer(second.id, 0)
    assert store.load(quiz.draft_key) == {"answers": {first.id: 1, second.id: 0}}

    again = Quiz()
    keep_drafts(again, store=FileDraftStore(tmp_path / "drafts.json"))
    assert again.value == {"answers": {first.id: 1, second.id: 0}}
    assert again.check()[first.id].passed == quiz.check()[first.id].passed

    start_over(keeper)
    assert store.load(quiz.draft_key) is not None  # not before "Yes"
    keeper._confirm_yes.click()
    assert quiz.value == {"answers": {}}
    assert store.load(quiz.draft_key) is None
