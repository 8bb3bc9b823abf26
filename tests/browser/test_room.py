"""A participant in a workshop room: the course reached by the laptop's name on the room's network.

The room server (``room_server``: ``--ip 0.0.0.0 --hostname workshop.lan
--learners 2``) is reached by Chromium at ``http://workshop.lan:PORT/``, a
name this Chromium resolves to 127.0.0.2 (``--host-resolver-rules``; every
other name resolves to nothing), so the page's origin, its ``Host`` and
``Origin`` headers, its ``_xsrf`` cookie and its kernel websocket are those of
a room's name while no packet leaves loopback. The page must work (landing
page, then module 04 with live feedback) and the close-tab beacon must give
the kernel back.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from browser_support import (
    APP_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    UPDATE_TIMEOUT_MS,
    learner_page,
    only_platform,
    page_kernel_id,
)
from test_page_close import assert_kernel_gone, assert_kernel_running

pytestmark = pytest.mark.browser

ROOM_NAME = "workshop.lan"
MODULE = "04-campaign-message.ipynb"
#: workshop.lan is this machine on loopback; any other name fails to resolve.
RESOLVER_RULES = f"--host-resolver-rules=MAP {ROOM_NAME} 127.0.0.2, MAP * ~NOTFOUND"


@pytest.fixture(scope="module")
def room_browser(browser):
    """A Chromium of its own (the resolver rule is a launch flag), from the session's Playwright."""
    b = browser.browser_type.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, RESOLVER_RULES])
    yield b
    b.close()


@pytest.fixture
def room_page(room_browser):
    with learner_page(room_browser) as page:
        hosts: set[str] = set()

        def on_request(req):
            url = urlsplit(req.url)
            if url.scheme not in ("blob", "data"):  # in-page objects, not requests to a host
                hosts.add(url.hostname or req.url)

        page.on("request", on_request)
        page.hosts = hosts  # every host the page asked for
        yield page


def room_url(room_server, path: str = "/") -> str:
    return f"http://{ROOM_NAME}:{room_server.port}{path}"


def test_a_participant_reaches_the_course_by_the_rooms_name(room_page, room_server):
    page = room_page
    page.goto(room_url(room_server), timeout=APP_TIMEOUT_MS)
    # "/" redirects to the start page on the same name.
    expect(page).to_have_url(re.compile(rf"^http://{re.escape(ROOM_NAME)}:{room_server.port}/voila/render/00-start-here\.ipynb$"))
    link = page.locator(f'a[href$="{MODULE}"]').first
    expect(link).to_be_visible(timeout=APP_TIMEOUT_MS)
    link.click()
    expect(page).to_have_url(re.compile(rf"^http://{re.escape(ROOM_NAME)}:\d+/voila/render/{re.escape(MODULE)}$"))

    # Live feedback: the kernel websocket works under the room's name (Host and Origin checks).
    only_platform(page, "x")
    post = page.locator(".al-post-text textarea")
    feedback = page.locator(".al-feedback")
    post.fill("Sign the petition for cleaner air in Hanoi today. " * 8)  # about 400 characters
    expect(feedback).to_contain_text("Not ready yet", timeout=UPDATE_TIMEOUT_MS)
    expect(feedback.locator("[data-rule='length.over_limit']")).to_be_visible()
    post.fill("Sign the petition for cleaner air in Hanoi today.")
    expect(feedback).to_contain_text("Ready to post", timeout=UPDATE_TIMEOUT_MS)

    # The _xsrf cookie the close-tab beacon needs was set for the room's name.
    cookies = {c["name"]: c for c in page.context.cookies(room_url(room_server))}
    assert "_xsrf" in cookies and cookies["_xsrf"]["domain"] == ROOM_NAME
    # Everything came from the room's name: nothing from another host.
    assert page.hosts == {ROOM_NAME}, page.hosts


def test_closing_the_tab_gives_the_kernel_back_under_the_rooms_name(room_page, room_server):
    page = room_page
    page.goto(room_url(room_server, f"/voila/render/{MODULE}"), timeout=APP_TIMEOUT_MS)
    page.locator(".al-post-text textarea").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    kernel_id = page_kernel_id(page)
    assert_kernel_running(room_server, kernel_id)

    page.close(run_before_unload=True)  # the browser sends the beacon with its _xsrf cookie

    assert_kernel_gone(room_server, kernel_id)
    assert "Refused" not in room_server.log_tail(20000)  # the beacon was not taken for a foreign Host
