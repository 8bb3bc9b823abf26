"""Browser tests: the real `advocacy-lab serve` driven by Debian's Chromium.

* ``server_url``: one server for the session, started exactly as a learner's
  `make start` does (``.venv/bin/advocacy-lab serve --port N --no-browser``) on
  a free loopback port, killed at the end.
* ``room_server``: one more for the session, started as a trainer starts a
  workshop room (``--ip 0.0.0.0 --hostname workshop.lan --learners 2``), for
  the tests that must hold on a server bound beyond loopback (every request
  still goes to a loopback address);
* ``browser`` / ``page``: Playwright over /usr/bin/chromium (never a downloaded
  build; never ``playwright install``).
* ``open_app(page, notebook)``: go to a notebook and wait until its widgets are live.

Waits are generous (a loaded 2-core machine starts kernels slowly) but always
wait for a condition, never a fixed sleep.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import (  # noqa: E402  (shared with the test modules)
    APP_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SERVER_START_TIMEOUT,
    UPDATE_TIMEOUT_MS,
    http_get,
    open_notebook,
)


# Playwright's default of 5 s for expect() is too short for a kernel round trip
# on a busy 2-core machine; a passing expectation returns as soon as it holds.
expect.set_options(timeout=UPDATE_TIMEOUT_MS)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def advocacy_lab_command() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "advocacy-lab"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("advocacy-lab")
    if found:
        return [found]
    return [sys.executable, "-m", "advocacy_lab.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int, proc: subprocess.Popen, log: Path):
        self.port = port
        self.proc = proc
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def start_server(
    log_dir: Path,
    root: Path = ROOT,
    *,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: list[str] | tuple[str, ...] = (),
) -> Server:
    """Start `advocacy-lab serve` and wait until it answers.

    ``env`` adds to (or overrides) this process's environment, e.g. the
    drafts store; ``port`` reuses a port (a restarted server keeps the page's
    origin, hence its localStorage); ``args`` are more `serve` options, e.g.
    ``["--ip", "0.0.0.0"]`` for a room server.
    """
    port = port or free_port()
    log = log_dir / f"advocacy-lab-serve-{port}-{time.monotonic_ns()}.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        [*advocacy_lab_command(), "serve", "--port", str(port), "--no-browser", *args],
        cwd=root,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    server = Server(port, proc, log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"advocacy-lab serve exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            status, headers, _ = http_get(port, "/", timeout=5)
            if status in (301, 302):
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"advocacy-lab serve not ready after {SERVER_START_TIMEOUT}s:\n{server.log_tail()}")
        time.sleep(0.25)


def stop_server(server: Server) -> None:
    """SIGTERM lets Voila shut its kernels down; SIGKILL only if it hangs."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    stop_server(srv)


#: A workshop room's server: every interface, a name from the room's router, two learners.
ROOM_ARGS = ("--ip", "0.0.0.0", "--hostname", "workshop.lan", "--learners", "2")


@pytest.fixture(scope="session")
def room_server(tmp_path_factory) -> Server:
    srv = start_server(tmp_path_factory.mktemp("room-server"), args=ROOM_ARGS)
    yield srv
    stop_server(srv)


@pytest.fixture
def start_advocacy_server(tmp_path_factory):
    """Factory: ``start_advocacy_server(env={...}, port=N, args=[...]) -> Server``, stopped after the test.

    For tests that need their own server: another drafts store, or a restart.
    Stop one early with ``stop_server(server)`` (stopping twice is harmless).
    """
    started: list[Server] = []

    def _start(env: dict[str, str] | None = None, port: int | None = None, args=()) -> Server:
        srv = start_server(tmp_path_factory.mktemp("server"), env=env, port=port, args=args)
        started.append(srv)
        return srv

    yield _start
    for srv in started:
        stop_server(srv)


@pytest.fixture(scope="session")
def server_url(server) -> str:
    return server.url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's Chromium is missing at /usr/bin/chromium: run `make browser` "
            "(apt-get install chromium as root). Never download a browser build."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def open_app(server_url):
    """Open ``notebook`` (relative to notebooks/) and wait until widgets are rendered."""

    def _open(page, notebook: str, ready_selector: str = ".jupyter-widgets"):
        return open_notebook(page, server_url, notebook, ready_selector)

    return _open
