"""A learner's visit to a Voila app, spoken in HTTP and the Jupyter protocols, without a browser.

35 Chromium pages on the server's own two cores measure mostly Chromium: each
page parses and runs ~5 MB of JavaScript, which real learners do on their own
devices. This module plays a learner the way the server sees one:

1. GET the page (gzip, like a browser), take the ``_xsrf`` cookie and the kernel id;
2. GET every asset a real Chromium fetched for that page (the list is recorded
   once with :func:`record_assets`), gzip, six keep-alive connections at a time
   like a browser over HTTP/1.1 (with curl, which costs the shared machine little);
3. open the kernel's websocket (the binary v1 protocol, as JupyterLab's services
   ask for), ``kernel_info_request`` (what the page's kernel
   connection sends first), then what the ipywidgets 8 manager sends to load the
   widgets: a ``jupyter.widget.control`` comm and ``request_states``, until
   ``update_states`` arrives. That is the server-side time to interactive: the
   page can draw its widgets from here on, with the learner's own CPU;
4. optionally type into the post box: a widget ``update`` message with new text,
   until the feedback widget's new value comes back (the check round trip);
5. leave like a closed tab: close the websocket and POST the shutdown request
   the page sends on unload.

Each learner can speak from a source address of its own (``source_ip``, e.g.
``learner_address(i)``: 127.0.0.10, 127.0.0.11, ...), so that the server sees a
room of 35 as 35 clients, as on a room's wifi: the server caps kernels per
client address, and its own loopback address 127.0.0.1 is not capped that way.
Every address is loopback: nothing leaves the machine.

``room.py`` reads these times next to one Chromium learner's, measured in the
same run, for what a learner's own browser adds.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from _common import close_like_a_learner
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)
ASSET_PARALLEL = 6  # connections a browser opens to one host over HTTP/1.1
CURL = shutil.which("curl")
#: The first learner's source address; learner i speaks from 127.0.0.(10 + i).
FIRST_LEARNER_HOST = 10
#: The kernel websocket protocol JupyterLab's services (and so Voila's page) ask for:
#: binary frames the server passes on without re-encoding the messages as JSON.
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def _msg(msg_type: str, content: dict, channel: str, session: str, metadata: dict | None = None) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "learner",
            "session": session,
            "date": "",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": metadata or {},
        "content": content,
        "channel": channel,
        "buffers": [],
    }


def learner_address(index: int) -> str:
    """The loopback source address of learner ``index`` (0-based): 127.0.0.10, 127.0.0.11, ..."""
    host = FIRST_LEARNER_HOST + int(index)
    if not FIRST_LEARNER_HOST <= host <= 254:
        raise ValueError(f"learner {index}: at most {255 - FIRST_LEARNER_HOST} learners have an address of their own")
    return f"127.0.0.{host}"


def record_assets(browser, url: str, selector: str, timeout_ms: float) -> list[str]:
    """Paths (with query) of the same-origin GETs one cold Chromium visit makes, document excluded."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    seen: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def on_request(req):
        if req.method != "GET" or req.resource_type in ("document", "websocket"):
            return
        if not req.url.startswith(origin + "/"):
            return
        path = req.url[len(origin):]
        if "/api/kernels/" in path:  # per-kernel calls are made by the protocol steps
            return
        if path not in seen:
            seen.append(path)

    page.on("request", on_request)
    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:
            pass
    finally:
        close_like_a_learner(context)
    return seen


class ProtocolLearner:
    """One learner: page, assets, kernel websocket, widget state, optional check, leave."""

    def __init__(self, base_url: str, notebook: str, assets: list[str], timeout_s: float = 120,
                 source_ip: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.source_ip = source_ip  # the learner's own (loopback) address, None for the system's choice
        self.notebook = notebook
        self.assets = assets
        self.timeout_s = timeout_s
        self.session = uuid.uuid4().hex
        self.cookies: dict[str, str] = {}
        self.kernel_id: str | None = None
        self.states: dict = {}
        self.ws = None
        self.marks: dict[str, float] = {}
        self.bytes = 0
        self._t0 = 0.0

    # -- HTTP ------------------------------------------------------------------------------

    def _cookie_header(self) -> dict:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def _get(self, path: str):
        """GET with gzip; the body stays compressed (a learner's device unpacks it, not the server)."""
        client = AsyncHTTPClient()
        req = HTTPRequest(
            self.base_url + path,
            headers={"Accept-Encoding": "gzip", **self._cookie_header()},
            decompress_response=False,
            request_timeout=self.timeout_s,
            follow_redirects=False,
            network_interface=self.source_ip,
        )
        resp = await client.fetch(req, raise_error=False)
        if resp.code >= 400 or resp.code == 599:
            raise RuntimeError(f"GET {path[:80]} answered {resp.code}")
        self.bytes += len(resp.body or b"")
        for raw in resp.headers.get_list("Set-Cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp

    async def _assets(self) -> None:
        """Every asset, six connections at a time with keep-alive, as a browser fetches them.

        curl does the fetching when it is there: in C it costs the machine a small
        fraction of what a Python HTTP client does, and this machine is also the server.
        """
        if CURL:
            await self._assets_with_curl()
            return
        queue = list(self.assets)

        async def worker():
            while queue:
                await self._get(queue.pop(0))

        await asyncio.gather(*(worker() for _ in range(min(ASSET_PARALLEL, len(queue)) or 1)))

    async def _assets_with_curl(self) -> None:
        cmd = [CURL, "--silent", "--show-error", "--parallel", "--parallel-max", str(ASSET_PARALLEL),
               "--max-time", str(int(self.timeout_s)), "-H", "Accept-Encoding: gzip",
               "--write-out", "%{http_code} %{size_download}\\n"]
        if self.source_ip:
            cmd += ["--interface", self.source_ip]
        for name, value in self._cookie_header().items():
            cmd += ["-H", f"{name}: {value}"]
        for path in self.assets:
            cmd += [self.base_url + path, "-o", "/dev/null"]
        proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        codes = [line.split() for line in out.decode().splitlines() if line.strip()]
        bad = [c for c in codes if not c or c[0] != "200"]
        if proc.returncode != 0 or bad or len(codes) != len(self.assets):
            raise RuntimeError(f"assets: curl exit {proc.returncode}, {len(bad)} not 200 of {len(codes)}: "
                               f"{err.decode(errors='replace')[:200]}")
        self.bytes += sum(int(c[1]) for c in codes)

    # -- kernel websocket ------------------------------------------------------------------

    async def _send(self, msg: dict) -> str:
        def pack(part):
            return json.dumps(part).encode("utf-8")

        await self.ws.write_message(serialize_msg_to_ws_v1(msg, msg["channel"], pack), binary=True)
        return msg["header"]["msg_id"]

    async def _until(self, predicate, what: str) -> dict:
        """Read messages until ``predicate(msg)``; the deadline is the visit's timeout."""
        left = self.timeout_s - (time.monotonic() - self._t0)
        end = time.monotonic() + max(1.0, left)
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {what} in time")
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=remaining)
            if raw is None:
                raise ConnectionError(f"websocket closed while waiting for {what}")
            if isinstance(raw, str):  # not sent in the v1 protocol
                continue
            channel, parts = deserialize_msg_from_ws_v1(raw)
            header, parent, metadata, content = (json.loads(p) for p in parts[:4])
            msg = {"channel": channel, "header": header, "parent_header": parent, "metadata": metadata,
                   "content": content}
            if predicate(msg):
                return msg

    async def _connect_kernel(self) -> None:
        ws_url = self.base_url.replace("http://", "ws://", 1)
        url = f"{ws_url}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        req = HTTPRequest(url, headers=self._cookie_header(), request_timeout=self.timeout_s,
                          network_interface=self.source_ip)
        self.ws = await websocket_connect(req, max_message_size=64 * 1024 * 1024, subprotocols=[WS_PROTOCOL])
        if self.ws.selected_subprotocol != WS_PROTOCOL:
            raise RuntimeError(f"the server did not accept the {WS_PROTOCOL} websocket protocol")
        info = await self._send(_msg("kernel_info_request", {}, "shell", self.session))
        await self._until(lambda m: m.get("parent_header", {}).get("msg_id") == info
                          and m["header"]["msg_type"] == "kernel_info_reply", "kernel_info_reply")

    async def _load_widgets(self) -> None:
        comm_id = uuid.uuid4().hex
        await self._send(_msg("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                              "shell", self.session, {"version": "1.0.0"}))
        await self._send(_msg("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}},
                              "shell", self.session))
        reply = await self._until(
            lambda m: m["header"]["msg_type"] == "comm_msg"
            and m["content"].get("comm_id") == comm_id
            and m["content"].get("data", {}).get("method") == "update_states",
            "widget state (update_states)",
        )
        self.states = reply["content"]["data"]["states"]
        await self._send(_msg("comm_close", {"comm_id": comm_id, "data": {}}, "shell", self.session))

    def model_with_class(self, dom_class: str) -> str:
        for model_id, entry in self.states.items():
            if dom_class in (entry.get("state", {}).get("_dom_classes") or []):
                return model_id
        raise LookupError(f"no widget with class {dom_class!r} in the page's state")

    async def type_and_wait(self, text: str, input_class: str = "al-post-text",
                            output_class: str = "al-feedback", field: str = "value") -> float:
        """Seconds from sending new text to the output widget's new value arriving."""
        source = self.model_with_class(input_class)
        # The Textarea model is the box's child when the class is on the box.
        entry = self.states[source]["state"]
        if "value" not in entry and entry.get("children"):
            source = next(c[len("IPY_MODEL_"):] for c in entry["children"]
                          if "value" in self.states.get(c[len("IPY_MODEL_"):], {}).get("state", {}))
        target = self.model_with_class(output_class)
        t = time.monotonic()
        await self._send(_msg("comm_msg", {"comm_id": source, "data": {"method": "update", "state": {"value": text},
                                                                       "buffer_paths": []}}, "shell", self.session))
        await self._until(
            lambda m: m["header"]["msg_type"] == "comm_msg"
            and m["content"].get("comm_id") == target
            and field in m["content"].get("data", {}).get("state", {}),
            f"new {output_class} {field}",
        )
        return time.monotonic() - t

    # -- the visit -------------------------------------------------------------------------

    async def arrive(self) -> dict:
        """Page, then its assets, then the kernel (the scripts open it), until the widget state is in."""
        self._t0 = time.monotonic()
        resp = await self._get(f"/voila/render/{self.notebook}")
        self.marks["document_s"] = time.monotonic() - self._t0
        body = resp.body or b""
        if resp.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        found = CONFIG_RE.search(body.decode("utf-8", "replace"))
        if not found:
            kept = Path(tempfile.gettempdir()) / f"advocacy-page-without-kernel-{self.session[:8]}.html"
            kept.write_bytes(body)
            title = re.search(rb"<title>(.*?)</title>", body, re.S)
            raise RuntimeError(f"the page carries no jupyter-config-data ({resp.code}, title "
                               f"{(title.group(1).decode('utf-8', 'replace').strip() if title else '')!r}; kept in {kept})")
        self.kernel_id = json.loads(found.group(1)).get("kernelId")
        if not self.kernel_id:
            raise RuntimeError("the page names no kernel")

        async def kernel():
            await self._connect_kernel()
            await self._load_widgets()
            self.marks["widgets_s"] = time.monotonic() - self._t0

        async def assets():
            await self._assets()
            self.marks["assets_s"] = time.monotonic() - self._t0

        await assets()
        await kernel()
        self.marks["interactive_s"] = time.monotonic() - self._t0
        return dict(self.marks)

    async def leave(self) -> None:
        """Like a closed tab: the websocket goes, and the page's unload shutdown request is sent."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        if self.kernel_id and "_xsrf" in self.cookies:
            client = AsyncHTTPClient()
            req = HTTPRequest(
                f"{self.base_url}/voila/api/shutdown/{self.kernel_id}",
                method="POST",
                body=f"_xsrf={self.cookies['_xsrf']}",
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "X-XSRFToken": self.cookies["_xsrf"], **self._cookie_header()},
                request_timeout=30,
                network_interface=self.source_ip,
            )
            await client.fetch(req, raise_error=False)
