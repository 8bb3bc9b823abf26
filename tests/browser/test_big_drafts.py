"""Nothing lost (issue #7, section 3) when a learner has saved a lot: in Chromium against a real server.

The server refuses a websocket message from the page above 1 MiB (voila.json,
``websocket_max_message_size``) and closes the connection. A learner may keep
far more in this browser: every text field takes up to MAX_FIELD_CHARS
characters. So the page must hand its saved drafts and journal to the kernel
in messages that each fit, or the page never restores their work.

Here about 2.5 MB of drafts and journal (fields of module 04 and the plan near
MAX_FIELD_CHARS Vietnamese characters each) are put in localStorage; module 04
must restore every field, with the journal merged over the drafts, stay
connected (no banner; the websocket not closed), and no frame the page sends
may exceed the cap. Then the plan page restores its title from the same store.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from advocacy_lab.core.drafts import encode_record, field_id, record_to_json
from advocacy_lab.core.text import MAX_FIELD_CHARS
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, open_notebook

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
PLAN = "09-campaign-plan.ipynb"
RECORD_PREFIX = "advocacy-lab:drafts:"
JOURNAL_PREFIX = "advocacy-lab:journal:"
BUILDER_KEY = "campaign-message/message-builder"
LINK_KEY = "campaign-message/tracking-link"
PLAN_KEY = "campaign-plan/plan"
#: The server's cap on one websocket message from a page (voila.json).
MESSAGE_CAP = 1024 * 1024

SENTENCE = "Mỗi học sinh ở Hà Nội đều xứng đáng được hít thở bầu không khí trong lành mỗi ngày. "


def long_text(label: str, chars: int = MAX_FIELD_CHARS - 100) -> str:
    """``chars`` characters of Vietnamese, told apart by ``label`` at both ends."""
    head, tail = f"[{label}] ", f" [/{label}]"
    body = (SENTENCE * (chars // len(SENTENCE) + 1))[: chars - len(head) - len(tail)]
    return head + body + tail


SELECTORS = {
    (BUILDER_KEY, "problem"): ".al-problem textarea",
    (BUILDER_KEY, "solution"): ".al-solution textarea",
    (BUILDER_KEY, "ask"): ".al-ask textarea",
    (BUILDER_KEY, "post"): ".al-post-text textarea",
    (LINK_KEY, "url"): ".al-link-url input",
    (LINK_KEY, "source"): ".al-link-source input",
    (LINK_KEY, "medium"): ".al-link-medium input",
    (LINK_KEY, "campaign"): ".al-link-campaign input",
}
#: Typed on a page that closed before the kernel saved it: the journal has the newer text.
JOURNALED = [(BUILDER_KEY, "problem"), (BUILDER_KEY, "post"), (BUILDER_KEY, "ask"), (LINK_KEY, "url"),
             (LINK_KEY, "campaign")]


def seeded_storage() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """localStorage items, and what each module-04 field must show once restored."""
    saved = {field: long_text(f"saved {field[0]}#{field[1]}") for field in SELECTORS}
    shown = dict(saved)
    entries = {}
    for n, (key, name) in enumerate(JOURNALED):
        newer = long_text(f"journal {key}#{name}")
        entries[field_id(key, name)] = {"key": key, "path": [name], "op": "set", "value": newer,
                                        "base": saved[(key, name)], "at": 1_700_000_000_000 + n}
        shown[(key, name)] = newer
    records = {
        BUILDER_KEY: {name: text for (key, name), text in saved.items() if key == BUILDER_KEY},
        LINK_KEY: {name: text for (key, name), text in saved.items() if key == LINK_KEY},
        PLAN_KEY: {"title": long_text("plan title")},
    }
    items = {RECORD_PREFIX + key: record_to_json(encode_record(data)) for key, data in records.items()}
    # The journal of a page that was closed (so nobody else looks after it).
    items[JOURNAL_PREFIX + "a-closed-page"] = json.dumps(
        {"v": 1, "page": "a-closed-page", "alive": 0, "closed": True, "entries": entries}, ensure_ascii=False)
    return items, shown


def field_holds(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => { const el = document.querySelector(selector); return !!el && el.value === text; }",
        arg=[selector, text],
        timeout=APP_TIMEOUT_MS,
    )


def test_megabytes_of_drafts_come_back_in_messages_the_server_accepts(browser, start_advocacy_server):
    server = start_advocacy_server()
    items, shown = seeded_storage()
    size = sum(len(k.encode()) + len(v.encode()) for k, v in items.items())
    assert size > 2_500_000, size  # far more than one message may carry

    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    frames: list[int] = []
    closed: list[str] = []

    def watch(ws) -> None:
        ws.on("framesent", lambda payload: frames.append(len(payload if isinstance(payload, bytes) else payload.encode())))
        ws.on("close", lambda _ws: closed.append(ws.url))

    page.on("websocket", watch)
    try:
        # Put the drafts in this origin's localStorage, from a page the test serves itself.
        seed_url = f"{server.url}/seed-local-storage"
        page.route(seed_url, lambda route: route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>seed</title>"))
        page.goto(seed_url)
        page.evaluate("(items) => { for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v); }", items)
        assert page.evaluate("() => localStorage.length") == len(items)

        open_notebook(page, server.url, MODULE, ".al-post-text textarea")
        for field, selector in SELECTORS.items():
            field_holds(page, selector, shown[field])
        expect(page.locator(".al-drafts-status")).to_contain_text("saved in this browser", timeout=UPDATE_TIMEOUT_MS)

        # Still connected: no banner, and the kernel still hears the page (a save round trip).
        expect(page.locator(".al-connection")).to_have_count(0)
        page.locator(".al-ask textarea").fill("Ký kiến nghị trước ngày 30 tháng 6.")
        page.wait_for_function(
            """(name) => { try { return JSON.parse(localStorage.getItem(name)).data.ask === 'Ký kiến nghị trước ngày 30 tháng 6.'; }
                           catch (e) { return false; } }""",
            arg=RECORD_PREFIX + BUILDER_KEY,
            timeout=UPDATE_TIMEOUT_MS,
        )
        # The journal was merged into the saved drafts: the kernel saved them back.
        stored = json.loads(page.evaluate("(name) => localStorage.getItem(name)", RECORD_PREFIX + LINK_KEY))["data"]
        assert stored["url"] == shown[(LINK_KEY, "url")]
        expect(page.locator(".al-connection")).to_have_count(0)
        assert closed == [], f"the page's websocket was closed: {closed}"
        assert frames, "no websocket frame seen"
        assert max(frames) < MESSAGE_CAP, f"the page sent a {max(frames)}-byte message (cap {MESSAGE_CAP})"
        print(f"\nlargest websocket frame sent by module 04: {max(frames)} bytes ({len(frames)} frames)")

        # The plan page reads every draft: its title comes back from the same store.
        plan = context.new_page()
        plan.on("websocket", watch)
        open_notebook(plan, server.url, PLAN, ".al-plan-title input")
        field_holds(plan, ".al-plan-title input", long_text("plan title"))
        expect(plan.locator(".al-connection")).to_have_count(0)
        assert closed == [], f"the plan page's websocket was closed: {closed}"
        assert max(frames) < MESSAGE_CAP, f"a page sent a {max(frames)}-byte message (cap {MESSAGE_CAP})"
    finally:
        context.close()
