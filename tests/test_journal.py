"""Nothing lost (issue #7, section 3), headless: field identities, merging by
field, the page's journal and the keeper's announcements.

The pure rules (advocacy_lab.core.drafts) are tested directly; the page side
(ui/browser_store.js) runs for real under Node with a fake localStorage and a
small fake DOM, and its output is fed to the real Python store and keeper, as
a page load would.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from advocacy_lab.core.catalogue import texts
from advocacy_lab.core.drafts import (
    FileDraftStore,
    MemoryDraftStore,
    apply_changes,
    apply_journal,
    diff_changes,
    encode_record,
    field_id,
    journal_entry_problem,
    journal_matches,
    merge_change_lists,
    record_to_json,
)
from advocacy_lab.core.text import MAX_FIELD_CHARS
from advocacy_lab.ui import drafts as ui_drafts
from advocacy_lab.ui._component import FIELD_CLASS, LearnerComponent, field_class
from advocacy_lab.ui.drafts import NAMESPACE, BrowserDraftStore, ConnectionWatch, keep_drafts
from advocacy_lab.ui.link_builder import TrackingLinkBuilder
from advocacy_lab.ui.message_builder import MessageBuilder
from advocacy_lab.ui.plan import CampaignPlanView
from advocacy_lab.ui.quiz import Quiz

BUILDER = "campaign-message/message-builder"
HOSTILE = "<img src=x onerror=alert(1)>"
JOURNAL = "advocacy-lab:journal:"
ASIDE = "advocacy-lab:drafts-put-aside:"


def course_components() -> list[LearnerComponent]:
    return [MessageBuilder(), TrackingLinkBuilder(), Quiz(), CampaignPlanView(store=MemoryDraftStore())]


# ------------------------------------------------------------------ field identities

def test_every_learner_field_has_a_stable_unique_identity():
    first = course_components()
    again = course_components()  # another kernel: new widget models, same identities
    ids = [fid for c in first for fid in c.field_specs()]
    assert len(ids) == len(set(ids)), "two fields share an identity"
    assert ids == [fid for c in again for fid in c.field_specs()]
    for component in first:
        for name, widget in component.fields.items():
            assert FIELD_CLASS in widget._dom_classes
            assert field_class(component.draft_key, name) in widget._dom_classes
            assert sum(c.startswith("al-fid-") for c in widget._dom_classes) == 1
    assert set(first[0].fields) == {
        "problem", "solution", "ask", "post", *(f"platforms.{p}" for p in first[0]._platform_boxes)
    }
    assert {s["kind"] for s in first[2].field_specs().values()} == {"choice"}


def test_the_field_class_survives_any_draft_key():
    key = "module/with space#and%percent/đ"
    cls = field_class(key, "the post")
    assert " " not in cls and cls.startswith("al-fid-")
    from urllib.parse import unquote

    assert unquote(cls[len("al-fid-"):]) == field_id(key, "the post") == f"{key}#the post"
    with pytest.raises(ValueError, match="field name"):
        field_id(key, "  ")
    with pytest.raises(ValueError, match="draft key"):
        field_id("", "post")


def test_every_text_field_counts_every_keystroke():
    for component in course_components():
        for widget in component.fields.values():
            if isinstance(widget, (widgets.Text, widgets.Textarea)):
                assert widget.continuous_update is True, (type(component).__name__, widget._dom_classes)


def test_the_plan_title_counts_without_enter_and_downloads_read_it_from_the_screen():
    plan = CampaignPlanView(store=MemoryDraftStore())
    title = plan.fields["title"]
    assert title.continuous_update is True  # was False: the title waited for Enter
    title.value = "Clean air <for> “Hà Nội”"
    name, content = plan.downloads["md"]
    assert "Clean air" in content.decode("utf-8")
    # The page reads the title field on screen at the click: the links know its DOM class.
    title_id = field_id(plan.draft_key, "title")
    assert plan._download_links.sources == {title_id: field_class(plan.draft_key, "title")}
    assert field_class(plan.draft_key, "title") in title._dom_classes
    answer, buffers = plan._answer_download({"format": "md", "screen": {title_id: "Typed, no Enter"}})
    assert answer["ok"] is True and buffers[0].decode("utf-8").startswith("# Typed, no Enter")


def test_a_field_declared_twice_or_of_an_unknown_kind_is_a_clear_error():
    class Twice(LearnerComponent):
        def __init__(self) -> None:
            super().__init__(draft_key="test/twice")
            self._add_field("a", widgets.Text())
            self._add_field("a", widgets.Text())

    with pytest.raises(ValueError, match="declares the field 'a' twice"):
        Twice()

    class Odd(LearnerComponent):
        def __init__(self) -> None:
            super().__init__(draft_key="test/odd")
            self._add_field("slider", widgets.IntSlider())

    with pytest.raises(ValueError, match="IntSlider"):
        Odd()


def test_restoring_names_the_fields_that_did_not_fit():
    builder = MessageBuilder()
    builder.value = {"problem": 42, "post": "fine", "platforms": "x", "solution": ["a"]}
    assert sorted(builder.dropped_fields) == sorted(
        ["problem", "solution", *(f"platforms.{p}" for p in builder._platform_boxes)]
    )
    assert builder.fields["post"].value == "fine"
    builder.value = {"problem": "now text"}
    assert builder.dropped_fields == []

    quiz = Quiz()
    first, second = quiz.questions[0].id, quiz.questions[1].id
    quiz.value = {"answers": {first: 99, second: True}}
    assert quiz.dropped_fields == [f"answers.{first}", f"answers.{second}"]
    assert quiz.value["answers"] == {}
    quiz.value = {"answers": "all of them"}
    assert len(quiz.dropped_fields) == len(quiz.questions)


# ------------------------------------------------------------------ merging by field

def test_diff_names_each_changed_field_with_the_value_it_replaced():
    old = {"problem": "a", "answers": {"q1": 1, "q2": 0}, "platforms": ["x"], "gone": "bye"}
    new = {"problem": "b", "answers": {"q1": 1, "q3": 2}, "platforms": ["x", "facebook"], "post": "p"}
    changes = diff_changes(old, new)
    assert {"path": ["problem"], "value": "b", "base": "a"} in changes
    assert {"path": ["answers", "q3"], "value": 2} in changes
    assert {"path": ["answers", "q2"], "delete": True, "base": 0} in changes
    assert {"path": ["platforms"], "value": ["x", "facebook"], "base": ["x"]} in changes
    assert {"path": ["post"], "value": "p"} in changes
    assert {"path": ["gone"], "delete": True, "base": "bye"} in changes
    assert len(changes) == 6
    assert apply_changes(old, changes) == (new, [])
    assert diff_changes(new, new) == []
    assert diff_changes({"n": 1}, {"n": True}) == [{"path": ["n"], "value": True, "base": 1}]


def test_changes_of_two_tabs_to_different_fields_both_stay():
    stored = {"problem": "", "ask": ""}
    tab_a = diff_changes({"problem": "", "ask": ""}, {"problem": "from tab A", "ask": ""})
    tab_b = diff_changes({"problem": "", "ask": ""}, {"problem": "", "ask": "from tab B"})
    stored, conflicts_a = apply_changes(stored, tab_a)
    stored, conflicts_b = apply_changes(stored, tab_b)
    assert stored == {"problem": "from tab A", "ask": "from tab B"}
    assert conflicts_a == conflicts_b == []


def test_the_same_field_changed_in_two_places_reports_the_text_written_over():
    stored = {"post": "tab A's post"}
    merged, conflicts = apply_changes(stored, [{"path": ["post"], "value": "tab B's post", "base": ""}])
    assert merged == {"post": "tab B's post"}
    assert conflicts == [{"path": ["post"], "other": "tab A's post", "value": "tab B's post"}]
    # Nothing to keep: the same text, an empty one, or a non-text value.
    assert apply_changes({"post": "same"}, [{"path": ["post"], "value": "same", "base": "x"}])[1] == []
    assert apply_changes({"post": "  "}, [{"path": ["post"], "value": "b", "base": "x"}])[1] == []
    assert apply_changes({"q": 1}, [{"path": ["q"], "value": 2, "base": 0}])[1] == []
    # Malformed changes are ignored.
    assert apply_changes({"a": "b"}, [{"path": []}, {"path": [1], "value": 2}, {"path": ["a"]}, "x"]) == ({"a": "b"}, [])


def test_queued_changes_keep_the_first_base():
    merged = merge_change_lists(
        [{"path": ["post"], "value": "a", "base": ""}, {"path": ["ask"], "value": "x", "base": ""}],
        [{"path": ["post"], "value": "ab", "base": "a"}],
    )
    assert merged == [{"path": ["ask"], "value": "x", "base": ""}, {"path": ["post"], "value": "ab", "base": ""}]


def test_memory_and_file_stores_save_by_field_and_keep_aside_what_they_write_over(tmp_path):
    for store in (MemoryDraftStore(), FileDraftStore(tmp_path / "drafts.json")):
        other_kernel = FileDraftStore(tmp_path / "drafts.json") if isinstance(store, FileDraftStore) else store
        store.save("m/a", {"problem": "", "post": ""})
        assert store.update("m/a", {"problem": "mine", "post": ""}, [{"path": ["problem"], "value": "mine", "base": ""}]) == []
        other_kernel.update("m/a", {"problem": "", "post": "theirs"}, [{"path": ["post"], "value": "theirs", "base": ""}])
        assert store.load("m/a") == {"problem": "mine", "post": "theirs"}
        conflicts = store.update("m/a", {"post": "mine too"}, [{"path": ["post"], "value": "mine too", "base": ""}])
        assert conflicts == [{"path": ["post"], "other": "theirs", "value": "mine too"}]
        assert store.load("m/a")["post"] == "mine too"
    kept = sorted(tmp_path.glob("drafts.json.kept-*"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["drafts"]["m/a"]["data"]["post"] == "theirs"
    memory = MemoryDraftStore()
    memory.save("m/a", {"post": "theirs"})
    memory.update("m/a", {"post": "x"}, [{"path": ["post"], "value": "x", "base": ""}])
    assert memory.kept_aside[0][1]["data"] == {"post": "theirs"}
    with pytest.raises(ValueError, match="only text"):
        memory.update("m/a", {"post": {1, 2}}, [])


# ------------------------------------------------------------------ the journal, in Python

def entry(path, value, at, key=BUILDER, **extra) -> dict[str, Any]:
    return {"key": key, "path": list(path), "op": "set", "value": value, "at": at, **extra}


def test_journal_goes_over_the_saved_draft_newest_last():
    drafts = {BUILDER: {"problem": "saved", "post": "saved post", "platforms": ["x"]}}
    entries = [
        entry(["post"], "typed offline, later", 300, base="saved post"),
        entry(["ask"], "a new field", 100),
        {"key": BUILDER, "path": ["platforms"], "op": "member", "item": "linkedin", "value": True, "at": 150},
        {"key": BUILDER, "path": ["platforms"], "op": "member", "item": "x", "value": False, "at": 160},
        entry(["url"], "https://example.org", 100, key="campaign-message/tracking-link"),
    ]
    merged, changes, conflicts = apply_journal(drafts, entries)
    assert merged[BUILDER] == {
        "problem": "saved", "post": "typed offline, later", "ask": "a new field", "platforms": ["linkedin"],
    }
    assert merged["campaign-message/tracking-link"] == {"url": "https://example.org"}
    assert {"path": ["post"], "value": "typed offline, later", "base": "saved post"} in changes[BUILDER]
    assert conflicts == []  # the draft was as the page saw it: nobody else's text written over
    assert drafts[BUILDER]["post"] == "saved post"  # the input is not modified


def test_journal_entries_the_draft_already_holds_change_nothing():
    drafts = {BUILDER: {"post": "same", "platforms": ["x"]}}
    entries = [entry(["post"], "same", 1),
               {"key": BUILDER, "path": ["platforms"], "op": "member", "item": "x", "value": True, "at": 2}]
    assert apply_journal(drafts, entries) == ({}, {}, [])
    assert journal_matches(drafts[BUILDER], entries[0]) and journal_matches(drafts[BUILDER], entries[1])


def test_two_pages_journaling_the_same_field_keep_both_texts():
    drafts = {BUILDER: {"post": "saved post"}}
    entries = [
        entry(["post"], "second tab's post", 20, base="saved post"),
        entry(["post"], "first tab's post", 10, base="saved post"),
    ]
    merged, _, conflicts = apply_journal(drafts, entries)
    assert merged[BUILDER]["post"] == "second tab's post"  # the newer one in the field
    assert conflicts == [{"key": BUILDER, "path": ["post"], "other": "first tab's post", "value": "second tab's post"}]


def test_journal_written_over_a_text_saved_elsewhere_meanwhile_reports_it():
    # The page journaled an edit of "draft 1"; another tab saved "draft 2" since.
    drafts = {BUILDER: {"post": "draft 2 from the other tab"}}
    merged, _, conflicts = apply_journal(drafts, [entry(["post"], "draft 1, edited offline", 5, base="draft 1")])
    assert merged[BUILDER]["post"] == "draft 1, edited offline"
    assert conflicts[0]["other"] == "draft 2 from the other tab"


@pytest.mark.parametrize("bad", [
    None, "x", {}, entry([], "v", 1), entry(["a"], "v", 1, key=""), entry(["a"], {"nested": 1}, 1),
    {"key": BUILDER, "path": ["a"], "op": "drop", "value": 1},
    {"key": BUILDER, "path": ["platforms"], "op": "member", "item": 3, "value": True},
    entry(["a"], float("nan"), 1),
])
def test_malformed_journal_entries_are_skipped(bad):
    assert journal_entry_problem(bad) is not None
    assert apply_journal({BUILDER: {"a": "kept"}}, [bad, entry(["b"], "ok", 2)])[0] == {BUILDER: {"a": "kept", "b": "ok"}}


# ------------------------------------------------------------------ store and keeper, Python side

class Page:
    """The page side, played in Python: records the messages the store sends."""

    def __init__(self, store: BrowserDraftStore) -> None:
        self.sent: list[dict] = []
        store.widget.send = lambda msg, buffers=None: self.sent.append(msg)
        self.store = store

    def load(self, stored: dict[str, str], journal: list[dict] | None = None) -> None:
        self.store.widget.stored = stored
        self.store.widget.journal = journal or []
        self.store.widget.available = True
        self.store.widget.loaded = True

    def says(self, msg: dict) -> None:
        self.store.widget._handle_custom_msg(msg, [])


def rec(data: dict) -> str:
    return record_to_json(encode_record(data))


def test_page_load_merges_the_journal_restores_the_component_and_saves_it_by_field():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    assert store.widget.fields == builder.field_specs()
    page.load(
        {BUILDER: rec({"problem": "saved", "post": ""})},
        [entry(["post"], "typed while the kernel was dead " + HOSTILE, 10, base="")],
    )
    assert builder.fields["problem"].value == "saved"
    assert builder.fields["post"].value == "typed while the kernel was dead " + HOSTILE
    [save] = [m for m in page.sent if m["op"] == "save"]
    assert save["key"] == BUILDER
    assert save["changes"] == [{"path": ["post"], "value": "typed while the kernel was dead " + HOSTILE, "base": ""}]
    assert json.loads(save["value"])["data"]["post"].startswith("typed while")
    assert store.load(BUILDER)["post"].startswith("typed while")
    assert keeper.notice == ""


def test_changes_are_sent_by_field_and_conflicts_from_the_page_are_announced_escaped():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    page.load({BUILDER: rec({"problem": "", "ask": "another tab's ask"})})
    page.sent.clear()
    builder.fields["problem"].value = "mine"
    [save] = page.sent
    assert save["changes"] == [{"path": ["problem"], "value": "mine", "base": ""}]  # not the whole record
    page.says({"op": "conflict", "key": BUILDER, "conflicts": [{"path": ["post"], "other": "other tab " + HOSTILE}]})
    assert "“Your post” was also changed elsewhere" in keeper.notice
    assert "other tab " + HOSTILE in keeper.notice
    assert HOSTILE not in keeper._notice.value and "&lt;img" in keeper._notice.value
    assert 'class="al-kept-text"' in keeper._notice.value
    page.says({"op": "conflict", "key": BUILDER, "conflicts": [{"path": ["ask"], "other": "spoofed \u202egnp.exe"}]})
    assert "spoofed gnp.exe" in keeper._notice.value and "\u202e" not in keeper._notice.value
    page.says({"op": "other_tab", "key": BUILDER})
    assert "also open in another tab" in keeper.notice


def test_a_restored_field_that_does_not_fit_is_announced_kept_aside_and_not_written_over():
    store = MemoryDraftStore()
    store.save(BUILDER, {"problem": 42, "post": "a post", "platforms": ["x"]})
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    assert "could not be put back in: 1. The problem" in keeper.notice
    assert store.kept_aside == [(BUILDER, store.load_record(BUILDER))]
    builder.fields["post"].value = "a better post"  # another field: the odd one stays as it was
    assert store.load(BUILDER) == {"problem": 42, "post": "a better post", "platforms": ["x"]}
    builder.fields["problem"].value = "Now a real problem"  # the learner changes it: now it is written
    assert store.load(BUILDER)["problem"] == "Now a real problem"
    # A reload announces nothing any more.
    assert keep_drafts(MessageBuilder(), store=store).notice == ""


def test_a_restored_field_that_does_not_fit_is_kept_aside_in_the_browser_too():
    store = BrowserDraftStore()
    page = Page(store)
    quiz = Quiz()
    keeper = keep_drafts(quiz, store=store)
    first = quiz.questions[0]
    page.load({quiz.draft_key: rec({"answers": {first.id: "b"}})})
    assert f"1. {first.prompt_in('en')}" in keeper.notice
    assert {"op": "keep_aside", "key": quiz.draft_key} in page.sent
    assert not [m for m in page.sent if m["op"] == "save"]  # nothing written on load


def test_start_over_deletes_the_drafts_and_tells_the_page_to_forget_their_journal():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    page.load({BUILDER: rec({"post": "old"})})
    keeper._start_over.click()
    keeper._confirm_yes.click()
    assert {"op": "delete", "key": BUILDER} in page.sent  # browser_store.js forgets the journal too
    assert builder.fields["post"].value == ""


def test_after_an_outage_the_same_kernel_takes_in_what_the_page_kept():
    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    page.load({})
    builder.fields["problem"].value = "before"
    page.sent.clear()
    page.says({"op": "journal", "entries": [entry(["problem"], "before, and during the outage", 5, base="before")]})
    assert builder.fields["problem"].value == "before, and during the outage"
    assert page.sent[-1]["changes"] == [{"path": ["problem"], "value": "before, and during the outage", "base": "before"}]
    assert keeper.notice == ""


def test_the_connection_watch_answers_pings_and_speaks_the_learners_language():
    watch = ConnectionWatch(lang="vi")
    assert watch.texts == texts("connection", "vi")
    assert set(watch.texts) >= {"lost", "ended", "back", "restored", "reload"}
    sent = []
    watch.send = lambda msg, buffers=None: sent.append(msg)
    watch._handle_custom_msg({"op": "ping", "n": 7}, [])
    watch._handle_custom_msg({"op": "other"}, [])
    watch._handle_custom_msg("ping", [])
    assert sent == [{"op": "pong", "n": 7}]
    # Its styles come from the course's one stylesheet, not inline.
    from advocacy_lab.ui.course_style import STYLESHEET

    sheet = STYLESHEET.read_text(encoding="utf-8")
    assert ".al-connection" in sheet and "body.al-connection-lost .al-drafts-status" in sheet


def test_the_watch_never_sends_a_copy_of_the_stylesheet_of_its_own(monkeypatch):
    # Under Voila the page's head has the sheet; in JupyterLab the one CourseStyle brings it
    # (the watch used to carry it as its own _css too: two copies in Lab's head).
    from advocacy_lab.ui import course_style

    for name in ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_SERVER_URL", "VOILA_APP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(course_style, "_carrier", None)
    in_lab = ConnectionWatch()
    assert not getattr(in_lab, "_css", "")
    assert course_style._carrier is not None and ".al-connection" in str(course_style._carrier._css)
    monkeypatch.setenv("VOILA_KERNEL_ID", "0f3c")
    monkeypatch.setattr(course_style, "_carrier", None)
    assert not getattr(ConnectionWatch(), "_css", "") and course_style._carrier is None


def test_the_keeper_shows_the_watch_with_the_browser_store_only(tmp_path):
    builder = MessageBuilder(lang="vi")
    keeper = keep_drafts(builder, store=BrowserDraftStore())
    assert keeper.watch in keeper.children and keeper.watch.texts == texts("connection", "vi")
    assert keep_drafts(MessageBuilder(), store=FileDraftStore(tmp_path / "d.json")).watch is None
    assert BrowserDraftStore().widget.max_chars == MAX_FIELD_CHARS


# ------------------------------------------------------------------ the page script, under Node

NODE = shutil.which("node")
JS_FILE = Path(ui_drafts.__file__).with_name("browser_store.js")

HARNESS = r"""
import { readFileSync } from "node:fs";
import mod from "./browser_store.mjs";
// On stdin: a scenario may hold megabytes (more than one command-line argument takes).
const scenario = JSON.parse(readFileSync(0, "utf8"));
class Storage {
  constructor(items) { this.items = new Map(Object.entries(items)); }
  get length() { return this.items.size; }
  key(i) { return [...this.items.keys()][i] ?? null; }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) { this.items.set(k, String(v)); }
  removeItem(k) { this.items.delete(k); }
}
if (scenario.blocked) {  // private browsing, policies: reading localStorage throws
  Object.defineProperty(globalThis, "localStorage", { get() { const e = new Error("denied"); e.name = "SecurityError"; throw e; } });
} else {
  globalThis.localStorage = new Storage(scenario.storage);
}
// A small DOM: one element per field, with the classes the widgets carry.
const handlers = {};
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
const roots = {};
for (const [fid, spec] of Object.entries(scenario.fields)) {
  const root = { classList: ["lm-Widget", "al-field", "al-fid-" + enc(fid)], inputs: [] };
  root.closest = (sel) => (sel === ".al-field" ? root : null);
  const make = (props) => { const el = { ...props, closest: root.closest, attrs: {} };
    el.setAttribute = (k, v) => { el.attrs[k] = v; }; root.inputs.push(el); return el; };
  if (spec.kind === "text") make({ tag: "textarea", value: "" });
  if (spec.kind === "flag" || spec.kind === "member") make({ tag: "input", type: "checkbox", checked: false });
  if (spec.kind === "choice") spec.choices.forEach((_, i) => make({ tag: "input", type: "radio", value: String(i), checked: false }));
  root.querySelector = (sel) => {
    if (sel.includes(":checked")) return root.inputs.find((el) => el.type === "radio" && el.checked) || null;
    if (sel.includes("checkbox")) return root.inputs.find((el) => el.type === "checkbox") || null;
    if (sel === "select") return null;
    return root.inputs[0] || null;
  };
  roots[fid] = root;
}
const windowHandlers = {};
globalThis.addEventListener = (type, fn) => { (windowHandlers[type] ||= []).push(fn); };
globalThis.removeEventListener = () => {};
const fireWindow = (type, event) => { for (const fn of windowHandlers[type] || []) fn({ type, ...event }); };
globalThis.document = {
  addEventListener: (type, fn) => { (handlers[type] ||= []).push(fn); },
  removeEventListener: () => {},
  getElementsByClassName: (cls) => Object.values(roots).filter((r) => r.classList.includes(cls)),
  querySelectorAll: () => Object.values(roots).flatMap((r) => r.inputs.filter((el) => el.tag === "textarea" && !("maxlength" in el.attrs))),
};
const state = { namespace: "advocacy-lab:drafts:", journal_prefix: "advocacy-lab:journal:", fields: scenario.fields, max_chars: 100000 };
const saved = [];
const sent = [];
// The UTF-8 size of the JSON of every message the page sends (updates and custom messages).
const sizes = [];
const bytes = (value) => new TextEncoder().encode(JSON.stringify(value)).length;
const listeners = [];
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; },
  save_changes: () => { saved.push(JSON.parse(JSON.stringify(state))); sizes.push(bytes(state)); },
  on: (name, fn) => { if (name === "msg:custom") listeners.push(fn); },
  off: () => {},
  send: (m) => { sent.push(m); sizes.push(bytes(m)); },
};
const cleanup = mod.initialize({ model });
const fire = (type, target) => { for (const fn of handlers[type] || []) fn({ type, target }); };
for (const step of scenario.steps) {
  const root = roots[step.field];
  if (step.do === "type") {
    const el = root.inputs[0];
    fire("beforeinput", el);
    el.value = step.value;
    fire("input", el);
  } else if (step.do === "tick") {
    const el = root.inputs[0]; el.checked = step.value; fire("change", el);
  } else if (step.do === "pick") {
    root.inputs.forEach((el, i) => { el.checked = i === step.value; });
    fire("change", root.inputs[step.value]);
  } else if (step.do === "kernel") {
    for (const fn of listeners) fn(step.msg);
  } else if (step.do === "other_tab_saves") {
    // Another tab writes a draft: this page hears a "storage" event.
    globalThis.localStorage.setItem("advocacy-lab:drafts:" + step.key, step.value);
    fireWindow("storage", { key: "advocacy-lab:drafts:" + step.key });
  } else if (step.do === "reconnected") {
    fireWindow("advocacy-lab:connection", { detail: { state: "ok", was: "lost" } });
  } else if (step.do === "kernel_sets") {
    state[step.name] = step.value;  // a trait the kernel synced to the page
  }
}
const maxlength = Object.fromEntries(Object.entries(roots).map(([fid, r]) => [fid, r.inputs[0].attrs.maxlength ?? null]));
if (scenario.close) fireWindow("pagehide", {});  // the tab is reloaded or closed
if (typeof cleanup === "function") cleanup();
const storage = scenario.blocked ? {} : Object.fromEntries(globalThis.localStorage.items);
console.log(JSON.stringify({ saved, sent, sizes, storage, maxlength }));
"""


def run_page(tmp_path: Path, *, fields: dict, storage: dict | None = None, steps: list | None = None,
             close: bool = True, blocked: bool = False) -> dict:
    if NODE is None:
        pytest.skip("node is not installed; browser_store.js is covered by the browser tests")
    shutil.copy(JS_FILE, tmp_path / "browser_store.mjs")
    (tmp_path / "harness.mjs").write_text(HARNESS, encoding="utf-8")
    scenario = {"fields": fields, "storage": storage or {}, "steps": steps or [], "close": close, "blocked": blocked}
    out = subprocess.run([NODE, "harness.mjs"], input=json.dumps(scenario), cwd=tmp_path, capture_output=True,
                         text=True, encoding="utf-8", timeout=120, check=True)
    return json.loads(out.stdout)


def journals(storage: dict) -> list[dict]:
    return [json.loads(v) for k, v in storage.items() if k.startswith(JOURNAL)]


def test_the_page_journals_every_kind_of_field_without_the_kernel(tmp_path):
    builder, quiz = MessageBuilder(), Quiz()
    fields = {**builder.field_specs(), **quiz.field_specs()}
    q = quiz.questions[0].id
    saved = rec({"post": "saved"})
    result = run_page(tmp_path, fields=fields, storage={NAMESPACE + BUILDER: saved}, steps=[
        {"do": "type", "field": field_id(BUILDER, "post"), "value": "saved, then more " + HOSTILE},
        {"do": "type", "field": field_id(BUILDER, "post"), "value": "saved, then even more"},
        {"do": "tick", "field": field_id(BUILDER, "platforms.linkedin"), "value": True},
        {"do": "pick", "field": field_id(quiz.draft_key, f"answers.{q}"), "value": 2},
    ])
    [journal] = journals(result["storage"])
    entries = {(e["key"], tuple(e["path"]), e.get("item")): e for e in journal["entries"].values()}
    post = entries[(BUILDER, ("post",), None)]
    assert post["value"] == "saved, then even more" and post["base"] == ""  # what the field showed first
    assert entries[(BUILDER, ("platforms",), "linkedin")]["value"] is True
    assert entries[(quiz.draft_key, ("answers", q), None)]["value"] == 2
    assert result["sent"] == []  # not one message to the kernel
    assert result["maxlength"][field_id(BUILDER, "post")] == "100000"
    assert result["storage"][NAMESPACE + BUILDER] == saved  # the draft itself is untouched


def test_journal_round_trip_through_the_real_page_script_and_the_real_store(tmp_path):
    # Page 1: the kernel is dead; the learner types on.
    builder = MessageBuilder()
    specs = builder.field_specs()
    first = run_page(tmp_path, fields=specs, storage={NAMESPACE + BUILDER: rec({"problem": "saved problem"})}, steps=[
        {"do": "type", "field": field_id(BUILDER, "ask"), "value": "Sign by 30 June, typed offline"},
    ])
    # Page 2 (a reload): the script reports drafts and journal; a new kernel merges them.
    second = run_page(tmp_path, fields=specs, storage=first["storage"])
    reported = second["saved"][0]
    assert [e["value"] for e in reported["journal"]] == ["Sign by 30 June, typed offline"]
    store = BrowserDraftStore()
    page = Page(store)
    again = MessageBuilder()
    keep_drafts(again, store=store)
    page.load(reported["stored"], reported["journal"])
    assert again.fields["ask"].value == "Sign by 30 June, typed offline"
    assert again.fields["problem"].value == "saved problem"
    # The save reaches the page script: the draft holds it, the journal is done.
    third = run_page(tmp_path, fields=specs, storage=first["storage"],
                     steps=[{"do": "kernel", "msg": m} for m in page.sent])
    data = json.loads(third["storage"][NAMESPACE + BUILDER])["data"]
    assert data["ask"] == "Sign by 30 June, typed offline" and data["problem"] == "saved problem"
    assert journals(third["storage"]) == []


def test_the_page_script_merges_saves_by_field_and_keeps_aside_what_it_writes_over(tmp_path):
    specs = MessageBuilder().field_specs()
    other_tab = rec({"problem": "other tab's problem", "post": "other tab's post"})
    mine = encode_record({"problem": "", "post": "my post", "ask": "my ask"})
    result = run_page(tmp_path, fields=specs, storage={NAMESPACE + BUILDER: other_tab}, steps=[{"do": "kernel", "msg": {
        "op": "save", "key": BUILDER, "value": record_to_json(mine),
        "changes": [{"path": ["post"], "value": "my post", "base": ""}, {"path": ["ask"], "value": "my ask"}],
    }}])
    data = json.loads(result["storage"][NAMESPACE + BUILDER])["data"]
    assert data == {"problem": "other tab's problem", "post": "my post", "ask": "my ask"}
    assert result["sent"] == [{"op": "conflict", "key": BUILDER, "conflicts": [{"path": ["post"], "other": "other tab's post"}]}]
    aside = [v for k, v in result["storage"].items() if k.startswith(ASIDE)]
    assert aside == [other_tab]


def test_start_over_and_clear_make_the_page_forget_the_journal(tmp_path):
    specs = {**MessageBuilder().field_specs(), **TrackingLinkBuilder().field_specs()}
    other = {"key": "campaign-message/tracking-link", "path": ["url"], "op": "set", "value": "https://x.org", "at": 1}
    storage = {
        NAMESPACE + BUILDER: rec({"post": "old"}),
        JOURNAL + "an-old-page": json.dumps({"v": 1, "page": "an-old-page", "alive": 0, "closed": True, "entries": {
            field_id(BUILDER, "post"): entry(["post"], "old, and typed offline", 1),
            field_id("campaign-message/tracking-link", "url"): other,
        }}),
    }
    result = run_page(tmp_path, fields=specs, storage=storage, steps=[
        {"do": "type", "field": field_id(BUILDER, "ask"), "value": "typed here"},
        {"do": "kernel", "msg": {"op": "delete", "key": BUILDER}},
    ])
    assert NAMESPACE + BUILDER not in result["storage"]
    remaining = [e for j in journals(result["storage"]) for e in j["entries"].values()]
    assert remaining == [other]  # only the other exercise's entry is left
    cleared = run_page(tmp_path, fields=specs, storage=result["storage"], steps=[{"do": "kernel", "msg": {"op": "clear"}}])
    assert journals(cleared["storage"]) == []


def test_keep_aside_copies_a_draft_once(tmp_path):
    record = rec({"problem": 42})
    result = run_page(tmp_path, fields={}, storage={NAMESPACE + BUILDER: record}, steps=[
        {"do": "kernel", "msg": {"op": "keep_aside", "key": BUILDER}},
        {"do": "kernel", "msg": {"op": "keep_aside", "key": BUILDER}},
    ])
    assert result["storage"][NAMESPACE + BUILDER] == record  # still there
    assert [v for k, v in result["storage"].items() if k.startswith(ASIDE)] == [record]


def test_an_open_page_keeps_its_journal_until_a_saved_draft_holds_it(tmp_path):
    specs = MessageBuilder().field_specs()
    typed = {"do": "type", "field": field_id(BUILDER, "post"), "value": "typed in the first tab"}
    # Still open (no pagehide): another page leaves its journal alone...
    first = run_page(tmp_path, fields=specs, steps=[typed], close=False)
    other = run_page(tmp_path, fields=specs, storage=first["storage"], steps=[{"do": "kernel", "msg": {
        "op": "save", "key": BUILDER, "value": rec({"post": "typed in the first tab"}),
    }}], close=False)
    assert journals(other["storage"]) == journals(first["storage"])  # the first page's, untouched
    # ...until the first page itself sees the draft saved elsewhere (a "storage"
    # event), e.g. by the plan page folding its journal in: nothing new to say.
    settled = run_page(tmp_path, fields=specs, steps=[
        typed,
        {"do": "other_tab_saves", "key": BUILDER, "value": rec({"post": "typed in the first tab"})},
    ], close=False)
    assert journals(settled["storage"]) == []
    assert settled["sent"] == []
    # Another tab of the module saving other text: the learner hears of it, once.
    told = run_page(tmp_path, fields=specs, steps=[
        typed,
        {"do": "other_tab_saves", "key": BUILDER, "value": rec({"post": "typed in the first tab", "ask": "other"})},
        {"do": "other_tab_saves", "key": BUILDER, "value": rec({"post": "typed in the first tab", "ask": "more"})},
    ], close=False)
    assert told["sent"] == [{"op": "other_tab", "key": BUILDER}]


def test_back_in_touch_the_page_hands_its_journal_to_the_kernel(tmp_path):
    specs = MessageBuilder().field_specs()
    result = run_page(tmp_path, fields=specs, steps=[
        {"do": "type", "field": field_id(BUILDER, "ask"), "value": "typed during the outage"},
        {"do": "reconnected"},
    ])
    [msg] = result["sent"]
    assert msg["op"] == "journal" and [e["value"] for e in msg["entries"]] == ["typed during the outage"]


def test_a_journal_the_draft_cannot_take_leaves_the_draft_as_it_was(monkeypatch):
    import advocacy_lab.core.drafts as core_drafts

    store = BrowserDraftStore()
    page = Page(store)
    builder = MessageBuilder()
    keeper = keep_drafts(builder, store=store)
    monkeypatch.setattr(core_drafts, "MAX_DRAFT_BYTES", 200)
    page.load({BUILDER: rec({"post": "short"})}, [entry(["post"], "x" * 500, 1, base="short")])
    assert builder.fields["post"].value == "short"  # the page still loads, with what was saved
    assert not [m for m in page.sent if m["op"] == "save"]
    assert keeper.status.startswith("Your work is saved in this browser")
