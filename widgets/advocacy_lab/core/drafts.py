"""Learners' drafts, kept so that they survive reloads and restarts.

Pure on purpose (no ipywidgets, IPython or matplotlib): the widgets'
``DraftKeeper``, the progress page, the campaign plan and the tests all read
drafts through the same small interface.

One record format serves every store (``encode_record``/``decode_record``), so
a draft kept in the learner's browser and one kept in a file look the same::

    {"schema_version": 1, "saved_at": "2026-01-31T09:15:02.123+00:00", "data": {...}}

The file store keeps them in one JSON file::

    {"schema_version": 1, "drafts": {"<draft key>": <record>, ...}}
"""
from __future__ import annotations

import copy
import contextlib
import datetime as _dt
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from advocacy_lab.core.catalogue import CodedMessage, text as catalogue_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Version of the record and file format written by this release."""

MAX_DRAFT_BYTES = 5 * 1024 * 1024
"""Largest draft accepted, as UTF-8 JSON. Browsers give a site about 5 MB."""

MAX_KEY_LENGTH = 200
_MAX_DEPTH = 64

DATA_DIR_ENV = "ADVOCACY_LAB_DATA_DIR"
"""Environment variable that overrides the directory holding drafts.json."""

DRAFTS_FILE_NAME = "drafts.json"

# Steps that bring a record written under schema N up to N + 1. A release that
# changes the format bumps SCHEMA_VERSION and adds the step here; records
# already saved in files and browsers are then upgraded when they are read.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class DraftFormatError(ValueError):
    """A saved record or drafts file cannot be read by this release."""


class DraftStoreError(CodedMessage, OSError):
    """The store cannot be written or read; the message is meant for the learner.

    ``code`` (a catalogue key) and ``values`` say it in any language
    (``in_language``); ``str(error)`` is the English sentence.
    """


@runtime_checkable
class DraftStore(Protocol):
    """Where learners' drafts are kept, one JSON-serialisable dict per key."""

    notice: str

    def load(self, key: str) -> dict[str, Any] | None: ...

    def save(self, key: str, data: Mapping[str, Any]) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> list[str]: ...

    def clear(self) -> None: ...


# --------------------------------------------------------------------------
# The record format: one source of truth for every store.
# --------------------------------------------------------------------------

def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def validate_key(key: object) -> str:
    """Return ``key`` if it can name a draft, else raise ValueError."""
    if not isinstance(key, str):
        raise ValueError(f"A draft key must be text, not {type(key).__name__}.")
    if not key.strip():
        raise ValueError("A draft key must not be empty.")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"A draft key must be at most {MAX_KEY_LENGTH} characters long.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise ValueError(f"A draft key must not contain control characters: {key!r}.")
    return key


def _describe(path: str) -> str:
    return f"at {path}" if path else "at the top level"


def _check_json_value(value: object, path: str, depth: int) -> None:
    """Raise ValueError naming the first part of ``value`` JSON cannot keep as is."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"The draft is nested more than {_MAX_DEPTH} levels deep {_describe(path)}.")
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"The draft holds the number {value!r} {_describe(path)}; only finite numbers can be saved.")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_json_value(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ValueError(
                    f"The draft has the key {k!r} (of type {type(k).__name__}) {_describe(path)}; keys must be text."
                )
            _check_json_value(item, f"{path}[{k!r}]", depth + 1)
        return
    raise ValueError(
        f"The draft holds a {type(value).__name__} {_describe(path)}; only text, numbers, "
        "true/false, None, lists and dicts can be saved."
    )


def encode_record(data: Mapping[str, Any], *, saved_at: str | None = None) -> dict[str, Any]:
    """Validate ``data`` and wrap it in a versioned record (a detached copy).

    Raises ValueError naming the problem when ``data`` is not a dict of
    JSON-serialisable values, holds NaN/infinity, text that is not valid
    Unicode, or is larger than MAX_DRAFT_BYTES.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"A draft must be a dict, not {type(data).__name__}.")
    _check_json_value(data, "", 0)
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError(
            "The draft holds text that is not valid Unicode (a lone surrogate), so it cannot be saved."
        ) from exc
    if size > MAX_DRAFT_BYTES:
        raise ValueError(
            f"The draft is too large to save ({size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_DRAFT_BYTES // (1024 * 1024)} MB)."
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "saved_at": saved_at or now_iso(),
        "data": json.loads(text),
    }


def migrate_record(
    record: dict[str, Any],
    *,
    migrations: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    """Upgrade ``record`` step by step to the ``target`` schema version."""
    migrations = MIGRATIONS if migrations is None else migrations
    target = SCHEMA_VERSION if target is None else target
    version = record.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DraftFormatError(f"The saved draft has no valid schema_version (found {version!r}).")
    if version > target:
        raise DraftFormatError(
            f"The saved draft was written by a newer version of Advocacy Lab (schema {version}; "
            f"this one reads up to {target})."
        )
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise DraftFormatError(f"There is no way to upgrade a draft from schema {version}.")
        record = step(copy.deepcopy(record))
        version += 1
        record["schema_version"] = version
    return record


def decode_record(
    record: object,
    *,
    migrations: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    """Check and upgrade a stored record; return it in the current format.

    Accepts the record as a dict or as its JSON text (as kept in a browser).
    Raises DraftFormatError (a ValueError) when it cannot be read.
    """
    if isinstance(record, (str, bytes, bytearray)):
        try:
            record = json.loads(record)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DraftFormatError(f"The saved draft is not valid JSON ({exc}).") from exc
    if not isinstance(record, dict):
        raise DraftFormatError(f"A saved draft must be a JSON object, not {type(record).__name__}.")
    record = migrate_record(record, migrations=migrations, target=target)
    data = record.get("data")
    if not isinstance(data, dict):
        raise DraftFormatError("The saved draft has no data object.")
    saved_at = record.get("saved_at")
    if not isinstance(saved_at, str):
        raise DraftFormatError("The saved draft has no saved_at time.")
    try:
        _check_json_value(data, "", 0)
    except ValueError as exc:
        raise DraftFormatError(str(exc)) from exc
    return {"schema_version": record["schema_version"], "saved_at": saved_at, "data": data}


def record_to_json(record: Mapping[str, Any]) -> str:
    """The text form of a record, as kept in a browser's storage."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# --------------------------------------------------------------------------
# The drafts file format.
# --------------------------------------------------------------------------

PROBLEM_UNREADABLE = "unreadable"
PROBLEM_NEWER = "newer"
PROBLEM_PARTIAL = "partial"


def parse_drafts_file(raw: bytes) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Parse the bytes of a drafts file.

    Returns ``(records, problem)``: the records that could be read, and None or
    one of PROBLEM_UNREADABLE (nothing could be read), PROBLEM_NEWER (written
    by a newer release) or PROBLEM_PARTIAL (some records could not be read).
    Never raises on any input.
    """
    try:
        top = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}, PROBLEM_UNREADABLE
    if not isinstance(top, dict) or not isinstance(top.get("drafts"), dict):
        return {}, PROBLEM_UNREADABLE
    version = top.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return {}, PROBLEM_UNREADABLE
    if version > SCHEMA_VERSION:
        return {}, PROBLEM_NEWER
    records: dict[str, dict[str, Any]] = {}
    problem = None
    for key, record in top["drafts"].items():
        try:
            records[validate_key(key)] = decode_record(record)
        except (ValueError, RecursionError):
            problem = PROBLEM_PARTIAL
    return records, problem


def dump_drafts_file(records: Mapping[str, Mapping[str, Any]]) -> bytes:
    top = {"schema_version": SCHEMA_VERSION, "drafts": dict(sorted(records.items()))}
    return json.dumps(top, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")


def corruption_notice(backup_name: str, problem: str, lang: str = "en") -> str:
    """Plain-language note for the learner after a drafts file was put aside."""
    return catalogue_text(_corruption_key(problem), lang, backup=backup_name)


def _corruption_key(problem: str) -> str:
    if problem in (PROBLEM_NEWER, PROBLEM_PARTIAL):
        return f"drafts.file.{problem}"
    return "drafts.file.unreadable"


# --------------------------------------------------------------------------
# Stores.
# --------------------------------------------------------------------------

class MemoryDraftStore:
    """Drafts kept in this process only (tests, and a fallback)."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, Any]] = {}
        self.notice = ""
        #: Copies kept aside (draft key, record): overwritten or unreadable parts, never dropped.
        self.kept_aside: list[tuple[str, dict[str, Any]]] = []

    def load(self, key: str) -> dict[str, Any] | None:
        record = self._records.get(validate_key(key))
        return None if record is None else copy.deepcopy(record["data"])

    def load_record(self, key: str) -> dict[str, Any] | None:
        record = self._records.get(validate_key(key))
        return None if record is None else copy.deepcopy(record)

    def save(self, key: str, data: Mapping[str, Any]) -> None:
        key = validate_key(key)
        self._records[key] = encode_record(data)

    def update(self, key: str, data: Mapping[str, Any], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Save only the changed fields over the stored draft (``data`` if there is none).

        Returns the conflicts (see ``apply_changes``); the overwritten texts
        are kept aside first.
        """
        key = validate_key(key)
        record = encode_record(data)  # the same checks and errors as save()
        current = self._records.get(key)
        if current is None:
            self._records[key] = record
            return []
        merged, conflicts = apply_changes(current["data"], changes)
        new_record = encode_record(merged)
        if conflicts:
            self.keep_aside(key)
        self._records[key] = new_record
        return conflicts

    def keep_aside(self, key: str) -> None:
        """Keep a copy of the stored draft aside (it stays where it is too)."""
        record = self._records.get(validate_key(key))
        if record is not None and (key, record) not in self.kept_aside:
            self.kept_aside.append((key, copy.deepcopy(record)))

    def delete(self, key: str) -> None:
        self._records.pop(validate_key(key), None)

    def keys(self) -> list[str]:
        return sorted(self._records)

    def clear(self) -> None:
        self._records.clear()

    def describe(self, lang: str = "en") -> str:
        return catalogue_text("drafts.status.memory", lang)


def read_all_drafts(store: Any) -> dict[str, dict[str, Any]]:
    """Every draft in a store (``keys()`` + ``load(key)``) as ``{key: value}``: the one way to read them all.

    Progress, the plan and the course map read drafts through this. Works with
    any store following the DraftStore protocol (the file store, the browser
    store once it has loaded, the memory store). A value that is not a dict, or
    a single draft that fails to load, is skipped (and logged), so one damaged
    draft never hides the rest.
    """
    drafts: dict[str, dict[str, Any]] = {}
    for key in list(store.keys()):
        try:
            value = store.load(key)
        except Exception:  # noqa: BLE001 - one unreadable draft must not hide the others
            log.warning("could not load draft %r", key, exc_info=True)
            continue
        if isinstance(value, Mapping):
            drafts[str(key)] = dict(value)
    return drafts


def default_drafts_path() -> Path:
    """drafts.json in $ADVOCACY_LAB_DATA_DIR, else in the user's data directory."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser() / DRAFTS_FILE_NAME
    import platformdirs  # small; imported here so that importing this module stays cheap

    return Path(platformdirs.user_data_dir("advocacy-lab", appauthor=False)) / DRAFTS_FILE_NAME


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` across processes."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows
            fcntl = None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:  # pragma: no cover - exercised on Windows only
            import msvcrt
            import time

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileDraftStore:
    """Drafts kept in one JSON file, safe for several kernels at once.

    Every change is a read-modify-write under a cross-process lock (a sidecar
    ``.lock`` file), written atomically (temporary file in the same directory,
    fsync, rename, fsync of the directory). So two tabs or kernels saving at
    the same time never corrupt the file, and for each key the last save wins.

    A file that cannot be read is never overwritten: it is renamed to
    ``drafts.json.corrupt-YYYYmmdd-HHMMSS`` and ``notice`` tells the learner.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, show_path: bool = True) -> None:
        self.path = Path(path) if path is not None else default_drafts_path()
        # On a shared server the learner should not be shown server paths.
        self._show_path = show_path
        self._where = str(self.path) if show_path else catalogue_text("drafts.status.server_file")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.notice = ""
        self._notice: tuple[str, dict[str, Any]] | None = None
        self.backups: list[Path] = []
        self._thread_lock = threading.RLock()

    # -- public interface ------------------------------------------------
    def load(self, key: str) -> dict[str, Any] | None:
        record = self.load_record(key)
        return None if record is None else record["data"]

    def load_record(self, key: str) -> dict[str, Any] | None:
        key = validate_key(key)
        return self._read_all().get(key)

    def save(self, key: str, data: Mapping[str, Any]) -> None:
        key = validate_key(key)
        record = encode_record(data)
        with self._locked():
            records = self._read_locked()
            records[key] = record
            self._write_locked(records)

    def update(self, key: str, data: Mapping[str, Any], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Save only the changed fields over the stored draft, under the lock (``data`` if none).

        So two kernels editing different fields of one draft both keep their
        text. Returns the conflicts (see ``apply_changes``); the draft as it
        was is kept aside first (``keep_aside``).
        """
        key = validate_key(key)
        record = encode_record(data)
        with self._locked():
            records = self._read_locked()
            current = records.get(key)
            conflicts: list[dict[str, Any]] = []
            if current is None:
                records[key] = record
            else:
                merged, conflicts = apply_changes(current["data"], changes)
                new_record = encode_record(merged)
                if conflicts:
                    self._keep_aside_locked(key, current)
                records[key] = new_record
            self._write_locked(records)
        return conflicts

    def keep_aside(self, key: str) -> None:
        """Copy the stored draft of ``key`` to ``drafts.json.kept-<time>`` (a drafts file of its own)."""
        key = validate_key(key)
        with self._locked():
            record = self._read_locked().get(key)
            if record is not None:
                self._keep_aside_locked(key, record)

    def _free_path_beside(self, what: str) -> Path:
        """``drafts.json.<what>-<timestamp>[.n]``: a name beside the drafts file that no file has yet."""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = self.path.with_name(f"{self.path.name}.{what}-{stamp}")
        target, n = base, 0
        while target.exists():
            n += 1
            target = base.with_name(f"{base.name}.{n}")
        return target

    def _keep_aside_locked(self, key: str, record: Mapping[str, Any]) -> None:
        payload = dump_drafts_file({key: record})
        for earlier in self.path.parent.glob(f"{self.path.name}.kept-*"):
            with contextlib.suppress(OSError):
                if earlier.read_bytes() == payload:
                    return  # this very draft is kept already (announced again on each load)
        target = self._free_path_beside("kept")
        try:
            target.write_bytes(payload)
        except OSError as exc:
            raise DraftStoreError("drafts.kept_aside_failed", where=self._where, reason=exc.strerror or "error") from exc
        self.backups.append(target)

    def delete(self, key: str) -> None:
        key = validate_key(key)
        with self._locked():
            records = self._read_locked()
            if key in records:
                del records[key]
                self._write_locked(records)

    def keys(self) -> list[str]:
        return sorted(self._read_all())

    def clear(self) -> None:
        with self._locked():
            self._read_locked()  # a damaged file is put aside, not overwritten
            self._write_locked({})

    def describe(self, lang: str = "en") -> str:
        where = str(self.path) if self._show_path else catalogue_text("drafts.status.server_file", lang)
        return catalogue_text("drafts.status.file", lang, where=where)

    def notice_in(self, lang: str) -> str:
        """The notice for the learner in ``lang`` ("" when all is well)."""
        if not self.notice:
            return ""
        return catalogue_text(self._notice[0], lang, **self._notice[1]) if self._notice else self.notice

    # -- internals -------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            self._ensure_dir()
            with _exclusive_lock(self.lock_path):
                yield

    def _ensure_dir(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise DraftStoreError("drafts.file.no_folder", where=self._where, reason=exc.strerror) from exc

    def _read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            return b""  # unreadable as a drafts file: put aside like any other
        except OSError as exc:
            raise DraftStoreError("drafts.file.cannot_read", where=self._where, reason=exc.strerror) from exc

    def _read_all(self) -> dict[str, dict[str, Any]]:
        # Reading needs no lock: the file is only ever replaced whole, by rename.
        raw = self._read_bytes()
        if raw is None:
            return {}
        records, problem = parse_drafts_file(raw)
        if problem is None:
            return records
        with self._locked():
            return self._read_locked()

    def _read_locked(self) -> dict[str, dict[str, Any]]:
        raw = self._read_bytes()
        if raw is None:
            return {}
        records, problem = parse_drafts_file(raw)
        if problem is not None:
            backup = self._put_aside()
            self._notice = (_corruption_key(problem), {"backup": backup.name})
            self.notice = corruption_notice(backup.name, problem)
            log.warning("Drafts file %s could not be read (%s); moved to %s", self.path, problem, backup)
            if records:
                self._write_locked(records)
        return records

    def _put_aside(self) -> Path:
        backup = self._free_path_beside("corrupt")
        try:
            os.replace(self.path, backup)
        except OSError as exc:
            raise DraftStoreError("drafts.file.cannot_put_aside", where=self._where, reason=exc.strerror) from exc
        _fsync_dir(self.path.parent)
        self.backups.append(backup)
        return backup

    def _write_locked(self, records: Mapping[str, Mapping[str, Any]]) -> None:
        payload = dump_drafts_file(records)
        directory = self.path.parent
        tmp_name = None
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
            tmp_name = None
            _fsync_dir(directory)
        except OSError as exc:
            raise DraftStoreError("drafts.file.not_saved", where=self._where, reason=exc.strerror or "error") from exc
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)


# --------------------------------------------------------------------------
# Changes by field: how two tabs, a page's journal and the stores merge.
# --------------------------------------------------------------------------
#
# A change names one field of a draft by its path in the draft's data
# (``["problem"]``, ``["answers", "q1"]``) and carries its new value, and,
# when the path existed, the value it replaced (``base``):
#
#     {"path": ["problem"], "value": "Children breathe dirty air", "base": ""}
#     {"path": ["answers", "q1"], "delete": True, "base": 2}
#
# A store applies only the changed fields over the record it holds, so a tab
# that changed "problem" never writes its stale "ask" over another tab's.
# When the stored value is neither the base nor the new value, someone else
# (another tab, a journal kept while the connection was lost) changed the same
# field: the new value is written, and a text that would be overwritten is
# reported as a conflict so that it is kept aside and shown, never lost.
#
# The same rules are implemented in ui/browser_store.js, which applies the
# changes to the records in the learner's browser.

_MISSING = object()


def field_id(draft_key: str, name: str) -> str:
    """The stable identity of one learner field: its draft key and its name there.

    The same on every page load (widget model ids change with every kernel),
    so the page's journal can name a field before and after a reload.
    """
    validate_key(draft_key)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A field name must be non-empty text, not {name!r}.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError(f"A field name must not contain control characters: {name!r}.")
    return f"{draft_key}#{name}"


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``True`` is not ``1`` (a quiz answer of 1 is not a tick)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def value_at(data: Any, path: list[str] | tuple[str, ...]) -> tuple[bool, Any]:
    """``(True, value)`` at ``path`` in ``data``, or ``(False, None)`` when there is none."""
    node = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def set_at(data: dict[str, Any], path: list[str] | tuple[str, ...], value: Any) -> None:
    """Put (a copy of) ``value`` at ``path`` in ``data``, making the dicts on the way."""
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = copy.deepcopy(value)


def _delete_at(data: dict[str, Any], path: list[str] | tuple[str, ...]) -> None:
    found, parent = value_at(data, path[:-1])
    if found and isinstance(parent, dict):
        parent.pop(path[-1], None)


def diff_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The field changes that turn ``old`` into ``new`` (dicts are followed; anything else is one field)."""
    changes: list[dict[str, Any]] = []

    def walk(a: Mapping[str, Any], b: Mapping[str, Any], prefix: list[str]) -> None:
        for key, value in b.items():
            path = [*prefix, key]
            if key not in a:
                changes.append({"path": path, "value": copy.deepcopy(value)})
            elif isinstance(a[key], Mapping) and isinstance(value, Mapping):
                walk(a[key], value, path)
            elif not _same(a[key], value):
                changes.append({"path": path, "value": copy.deepcopy(value), "base": copy.deepcopy(a[key])})
        for key in a:
            if key not in b:
                changes.append({"path": [*prefix, key], "delete": True, "base": copy.deepcopy(a[key])})

    walk(old if isinstance(old, Mapping) else {}, new, [])
    return changes


def _valid_path(path: object) -> bool:
    return (
        isinstance(path, (list, tuple))
        and 0 < len(path) <= _MAX_DEPTH
        and all(isinstance(part, str) for part in path)
    )


def apply_changes(
    data: Mapping[str, Any], changes: list[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Apply field ``changes`` over ``data`` (a copy); return it and the conflicts.

    A conflict is a field whose current value is neither the change's base
    nor its new value, and is a non-empty text: someone else's writing, which
    the caller must keep aside and announce. ``{"path", "other", "value"}``.
    A change that is not well formed is ignored.
    """
    result = copy.deepcopy(dict(data)) if isinstance(data, Mapping) else {}
    conflicts: list[dict[str, Any]] = []
    for change in changes:
        if not isinstance(change, Mapping) or not _valid_path(change.get("path")):
            continue
        path = list(change["path"])
        deleting = change.get("delete") is True
        if not deleting and "value" not in change:
            continue
        found, current = value_at(result, path)
        if found:
            expected = "base" in change and _same(current, change["base"])
            already = not deleting and _same(current, change["value"])
            if not (expected or already) and isinstance(current, str) and current.strip():
                conflicts.append({"path": path, "other": current, "value": None if deleting else change["value"]})
        if deleting:
            _delete_at(result, path)
        else:
            set_at(result, path, change["value"])
    return result, conflicts


def merge_change_lists(older: list[dict[str, Any]], newer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One list with the effect of ``older`` then ``newer``; a field keeps its first base."""
    merged = list(older)
    for change in newer:
        path = tuple(change.get("path") or ())
        earlier = next((c for c in merged if tuple(c.get("path") or ()) == path), None)
        replacement = dict(change)
        if earlier is not None:
            merged.remove(earlier)
            replacement.pop("base", None)
            if "base" in earlier:
                replacement["base"] = earlier["base"]
        merged.append(replacement)
    return merged


# --------------------------------------------------------------------------
# The page's journal: what the learner typed, kept by the browser itself.
# --------------------------------------------------------------------------
#
# While a page is open, its script writes every field the learner changes to
# the browser's storage at once, without waiting for the kernel (which may be
# gone: a server restart, a lost connection, a killed kernel). An entry:
#
#     {"key": "<draft key>", "path": ["problem"], "op": "set", "value": "...",
#      "base": "<the field's text before this edit>", "at": <ms since 1970>}
#     {"key": ..., "path": ["platforms"], "op": "member", "item": "x", "value": true, "at": ...}
#
# The next page load merges the entries over the saved drafts (the newest
# last), so everything typed during an outage comes back.

JOURNAL_OPS = ("set", "member")


def journal_entry_problem(entry: object) -> str | None:
    """Why ``entry`` cannot be applied (None when it can)."""
    if not isinstance(entry, Mapping):
        return "not an object"
    try:
        validate_key(entry.get("key"))
    except ValueError as exc:
        return str(exc)
    if not _valid_path(entry.get("path")):
        return "no valid path"
    op = entry.get("op")
    if op not in JOURNAL_OPS:
        return f"unknown op {op!r}"
    value = entry.get("value")
    if op == "member":
        if not isinstance(value, bool) or not isinstance(entry.get("item"), str):
            return "a member entry needs a true/false value and an item"
    elif value is not None and not isinstance(value, (str, bool, int, float)):
        return "a field's value must be text, a number, true/false or null"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    return None


def _entry_time(entry: Mapping[str, Any]) -> float:
    at = entry.get("at")
    return float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) and math.isfinite(at) else 0.0


def journal_change(data: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """The field change one journal entry makes to ``data``."""
    path = list(entry["path"])
    found, current = value_at(data, path)
    if entry["op"] == "member":
        items = list(current) if found and isinstance(current, list) else []
        item = entry["item"]
        if entry["value"] and item not in items:
            items.append(item)
        elif not entry["value"]:
            items = [i for i in items if i != item]
        change: dict[str, Any] = {"path": path, "value": items}
        if found:
            change["base"] = current  # a tick is not writing: no conflict to report
        return change
    change = {"path": path, "value": entry["value"]}
    if "base" in entry:
        change["base"] = entry["base"]
    elif found:
        change["base"] = current
    return change


def journal_matches(data: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """True when ``data`` already holds what ``entry`` records (the entry is done)."""
    found, current = value_at(data, list(entry["path"]))
    if entry["op"] == "member":
        return (found and isinstance(current, list) and entry["item"] in current) == entry["value"]
    return found and _same(current, entry["value"])


def apply_journal(
    drafts: Mapping[str, Mapping[str, Any]], entries: list[Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Merge journal ``entries`` over ``drafts`` (draft key -> data), oldest first.

    Returns ``(merged, changes, conflicts)``: the new data of every draft the
    journal changed, the field changes that turn each stored draft into it
    (to send to a store), and the conflicts (``{"key", "path", "other",
    "value"}``: a stored text that the journal overwrote, to keep aside and
    announce). Entries that are not well formed are skipped.
    """
    working: dict[str, dict[str, Any]] = {}
    conflicts: list[dict[str, Any]] = []
    valid = [e for e in entries if journal_entry_problem(e) is None]
    for entry in sorted(valid, key=_entry_time):
        key = entry["key"]
        if key not in working:
            base = drafts.get(key)
            working[key] = copy.deepcopy(dict(base)) if isinstance(base, Mapping) else {}
        if journal_matches(working[key], entry):
            continue
        change = journal_change(working[key], entry)
        working[key], found = apply_changes(working[key], [change])
        conflicts.extend({"key": key, **c} for c in found)
    merged: dict[str, dict[str, Any]] = {}
    changes: dict[str, list[dict[str, Any]]] = {}
    for key, data in working.items():
        before = drafts.get(key)
        diff = diff_changes(before if isinstance(before, Mapping) else {}, data)
        if diff:
            merged[key] = data
            changes[key] = diff
    return merged, changes, conflicts


# --------------------------------------------------------------------------
# From the page to the kernel: what does not fit in one message.
# --------------------------------------------------------------------------
#
# The server takes at most 1 MiB in one websocket message from a page
# (server/voila.json), yet a learner may keep megabytes in the browser: every
# text field takes up to MAX_FIELD_CHARS characters, and a journal entry holds
# two texts. So the page (ui/browser_store.js) sends a message whose JSON is
# larger than PART_BYTES (UTF-8) in parts, one after another, ids increasing:
#
#     {"op": "part", "id": 7, "index": 0, "count": 3, "text": "<a piece of the message's JSON>"}
#
# On load, saved drafts and journal entries that fit in PART_BYTES all
# together still go in one update of the synced traits. More than that go
# one by one (each in parts if need be), then the page says it is done:
#
#     {"op": "load_draft", "transfer": 1, "key": "<draft key>", "text": "<the record's JSON text>"}
#     {"op": "load_entry", "transfer": 1, "entry": {<one journal entry>}}
#     {"op": "load_done", "transfer": 1, "keys": [<every draft key sent>], "entries": <how many>,
#      "available": true, "problem": "", "detail": ""}
#
# Only "load_done" makes the drafts readable, so nothing reads them before all
# have arrived. A draft it lists that did not arrive whole counts as
# unreadable (put aside and announced, never dropped); a page that never says
# "done" has not loaded; a newer transfer (the page sends again once back in
# touch) replaces an unfinished one.

PART_BYTES = 256 * 1024
"""Most UTF-8 bytes of JSON in one message from the page (a quarter of the server's cap)."""

MAX_PAGE_TEXT_CHARS = 2 * MAX_DRAFT_BYTES
"""Most characters one message, or one load, from the page may add up to.

Twice what a browser keeps for a site (about 5 million characters): never
reached by a learner's drafts, and a bound on what a page can make a kernel hold."""

MAX_PARTS = 4096
LOAD_OPS = ("load_draft", "load_entry", "load_done")
_MAX_DETAIL_CHARS = 300


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class MessageParts:
    """Puts back together the messages a page sends in parts.

    ``add(part)`` returns the whole message once its last part is in, else
    None. Parts may come in any order, and a part sent twice is taken once.
    A message whose parts disagree, do not join into a JSON object, or add up
    to more than ``max_chars`` is dropped; so is one left unfinished when a
    part of a newer message arrives (the page sends one message's parts
    together). Never raises on any input; ``problems`` says what was dropped.
    """

    def __init__(self, max_chars: int = MAX_PAGE_TEXT_CHARS) -> None:
        self.max_chars = max_chars
        self.problems: list[str] = []
        self._id = 0  # the newest message seen
        self._open = False  # still waiting for parts of it
        self._count = 0
        self._pieces: dict[int, str] = {}
        self._size = 0

    def add(self, part: object) -> dict[str, Any] | None:
        if not isinstance(part, Mapping):
            self.problems.append("a part that is not an object")
            return None
        msg_id, index, count, text = part.get("id"), part.get("index"), part.get("count"), part.get("text")
        if not (_is_count(msg_id) and msg_id > 0):
            self.problems.append(f"a part without a valid message id ({msg_id!r})")
            return None
        if msg_id < self._id or (msg_id == self._id and not self._open):
            return None  # a part of a message already put together, or dropped
        if msg_id > self._id:
            self._drop_unfinished()
            self._id, self._open, self._count, self._pieces, self._size = msg_id, True, count, {}, 0
        if not (_is_count(count) and 0 < count <= MAX_PARTS) or count != self._count:
            return self._broken(f"a part count of {count!r}")
        if not (_is_count(index) and index < count) or not isinstance(text, str):
            return self._broken(f"a part numbered {index!r} of {count!r}, or without text")
        if index in self._pieces:
            if self._pieces[index] != text:
                return self._broken(f"part {index} sent twice, differently")
            return None
        self._size += len(text)
        if self._size > self.max_chars:
            return self._broken(f"more than {self.max_chars} characters")
        self._pieces[index] = text
        if len(self._pieces) < self._count:
            return None
        whole = "".join(self._pieces[i] for i in range(self._count))
        self._open, self._pieces, self._size = False, {}, 0
        try:
            message = json.loads(whole)
        except (ValueError, RecursionError) as exc:
            self.problems.append(f"message {msg_id}: its parts do not join into JSON ({exc})")
            return None
        if not isinstance(message, dict) or message.get("op") == "part":
            self.problems.append(f"message {msg_id}: its parts do not join into a message")
            return None
        return message

    def _drop_unfinished(self) -> None:
        if self._open:
            self.problems.append(
                f"message {self._id} left unfinished ({len(self._pieces)} of {self._count} parts)"
            )
        self._open, self._pieces, self._size = False, {}, 0

    def _broken(self, what: str) -> None:
        self.problems.append(f"message {self._id} dropped: {what}")
        self._open, self._pieces, self._size = False, {}, 0
        return None


class PageDrafts:
    """What a page had saved, once it said it was done sending.

    ``stored``: draft key -> the record's JSON text as kept in the browser,
    or None for a draft that did not arrive whole (to read as unreadable).
    ``entries``: the journal entries (checked where they are applied).
    ``missing_entries``: how many the page said it sent but did not arrive;
    ``malformed``: the page's "done" did not say what it had sent.
    """

    def __init__(self, stored: dict[str, str | None], entries: list[Any], *, available: bool, problem: str,
                 detail: str, missing_entries: int = 0, malformed: bool = False) -> None:
        self.stored = stored
        self.entries = entries
        self.available = available
        self.problem = problem
        self.detail = detail
        self.missing_entries = missing_entries
        self.malformed = malformed


class DraftsArrival:
    """Collects a page's saved drafts and journal sent one by one (``LOAD_OPS``).

    ``add(message)`` returns ``PageDrafts`` once the page's "load_done" for
    the current transfer is in, else None. Never raises on any input;
    ``problems`` says what was ignored.
    """

    def __init__(self, max_chars: int = MAX_PAGE_TEXT_CHARS) -> None:
        self.max_chars = max_chars
        self.problems: list[str] = []
        self._transfer = 0
        self._finished = False
        self._reset()

    def _reset(self) -> None:
        self._drafts: dict[str, str | None] = {}
        self._entries: list[Any] = []
        self._size = 0

    def _fits(self, size: int) -> bool:
        self._size += size
        if self._size > self.max_chars:
            self.problems.append(f"transfer {self._transfer}: more than {self.max_chars} characters")
            return False
        return True

    def add(self, message: object) -> PageDrafts | None:
        if not isinstance(message, Mapping) or message.get("op") not in LOAD_OPS:
            return None
        transfer = message.get("transfer")
        if not (_is_count(transfer) and transfer > 0):
            self.problems.append(f"a {message.get('op')} without a valid transfer ({transfer!r})")
            return None
        if transfer < self._transfer or (transfer == self._transfer and self._finished):
            return None  # an older transfer (replaced), or one already done
        if transfer > self._transfer:
            if self._drafts or self._entries:
                self.problems.append(f"transfer {self._transfer} replaced before it was done")
            self._transfer, self._finished = transfer, False
            self._reset()
        op = message["op"]
        if op == "load_draft":
            key, text = message.get("key"), message.get("text")
            if not isinstance(key, str):
                self.problems.append(f"a draft without a key ({type(key).__name__})")
            elif not isinstance(text, str) or not self._fits(len(text)):
                self._drafts[key] = None
            elif key in self._drafts and self._drafts[key] != text:
                self.problems.append(f"draft {key!r} sent twice, differently")
                self._drafts[key] = None
            elif key not in self._drafts:
                self._drafts[key] = text
            return None
        if op == "load_entry":
            entry = message.get("entry")
            try:
                size = len(json.dumps(entry, ensure_ascii=False))
            except (TypeError, ValueError, RecursionError):
                size = 0  # not JSON: skipped where entries are checked
            if self._fits(size):
                self._entries.append(entry)
            return None
        return self._finish(message)

    def _finish(self, done: Mapping[str, Any]) -> PageDrafts:
        keys, declared = done.get("keys"), done.get("entries")
        malformed = not (isinstance(keys, list) and all(isinstance(k, str) for k in keys) and _is_count(declared))
        if malformed:
            self.problems.append(f"transfer {self._transfer}: its end does not list what was sent")
        listed = [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
        stored = {key: self._drafts.get(key) for key in listed}
        stored.update({key: text for key, text in self._drafts.items() if key not in stored})
        missing = max(0, declared - len(self._entries)) if _is_count(declared) else 0
        problem, detail = done.get("problem"), done.get("detail")
        result = PageDrafts(
            stored,
            list(self._entries),
            available=done.get("available") is True,
            problem=problem if isinstance(problem, str) and len(problem) <= 40 else "",
            detail=detail[:_MAX_DETAIL_CHARS] if isinstance(detail, str) else "",
            missing_entries=missing,
            malformed=malformed,
        )
        self._finished = True
        self._reset()
        return result
