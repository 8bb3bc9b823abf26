"""Static files compressed once, not once per learner.

Every learner's first visit fetches ~90 scripts and stylesheets, 5.4 MB before
compression. Tornado's ``compress_response`` gzips each response again on the
server's single thread, so a room of 35 arriving together costs 35 x 5.4 MB of
compression while the learners wait. :class:`PrecompressedMixin` keeps each
file's gzip bytes (keyed by path, size and modification time, so an edited file
is compressed anew) and sends them to every client that accepts gzip. The
compressed copy of a script leaves out an inline (base64) source map: it is for
developer tools, and anywidget ships one in every chunk.

Files whose names carry a content hash (the widget manager's webpack chunks)
or that are asked for with a ``?v=`` version never change under that URL, so
they are also marked cacheable for a year: a self-paced learner on a slow
connection downloads them once, not on every visit.
"""
from __future__ import annotations

import datetime
import functools
import gzip
import os
import re
import threading
from typing import NamedTuple

import tornado.web
from tornado.web import GZipContentEncoding

#: Types worth compressing; images and fonts are already compressed.
COMPRESSIBLE = re.compile(r"\.(?:js|mjs|css|json|map|svg|html|txt|wasm)$", re.IGNORECASE)
#: Below this, gzip's overhead is not worth it (Tornado's own threshold is 1 KB too).
MIN_SIZE = 1024
#: Upper bound of the cache; the course's assets need about 6 MB compressed.
MAX_CACHE_BYTES = 64 * 1024 * 1024
#: webpack's content-hashed file names, e.g. ``324.ee1c7d64c48a4b927622.js``.
CONTENT_HASHED = re.compile(r"[./-][0-9a-f]{16,}\.(?:js|css|map)$")
ONE_YEAR = 365 * 24 * 3600


#: A source map written into the file itself as base64, on its last line. anywidget's
#: lab extension ships one in each chunk: 57 of the 04 page's 1,530 KB on the wire.
INLINE_SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=data:[^\n]*\s*\Z")


def without_inline_source_map(path: str, raw: bytes) -> bytes:
    """A script's bytes without its trailing inline source map.

    Only the browser's developer tools read it, and only when opened; a learner
    on a phone would download it with every first visit. A source map that is
    a separate file (``//# sourceMappingURL=chunk.js.map``) costs nothing until
    asked for and stays.
    """
    if not path.lower().endswith((".js", ".mjs")) or b"\n//# sourceMappingURL=data:" not in raw:
        return raw
    return INLINE_SOURCE_MAP.sub(b"\n", raw)


class GzipCache:
    """Compressed bodies by file, bounded in size, safe to share between handlers."""

    def __init__(self, max_bytes: int = MAX_CACHE_BYTES, level: int = 9):
        self.max_bytes = max_bytes
        self.level = level
        self._entries: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, path: str) -> bytes | None:
        """The gzip bytes of ``path``, or None when it is not worth compressing or cannot be read."""
        if not COMPRESSIBLE.search(path):
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if st.st_size < MIN_SIZE:
            return None
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            entry = self._entries.get(path)
            if entry and entry[0] == stamp:
                self.hits += 1
                return entry[1]
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError:
            return None
        # mtime=0: the same file always gives the same bytes (stable across restarts).
        body = gzip.compress(without_inline_source_map(path, raw), compresslevel=self.level, mtime=0)
        with self._lock:
            self.misses += 1
            old = self._entries.pop(path, None)
            if old:
                self._size -= len(old[1])
            if self._size + len(body) <= self.max_bytes:
                self._entries[path] = (stamp, body)
                self._size += len(body)
        return body

    def peek(self, path: str, stamp: tuple[int, int]) -> bytes | None:
        """The kept gzip bytes of ``path`` if they were made from the file as ``stamp`` describes it."""
        with self._lock:
            entry = self._entries.get(path)
        return entry[1] if entry and entry[0] == stamp else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


#: One cache for the whole server: the same file may be reachable through two routes.
CACHE = GzipCache()


def accepts_gzip(header: str | None) -> bool:
    """True if an ``Accept-Encoding`` header allows gzip.

    An explicit ``gzip`` entry decides (``gzip;q=0`` refuses it); otherwise ``*`` does.
    """
    weights: dict[str, float] = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[name] = q
    if "gzip" in weights:
        return weights["gzip"] > 0
    return weights.get("*", 0.0) > 0


class _instance_or_class:
    """A method that receives both the instance (None when called on the class) and the class."""

    def __init__(self, func):
        self.func = func

    def __get__(self, obj, cls):
        return functools.partial(self.func, obj, cls)


class PreparedResponse(NamedTuple):
    """A static file's gzip response as it was sent, to send again without the file checks."""

    absolute_path: str
    stamp: tuple[int, int]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    expires_in: float | None


class PreparedResponses:
    """Answered gzip responses by URL path, valid while their file keeps its size and time.

    Each of a room's learners fetches the same ~95 scripts. The first answer to
    a URL goes through StaticFileHandler (path resolution with ``realpath``,
    root checks, modification time, MIME type, ETag, cache headers); later ones
    are the same bytes and headers, so they are sent from here after one
    ``stat`` that confirms the file has not changed. Only what the first answer
    proved safe is kept: a 200 of the whole file, gzipped, to a GET.
    """

    def __init__(self, max_entries: int = 4096):
        self.max_entries = max_entries
        self._entries: dict[tuple[str, bool], PreparedResponse] = {}
        self.hits = 0

    @staticmethod
    def stamp(path: str) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns)

    def get(self, key: tuple[str, bool]) -> PreparedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.stamp(entry.absolute_path) != entry.stamp:
            self._entries.pop(key, None)  # edited or gone: StaticFileHandler decides again
            return None
        self.hits += 1
        return entry

    def put(self, key: tuple[str, bool], entry: PreparedResponse) -> None:
        if len(self._entries) >= self.max_entries and key not in self._entries:
            return
        self._entries[key] = entry

    def clear(self) -> None:
        self._entries.clear()
        self.hits = 0


#: One table for the whole server, keyed by URL path (and whether it had ``?v=``).
PREPARED = PreparedResponses()
#: Headers written anew for each response (by Tornado, or from the time of sending).
_PER_RESPONSE = {"Date", "Server", "Content-Length", "Expires"}


class PrecompressedMixin:
    """For ``tornado.web.StaticFileHandler`` subclasses: serve cached gzip bytes.

    Works through StaticFileHandler's own hooks (headers, size, content), so its
    path checks, ``304 Not Modified`` and HEAD handling stay as they are. Range
    requests get the plain file, since ranges refer to its bytes. A URL already
    answered that way is answered again from :data:`PREPARED`, unless the
    request is conditional, a range, a HEAD, or refuses gzip.
    """

    _gzip_body: bytes | None = None

    def _prepared_key(self) -> tuple[str, bool] | None:
        headers = self.request.headers
        if (self.request.method != "GET" or headers.get("Range") or headers.get("If-None-Match")
                or headers.get("If-Modified-Since") or not accepts_gzip(headers.get("Accept-Encoding"))):
            return None
        return (self.request.path, "v" in self.request.arguments)

    async def get(self, path: str, include_body: bool = True) -> None:
        key = self._prepared_key() if include_body else None
        prepared = PREPARED.get(key) if key else None
        if prepared is not None:
            for name, value in prepared.headers:
                self.set_header(name, value)
            if prepared.expires_in is not None:
                self.set_header("Expires", datetime.datetime.now(datetime.timezone.utc)
                                + datetime.timedelta(seconds=prepared.expires_in))
            self.write(prepared.body)
            return
        await super().get(path, include_body)
        if key and self._gzip_body is not None and self.get_status() == 200:
            stamp = PREPARED.stamp(self.absolute_path)
            if stamp is not None and stamp[0] and self._gzip_body is CACHE.peek(self.absolute_path, stamp):
                # Tornado's gzip transform adds "Vary" to every response it passes: not twice.
                added = {"Vary"} if any(isinstance(t, GZipContentEncoding) for t in self._transforms) else set()
                expires_in = None
                if "Expires" in self._headers:
                    expires_in = float(self.get_cache_time(self.path, self.modified, self.get_content_type()))
                PREPARED.put(key, PreparedResponse(
                    self.absolute_path, stamp,
                    tuple((k, v) for k, v in self._headers.get_all() if k not in _PER_RESPONSE | added),
                    self._gzip_body, expires_in,
                ))

    def _wants_gzip(self) -> bool:
        headers = self.request.headers
        return accepts_gzip(headers.get("Accept-Encoding")) and not headers.get("Range")

    def set_extra_headers(self, path: str) -> None:
        super().set_extra_headers(path)
        self._gzip_body = None
        absolute = getattr(self, "absolute_path", None)
        if not (absolute and COMPRESSIBLE.search(absolute)):
            return
        on_the_fly = [t for t in self._transforms if isinstance(t, GZipContentEncoding)]
        if self._wants_gzip():
            self._gzip_body = CACHE.get(absolute)
        if self._gzip_body is not None:
            # Tornado's gzip transform leaves a response alone once it has an encoding
            # (and adds the Vary header itself).
            self.set_header("Content-Encoding", "gzip")
        elif self.request.headers.get("Range"):
            # A range refers to the file's own bytes: it must not be gzipped on the way out.
            self._transforms = [t for t in self._transforms if t not in on_the_fly]
            on_the_fly = []
        if not on_the_fly:
            self.set_header("Vary", "Accept-Encoding")

    def set_headers(self) -> None:
        super().set_headers()
        # After the handler's own headers: Jupyter Server's FileFindHandler says
        # "no-cache" for every file without ?v=, content-hashed ones included.
        if CONTENT_HASHED.search(self.path or "") or "v" in self.request.arguments:
            self.set_header("Cache-Control", f"public, max-age={ONE_YEAR}, immutable")

    def compute_etag(self) -> str | None:
        etag = super().compute_etag()
        # The gzip body is another representation of the file: it needs its own tag.
        if etag and self._wants_gzip() and COMPRESSIBLE.search(getattr(self, "absolute_path", "") or ""):
            return etag[:-1] + '-gz"' if etag.endswith('"') else etag + "-gz"
        return etag

    def get_content_size(self) -> int:
        if self._gzip_body is not None:
            return len(self._gzip_body)
        return super().get_content_size()

    @_instance_or_class
    def get_content(self, cls, abspath, start=None, end=None):
        # Tornado calls this on the handler for the body, and on the class to hash a file
        # for its version/ETag: only the former may get the gzip bytes.
        if self is not None and self._gzip_body is not None:
            return self._gzip_body[start:end]
        return super(PrecompressedMixin, cls).get_content(abspath, start, end)


def precompressed(handler: type[tornado.web.StaticFileHandler]) -> type:
    """``handler`` with :class:`PrecompressedMixin` in front of it."""
    return type(f"Precompressed{handler.__name__}", (PrecompressedMixin, handler), {})
