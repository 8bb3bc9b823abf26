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

from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import (  # noqa: E402  (shared with the test modules)
    CHROMIUM,
    CHROMIUM_ARGS,
    UPDATE_TIMEOUT_MS,
    learner_page,
    open_notebook,
)
# One starter for every test that runs the course server (tests/server_support.py, on
# sys.path from tests/conftest.py); the browser tests import start_server and
# stop_server from here.
from server_support import Server, start_server, stop_server


# Playwright's default of 5 s for expect() is too short for a kernel round trip
# on a busy 2-core machine; a passing expectation returns as soon as it holds.
expect.set_options(timeout=UPDATE_TIMEOUT_MS)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


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
    with learner_page(browser) as pg:
        yield pg


@pytest.fixture
def open_app(server_url):
    """Open ``notebook`` (relative to notebooks/) and wait until widgets are rendered."""

    def _open(page, notebook: str, ready_selector: str | None = None):
        # Without a selector: the page's main control, as the course outline names it.
        return open_notebook(page, server_url, notebook, ready_selector)

    return _open
