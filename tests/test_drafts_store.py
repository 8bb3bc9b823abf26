"""Unit tests for the draft stores (advocacy_lab.core.drafts)."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
from pathlib import Path

import pytest

from advocacy_lab.core import drafts
from advocacy_lab.core.drafts import (
    MAX_DRAFT_BYTES,
    SCHEMA_VERSION,
    DraftFormatError,
    DraftStore,
    DraftStoreError,
    FileDraftStore,
    MemoryDraftStore,
    decode_record,
    encode_record,
    migrate_record,
    record_to_json,
)

LEARNER_DRAFT = {
    "problem": "Thiếu nước sạch ở trường học",
    "solution": "Quỹ nước sạch cho 200 trường",
    "ask": "Hãy ký thỉnh nguyện thư! ✍🏽",
    "post": "<img src=x onerror=alert(1)> & \u202e\u0000 नमस्ते 👩‍👩‍👧",
    "platforms": ["x", "instagram"],
    "budget": [1.5, 0, -3, None, True],
    "nested": {"rows": [{"date": "2026-03-01", "channel": "facebook"}]},
}

BACKUP_RE = re.compile(r"^drafts\.json\.corrupt-\d{8}-\d{6}(\.\d+)?$")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "drafts.json"


@pytest.fixture(params=["file", "memory"])
def store(request, store_path):
    return FileDraftStore(store_path) if request.param == "file" else MemoryDraftStore()


def backups(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if ".corrupt-" in p.name)


# ---------------------------------------------------------------- round trip

def test_both_stores_follow_the_protocol(store):
    assert isinstance(store, DraftStore)
    assert store.notice == ""


def test_round_trip(store):
    assert store.load("campaign-message/message-builder") is None
    assert store.keys() == []
    store.save("campaign-message/message-builder", LEARNER_DRAFT)
    store.save("campaign-message/quiz", {"answers": {"q1": 2}})
    loaded = store.load("campaign-message/message-builder")
    assert loaded == LEARNER_DRAFT
    assert type(loaded) is dict and type(loaded["platforms"]) is list
    assert store.keys() == ["campaign-message/message-builder", "campaign-message/quiz"]

    store.delete("campaign-message/quiz")
    store.delete("never-saved")  # deleting what is not there is fine
    assert store.keys() == ["campaign-message/message-builder"]
    store.clear()
    assert store.keys() == [] and store.load("campaign-message/message-builder") is None


def test_saving_again_replaces_that_key_only(store):
    store.save("a", {"v": 1})
    store.save("b", {"v": "b"})
    store.save("a", {"v": 2})
    assert store.load("a") == {"v": 2}
    assert store.load("b") == {"v": "b"}


def test_store_keeps_a_copy_not_the_callers_object(store):
    data = {"items": ["one"]}
    store.save("k", data)
    data["items"].append("changed after saving")
    loaded = store.load("k")
    assert loaded == {"items": ["one"]}
    loaded["items"].append("changed after loading")
    assert store.load("k") == {"items": ["one"]}


def test_tuples_are_saved_as_lists(store):
    store.save("k", {"pair": (1, "a")})
    assert store.load("k") == {"pair": [1, "a"]}


def test_a_second_file_store_on_the_same_file_sees_the_saves(store_path):
    FileDraftStore(store_path).save("k", {"text": "from tab one"})
    assert FileDraftStore(store_path).load("k") == {"text": "from tab one"}


# ------------------------------------------------------------ the file format

def test_file_carries_schema_versions_and_save_times(store_path):
    store = FileDraftStore(store_path)
    store.save("k", {"text": "hello"})
    top = json.loads(store_path.read_text(encoding="utf-8"))
    assert top["schema_version"] == SCHEMA_VERSION == 1
    record = top["drafts"]["k"]
    assert record["schema_version"] == SCHEMA_VERSION
    assert record["data"] == {"text": "hello"}
    saved_at = dt.datetime.fromisoformat(record["saved_at"])
    assert saved_at.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - saved_at).total_seconds()) < 60
    assert store.load_record("k")["saved_at"] == record["saved_at"]


def test_file_is_private_to_the_user(store_path):
    FileDraftStore(store_path).save("k", {"text": "personal"})
    assert store_path.stat().st_mode & 0o077 == 0


def test_default_path_honours_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path / "elsewhere"))
    store = FileDraftStore()
    assert store.path == tmp_path / "elsewhere" / "drafts.json"
    store.save("k", {"a": 1})
    assert (tmp_path / "elsewhere" / "drafts.json").is_file()


def test_default_path_is_the_users_data_directory(monkeypatch):
    import platformdirs

    monkeypatch.delenv("ADVOCACY_LAB_DATA_DIR", raising=False)
    expected = Path(platformdirs.user_data_dir("advocacy-lab", appauthor=False)) / "drafts.json"
    assert drafts.default_drafts_path() == expected


# ------------------------------------------------------------------ atomicity

def test_failed_write_leaves_the_old_file_whole_and_no_temp_files(store_path, monkeypatch):
    store = FileDraftStore(store_path)
    store.save("k", {"text": "first version"})
    before = store_path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(drafts.os, "replace", broken_replace)
    with pytest.raises(DraftStoreError, match="could not be saved"):
        store.save("k", {"text": "second version"})
    monkeypatch.undo()

    assert store_path.read_bytes() == before
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["drafts.json", "drafts.json.lock"]
    assert store.load("k") == {"text": "first version"}


def test_write_is_fsynced_then_renamed(store_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def spy_fsync(fd):
        calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else None))
        return real_fsync(fd)

    def spy_replace(src, dst):
        calls.append(("replace", Path(src).parent == Path(dst).parent))
        return real_replace(src, dst)

    monkeypatch.setattr(drafts.os, "fsync", spy_fsync)
    monkeypatch.setattr(drafts.os, "replace", spy_replace)
    FileDraftStore(store_path).save("k", {"a": 1})
    names = [c[0] for c in calls]
    # the temp file is fsynced, renamed within the same directory, then the directory is fsynced
    assert names == ["fsync", "replace", "fsync"]
    assert calls[1] == ("replace", True)
    if os.path.exists("/proc/self/fd"):
        assert calls[0] == ("fsync", False) and calls[2] == ("fsync", True)


# ----------------------------------------------------------------- corruption

CORRUPT_FILES = {
    "bad json": b'{"schema_version": 1, "drafts": {"k": ',
    "binary junk": bytes(range(256)) * 4,
    "empty file": b"",
    "wrong shape (list)": b"[1, 2, 3]",
    "drafts not an object": b'{"schema_version": 1, "drafts": []}',
    "no schema version": b'{"drafts": {}}',
    "schema version as text": b'{"schema_version": "1", "drafts": {}}',
    "deeply nested": b"[" * 100_000,
}


@pytest.mark.parametrize("content", CORRUPT_FILES.values(), ids=CORRUPT_FILES.keys())
def test_corrupt_file_is_put_aside_with_a_notice(store_path, content):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(content)
    store = FileDraftStore(store_path)

    assert store.load("k") is None  # no crash
    [backup] = backups(store_path.parent)
    assert BACKUP_RE.match(backup.name)
    assert backup.read_bytes() == content  # kept byte for byte
    assert store.backups == [backup]
    assert backup.name in store.notice
    assert "could not be read" in store.notice and "Nothing was deleted" in store.notice
    assert "Traceback" not in store.notice

    # a new file is started; the backup is never touched again
    store.save("k", {"text": "new start"})
    assert store.load("k") == {"text": "new start"}
    assert backup.read_bytes() == content
    assert json.loads(store_path.read_text("utf-8"))["drafts"]["k"]["data"] == {"text": "new start"}


@pytest.mark.parametrize("operation", ["save", "delete", "keys", "clear"])
def test_no_operation_overwrites_a_corrupt_file(store_path, operation):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"\x89PNG not drafts")
    store = FileDraftStore(store_path)
    if operation == "save":
        store.save("k", {"a": 1})
    elif operation == "delete":
        store.delete("k")
    elif operation == "keys":
        assert store.keys() == []
    else:
        store.clear()
    [backup] = backups(store_path.parent)
    assert backup.read_bytes() == b"\x89PNG not drafts"
    assert backup.name in store.notice


def test_file_from_a_newer_release_is_put_aside_not_crashed_on(store_path):
    future = {"schema_version": SCHEMA_VERSION + 1, "drafts": {"k": {"whatever": "new shape"}}}
    content = json.dumps(future).encode()
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(content)
    store = FileDraftStore(store_path)
    assert store.keys() == []
    [backup] = backups(store_path.parent)
    assert backup.read_bytes() == content
    assert "newer version" in store.notice and backup.name in store.notice


def test_record_from_a_newer_release_inside_the_file_is_kept_in_the_backup(store_path):
    good = encode_record({"text": "readable"})
    top = {
        "schema_version": 1,
        "drafts": {
            "good": good,
            "future": {"schema_version": 99, "saved_at": "2030-01-01", "data": {"x": 1}},
            "broken": {"schema_version": 1, "data": "not a dict", "saved_at": "x"},
        },
    }
    content = json.dumps(top).encode()
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(content)
    store = FileDraftStore(store_path)

    assert store.keys() == ["good"]
    assert store.load("good") == {"text": "readable"}
    [backup] = backups(store_path.parent)
    assert backup.read_bytes() == content
    assert "Some of your saved drafts could not be read" in store.notice
    assert backup.name in store.notice
    # the readable drafts were written to a fresh, valid file straight away
    assert set(json.loads(store_path.read_text("utf-8"))["drafts"]) == {"good"}


def test_backups_in_the_same_second_get_distinct_names(store_path, monkeypatch):
    class FrozenDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 3, 8, 9, 30, 0, tzinfo=tz)

    monkeypatch.setattr(drafts._dt, "datetime", FrozenDatetime)
    store_path.parent.mkdir(parents=True)
    for n in range(3):
        store_path.write_bytes(f"junk {n}".encode())
        FileDraftStore(store_path).keys()
    names = [p.name for p in backups(store_path.parent)]
    assert names == [
        "drafts.json.corrupt-20260308-093000",
        "drafts.json.corrupt-20260308-093000.1",
        "drafts.json.corrupt-20260308-093000.2",
    ]
    assert [p.read_bytes() for p in backups(store_path.parent)] == [b"junk 0", b"junk 1", b"junk 2"]


def test_valid_file_gets_no_notice_and_no_backup(store_path):
    FileDraftStore(store_path).save("k", {"a": 1})
    store = FileDraftStore(store_path)
    assert store.load("k") == {"a": 1}
    assert store.notice == "" and backups(store_path.parent) == []


# -------------------------------------------------------------- bad input

BAD_DRAFTS = {
    "not a dict": (["a", "list"], "must be a dict"),
    "None": (None, "must be a dict"),
    "a set": ({"tags": {"a", "b"}}, r"set at \['tags'\]"),
    "an object": ({"when": dt.date(2026, 1, 1)}, r"date at \['when'\]"),
    "NaN": ({"budget": [1.0, float("nan")]}, r"nan at \['budget'\]\[1\]"),
    "infinity": ({"budget": float("inf")}, "only finite numbers"),
    "non-text key": ({"rows": {1: "a"}}, r"key 1 \(of type int\)"),
    "lone surrogate": ({"text": "\ud83d"}, "not valid Unicode"),
    "bytes": ({"file": b"\x00\x01"}, "bytes"),
    "too large": ({"text": "x" * (MAX_DRAFT_BYTES + 1)}, r"too large to save .* 5 MB"),
    "too deep": ({"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}, "nested more than"),
}


@pytest.mark.parametrize("data,message", BAD_DRAFTS.values(), ids=BAD_DRAFTS.keys())
def test_bad_drafts_are_refused_with_a_clear_value_error(store, data, message):
    store.save("k", {"text": "good draft"})
    with pytest.raises(ValueError, match=message):
        store.save("k", data)
    assert store.load("k") == {"text": "good draft"}  # the good draft is untouched


def test_multibyte_text_is_measured_in_bytes(store):
    # 1.8 M Vietnamese letters of 3 bytes each: under 5 M characters, over 5 MB
    with pytest.raises(ValueError, match="too large"):
        store.save("k", {"text": "ộ" * 1_800_000})
    store.save("k", {"text": "ộ" * 100_000})
    assert len(store.load("k")["text"]) == 100_000


BAD_KEYS = {
    "empty": ("", "must not be empty"),
    "blank": ("   ", "must not be empty"),
    "not text": (42, "must be text"),
    "control character": ("a\nb", "control characters"),
    "too long": ("k" * 201, "at most 200"),
}


@pytest.mark.parametrize("key,message", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_bad_keys_are_refused(store, key, message):
    for call in (lambda: store.save(key, {}), lambda: store.load(key), lambda: store.delete(key)):
        with pytest.raises(ValueError, match=message):
            call()


def test_refused_save_does_not_touch_the_file(store_path):
    store = FileDraftStore(store_path)
    store.save("k", {"a": 1})
    before = store_path.read_bytes()
    with pytest.raises(ValueError):
        store.save("other", {"bad": {1, 2}})
    assert store_path.read_bytes() == before


# ------------------------------------------------------ records and migration

def test_record_round_trip_through_text():
    record = encode_record(LEARNER_DRAFT, saved_at="2026-03-08T09:30:00.000+00:00")
    assert record == {"schema_version": 1, "saved_at": "2026-03-08T09:30:00.000+00:00", "data": LEARNER_DRAFT}
    assert decode_record(record_to_json(record)) == record
    assert decode_record(record) == record


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[]",
        '{"schema_version": 1, "saved_at": "t"}',
        '{"schema_version": 1, "data": {}}',
        '{"saved_at": "t", "data": {}}',
        '{"schema_version": true, "saved_at": "t", "data": {}}',
        '{"schema_version": 0, "saved_at": "t", "data": {}}',
        '{"schema_version": 1, "saved_at": "t", "data": {"x": NaN}}',
        b"\xff\xfe",
    ],
)
def test_unreadable_records_raise_draft_format_error(bad):
    with pytest.raises(DraftFormatError):
        decode_record(bad)
    assert issubclass(DraftFormatError, ValueError)


def test_newer_record_is_refused_by_name():
    with pytest.raises(DraftFormatError, match="newer version"):
        decode_record({"schema_version": SCHEMA_VERSION + 1, "saved_at": "t", "data": {}})


def test_records_are_migrated_step_by_step():
    def v1_to_v2(record):
        record["data"] = {"message": record["data"]}  # e.g. a later release nests the old fields
        return record

    def v2_to_v3(record):
        record["data"]["upgraded"] = True
        return record

    old = {"schema_version": 1, "saved_at": "2026-01-01T00:00:00+00:00", "data": {"text": "hi"}}
    migrated = decode_record(old, migrations={1: v1_to_v2, 2: v2_to_v3}, target=3)
    assert migrated == {
        "schema_version": 3,
        "saved_at": "2026-01-01T00:00:00+00:00",
        "data": {"message": {"text": "hi"}, "upgraded": True},
    }
    assert old["data"] == {"text": "hi"}  # the original is not changed in place
    with pytest.raises(DraftFormatError, match="no way to upgrade"):
        migrate_record(old, migrations={1: v1_to_v2}, target=3)


def test_current_release_has_a_migration_for_every_older_schema():
    assert set(drafts.MIGRATIONS) == set(range(1, SCHEMA_VERSION))


# ------------------------------------------------------ concurrent writers

ROUNDS = 120


def _writer(path: str, name: str, start, go_last, done_last) -> None:
    store = FileDraftStore(path)
    start.wait()
    for i in range(ROUNDS):
        store.save(f"{name}-{i}", {"writer": name, "i": i})
        store.save("shared", {"writer": name, "i": i})
    # then an ordered final round: "a" writes, then "b"; "b" must win
    if name == "b":
        go_last.wait()
    store.save("last", {"writer": name})
    if name == "a":
        go_last.set()
    done_last.set()


def _reader(path: str, start, stop, result) -> None:
    start.wait()
    reads = failures = 0
    while not stop.is_set():
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            continue
        reads += 1
        try:
            top = json.loads(raw)
            assert top["schema_version"] == 1 and isinstance(top["drafts"], dict)
        except Exception:
            failures += 1
    result.put((reads, failures))


def test_two_processes_writing_at_once_never_corrupt_or_lose_drafts(store_path):
    store_path.parent.mkdir(parents=True)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    start, go_last, stop = ctx.Event(), ctx.Event(), ctx.Event()
    done = [ctx.Event(), ctx.Event()]
    result = ctx.Queue()
    writers = [
        ctx.Process(target=_writer, args=(str(store_path), name, start, go_last, done[n]))
        for n, name in enumerate("ab")
    ]
    reader = ctx.Process(target=_reader, args=(str(store_path), start, stop, result))
    for p in (*writers, reader):
        p.start()
    start.set()
    for p in writers:
        p.join(timeout=120)
        assert p.exitcode == 0
    stop.set()
    reads, failures = result.get(timeout=30)
    reader.join(timeout=30)

    assert reads > 0 and failures == 0  # every read during the storm saw a whole, valid file
    top = json.loads(store_path.read_text("utf-8"))
    assert top["schema_version"] == 1
    store = FileDraftStore(store_path)
    # no update was lost: every key each writer saved is there with its own value
    for name in "ab":
        for i in range(ROUNDS):
            assert store.load(f"{name}-{i}") == {"writer": name, "i": i}
    # the shared key holds one writer's final save, whole
    assert store.load("shared") in ({"writer": "a", "i": ROUNDS - 1}, {"writer": "b", "i": ROUNDS - 1})
    # and the later of two ordered saves from different processes wins
    assert store.load("last") == {"writer": "b"}
    assert store.notice == ""
    assert backups(store_path.parent) == []
    assert not [p for p in store_path.parent.iterdir() if p.suffix == ".tmp"]
