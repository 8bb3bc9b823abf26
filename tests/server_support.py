"""A real server for the protocol tests (no browser), and a page's side of the kernel protocol.

* :func:`start_server` starts ``advocacy-lab serve`` exactly as a learner's
  ``make start`` does (as tests/browser/conftest.py does), on a free loopback
  port; with ``traits`` it starts the same application class, ``AdvocacyVoila``,
  through its module entry point instead, with the launcher's arguments plus
  those settings (``--AdvocacyVoila.max_kernels=8``, ...), which the command
  line does not take.
* :class:`Page` is what the page's scripts do, spoken in HTTP and the v1 kernel
  websocket protocol (as benchmarks/_learner.py): load the page (its kernel id
  and ``_xsrf`` cookie), open the kernel's websocket, send widget messages,
  read what comes back, and leave like a closed tab.

Only loopback is ever a target; a page load can come from another loopback
address (``source``, e.g. 127.0.0.2), which the server sees as another client.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: Bounds on waits for something that should happen (never measured durations).
SERVER_START_TIMEOUT = 120
PAGE_TIMEOUT = 180
KERNEL_REPLY_TIMEOUT = 60
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def advocacy_lab_command() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "advocacy-lab"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("advocacy-lab")
    return [found] if found else [sys.executable, "-m", "advocacy_lab.cli"]


def wait_for(condition, what: str, timeout: float = 120.0, every: float = 0.25):
    """Poll ``condition()`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(every)


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path
    url: str = ""
    notes: dict = field(default_factory=dict)

    def __post_init__(self):
        self.url = f"http://{HOST}:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes of this server (they run ipykernel_launcher)."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for child in children:
            try:
                if "ipykernel_launcher" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                    found.append(child)
            except psutil.Error:
                pass
        return found

    def kernel_ids(self) -> set[str]:
        ids = set()
        for proc in self.kernels():
            try:
                found = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(proc.cmdline()))
            except psutil.Error:
                continue
            if found:
                ids.add(found.group(1))
        return ids

    def pools_filled(self) -> int:
        return self.log_text().count("Preheated a kernel for")


def start_server(log_dir: Path, *, traits: list[str] | None = None, root: Path = ROOT,
                 notebooks: Path | None = None, env: dict | None = None) -> Server:
    """Start the server; wait until it answers and its pools are warm (one kernel per notebook)."""
    port = free_port()
    log = Path(log_dir) / f"server-{port}-{time.monotonic_ns()}.log"
    if traits is None and notebooks is None:
        cmd = [*advocacy_lab_command(), "serve", "--port", str(port), "--no-browser"]
    else:
        folder = Path(notebooks) if notebooks is not None else root / "notebooks"
        cmd = [sys.executable, "-m", "advocacy_lab.server.app", f"--Voila.port={port}",
               f"--Voila.root_dir={folder.resolve()}", "--Voila.open_browser=False", *(traits or [])]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    server = Server(port, proc, log)
    notebooks_count = len(list((Path(notebooks) if notebooks else root / "notebooks").glob("*.ipynb")))

    def ready():
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.log_text()[-4000:]}")
        try:
            status, _, _ = request(server, "GET", "/")
        except OSError:
            return False
        return status in (301, 302) and server.pools_filled() >= notebooks_count

    try:
        wait_for(ready, "the server answering with its pools warm", SERVER_START_TIMEOUT)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: Server) -> None:
    """SIGTERM lets Voila shut its kernels down; SIGKILL the group only if it hangs."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def request(server: Server, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
            source: str | None = None, timeout: float = PAGE_TIMEOUT):
    """One HTTP request, the path sent as given; ``source`` picks the client's loopback address."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


# -- a page's side of the kernel protocol ---------------------------------------------------------


def message(msg_type: str, content: dict, session: str, channel: str = "shell", metadata: dict | None = None) -> dict:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "learner", "session": session,
                   "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel, "buffers": [],
    }


@dataclass
class Page:
    """One page load: its kernel id and cookies, then (``await connect()``) its websocket."""

    server: Server
    notebook: str
    kernel_id: str
    cookies: dict
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    ws: object = None
    received: list = field(default_factory=list)
    states: dict = field(default_factory=dict)

    @classmethod
    def load(cls, server: Server, notebook: str, source: str | None = None) -> "Page":
        status, headers, body = request(server, "GET", f"/voila/render/{notebook}", source=source)
        if status != 200:
            raise AssertionError(f"page load answered {status}")
        found = CONFIG_RE.search(body.decode("utf-8", "replace"))
        assert found, "the page carries no jupyter-config-data"
        cookies = {}
        for raw in headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return cls(server, notebook, json.loads(found.group(1))["kernelId"], cookies)

    def cookie_header(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def connect(self, compression: bool = False):
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://{HOST}:{self.server.port}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self.ws = await asyncio.wait_for(websocket_connect(
            HTTPRequest(url, headers=self.cookie_header(), request_timeout=KERNEL_REPLY_TIMEOUT),
            subprotocols=[WS_PROTOCOL], max_message_size=64 * 1024 * 1024,
            compression_options={} if compression else None,
        ), KERNEL_REPLY_TIMEOUT)
        assert self.ws.selected_subprotocol == WS_PROTOCOL
        return self

    async def send(self, msg: dict) -> str:
        from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

        await self.ws.write_message(serialize_msg_to_ws_v1(msg, msg["channel"], lambda p: json.dumps(p).encode()),
                                    binary=True)
        return msg["header"]["msg_id"]

    async def read(self, timeout: float = KERNEL_REPLY_TIMEOUT) -> dict | None:
        """The next message (kept in ``received``, with its raw bytes); None once the server closed."""
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        while True:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout)
            if raw is None:
                return None
            if isinstance(raw, str):
                continue
            channel, parts = deserialize_msg_from_ws_v1(raw)
            header, parent, metadata, content = (json.loads(p) for p in parts[:4])
            msg = {"channel": channel, "header": header, "parent_header": parent, "metadata": metadata,
                   "content": content, "raw": raw}
            self.received.append(msg)
            return msg

    async def until(self, predicate, what: str, timeout: float = KERNEL_REPLY_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout:.0f} s")
            msg = await self.read(left)
            if msg is None:
                raise AssertionError(f"the server closed the websocket while waiting for {what}")
            if predicate(msg):
                return msg

    async def until_idle_after(self, msg_id: str, what: str) -> None:
        """Until the kernel reports idle for the message ``msg_id`` (all its output has come)."""
        await self.until(lambda m: m["header"]["msg_type"] == "status"
                         and m["parent_header"].get("msg_id") == msg_id
                         and m["content"].get("execution_state") == "idle", what)

    async def kernel_info(self) -> dict:
        sent = await self.send(message("kernel_info_request", {}, self.session))
        return await self.until(lambda m: m["header"]["msg_type"] == "kernel_info_reply"
                                and m["parent_header"].get("msg_id") == sent, "kernel_info_reply")

    async def load_widgets(self) -> dict:
        """As the page's widget manager: the state of every widget, by model id."""
        comm_id = uuid.uuid4().hex
        await self.send(message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                              "data": {}}, self.session, metadata={"version": "1.0.0"}))
        await self.send(message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, self.session))
        reply = await self.until(lambda m: m["header"]["msg_type"] == "comm_msg"
                                 and m["content"].get("comm_id") == comm_id
                                 and m["content"].get("data", {}).get("method") == "update_states",
                                 "the widget state (update_states)")
        self.states = reply["content"]["data"]["states"]
        return self.states

    def model(self, model_name: str) -> str:
        for model_id, entry in self.states.items():
            if entry.get("model_name") == model_name:
                return model_id
        raise LookupError(f"no {model_name} on the page")

    async def update(self, model_id: str, state: dict) -> str:
        """A widget update, as the page sends one when the learner types."""
        return await self.send(message("comm_msg", {"comm_id": model_id, "data": {
            "method": "update", "state": state, "buffer_paths": []}}, self.session))

    async def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    def leave(self) -> int:
        """The shutdown request a closed tab sends (with its _xsrf); the status."""
        token = self.cookies.get("_xsrf", "")
        status, _, _ = request(self.server, "POST", f"/voila/api/shutdown/{self.kernel_id}",
                               headers={"X-XSRFToken": token, **self.cookie_header(),
                                        "Content-Type": "application/x-www-form-urlencoded"},
                               body=f"_xsrf={token}".encode())
        return status
