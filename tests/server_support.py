"""The real course server for the tests, started and stopped in one place; a page's side of the kernel protocol.

* :func:`start_server` starts ``advocacy-lab serve`` exactly as a learner's
  ``make start`` does (more ``serve`` options in ``args``, e.g. a room's
  ``--ip 0.0.0.0``), in the course folder ``root``, on a free loopback port or a
  given one (a restarted server keeps its pages' origin); with ``traits`` or
  ``notebooks`` it starts the same application class, ``AdvocacyVoila``, through
  its module entry point instead, with the launcher's arguments plus those
  settings (``--AdvocacyVoila.max_kernels=8``, ...), which the command line does
  not take. It returns once ``ready`` holds (by default: the server answers;
  :func:`pools_warm`: and every notebook's preheated kernel has run).
  :func:`stop_server` stops it. The protocol tests import this module directly,
  the browser tests through tests/browser/conftest.py (both folders are on
  ``sys.path`` under pytest's rootdir-less layout).
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
from typing import Callable

import psutil

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: Bounds on waits for something that should happen (never measured durations).
SERVER_START_TIMEOUT = 120  # preheating kernels on a busy 2-core machine is slow
PAGE_TIMEOUT = 180
KERNEL_REPLY_TIMEOUT = 60
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)
#: A kernel's command line names its connection file, which carries the kernel id.
KERNEL_FILE_RE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def advocacy_lab_command() -> list[str]:
    """The ``advocacy-lab`` of the environment running the tests (a learner's ``.venv/bin/advocacy-lab``)."""
    for exe in (Path(sys.executable).parent / "advocacy-lab", ROOT / ".venv" / "bin" / "advocacy-lab"):
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
    notebooks: Path = ROOT / "notebooks"
    url: str = ""
    notes: dict = field(default_factory=dict)

    def __post_init__(self):
        self.url = f"http://{HOST}:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 4000) -> str:
        return self.log_text()[-n:]

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def kernels_by_id(self) -> dict[str, psutil.Process]:
        """Kernel id -> process, for every live kernel process of this server."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return {}
        found = {}
        for child in children:
            try:
                kernel = KERNEL_FILE_RE.search(" ".join(child.cmdline()))
                if kernel and child.status() != psutil.STATUS_ZOMBIE:
                    found[kernel.group(1)] = child
            except psutil.Error:  # gone, or a zombie, meanwhile
                pass
        return found

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes of this server, pooled and in use."""
        return list(self.kernels_by_id().values())

    def kernel_ids(self) -> set[str]:
        return set(self.kernels_by_id())

    def kernel_processes(self, kernel_id: str) -> list[psutil.Process]:
        """The process of the kernel ``kernel_id`` (a page's kernel), if it still runs."""
        proc = self.kernels_by_id().get(kernel_id)
        return [proc] if proc else []

    def pools_filled(self) -> int:
        return self.log_text().count("Preheated a kernel for")


def answers(server: Server) -> bool:
    """The server answers ``/`` (with its redirect to the start page)."""
    try:
        status, _, _ = request(server, "GET", "/", timeout=5)
    except OSError:
        return False
    return status in (301, 302)


def pools_warm(server: Server) -> bool:
    """It answers, and every notebook's preheated kernel has run (the default pool: one each)."""
    return answers(server) and server.pools_filled() >= len(list(server.notebooks.glob("*.ipynb")))


def start_server(log_dir: Path, root: Path = ROOT, *, args: list[str] | tuple[str, ...] = (),
                 traits: list[str] | None = None, notebooks: Path | None = None, env: dict | None = None,
                 port: int | None = None, ready: Callable[[Server], bool] = answers,
                 timeout: float = SERVER_START_TIMEOUT) -> Server:
    """Start the server in the course folder ``root``; return once ``ready(server)`` holds.

    ``args``: more ``advocacy-lab serve`` options (``["--ip", "0.0.0.0"]``);
    ``traits``/``notebooks``: ``python -m advocacy_lab.server.app`` with those
    settings over that folder (default ``root/notebooks``) instead of the
    command; ``env`` adds to (or overrides) this process's environment, e.g.
    the drafts store; ``port`` reuses a port. The server runs in a process
    group of its own, logging to a file in ``log_dir``.
    """
    port = port or free_port()
    folder = Path(notebooks) if notebooks is not None else Path(root) / "notebooks"
    if traits is None and notebooks is None:
        cmd = [*advocacy_lab_command(), "serve", "--port", str(port), "--no-browser", *args]
    elif args:
        raise ValueError("serve options (args) are for advocacy-lab serve, not with traits or notebooks")
    else:
        cmd = [sys.executable, "-m", "advocacy_lab.server.app", f"--Voila.port={port}",
               f"--Voila.root_dir={folder.resolve()}", "--Voila.open_browser=False", *(traits or [])]
    log = Path(log_dir) / f"server-{port}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:  # the server has its own copy of the file
        proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    server = Server(port, proc, log, folder)

    def started():
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.log_tail()}")
        return ready(server)

    try:
        wait_for(started, f"the server ready ({getattr(ready, '__name__', 'ready')})", timeout)
    except AssertionError as failed:
        stop_server(server)
        raise AssertionError(f"{failed}:\n{server.log_tail()}") from None
    except BaseException:
        stop_server(server)
        raise
    return server


def terminate(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM, then SIGKILL to the process group if it is still running after ``grace`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def stop_server(server: Server) -> None:
    """SIGTERM lets Voila shut its kernels down; SIGKILL the group only if it hangs. Twice is harmless."""
    terminate(server.proc, 30)


def request(server: Server, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
            source: str | None = None, timeout: float = PAGE_TIMEOUT):
    """One HTTP request, the path sent as given; ``source`` picks the client's loopback address."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    return answer_of(conn, method, path, headers, body)


def answer_of(conn: http.client.HTTPConnection, method: str, path: str, headers: dict | None = None,
              body: bytes | None = None):
    """One request on ``conn``, then closes it: (status, headers, body)."""
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
        return cls.from_answer(server, notebook, status, headers, body)

    @classmethod
    def from_answer(cls, server, notebook: str, status: int, headers, body: bytes) -> "Page":
        """The page of a page load's answer (``load``'s, or one fetched another way, e.g. through nginx)."""
        if status != 200:
            # The server's refusals say which cap and what it counted: the way to a cause.
            refusals = [line for line in server.log_lines() if "Room full" in line][-3:]
            raise AssertionError(f"page load answered {status}; the server's last refusals: {refusals}")
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
