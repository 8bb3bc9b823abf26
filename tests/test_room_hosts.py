"""Host spoofing (DNS rebinding) against the real `advocacy-lab serve`, on loopback and on 0.0.0.0.

A page on another site whose name has been rebound to this laptop sends its own
name as ``Host`` and a matching ``Origin``: jupyter_server's Origin check then
passes (Origin equals Host), so before the allowlist such a page could load a
notebook, open its kernel's websocket and shut kernels down. Each request here
carries ``Host: evil.example`` and ``Origin: http://evil.example`` and must get
403 on every kind of route; the names the server does answer to get 200, and
the protections that held before (a websocket from a foreign Origin, a beacon
without XSRF) still hold. All traffic goes to 127.0.0.1: the spoofing is in
the headers only.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from server_support import start_server, stop_server

MODULE = "04-campaign-message.ipynb"
EVIL = {"Host": "evil.example", "Origin": "http://evil.example"}
START_TIMEOUT = 120  # seconds: preheating kernels on a busy 2-core machine
CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


def request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None,
            timeout: float = 60):
    """One request to 127.0.0.1:port with exactly these headers (Host included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        data = body.encode() if body is not None else None
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        resp = conn.getresponse()
        # A 101 (websocket accepted) has no body to read.
        payload = b"" if resp.status == 101 else resp.read()
        return resp.status, resp, payload
    finally:
        conn.close()


def websocket_status(port: int, kernel_id: str, headers: dict) -> int:
    key = base64.b64encode(os.urandom(16)).decode()
    status, _, _ = request(port, "GET", f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}", {
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13", **headers,
    })
    return status


class Served:
    """A real server (``advocacy-lab serve`` with ``args``) and the requests these tests send it."""

    def __init__(self, name: str, args: list[str], tmp: Path):
        self.name = name
        self.server = start_server(tmp, args=args, timeout=START_TIMEOUT)
        self.port = self.server.port

    def log_text(self) -> str:
        return self.server.log_text()

    def own(self, name: str = "127.0.0.1") -> dict:
        """Host and Origin of a page this server serves under ``name``."""
        host = f"{name}:{self.port}"
        return {"Host": host, "Origin": f"http://{host}"}

    def open_page(self, name: str = "127.0.0.1") -> tuple[str, str]:
        """GET the module as a browser at ``name`` would: its kernel id and the _xsrf cookie."""
        status, resp, body = request(self.port, "GET", f"/voila/render/{MODULE}", {"Host": f"{name}:{self.port}"})
        assert status == 200, (status, body[:300])
        config = json.loads(CONFIG_RE.search(body.decode("utf-8", "replace")).group(1))
        cookies = dict(c.split(";", 1)[0].split("=", 1) for c in resp.headers.get_all("Set-Cookie") or [])
        assert config.get("kernelId") and cookies.get("_xsrf")
        return config["kernelId"], cookies["_xsrf"]

    def has_kernel(self, kernel_id: str) -> bool:
        status, _, _ = request(self.port, "GET", f"/api/kernels/{kernel_id}", {"Host": f"127.0.0.1:{self.port}"})
        assert status in (200, 404), status
        return status == 200

    def beacon(self, kernel_id: str, xsrf: str | None, headers: dict, form: str | None = None) -> int:
        """The page's close-tab beacon: POST /voila/api/shutdown/<kernel> with the _xsrf cookie
        and, as the page sends it, the same value in the form (or ``form`` instead)."""
        extra = {"Content-Type": "application/x-www-form-urlencoded"}
        if xsrf is not None:
            extra["Cookie"] = f"_xsrf={xsrf}"
        form = xsrf if form is None else form
        body = f"_xsrf={quote(form, safe='')}" if form is not None else ""
        status, _, _ = request(self.port, "POST", f"/voila/api/shutdown/{kernel_id}", {**headers, **extra}, body)
        return status

    def stop(self) -> None:
        stop_server(self.server)


SETUPS = {
    "loopback": [],
    "room": ["--ip", "0.0.0.0", "--hostname", "workshop.lan"],
}


@pytest.fixture(scope="module", params=sorted(SETUPS))
def served(request, tmp_path_factory):
    server = Served(request.param, SETUPS[request.param], tmp_path_factory.mktemp("room-hosts"))
    yield server
    server.stop()


def machine_lan_address() -> str | None:
    import psutil

    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family == socket.AF_INET and not entry.address.startswith("127."):
                return entry.address
    return None


# -- a spoofed Host with a matching Origin gets 403 everywhere ---------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/"),  # Tornado's redirect to the start page
        ("GET", f"/voila/render/{MODULE}"),  # a notebook page (would start a kernel)
        ("GET", "/voila/static/voila.js"),  # Voila's static files
        ("GET", "/voila/templates/lab/static/index.css"),  # template assets
        ("GET", "/voila/labextensions/@jupyter-widgets/jupyterlab-manager/package.json"),
        ("GET", "/no-such-route"),
        ("HEAD", "/voila/static/voila.js"),
        ("POST", "/voila/api/shutdown/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_spoofed_host_is_refused_on_every_route(served, method, path):
    refused, access = f"Refused {method} {path} from", f"403 {method} {path} "
    before, access_before = served.log_text().count(refused), served.log_text().count(access)
    status, resp, body = request(served.port, method, path, EVIL, body="" if method == "POST" else None)
    assert status == 403, (status, body[:200])
    if method != "HEAD":
        assert b"does not answer to this address" in body
        assert b"kernelId" not in body and b"evil.example" not in body
    assert resp.getheader("Location") is None
    # One log line per refusal, naming the Host, and no access-log line beside it. The
    # server handles requests one after another: once a second refusal is in the log,
    # everything the first one logs is there too.
    barrier = f"/barrier-{uuid.uuid4().hex}"
    assert request(served.port, "GET", barrier, EVIL)[0] == 403
    deadline = time.monotonic() + 30
    while f"Refused GET {barrier} from" not in served.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = served.log_text()
    assert log.count(refused) == before + 1, log[-2000:]
    line = [entry for entry in log.splitlines() if refused in entry][-1]
    assert "(evil.example)" in line and "127.0.0.1" in line
    assert log.count(access) == access_before


def test_spoofed_host_gets_no_websocket_and_no_beacon(served):
    kernel_id, xsrf = served.open_page()
    assert served.has_kernel(kernel_id)
    # A rebound page has a matching Origin and, from its own GET, a valid _xsrf cookie.
    assert websocket_status(served.port, kernel_id, {**EVIL, "Cookie": f"_xsrf={xsrf}"}) == 403
    assert served.beacon(kernel_id, xsrf, EVIL) == 403
    assert served.has_kernel(kernel_id)
    # The same requests under the server's own name work (so the refusals above are the Host's).
    assert websocket_status(served.port, kernel_id, served.own()) == 101
    assert served.beacon(kernel_id, xsrf, served.own()) == 204
    deadline = time.monotonic() + 30
    while served.has_kernel(kernel_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not served.has_kernel(kernel_id)


# -- what held before still holds ---------------------------------------------------------------


def test_foreign_origin_and_missing_xsrf_are_still_refused(served):
    kernel_id, xsrf = served.open_page()
    own = served.own()
    foreign = {"Host": own["Host"], "Origin": "http://evil.example"}
    assert websocket_status(served.port, kernel_id, foreign) == 403
    assert served.beacon(kernel_id, None, own) == 403  # no XSRF at all
    other_kernel, other_xsrf = served.open_page()
    assert served.beacon(kernel_id, xsrf, own, form=other_xsrf) == 403  # a token that is not the cookie's
    assert served.beacon(other_kernel, other_xsrf, own) == 204
    assert served.beacon(kernel_id, xsrf, foreign) in (403, 404)  # right XSRF, foreign Origin
    assert served.has_kernel(kernel_id)
    assert served.beacon(kernel_id, xsrf, own) == 204


# -- the names the server answers to -------------------------------------------------------------


def test_loopback_names_are_answered(served):
    for name in ("127.0.0.1", "localhost", "[::1]", "127.0.0.2"):
        status, _, body = request(served.port, "GET", "/voila/static/voila.js", served.own(name))
        assert status == 200, (name, status)
        assert body


def test_room_names_are_answered_only_by_the_room_server(served):
    status, _, _ = request(served.port, "GET", "/voila/static/voila.js", served.own("workshop.lan"))
    assert status == (200 if served.name == "room" else 403)
    address = machine_lan_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to name in a Host header")
    status, _, _ = request(served.port, "GET", "/voila/static/voila.js", served.own(address))
    assert status == (200 if served.name == "room" else 403)


def test_a_page_under_the_room_name_works_end_to_end(served):
    """Page, websocket and beacon under the name participants use (Host and Origin both workshop.lan)."""
    if served.name != "room":
        status, _, _ = request(served.port, "GET", f"/voila/render/{MODULE}", {"Host": f"workshop.lan:{served.port}"})
        assert status == 403
        return
    kernel_id, xsrf = served.open_page("workshop.lan")
    own = served.own("workshop.lan")
    assert websocket_status(served.port, kernel_id, {**own, "Cookie": f"_xsrf={xsrf}"}) == 101
    assert served.beacon(kernel_id, xsrf, own) == 204
    deadline = time.monotonic() + 30
    while served.has_kernel(kernel_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not served.has_kernel(kernel_id)
