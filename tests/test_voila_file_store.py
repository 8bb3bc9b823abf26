"""The file store under Voila waits for the learner's page (VoilaFileDraftStore).

Voila preheats kernels: it runs a notebook before anyone opens it. A store read
then would show a stale draft and put a damaged file aside where nobody sees
the notice. These tests drive the page signal as the browser does.
"""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from advocacy_lab.core.drafts import FileDraftStore
from advocacy_lab.ui.drafts import VoilaFileDraftStore, default_store, keep_drafts


class Note(widgets.VBox):
    value = traitlets.Dict()

    def __init__(self, draft_key: str = "test/note", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.draft_key = draft_key
        self.value = {"text": ""}


def page_opens(store: VoilaFileDraftStore) -> None:
    store.widget.loaded = True  # what PageSignal's initialize() does in the browser


def test_forced_file_store_under_voila_waits_for_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    monkeypatch.setenv("ADVOCACY_LAB_DRAFT_STORE", "file")
    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path))
    store = default_store()
    assert isinstance(store, VoilaFileDraftStore) and isinstance(store, FileDraftStore)
    assert str(tmp_path) not in store.describe()


def test_a_draft_saved_after_preheating_is_restored_when_the_page_opens(tmp_path):
    path = tmp_path / "drafts.json"
    store = VoilaFileDraftStore(path)
    note = Note()
    keeper = keep_drafts(note, store=store)  # the preheated kernel runs the notebook
    assert store.widget in keeper.children
    assert note.value == {"text": ""}

    FileDraftStore(path).save("test/note", {"text": "typed in another visit"})  # meanwhile

    page_opens(store)
    assert note.value == {"text": "typed in another visit"}
    note.value = {"text": "typed in another visit, and more"}
    assert FileDraftStore(path).load("test/note") == {"text": "typed in another visit, and more"}


def test_a_damaged_file_is_left_alone_until_a_page_opens_and_that_page_is_told(tmp_path):
    path = tmp_path / "drafts.json"
    path.write_bytes(b"{not json")
    store = VoilaFileDraftStore(path)
    keeper = keep_drafts(Note(), store=store)
    assert store.keys() == [] and store.load("test/note") is None
    assert path.read_bytes() == b"{not json"  # not read, not moved
    assert keeper.notice == ""

    page_opens(store)
    backups = list(tmp_path.glob("drafts.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"{not json"
    assert backups[0].name in keeper.notice
    assert "could not be read" in keeper.notice


def test_ready_callbacks_run_once_even_if_one_fails(tmp_path):
    store = VoilaFileDraftStore(tmp_path / "drafts.json")
    calls: list[str] = []
    store.when_ready(lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    store.when_ready(lambda: calls.append("second"))
    page_opens(store)
    store.widget.loaded = False
    store.widget.loaded = True
    assert calls == ["second"]
    store.when_ready(lambda: calls.append("late"))
    assert calls == ["second", "late"]
