"""Static files are gzipped once and the same bytes are sent to every learner (server/static.py).

Three levels, each with real parts:

* ``GzipCache`` and ``accepts_gzip`` on their own, over real files;
* ``precompressed(StaticFileHandler)`` in a real Tornado application with
  ``compress_response=True`` (as ``advocacy-lab serve`` runs it), fetched over HTTP
  with the raw response bytes (no client-side decompression);
* the real ``advocacy-lab serve``: the assets a module's page loads come gzipped,
  byte-identical on every fetch, and decompress to the files Voila ships.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import tornado.testing
import tornado.web

from advocacy_lab.server import static
from advocacy_lab.server.static import GzipCache, accepts_gzip, precompressed
from server_support import start_server, stop_server

IMMUTABLE = "public, max-age=31536000, immutable"


def script(size: int, seed: str = "a") -> bytes:
    """A compressible JavaScript body of about ``size`` bytes."""
    line = f"var {seed} = {{name: 'advocacy', value: 1}}; // {seed}\n".encode()
    return (line * (size // len(line) + 1))[:size]


def write(path: Path, data: bytes, mtime: float | None = None) -> Path:
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


# --------------------------------------------------------------------------- GzipCache


def test_cache_returns_gzip_of_the_file(tmp_path):
    raw = script(50_000)
    f = write(tmp_path / "app.js", raw)
    cache = GzipCache()
    body = cache.get(str(f))
    assert isinstance(body, bytes)
    assert body[:2] == b"\x1f\x8b"  # the gzip magic number
    assert gzip.decompress(body) == raw
    assert len(body) < len(raw) // 5


#: A base64 source map as bundlers write it: as hard to compress as random bytes.
INLINE_MAP = (b"\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,"
              + base64.b64encode(random.Random(7).randbytes(15_000)) + b"\n")


def test_cache_leaves_out_a_scripts_inline_source_map(tmp_path):
    raw = script(50_000)
    f = write(tmp_path / "chunk.js", raw + INLINE_MAP)
    body = GzipCache().get(str(f))
    assert gzip.decompress(body) == raw + b"\n"
    assert f.read_bytes() == raw + INLINE_MAP  # the file itself is untouched
    assert len(body) < len(gzip.compress(raw + INLINE_MAP, 9)) // 2


@pytest.mark.parametrize("name, tail", [
    ("chunk.js", b"\n//# sourceMappingURL=chunk.js.map\n"),  # a separate file: fetched only by devtools
    ("style.css", b"\n/*# sourceMappingURL=data:application/json;base64,QUJD */\n"),  # not a script
    ("chunk.js", b"\nvar s = '//# sourceMappingURL=data:x';\nrun(s);\n"),  # code, not the trailer
])
def test_cache_keeps_everything_but_a_trailing_inline_map(tmp_path, name, tail):
    raw = script(20_000) + tail
    f = write(tmp_path / name, raw)
    assert gzip.decompress(GzipCache().get(str(f))) == raw


def test_cache_hit_returns_the_same_object(tmp_path):
    f = write(tmp_path / "app.css", script(8_000))
    cache = GzipCache()
    first = cache.get(str(f))
    assert (cache.hits, cache.misses) == (0, 1)
    second = cache.get(str(f))
    assert second is first  # not compressed again
    assert (cache.hits, cache.misses) == (1, 1)


def test_cache_compresses_again_when_the_size_changes(tmp_path):
    f = write(tmp_path / "app.js", script(8_000, "a"), mtime=1_700_000_000)
    cache = GzipCache()
    cache.get(str(f))
    new = script(9_000, "b")
    write(f, new, mtime=1_700_000_000)  # same mtime, other size
    assert gzip.decompress(cache.get(str(f))) == new
    assert cache.misses == 2


def test_cache_compresses_again_when_only_the_mtime_changes(tmp_path):
    f = write(tmp_path / "app.js", script(8_000, "a"), mtime=1_700_000_000)
    cache = GzipCache()
    cache.get(str(f))
    new = script(8_000, "b")  # same size, other bytes
    write(f, new, mtime=1_700_000_100)
    assert gzip.decompress(cache.get(str(f))) == new
    assert cache.misses == 2


def test_cache_gives_identical_bytes_across_instances(tmp_path):
    # gzip's header carries a timestamp; the cache pins it so a restarted server
    # (or a second route to the same file) sends the very same bytes.
    f = write(tmp_path / "app.js", script(8_000))
    assert GzipCache().get(str(f)) == GzipCache().get(str(f))


@pytest.mark.parametrize(
    "name, size",
    [
        ("logo.png", 50_000),  # images are compressed already
        ("font.woff2", 50_000),
        ("tiny.js", static.MIN_SIZE - 1),  # not worth a gzip header
        ("empty.css", 0),
    ],
)
def test_cache_skips_files_not_worth_compressing(tmp_path, name, size):
    f = write(tmp_path / name, script(size))
    cache = GzipCache()
    assert cache.get(str(f)) is None
    assert cache.misses == 0


def test_cache_gives_none_for_a_missing_file_or_a_folder(tmp_path):
    cache = GzipCache()
    assert cache.get(str(tmp_path / "missing.js")) is None
    folder = tmp_path / "folder.js"
    folder.mkdir()
    assert cache.get(str(folder)) is None


def test_cache_respects_max_bytes_but_still_compresses(tmp_path):
    small = write(tmp_path / "small.js", script(4_000, "s"))
    big = write(tmp_path / "big.js", bytes(range(256)) * 200 + script(4_000, "b"))  # gzips poorly
    size_small = len(gzip.compress(small.read_bytes(), mtime=0))
    cache = GzipCache(max_bytes=size_small + 10)

    kept = cache.get(str(small))
    assert cache.get(str(small)) is kept and cache.hits == 1

    body = cache.get(str(big))  # does not fit: returned, not stored
    assert gzip.decompress(body) == big.read_bytes()
    again = cache.get(str(big))
    assert gzip.decompress(again) == big.read_bytes()
    assert cache.hits == 1 and cache.misses == 3  # the big file was compressed twice
    assert cache.get(str(small)) is kept  # the stored entry survived


def test_cache_can_be_cleared(tmp_path):
    f = write(tmp_path / "app.js", script(8_000))
    cache = GzipCache()
    first = cache.get(str(f))
    cache.clear()
    second = cache.get(str(f))
    assert second == first and second is not first
    assert cache.misses == 2


# --------------------------------------------------------------------------- accepts_gzip


@pytest.mark.parametrize(
    "header, expected",
    [
        ("gzip, deflate, br", True),
        ("gzip, deflate, br, zstd", True),  # Chromium's
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip; q=1.0", True),
        ("*", True),
        ("br", False),
        ("deflate, br", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("", False),
        (None, False),
        # RFC 9110 12.5.3: "*" stands only for codings not listed; gzip is listed here.
        ("*;q=0, gzip", True),
        ("gzip;q=0, *", False),
    ],
)
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    "header",
    [
        "gzip;q=",
        "gzip;q=abc",
        ";;;,,,",
        "q=1",
        "\x00gzip\x7f",
        "gzip;q=1e999999",
        "gzip;q=nan",
        "\u00e9\u6f22\u0000;q=\U0001f600",
        "gzip, " * 10_000,
    ],
)
def test_accepts_gzip_survives_garbage(header):
    assert accepts_gzip(header) in (True, False)


# --------------------------------------------------------------------------- a real Tornado app

PLAIN_JS = script(60_000, "plain")
HASHED_NAME = "324.ee1c7d64c48a4b927622.js"


class PrecompressedStaticTest(tornado.testing.AsyncHTTPTestCase):
    """``precompressed(StaticFileHandler)`` behind Tornado's own gzip transform."""

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="gzip-static-"))
        write(self.folder / "app.js", PLAIN_JS)
        write(self.folder / HASHED_NAME, script(30_000, "chunk"))
        write(self.folder / "style.css", script(20_000, "css"))
        write(self.folder / "logo.png", bytes(range(256)) * 40)
        write(self.folder / "tiny.js", b"var tiny = 1;\n")
        super().setUp()

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.folder, ignore_errors=True)

    def get_app(self):
        handler = precompressed(tornado.web.StaticFileHandler)
        return tornado.web.Application(
            [(r"/static/(.*)", handler, {"path": str(self.folder)})],
            compress_response=True,
        )

    def get(self, name, method="GET", **headers):
        return self.fetch(f"/static/{name}", method=method, headers=headers, decompress_response=False)

    def test_gzip_response_is_the_cached_bytes(self):
        resp = self.get("app.js", **{"Accept-Encoding": "gzip, deflate, br"})
        assert resp.code == 200
        assert resp.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in resp.headers["Vary"]
        cached = static.CACHE.get(str(self.folder / "app.js"))
        assert resp.body == cached
        assert int(resp.headers["Content-Length"]) == len(cached)
        assert gzip.decompress(resp.body) == PLAIN_JS

    def test_every_client_gets_the_same_bytes_without_compressing_again(self):
        first = self.get("style.css", **{"Accept-Encoding": "gzip"})
        misses = static.CACHE.misses
        second = self.get("style.css", **{"Accept-Encoding": "gzip"})
        assert first.body == second.body
        assert static.CACHE.misses == misses  # served from the cache

    def test_without_accept_encoding_the_plain_file(self):
        resp = self.get("app.js")
        assert resp.code == 200
        assert "Content-Encoding" not in resp.headers
        assert resp.body == PLAIN_JS
        assert int(resp.headers["Content-Length"]) == len(PLAIN_JS)
        assert "Accept-Encoding" in resp.headers["Vary"]

    def test_a_client_that_refuses_gzip_gets_the_plain_file(self):
        resp = self.get("app.js", **{"Accept-Encoding": "br"})
        assert "Content-Encoding" not in resp.headers
        assert resp.body == PLAIN_JS

    def test_range_request_gets_the_plain_bytes(self):
        resp = self.get("app.js", Range="bytes=100-1099")
        assert resp.code == 206
        assert "Content-Encoding" not in resp.headers
        assert resp.body == PLAIN_JS[100:1100]
        assert resp.headers["Content-Range"] == f"bytes 100-1099/{len(PLAIN_JS)}"

    def test_range_request_from_a_gzip_client_gets_the_plain_bytes(self):
        # Content-Range counts bytes of the plain file, so the part must be plain too
        # (the mixin's promise), even though Tornado's own gzip transform is on.
        resp = self.get("app.js", Range="bytes=100-1099", **{"Accept-Encoding": "gzip"})
        assert resp.code == 206
        assert resp.headers["Content-Range"] == f"bytes 100-1099/{len(PLAIN_JS)}"
        assert "Content-Encoding" not in resp.headers
        assert resp.body == PLAIN_JS[100:1100]

    def test_the_gzip_variant_has_its_own_etag(self):
        plain = self.get("app.js")
        zipped = self.get("app.js", **{"Accept-Encoding": "gzip"})
        # Tornado's tag of the plain file is a hash of the plain bytes (computed through
        # get_content on the class, which must not see the gzip body) ...
        reference = tornado.web.StaticFileHandler.get_content_version(str(self.folder / "app.js"))
        assert plain.headers["Etag"] == f'"{reference}"'
        assert reference != hashlib.sha512(gzip.compress(PLAIN_JS, mtime=0)).hexdigest()
        # ... and the gzip body is another representation with another tag.
        assert zipped.headers["Etag"] != plain.headers["Etag"]
        assert zipped.headers["Etag"].startswith(plain.headers["Etag"][:-1])

    def test_if_none_match_with_the_gzip_etag_gives_304(self):
        zipped = self.get("app.js", **{"Accept-Encoding": "gzip"})
        again = self.get("app.js", **{"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["Etag"]})
        assert again.code == 304
        assert again.body == b""

    def test_the_gzip_etag_does_not_validate_the_plain_file(self):
        zipped = self.get("app.js", **{"Accept-Encoding": "gzip"})
        plain = self.get("app.js", **{"If-None-Match": zipped.headers["Etag"]})
        assert plain.code == 200
        assert plain.body == PLAIN_JS

    def test_head_announces_the_gzip_body(self):
        head = self.get("app.js", method="HEAD", **{"Accept-Encoding": "gzip"})
        assert head.code == 200
        assert head.body == b""
        assert head.headers["Content-Encoding"] == "gzip"
        assert int(head.headers["Content-Length"]) == len(static.CACHE.get(str(self.folder / "app.js")))
        plain_head = self.get("app.js", method="HEAD")
        assert "Content-Encoding" not in plain_head.headers
        assert int(plain_head.headers["Content-Length"]) == len(PLAIN_JS)

    def test_a_content_hashed_name_is_cacheable_for_a_year(self):
        resp = self.get(HASHED_NAME, **{"Accept-Encoding": "gzip"})
        assert resp.code == 200
        assert resp.headers["Cache-Control"] == IMMUTABLE
        assert resp.headers["Content-Encoding"] == "gzip"

    def test_a_versioned_url_is_cacheable_for_a_year(self):
        resp = self.get("app.js?v=3f2a")
        assert resp.headers["Cache-Control"] == IMMUTABLE

    def test_a_plain_name_is_not_marked_immutable(self):
        for name in ("app.js", "style.css", "logo.png"):
            resp = self.get(name, **{"Accept-Encoding": "gzip"})
            assert resp.code == 200
            assert "immutable" not in resp.headers.get("Cache-Control", ""), name

    def test_images_are_not_gzipped(self):
        resp = self.get("logo.png", **{"Accept-Encoding": "gzip"})
        assert resp.code == 200
        assert "Content-Encoding" not in resp.headers
        assert resp.body == (self.folder / "logo.png").read_bytes()

    def test_a_tiny_script_arrives_intact(self):
        resp = self.get("tiny.js", **{"Accept-Encoding": "gzip"})
        assert resp.code == 200
        body = gzip.decompress(resp.body) if resp.headers.get("Content-Encoding") == "gzip" else resp.body
        assert body == b"var tiny = 1;\n"

    def test_a_changed_file_is_served_fresh(self):
        before = self.get("app.js", **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(before.body) == PLAIN_JS
        new = script(45_000, "edited")
        stat = (self.folder / "app.js").stat()
        write(self.folder / "app.js", new, mtime=stat.st_mtime + 10)
        after = self.get("app.js", **{"Accept-Encoding": "gzip"})
        assert after.code == 200
        assert gzip.decompress(after.body) == new
        assert int(after.headers["Content-Length"]) == len(after.body)
        assert self.get("app.js").body == new

    def test_missing_file_is_404(self):
        assert self.get("nope.js", **{"Accept-Encoding": "gzip"}).code == 404

    # ----------------------------------------------------------- prepared responses

    def test_a_second_fetch_is_the_prepared_response_with_the_same_headers(self):
        static.PREPARED.clear()
        first = self.get(HASHED_NAME, **{"Accept-Encoding": "gzip"})
        assert static.PREPARED.hits == 0
        second = self.get(HASHED_NAME, **{"Accept-Encoding": "gzip"})
        assert static.PREPARED.hits == 1
        assert second.code == 200 and second.body == first.body
        assert gzip.decompress(second.body) == (self.folder / HASHED_NAME).read_bytes()
        per_response = {"Date"}
        assert {k: v for k, v in first.headers.get_all() if k not in per_response} == \
            {k: v for k, v in second.headers.get_all() if k not in per_response}

    def test_prepared_responses_skip_the_path_checks(self):
        static.PREPARED.clear()
        self.get("style.css", **{"Accept-Encoding": "gzip"})
        checks = []
        original = tornado.web.StaticFileHandler.validate_absolute_path

        def counting(handler, root, absolute_path):
            checks.append(absolute_path)
            return original(handler, root, absolute_path)

        tornado.web.StaticFileHandler.validate_absolute_path = counting
        try:
            again = self.get("style.css", **{"Accept-Encoding": "gzip"})
            assert again.code == 200 and checks == []
            self.get("style.css", **{"Accept-Encoding": "gzip", "If-None-Match": again.headers["Etag"]})
            assert len(checks) == 1  # a conditional request goes through the handler (and gets its 304)
        finally:
            tornado.web.StaticFileHandler.validate_absolute_path = original

    def test_only_whole_gzip_gets_are_prepared(self):
        static.PREPARED.clear()
        self.get("app.js", Range="bytes=0-99", **{"Accept-Encoding": "gzip"})
        self.get("app.js", method="HEAD", **{"Accept-Encoding": "gzip"})
        self.get("app.js")
        self.get("logo.png", **{"Accept-Encoding": "gzip"})
        self.get("nope.js", **{"Accept-Encoding": "gzip"})
        for _ in range(2):
            self.get("logo.png", **{"Accept-Encoding": "gzip"})
            plain = self.get("app.js")
            assert "Content-Encoding" not in plain.headers and plain.body == PLAIN_JS
            part = self.get("app.js", Range="bytes=0-99", **{"Accept-Encoding": "gzip"})
            assert part.code == 206 and part.body == PLAIN_JS[:100]
        assert static.PREPARED.hits == 0

    def test_a_prepared_file_deleted_or_edited_is_decided_again(self):
        static.PREPARED.clear()
        self.get("style.css", **{"Accept-Encoding": "gzip"})
        self.get("style.css", **{"Accept-Encoding": "gzip"})
        assert static.PREPARED.hits == 1
        stat = (self.folder / "style.css").stat()
        write(self.folder / "style.css", script(20_000, "edited"), mtime=stat.st_mtime + 10)
        edited = self.get("style.css", **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(edited.body) == script(20_000, "edited")
        (self.folder / "style.css").unlink()
        assert self.get("style.css", **{"Accept-Encoding": "gzip"}).code == 404

    def test_a_prepared_versioned_url_expires_from_the_time_it_is_sent(self):
        static.PREPARED.clear()
        from email.utils import parsedate_to_datetime

        for _ in range(2):
            resp = self.get("app.js?v=3f2a", **{"Accept-Encoding": "gzip"})
            assert resp.headers["Cache-Control"] == IMMUTABLE
            if "Expires" in resp.headers:
                sent = parsedate_to_datetime(resp.headers["Date"])
                assert parsedate_to_datetime(resp.headers["Expires"]) > sent
        assert static.PREPARED.hits == 1


# --------------------------------------------------------------------------- the real server

NOTEBOOK = "04-campaign-message.ipynb"


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 120):
    """GET returning the raw body: http.client never decompresses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``advocacy-lab serve`` as a learner's ``make start`` runs it; its port."""
    server = start_server(tmp_path_factory.mktemp("gzip-server"))
    yield server.port
    stop_server(server)


@pytest.fixture(scope="module")
def page_assets(served):
    """Script URLs the module's page loads, with the files they come from."""
    from voila.paths import collect_static_paths
    from voila.utils import get_voila_labextensions_path

    status, _, body = http_get(served, f"/voila/render/{NOTEBOOK}")
    assert status == 200
    html = body.decode("utf-8")

    def on_disk(relpath: str, roots: list[str]) -> Path:
        for root in roots:
            candidate = Path(root) / relpath
            if candidate.is_file():
                return candidate
        raise AssertionError(f"{relpath} not found in {roots}")

    assets = {}
    voila_js = re.search(r'<script[^>]+src="(/voila/static/voila\.js)"', html)
    assert voila_js, "the page no longer loads /voila/static/voila.js"
    assets["voila.js"] = (voila_js.group(1), on_disk("voila.js", collect_static_paths(["voila", "nbconvert"], "lab")))

    style = re.search(r'src="(/voila/templates/lab/static/(voila-style\.js)\?v=[0-9a-f]+)"', html)
    assert style, "the page no longer loads the template's voila-style.js?v="
    assets["template"] = (style.group(1), on_disk(style.group(2), collect_static_paths(["voila", "nbconvert"], "lab")))

    config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
    assert config, "no page config in the page"
    extensions = {e["name"]: e for e in json.loads(config.group(1))["federated_extensions"]}
    manager = extensions["@voila-dashboards/widgets-manager8"]
    rel = f"@voila-dashboards/widgets-manager8/{manager['load'].removeprefix('./')}"
    assets["labextension"] = (f"/voila/labextensions/{rel}", on_disk(rel, get_voila_labextensions_path()))
    anywidget = extensions["anywidget"]
    rel = f"anywidget/{anywidget['load'].removeprefix('./')}"
    assets["anywidget"] = (f"/voila/labextensions/{rel}", on_disk(rel, get_voila_labextensions_path()))
    return assets


@pytest.mark.slow
@pytest.mark.parametrize("asset", ["voila.js", "template", "labextension"])
def test_real_server_sends_the_same_gzip_bytes_twice(served, page_assets, asset):
    url, path = page_assets[asset]
    raw = path.read_bytes()
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    first_status, first_headers, first = http_get(served, url, headers)
    second_status, second_headers, second = http_get(served, url, headers)
    assert (first_status, second_status) == (200, 200), url
    assert first_headers.get("content-encoding") == "gzip" == second_headers.get("content-encoding"), url
    assert first == second, f"{url}: compressed anew instead of served from the cache"
    assert gzip.decompress(first) == raw, url
    assert int(first_headers["content-length"]) == len(first), url
    assert "Accept-Encoding" in first_headers.get("vary", ""), url


@pytest.mark.slow
def test_real_server_leaves_out_anywidgets_inline_source_map(served, page_assets):
    # anywidget's lab extension ships base64 source maps inside its chunks; a learner's
    # page never needs them (57 KB of the 04 page's first visit).
    url, path = page_assets["anywidget"]
    raw = path.read_bytes()
    last_line = raw.rstrip().rsplit(b"\n", 1)[-1]
    assert last_line.startswith(b"//# sourceMappingURL=data:"), "anywidget no longer ships an inline map"
    status, headers, body = http_get(served, url, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    served_script = gzip.decompress(body)
    assert b"sourceMappingURL=data:" not in served_script
    assert served_script == static.without_inline_source_map(str(path), raw)
    assert len(served_script) < len(raw) // 2
    assert int(headers["content-length"]) == len(body)


@pytest.mark.slow
def test_real_server_cache_control(served, page_assets):
    # The widget manager's content-hashed chunks are cacheable for a year (Jupyter
    # Server alone says no-cache for every labextension file) ...
    _, headers, _ = http_get(served, page_assets["labextension"][0], {"Accept-Encoding": "gzip"})
    assert headers["cache-control"] == IMMUTABLE
    _, headers, _ = http_get(served, page_assets["template"][0], {"Accept-Encoding": "gzip"})
    assert headers["cache-control"] == IMMUTABLE
    # ... voila.js, whose name and URL do not change with its content, is not.
    _, headers, _ = http_get(served, page_assets["voila.js"][0], {"Accept-Encoding": "gzip"})
    assert "immutable" not in headers.get("cache-control", "")


@pytest.mark.slow
def test_real_server_plain_client_gets_the_plain_file(served, page_assets):
    url, path = page_assets["labextension"]
    status, headers, body = http_get(served, url)
    assert status == 200
    assert "content-encoding" not in headers
    assert body == path.read_bytes()
