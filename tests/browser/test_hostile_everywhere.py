"""A hostile-text corpus typed into every text field of every app page runs nothing.

Issue #3 (sections 4 and 7): learner text is data, never markup, anywhere it is
shown, and bad input never shows the learner a traceback. Every page, every
field a learner can type in, every string of the corpus; then the page must
still work.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import UPDATE_TIMEOUT_MS, only_platform

pytestmark = pytest.mark.browser

LONG = ("Sign the petition <img src=x onerror=alert(9)> for clean air 🌱 " * 400)[:20_000]
CORPUS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "Clean air \u202egnp.exe for all",  # right-to-left override
    "👩\u200d👩\u200d👧 families for clean air",  # zero-width joiner emoji
    "Hãy ký kiến nghị",
    "स्वच्छ हवा हमारा अधिकार है",
    "bell\x00\x07 and nul",
    LONG,
]

#: Every field a learner can type in (the copy-ready post is read-only).
FIELDS = (
    "textarea:not([readonly]):not([disabled]), "
    "input:not([type]):not([readonly]):not([disabled]), "
    "input[type=text]:not([readonly]):not([disabled]), "
    "input[type=url]:not([readonly]):not([disabled]), "
    "input[type=search]:not([readonly]):not([disabled]), "
    "input[type=email]:not([readonly]):not([disabled])"
)

#: Per page: the field whose save to the browser's drafts tells that the
#: kernel has caught up (it handles messages in order), and its draft key.
PAGES = {
    "00-start-here.ipynb": None,
    "03-campaign-data.ipynb": (".al-case-lessons textarea", "campaign-data/lessons"),
    "04-campaign-message.ipynb": (".al-problem textarea", "campaign-message/message-builder"),
    "09-campaign-plan.ipynb": (".al-plan-title input", "campaign-plan/plan"),
}

INJECTED = """() => ({
    imgs: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    svgs: document.querySelectorAll('.jupyter-widgets svg[onload], .jupyter-widgets svg').length,
    iframes: document.querySelectorAll('iframe').length,
    js_links: document.querySelectorAll('a[href^="javascript:" i]').length,
    scripts: document.scripts.length,
})"""

#: Bidirectional embedding, override and isolate controls (they reorder what is shown).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

#: What a traceback or a server path looks like on the page.
LEAKS = re.compile(
    r"Traceback|File \"|site-packages|/\.venv/|/work/|/usr/lib/python|/home/\w+/|"
    r"\b\w+(?:Error|Exception): |line \d+, in "
)


def wait_kernel_caught_up(page, selector: str, key: str, marker: str) -> None:
    """Type ``marker`` into ``selector`` and wait until its draft, holding it, is saved."""
    field = page.locator(selector)
    field.fill(marker)
    field.blur()  # a field that syncs on change (not on every key) sends it now
    page.wait_for_function(
        """([key, marker]) => (localStorage.getItem('advocacy-lab:drafts:' + key) || '').includes(marker)""",
        arg=[key, marker],
        timeout=UPDATE_TIMEOUT_MS,
    )


#: Buttons that act on what was typed (and change nothing else); clicked after each round.
ACTIONS = "button.al-check, button.al-compose, button.al-link-build, button.al-plan-update"
#: The whole corpus in one draft (the long string aside), for the pages that show other pages' drafts.
ALL_AT_ONCE = "\n".join(CORPUS[:-1])


def seed_drafts_from_the_message_module(page, open_app) -> None:
    """Fill every field of 04 with the whole corpus, so that 09's plan shows hostile drafts."""
    open_app(page, "04-campaign-message.ipynb", ".al-problem textarea")
    fields = page.locator(FIELDS)
    for i in range(fields.count()):
        fields.nth(i).fill(ALL_AT_ONCE)
        fields.nth(i).blur()
    wait_kernel_caught_up(page, ".al-ask textarea", "campaign-message/message-builder", "seeded")


@pytest.mark.parametrize("notebook", list(PAGES))
def test_hostile_text_in_every_field_runs_nothing(page, open_app, notebook):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    if notebook != "04-campaign-message.ipynb":
        seed_drafts_from_the_message_module(page, open_app)
    open_app(page, notebook)
    if notebook == "09-campaign-plan.ipynb":
        # The plan shows the hostile drafts (as text) before anything is typed here.
        expect(page.locator(".al-plan")).to_contain_text("<svg onload=alert(1)>", timeout=UPDATE_TIMEOUT_MS)
    sentinel = PAGES[notebook]
    if sentinel:
        page.locator(sentinel[0]).wait_for(state="visible")
        wait_kernel_caught_up(page, sentinel[0], sentinel[1], "warm-up")
    before = page.evaluate(INJECTED)
    assert before["imgs"] == before["handlers"] == before["iframes"] == before["js_links"] == 0, before

    fields = page.locator(FIELDS)
    count = fields.count()
    if sentinel:
        assert count >= 1, f"{notebook} has fields to type in"

    for round_no, payload in enumerate(CORPUS):
        for i in range(count):
            field = fields.nth(i)
            if not field.is_visible():
                continue
            field.fill(payload)
            field.blur()
        actions = page.locator(ACTIONS)
        for i in range(actions.count()):
            if actions.nth(i).is_visible() and actions.nth(i).is_enabled():
                actions.nth(i).click()
        if sentinel:
            wait_kernel_caught_up(page, sentinel[0], sentinel[1], f"caught-up-{round_no}")
        after = page.evaluate(INJECTED)
        assert after == before, f"{notebook}, payload {round_no} ({payload[:40]!r}) injected: {after} vs {before}"
        body = page.locator("body").inner_text()
        leak = LEAKS.search(body)
        assert leak is None, f"{notebook}, payload {round_no}: page shows {body[max(0, leak.start() - 80):leak.end() + 80]!r}"
        # Issue #7: no bidi control reaches what the page shows (only the fields typed in keep them).
        bidi = BIDI_CONTROLS.search(body)
        assert bidi is None, f"{notebook}, payload {round_no}: page shows U+{ord(bidi.group()):04X} at {body[max(0, bidi.start() - 60):bidi.end() + 60]!r}"

    assert dialogs == []
    assert page.locator(FIELDS).count() == count  # nothing was added or taken away
    still_works(page, notebook)


def still_works(page, notebook: str) -> None:
    """After the corpus, the page still does its job."""
    if notebook == "04-campaign-message.ipynb":
        only_platform(page, "x")
        post = page.locator(".al-post-text textarea")
        post.fill("")
        expect(page.locator(".al-feedback [data-rule='text.empty']")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        post.fill("Sign the petition for clean air.")
        expect(page.locator(".al-feedback")).to_contain_text("Ready to post", timeout=UPDATE_TIMEOUT_MS)
    elif notebook == "09-campaign-plan.ipynb":
        title = page.locator(".al-plan-title input")
        title.fill("Clean air for Hanoi's schools")
        title.blur()
        expect(page.locator(".al-plan")).to_contain_text("Clean air for Hanoi's schools", timeout=UPDATE_TIMEOUT_MS)
        expect(page.locator(".al-download-html a")).to_be_visible()
    else:
        expect(page.locator('a[href$="04-campaign-message.ipynb"]').first).to_be_visible()
