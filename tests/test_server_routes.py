"""Refused routes answer cleanly, with one line each in the server's log (server/routes.py).

Probed before: ``/logout`` answered 500 with about 85 lines of traceback, a
POST to it 403 with 69, a refused API request wrote 3 lines, and a plain GET of
a kernel's websocket URL asked the kernel for its info before being refused.
Here each request is sent to a real ``advocacy-lab serve`` at rest; a marker
request (a 404, one line) after it bounds the lines that request wrote.
"""
from __future__ import annotations

import re
import uuid

import pytest

from server_support import pools_warm, request, start_server, stop_server, wait_for

pytestmark = pytest.mark.slow

UNKNOWN_KERNEL = "0b0e6a52-7a1c-4d4b-9d8e-2f4c1a9e5b01"
WS_HEADERS = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("routes"), ready=pools_warm)
    found = re.search(r"Kernel started: ([0-9a-f-]{36})", srv.log_text())
    srv.notes["pool_kernel"] = found.group(1)
    srv.notes["ready_at_line"] = len(srv.log_lines())
    yield srv
    stop_server(srv)


def lines_written_by(server, method, path, headers=None, body=None):
    """(status, body, the log lines the request wrote): everything before a marker 404's line."""
    start = len(server.log_lines())
    status, _, answer = request(server, method, path, headers=headers, body=body)
    marker = f"/end-of-probe-{uuid.uuid4().hex}"
    assert request(server, "GET", marker)[0] == 404
    wait_for(lambda: any(marker in line for line in server.log_lines()[start:]), "the marker's log line")
    lines = server.log_lines()[start:]
    return status, answer, lines[: next(i for i, line in enumerate(lines) if marker in line)]


PROBES = [
    # No login here: both routes are simply not served.
    ("GET", "/logout", None, None, 404),
    ("POST", "/logout", FORM, b"", 404),
    ("GET", "/login", None, None, 404),
    ("POST", "/login", FORM, b"password=x", 404),
    # Jupyter Server's APIs that standalone Voila does not serve.
    ("GET", "/api/contents", None, None, 404),
    ("PUT", "/api/contents/x.ipynb", {"Content-Type": "application/json"}, b"{}", 404),
    ("GET", "/api/sessions", None, None, 404),
    ("GET", "/api/kernelspecs", None, None, 404),
    ("POST", "/api/kernels", {"Content-Type": "application/json"}, b"{}", 404),
    ("GET", "/voila/api/contents", None, None, 404),
    ("GET", "/voila/tree", None, None, 404),
    # Refused without the page's _xsrf.
    ("DELETE", "/api/kernels/{pool}", None, None, 403),
    ("POST", "/voila/api/shutdown/{pool}", FORM, b"", 403),
    ("POST", "/voila/render/00-start-here.ipynb", FORM, b"", 403),
    # A kernel's websocket URL, but no websocket of a page.
    ("GET", "/api/kernels/{pool}/channels", None, None, 400),
    ("GET", "/api/kernels/{pool}/channels", WS_HEADERS, None, 400),  # no session_id
    ("GET", f"/api/kernels/{UNKNOWN_KERNEL}/channels?session_id=x", None, None, 400),
    # Paths out of the served folder.
    ("GET", "/voila/render/../pyproject.toml", None, None, 404),
    ("GET", "/voila/files/../pyproject.toml", None, None, 403),
    ("GET", "/voila/render/%2e%2e/solutions/04-campaign-message.ipynb", None, None, 404),
]


@pytest.mark.parametrize("method,path,headers,body,expected", PROBES,
                         ids=[f"{m} {p} {s}" for m, p, _, _, s in PROBES])
def test_a_refused_route_answers_cleanly_with_one_log_line(server, method, path, headers, body, expected):
    path = path.format(pool=server.notes["pool_kernel"])
    status, answer, lines = lines_written_by(server, method, path, headers, body)
    assert status == expected
    assert len(lines) == 1, "\n".join(lines)
    assert str(expected) in lines[0] and method in lines[0]
    assert "Traceback" not in answer.decode("utf-8", "replace")


def test_the_pool_kernel_survived_the_probes(server):
    # The refused DELETE and shutdown did not touch it, and the websocket probes never reached it.
    assert server.notes["pool_kernel"] in server.kernel_ids()
    since_ready = "\n".join(server.log_lines()[server.notes["ready_at_line"]:])
    assert "Traceback" not in since_ready
    assert "No session ID specified" not in since_ready
