"""A self-paced learner on a phone, through the public recipe (issue #12, part 3).

Debian's Chromium at 390 px opens ``https://lab.advocacy.test/``: nginx with
deploy/self-paced's site (built as in tests/test_server_nginx.py) on port 443 of a
loopback address, TLS with a self-signed certificate, in front of
``advocacy-lab serve --trusted-proxy 127.0.0.1 --hostname lab.advocacy.test``. Port 443
because the recipe serves there: its ``Host`` carries no port, and the server accepts a
websocket only from the page's own origin. The browser finds the name through
``--host-resolver-rules``; the other tests of the recipe speak HTTP from Python.
"""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from advocacy_lab.core.catalogue import text
from browser_support import (
    APP_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    UPDATE_TIMEOUT_MS,
    blocking_violations,
    make_module_04_speak,
    open_notebook,
)
from nginx_support import course_behind_nginx, nginx_binary

DOMAIN = "lab.advocacy.test"
#: A loopback address of its own, so that port 443 is free whatever else listens on 127.0.0.1.
ADDRESS = "127.0.0.44"
PHONE = {"width": 390, "height": 844}
MODULE = "04-campaign-message.ipynb"


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("Debian's nginx is not installed (make nginx installs it as root)")
    if os.geteuid() != 0:
        pytest.skip("nginx listens on port 443, as on the public server, which takes root")
    with course_behind_nginx(tmp_path_factory.mktemp("public"), DOMAIN, address=ADDRESS, https_port=443) as both:
        yield both


@pytest.fixture(scope="module")
def phone(browser, public):
    """A phone's browser that resolves the test domain to nginx, and its page (fresh storage)."""
    resolving = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {DOMAIN} {ADDRESS}"])
    context = resolving.new_context(viewport=PHONE, ignore_https_errors=True)  # the test's own certificate
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
        resolving.close()


def test_a_learner_on_a_phone_works_through_nginx_over_https(public, phone):
    server, front = public
    base = f"https://{DOMAIN}"
    # The address a learner is given: the landing page, over HTTPS.
    answer = phone.goto(base + "/", timeout=APP_TIMEOUT_MS)
    assert answer.ok and phone.url.startswith(base + "/")
    phone.locator(PAGES["00-start-here.ipynb"]).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    # A module whose widgets talk to its kernel: through nginx's websocket, in a real browser.
    open_notebook(phone, base, MODULE)
    make_module_04_speak(phone, "Sign the petition by 30 June: ask the People's Committee to publish the budget.")
    expect(phone.locator(".al-feedback")).not_to_be_empty(timeout=UPDATE_TIMEOUT_MS)
    looking = text("drafts.status.browser_looking", "en").rstrip("…")
    expect(phone.locator(".al-drafts-status")).not_to_contain_text(looking, timeout=APP_TIMEOUT_MS)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
    assert blocking_violations(phone) == []
    # nginx's access log: the page over HTTP/2, the kernel's websocket upgraded over HTTP/1.1
    # (nginx 1.22 has no websockets over HTTP/2), and nothing refused on the way.
    answers = re.findall(r'"[A-Z]+ (\S+) (HTTP/[\d.]+)" (\d{3}) ', front.log("access.log"))
    websockets = [(path, protocol, status) for path, protocol, status in answers if "/channels" in path]
    assert websockets and all(status == "101" for _, _, status in websockets), websockets
    assert {protocol for path, protocol, _ in answers if "/channels" not in path} == {"HTTP/2.0"}, answers
    assert [(path, status) for path, _, status in answers if status[0] in "45"] == []
    assert "Refused" not in server.log_text()
