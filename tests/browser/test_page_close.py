"""A closed or reloaded page gives its kernel back at once, not at the cull (issue #3).

Voila's page (widgets-manager8) listens for ``beforeunload`` and sends
``navigator.sendBeacon(POST /voila/api/shutdown/<kernel>)`` with the ``_xsrf``
value it reads from the cookie. Standalone Voila never sets that cookie, so the
request is refused (403) and the kernel waits for the culler (300 s);
SafeRenderHandler sets it. A browser runs ``beforeunload`` when the learner
closes the tab or leaves the page; Playwright does so only for
``page.close(run_before_unload=True)`` (``page.close()`` and ``context.close()``
skip it, so they do not stand for a learner closing a tab).
"""
from __future__ import annotations

import time

import pytest

from browser_support import http_get, open_notebook, page_kernel_id

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
READY = ".al-post-text textarea"
#: Generous for a busy 2-core machine; the shutdown itself takes well under a second.
GONE_WITHIN_S = 15


def server_has_kernel(server, kernel_id: str) -> bool:
    """What the server says (the page itself asks GET /api/kernels/<id> at start)."""
    status, _, _ = http_get(server.port, f"/api/kernels/{kernel_id}", timeout=10)
    assert status in (200, 404), status
    return status == 200


def assert_kernel_gone(server, kernel_id: str) -> None:
    deadline = time.monotonic() + GONE_WITHIN_S
    while time.monotonic() < deadline:
        if not server_has_kernel(server, kernel_id) and not server.kernel_processes(kernel_id):
            return
        time.sleep(0.2)
    pytest.fail(
        f"kernel {kernel_id} still there {GONE_WITHIN_S} s after its page went "
        f"(server lists it: {server_has_kernel(server, kernel_id)}, "
        f"processes: {[p.pid for p in server.kernel_processes(kernel_id)]})\n{server.log_tail()}"
    )


def assert_kernel_running(server, kernel_id: str) -> None:
    assert server_has_kernel(server, kernel_id)
    assert server.kernel_processes(kernel_id), f"no process for kernel {kernel_id}"


def test_closing_the_tab_shuts_the_kernel_down(page, server):
    open_notebook(page, server.url, MODULE, READY)
    kernel_id = page_kernel_id(page)
    assert_kernel_running(server, kernel_id)

    page.close(run_before_unload=True)  # what a browser does when the learner closes the tab

    assert_kernel_gone(server, kernel_id)


def test_reloading_the_page_gives_the_old_kernel_back(page, server):
    """A reload (or a link to the next module) starts a new kernel and ends the old one."""
    open_notebook(page, server.url, MODULE, READY)
    first = page_kernel_id(page)
    assert_kernel_running(server, first)

    page.reload()
    page.locator(READY).first.wait_for(state="visible")
    second = page_kernel_id(page)

    assert second != first
    assert_kernel_gone(server, first)
    assert_kernel_running(server, second)
