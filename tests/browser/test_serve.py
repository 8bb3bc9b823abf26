"""The course as a learner sees it through `advocacy-lab serve`, and what it refuses to show.

The protections (stripped sources, no execute requests, path probes refused,
images only) are checked on two servers: the loopback one of `make start`
and a workshop room's, bound to 0.0.0.0 (``served``).
"""
from __future__ import annotations

import gzip
import http.client
import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from browser_support import ROOT, UPDATE_TIMEOUT_MS, http_get, only_platform, open_notebook

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"


@pytest.fixture(params=["loopback", "room"])
def served(request):
    """The loopback server, then the room server (--ip 0.0.0.0 --hostname workshop.lan --learners 2)."""
    return request.getfixturevalue("server" if request.param == "loopback" else "room_server")


# -- landing page ---------------------------------------------------------------------


def test_landing_page_is_the_start_notebook_with_a_link_to_the_module(page, server_url):
    page.goto(server_url + "/")
    expect(page).to_have_url(re.compile(r"/voila/render/00-start-here\.ipynb$"))
    link = page.locator(f'a[href$="{MODULE}"]').first
    # The course map lists the modules once the learner's drafts have come from the browser.
    expect(link).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    link.click()
    expect(page).to_have_url(re.compile(re.escape(MODULE) + "$"))
    expect(page.locator(".al-post-text textarea")).to_be_visible()


def test_rendered_pages_carry_no_source_code(served):
    """strip_sources: the code cells of the notebook are not sent to the browser."""
    nb = json.loads((ROOT / "notebooks" / MODULE).read_text(encoding="utf-8"))
    code_lines = {
        line.strip()
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line.strip()) > 12
    }
    assert code_lines, "the module has code cells to look for"
    status, _, body = http_get(served.port, f"/voila/render/{MODULE}")
    assert status == 200
    html = body.decode("utf-8", "replace")
    leaked = [line for line in code_lines if line in html]
    assert leaked == []


# -- the message builder ------------------------------------------------------------------


def test_post_too_long_for_x_then_fixed(page, open_app):
    open_app(page, MODULE, ".al-post-text textarea")
    only_platform(page, "x")
    post = page.locator(".al-post-text textarea")
    feedback = page.locator(".al-feedback")

    post.fill("Sign the petition for cleaner air in Hanoi today. " * 8)  # about 400 characters
    # The finding is there (its rule id is kept for tests in data-rule, never shown to the learner).
    expect(feedback.locator("[data-rule='length.over_limit']")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(feedback).to_contain_text("Not ready yet", timeout=UPDATE_TIMEOUT_MS)
    expect(feedback).to_contain_text("X")

    post.fill("Sign the petition for cleaner air in Hanoi today.")
    expect(feedback).to_contain_text("Ready to post", timeout=UPDATE_TIMEOUT_MS)
    expect(feedback.locator("[data-rule='length.over_limit']")).to_have_count(0)
    expect(feedback).not_to_contain_text("Not ready yet")


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "<a href=\"javascript:alert(4)\">click</a>",
    "</textarea><img src=x onerror=alert(5)>",
    "<iframe srcdoc=\"<script>parent.alert(6)</script>\"></iframe>",
    "<style>*{display:none}</style>{{7*7}} ${7*7}",
]


def test_hostile_text_shows_as_text_and_runs_nothing(page, open_app):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, MODULE, ".al-post-text textarea")
    only_platform(page, "x")
    post = page.locator(".al-post-text textarea")
    feedback = page.locator(".al-feedback")

    post.fill("Sign the petition.")
    expect(feedback).to_contain_text(re.compile("Ready to post|Not ready yet"), timeout=UPDATE_TIMEOUT_MS)
    for i, payload in enumerate(HOSTILE):
        # Empty first, so that the next feedback is certainly a new one.
        post.fill("")
        expect(feedback.locator("[data-rule='text.empty']")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        text = f"Sign the petition {i}: {payload}"
        post.fill(text)
        expect(feedback.locator("[data-rule='text.empty']")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
        expect(feedback).to_contain_text(re.compile("Ready to post|Not ready yet"))
        copy_ready = page.locator(".al-copy-ready textarea")
        if copy_ready.count():
            # Shown as the very text that was typed, not as markup.
            expect(copy_ready.first).to_have_value(text.strip())
        expect(post).to_have_value(text)

    injected = page.evaluate(
        """() => ({
            imgs: document.querySelectorAll('img[src="x"]').length,
            handlers: document.querySelectorAll('[onerror], [onload]').length,
            iframes: document.querySelectorAll('iframe').length,
            js_links: document.querySelectorAll('a[href^="javascript:"]').length,
            styles: document.querySelectorAll('.al-feedback style, .al-message-builder style').length,
            scripts: document.querySelectorAll('.al-feedback script, .al-message-builder script').length,
        })"""
    )
    assert injected == {"imgs": 0, "handlers": 0, "iframes": 0, "js_links": 0, "styles": 0, "scripts": 0}
    assert dialogs == []
    assert page.locator(".al-post-text").is_visible()  # the page was not hidden by the <style>


# -- what the server refuses --------------------------------------------------------------

SOLUTION = "solutions/campaign-message/campaign-message.ipynb"
PROBES = [
    f"/../{SOLUTION}",
    f"/voila/render/../{SOLUTION}",
    f"/voila/render/..%2f{SOLUTION.replace('/', '%2f')}",
    f"/voila/render/%2e%2e/{SOLUTION}",
    f"/voila/render/%2e%2e%2f{SOLUTION.replace('/', '%2f')}",
    f"/voila/render/%252e%252e%252f{SOLUTION.replace('/', '%252f')}",
    f"/voila/render/00-start-here.ipynb/../../{SOLUTION}",
    f"/voila/render/..%5c{SOLUTION.replace('/', '%5c')}",
    "/voila/render/../pyproject.toml",
    "/voila/render/..%2fpyproject.toml",
    "/voila/files/../pyproject.toml",
    "/voila/files/..%2fpyproject.toml",
    "/voila/files/%2e%2e/pyproject.toml",
    "/voila/files/%2e%2e%2f.git%2fconfig",
    f"/voila/files/..%2f{SOLUTION.replace('/', '%2f')}",
    "/voila/files/00-start-here.ipynb",
    f"/voila/files/{MODULE}",
    "/voila/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2fpyproject.toml",
    "/voila/templates/lab/static/..%2f..%2f..%2f..%2f..%2fpyproject.toml",
    "/voila/labextensions/..%2f..%2f..%2f..%2fpyproject.toml",
    "/voila/tree/..",
    "/voila/tree/",
    "/voila/api/contents",
    "/voila/api/contents/..",
    "/tree/..",
    "/api/contents",
    f"/api/contents/{SOLUTION}",
    "/api/kernels",
    "/api/sessions",
    "/api/terminals",
    "/files/pyproject.toml",
    "/lab",
    "/pyproject.toml",
    "/Makefile",
    "/.git/config",
    "/%2e%2e/pyproject.toml",
    "/voila/render/.ipynb_checkpoints/04-campaign-message-checkpoint.ipynb",
]
#: Strings that only appear in the files we must not leak.
SECRETS = ["[build-system]", "[core]", "repositoryformatversion", "BEGIN SOLUTION", "nbgrader", "### BEGIN HIDDEN TESTS"]


@pytest.mark.parametrize("path", PROBES)
def test_path_traversal_probes_are_refused(served, path):
    status, _, body = http_get(served.port, path)
    assert status in (403, 404), f"{path} -> {status}"
    text = body.decode("utf-8", "replace")
    assert not any(secret in text for secret in SECRETS), f"{path} leaked content"


def test_only_images_are_served_as_files(served, tmp_path):
    # An image inside notebooks/ is served; the same request shape for a notebook is not.
    images = [p for p in (ROOT / "notebooks").rglob("*") if p.suffix.lower() in {".png", ".svg", ".jpg"}]
    status, _, _ = http_get(served.port, "/voila/files/00-start-here.ipynb")
    assert status == 403
    if images:
        rel = images[0].relative_to(ROOT / "notebooks").as_posix()
        status, _, body = http_get(served.port, f"/voila/files/{rel}")
        assert status == 200 and body == images[0].read_bytes()


def test_responses_are_gzip_compressed(server):
    status, headers, body = http_get(
        server.port, "/voila/templates/lab/static/voila.js", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body)  # a real gzip stream


# -- no code execution from the page --------------------------------------------------------


def test_execute_requests_from_the_page_are_ignored(page, served, tmp_path):
    """The page's websocket passes widget messages only: execute_request is dropped."""
    open_notebook(page, served.url, "00-start-here.ipynb")
    marker = tmp_path / f"executed-{uuid.uuid4().hex}"
    code = f"open({str(marker)!r}, 'w').write('pwned')"
    result = page.evaluate(
        """async (code) => {
            const cfg = JSON.parse(document.getElementById('jupyter-config-data').textContent);
            const kernelId = cfg.kernelId;
            const session = crypto.randomUUID();
            const url = `ws://${location.host}/api/kernels/${kernelId}/channels?session_id=${session}`;
            const ws = new WebSocket(url);
            const msg = (type, content) => ({
                header: {msg_id: crypto.randomUUID(), msg_type: type, username: 'probe', session,
                         date: new Date().toISOString(), version: '5.3'},
                parent_header: {}, metadata: {}, content, channel: 'shell', buffers: [],
            });
            const seen = [];
            const done = new Promise((resolve) => {
                ws.onmessage = (ev) => {
                    const m = JSON.parse(ev.data);
                    seen.push(m.header.msg_type);
                    // kernel_info_reply arrives after the execute_request was handled
                    // (or dropped): the shell channel is processed in order.
                    if (m.header.msg_type === 'kernel_info_reply') resolve();
                };
                ws.onerror = () => resolve();
                setTimeout(resolve, 30000);
            });
            await new Promise((r) => { ws.onopen = r; });
            ws.send(JSON.stringify(msg('execute_request', {code, silent: false, store_history: false,
                user_expressions: {}, allow_stdin: false, stop_on_error: true})));
            ws.send(JSON.stringify(msg('kernel_info_request', {})));
            await done;
            ws.close();
            return {kernelId, seen};
        }""",
        code,
    )
    assert result["kernelId"]
    # The channel works (so the test is meaningful) ...
    assert "kernel_info_reply" in result["seen"], result
    # ... but the code never ran.
    assert "execute_reply" not in result["seen"], result
    assert not marker.exists()


def test_no_endpoint_starts_or_lists_kernels_or_executes(served):
    for path in ("/api/kernels", "/api/kernels/", "/api/sessions", "/voila/execution/00000000-0000-0000-0000-000000000000"):
        status, _, _ = http_get(served.port, path)
        assert status in (403, 404), path
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        conn.request("POST", "/api/kernels", body=json.dumps({"name": "python3"}),
                     headers={"Content-Type": "application/json"})
        assert conn.getresponse().status in (403, 404, 405)
    finally:
        conn.close()
