"""The public self-paced server behind a real nginx (issue #12, part 3; deploy/self-paced/).

One real ``advocacy-lab serve --trusted-proxy 127.0.0.1 --hostname lab.advocacy.test``
on loopback, exactly as the recipe starts it (its own per-client cap, 6 pages), and
in front of it Debian's nginx running the committed site
``deploy/self-paced/nginx-advocacy-lab.conf`` with only the domain, the ports and
the certificate replaced (tests/nginx_support.py): TLS with a self-signed
certificate for the test domain, which the test client trusts. Learners are page
loads from other loopback source addresses (127.0.0.2, 127.0.0.3) through nginx;
nginx itself reaches the server from 127.0.0.1, the trusted proxy.

Skipped when nginx is not installed (``scripts/ensure-nginx``, run by ``make test``,
installs Debian's package as root).
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest
from tornado.httpclient import HTTPClientError

from advocacy_lab.core.catalogue import text
from advocacy_lab.server.caps import RETRY_AFTER
from nginx_support import ProxiedPage, course_behind_nginx, nginx_binary
from server_support import request, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed: "
                       "scripts/ensure-nginx installs Debian's (or: apt-get install nginx)"),
]

DOMAIN = "lab.advocacy.test"  # .test: reserved, never a real name
LANDING = "00-start-here.ipynb"
NB = "09-campaign-plan.ipynb"
STATIC = "/voila/templates/lab/static/voila.js"
LEARNER, OTHER_LEARNER = "127.0.0.2", "127.0.0.3"


def per_client_cap() -> int:
    """The server's own per-client cap (``serve`` without ``--learners`` keeps the app's default)."""
    from advocacy_lab.server.app import AdvocacyVoila

    return AdvocacyVoila.class_traits()["max_kernels_per_client"].default_value


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """(server, nginx): the server as the recipe starts it, nginx with the recipe's site in front."""
    with course_behind_nginx(tmp_path_factory.mktemp("nginx"), DOMAIN) as (server, front):
        yield server, front


def test_a_page_and_its_kernel_websocket_work_through_nginx_over_tls(proxied):
    server, front = proxied
    page = ProxiedPage.load(front, LANDING)
    assert page.kernel_id in server.kernel_ids()

    async def talk():
        await page.connect()
        try:
            reply = await page.kernel_info()
            assert reply["content"]["status"] == "ok"
            # Widgets speak over the same websocket: the page's widget state comes back through nginx.
            assert await page.load_widgets()
        finally:
            await page.close()

    asyncio.run(talk())
    channels = f"GET /api/kernels/{page.kernel_id}/channels"
    assert any(channels in line and '" 101 ' in line for line in front.log("access.log").splitlines()), \
        front.log("access.log")[-2000:]
    # The closed tab's shutdown beacon (with its _xsrf) also passes: the kernel goes.
    assert page.leave() == 204
    wait_for(lambda: page.kernel_id not in server.kernel_ids(), "the left page's kernel shut down", 60)


def test_a_websocket_from_another_site_is_refused_through_nginx(proxied):
    server, front = proxied
    page = ProxiedPage.load(front, LANDING)

    async def hijack():
        # A page of another site opening this kernel's websocket (cross-site websocket hijacking).
        with pytest.raises(HTTPClientError) as refused:
            await page.connect(origin="https://evil.example")
        assert refused.value.code == 403

    try:
        asyncio.run(hijack())
    finally:
        assert page.leave() == 204


def test_the_host_allowlist_holds_through_nginx(proxied):
    server, front = proxied
    status, answer, _ = front.request("GET", STATIC)
    assert status == 200
    assert answer["Strict-Transport-Security"] == "max-age=31536000"
    refused_before = server.log_text().count("Refused GET")
    # Another name in Host (the SNI and certificate the test domain's), then in both.
    for name, headers in ((DOMAIN, {"Host": "evil.example"}), ("evil.example", {})):
        status, answer, body = front.request("GET", STATIC, headers=headers, name=name)
        assert status == 403, (name, headers)
        assert text("server.host.title", "en") in body.decode("utf-8")
    wait_for(lambda: server.log_text().count("Refused GET") == refused_before + 2, "a log line per refusal")
    # The server's redirects stay on HTTPS (relative, or to https://).
    status, answer, _ = front.request("GET", "/")
    assert status in (301, 302)
    assert answer["Location"].startswith(("/", f"https://{DOMAIN}/")), answer["Location"]


def test_the_servers_log_names_the_learner_behind_nginx_not_nginx(proxied):
    server, front = proxied
    status, _, _ = front.request("GET", "/voila/no-such-page", source=LEARNER)
    assert status == 404
    wait_for(lambda: f"404 GET /voila/no-such-page ({LEARNER})" in server.log_text(),
             "the 404 line naming the learner", 10)
    status, _, _ = front.request("GET", STATIC, headers={"Host": "evil.example"}, source=OTHER_LEARNER)
    assert status == 403
    wait_for(lambda: any("Refused GET" in line and f"from {OTHER_LEARNER}:" in line
                         for line in server.log_lines()), "the refusal naming the learner", 10)
    assert "(127.0.0.1)" not in server.log_text().split("no-such-page", 1)[1].splitlines()[0]


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl to speak HTTP/2 with")
def test_http2_page_requests_pass_through_nginx(proxied):
    # Browsers load pages over HTTP/2 ("listen ... ssl http2"); nginx speaks HTTP/1.1 to the server.
    _, front = proxied
    out = subprocess.run(
        ["curl", "--http2", "--silent", "--show-error", "--output", "/dev/null",
         "--write-out", "%{http_version} %{http_code}", "--cacert", str(front.cert),
         "--resolve", f"{DOMAIN}:{front.https_port}:127.0.0.1", f"https://{DOMAIN}:{front.https_port}{STATIC}"],
        capture_output=True, text=True, timeout=60)
    assert out.stdout == "2 200", out.stderr


def test_plain_http_is_sent_to_https(proxied):
    _, front = proxied
    status, answer, _ = front.plain_request("GET", f"/voila/render/{NB}?lang=vi")
    assert status == 301
    assert answer["Location"] == f"https://{DOMAIN}/voila/render/{NB}?lang=vi"


def test_caps_count_each_forwarded_client_and_forged_headers_change_nothing(proxied):
    server, front = proxied
    cap = per_client_cap()
    refused = f"Room full: refused a page for {LEARNER} (client cap"
    refused_before = server.log_text().count(refused)
    pages = []

    async def connect(page):
        # Connected pages are not culled as never-connected ones would be: the cap stays full meanwhile.
        await page.connect()
        await page.kernel_info()

    loop = asyncio.new_event_loop()
    try:
        for _ in range(cap):
            pages.append(ProxiedPage.load(front, NB, source=LEARNER))
            loop.run_until_complete(connect(pages[-1]))
        # nginx reaches the server from 127.0.0.1, which has no per-client cap: this refusal
        # shows that the server counted the learner nginx forwarded for.
        status, answer, body = front.request("GET", f"/voila/render/{NB}", source=LEARNER)
        assert status == 503, "the forwarded client's cap was not applied"
        # The room-full page passes through as the server wrote it.
        assert answer["Retry-After"] == str(RETRY_AFTER)
        assert text("server.full.title", "en") in body.decode("utf-8")
        # Forged headers through nginx: nginx appends the address it saw, the right-most untrusted wins.
        for forged in ("10.9.9.9", OTHER_LEARNER, "127.0.0.1", "10.1.1.1, 127.0.0.1", "not-an-address"):
            status, _, _ = front.request("GET", f"/voila/render/{NB}", headers={"X-Forwarded-For": forged},
                                         source=LEARNER)
            assert status == 503, f"X-Forwarded-For: {forged} through nginx dodged the cap"
        # Straight to the server's port, a forged header is ignored: still 127.0.0.2, still full.
        status, _, _ = request(server, "GET", f"/voila/render/{NB}", headers={"X-Forwarded-For": "10.9.9.8"},
                               source=LEARNER)
        assert status == 503, "a direct client's X-Forwarded-For was believed"
        wait_for(lambda: server.log_text().count(refused) == refused_before + 7,
                 "a log line naming the forwarded client per refusal")
        # Another learner through the same nginx still gets in: that was the per-client cap.
        other = ProxiedPage.load(front, NB, source=OTHER_LEARNER)
        pages.append(other)
        loop.run_until_complete(connect(other))
    finally:
        for page in pages:
            loop.run_until_complete(page.close())
            page.leave()
        loop.close()
    wait_for(lambda: not {page.kernel_id for page in pages} & server.kernel_ids(), "the pages' kernels shut down", 60)
