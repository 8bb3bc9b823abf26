"""Constants and helpers shared by tests/browser/conftest.py and the browser tests."""
from __future__ import annotations

import http.client
import json
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect

from advocacy_lab.server.chromium import CHROMIUM as _CHROMIUM
from advocacy_lab.server.chromium import CHROMIUM_ARGS as _CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(_CHROMIUM)
CHROMIUM_ARGS = list(_CHROMIUM_ARGS)
APP_TIMEOUT_MS = 90_000  # first render of a notebook may wait for a kernel
UPDATE_TIMEOUT_MS = 30_000  # a round trip to the kernel after typing


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 30):
    """GET ``path`` exactly as given (no client-side normalisation of '..' or %2e)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def only_platform(page, pid: str) -> None:
    """Tick the platform with id ``pid`` (class ``al-platform-<pid>``) and untick the others.

    Selected by the per-platform class, not the visible label ("X (Twitter)"),
    which the platform table may reword.
    """
    boxes = page.locator(".al-platforms input[type=checkbox]")
    expect(boxes.first).to_be_visible()
    target = page.locator(f".al-platforms .al-platform-{pid} input[type=checkbox]")
    expect(target).to_have_count(1)
    target.set_checked(True)
    for i in range(boxes.count()):
        box = boxes.nth(i)
        mine = box.evaluate(f"(el) => !!el.closest('.al-platform-{pid}')")
        if not mine:
            box.set_checked(False)


def _course_pages() -> dict[str, str]:
    from advocacy_lab.core.course import load_course

    return {p.notebook: p.ready for p in load_course().pages}


#: The course's pages (landing page, then every available module) and the selector of each
#: page's main control: from the course outline (data/modules.json), never a hand-kept table.
PAGES: dict[str, str] = _course_pages()
#: What shows that a page outside the course (a test notebook) has rendered its widgets.
ANY_WIDGET = ".jupyter-widgets"


def page_ready(notebook: str) -> str:
    """The selector to wait for on ``notebook`` (its query string, e.g. ``?lang=vi``, ignored)."""
    return PAGES.get(notebook.split("?", 1)[0], ANY_WIDGET)


def open_notebook(page, base_url: str, notebook: str, selector: str | None = None):
    """Go to ``notebook`` (relative to notebooks/, may carry ``?lang=...``) on ``base_url``; wait
    until its main control shows (by default the one the course outline names)."""
    selector = selector or page_ready(notebook)
    page.goto(f"{base_url}/voila/render/{notebook}", timeout=APP_TIMEOUT_MS)
    page.locator(selector).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    return page


@contextmanager
def learner_page(browser):
    """A page in a fresh browser context (a learner of their own: own storage, own cookies)."""
    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def page_kernel_id(page) -> str:
    """The id of the kernel the page was given (in its jupyter-config-data)."""
    kernel_id = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    assert kernel_id, "the page names its kernel"
    return kernel_id


def make_module_04_speak(page, post: str, *, feedback_shows: str = "X (Twitter)", answer: str = "first") -> None:
    """Page 04 with everything it can say on screen: feedback for ``post`` (waits until it
    shows ``feedback_shows``), a tracked-link error, and every quiz question answered with
    its ``answer`` ("first" or "last") choice."""
    page.locator(".al-post-text textarea").fill(post)
    expect(page.locator(".al-feedback")).to_contain_text(feedback_shows, timeout=UPDATE_TIMEOUT_MS)
    page.locator(".al-link-url input").fill("not a web address")
    page.locator("button.al-link-build").click()
    expect(page.locator(".al-link-result")).not_to_be_empty(timeout=UPDATE_TIMEOUT_MS)
    questions = page.locator(".al-quiz-question")
    for i in range(questions.count()):
        radios = questions.nth(i).locator("input[type=radio]")
        (radios.first if answer == "first" else radios.last).check()
    expect(page.locator(".al-quiz-feedback").first).not_to_be_empty(timeout=UPDATE_TIMEOUT_MS)


#: axe-core's impacts that fail a page (the project's standard: no serious or critical violation).
BLOCKING_IMPACTS = ("serious", "critical")


def blocking_violations(page) -> list[str]:
    """axe-core's (axe-playwright-python) serious and critical violations on ``page``, one line per element."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node['html'][:160]}"
        for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS
        for node in v["nodes"]
    ]
