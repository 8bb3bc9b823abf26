"""Nothing a learner types is lost (issue #7, section 3), in Chromium against real servers.

* The server goes away: the page says so within a deadline, stops saying
  "saved", and keeps what is typed meanwhile in its journal (localStorage);
  once the server is back on the same port (same origin, same storage), the
  banner offers a reload, which brings back everything, the text typed during
  the outage included.
* The page's kernel is killed: the same, without the server going away.
* Two tabs of one module: text typed in different fields of each is all
  kept; the same field typed in both keeps one version in the field and the
  other aside, shown to the learner.
* A plan title typed without Enter is in the downloaded plan.

Each test starts its own server (``start_advocacy_server``): they stop servers
and kill kernels. Waits are generous and wait for a condition.
"""
from __future__ import annotations

import json
import signal

import psutil
import pytest
from playwright.sync_api import expect

from advocacy_lab.core.text import MAX_FIELD_CHARS
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, blocking_violations, open_notebook
from server_support import stop_server

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
READY = ".al-post-text textarea"
BUILDER_KEY = "campaign-message/message-builder"
LINK_KEY = "campaign-message/tracking-link"
QUIZ_KEY = "campaign-message/quiz"
RECORD_PREFIX = "advocacy-lab:drafts:"
#: From the server's going away (or the kernel's death) to the banner, on a loaded machine.
LOST_WITHIN_MS = 60_000

PROBLEM = "Children in Hà Nội breathe dirty air on the way to school."
POST = "Hãy ký kiến nghị: clean air for every school by 30 June. #CleanAir"
# Typed while the server is gone (or the kernel is dead).
SOLUTION_OFFLINE = "The People's Committee publishes air readings outside every school <b>now</b>."
ASK_OFFLINE = "Sign the petition by 30 June, written while offline."
URL_OFFLINE = "https://example.org/clean-air"


def open_module(page, base_url: str):
    return open_notebook(page, base_url, MODULE, READY)


def expect_saved_status(page) -> None:
    expect(page.locator(".al-drafts-status")).to_contain_text("saved in this browser", timeout=UPDATE_TIMEOUT_MS)


def wait_saved(page, key: str, path: list[str], value) -> None:
    """Until the stored draft of ``key`` holds ``value`` at ``path`` (saved by the kernel)."""
    page.wait_for_function(
        """([name, path, value]) => {
            try {
                let node = JSON.parse(localStorage.getItem(name)).data;
                for (const part of path) node = node[part];
                return JSON.stringify(node) === JSON.stringify(value);
            } catch (e) { return false; }
        }""",
        arg=[RECORD_PREFIX + key, path, value],
        timeout=UPDATE_TIMEOUT_MS,
    )


def wait_journaled(page, key: str, path: list[str], value) -> None:
    """Until some page journal in localStorage holds ``value`` for that field (no kernel involved)."""
    page.wait_for_function(
        """([key, path, value]) => {
            for (let i = 0; i < localStorage.length; i++) {
                const name = localStorage.key(i);
                if (!name.startsWith('advocacy-lab:journal:')) continue;
                try {
                    const entries = Object.values(JSON.parse(localStorage.getItem(name)).entries);
                    if (entries.some(e => e.key === key && JSON.stringify(e.path) === JSON.stringify(path)
                                          && JSON.stringify(e.value) === JSON.stringify(value))) return true;
                } catch (e) { /* keep looking */ }
            }
            return false;
        }""",
        arg=[key, path, value],
        timeout=UPDATE_TIMEOUT_MS,
    )


def page_kernel_id(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


def kernel_processes(server, kernel_id: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            if any(f"kernel-{kernel_id}.json" in part for part in proc.cmdline()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            continue
    return found


def type_before(page) -> None:
    page.locator(".al-problem textarea").fill(PROBLEM)
    page.locator(".al-post-text textarea").fill(POST)
    wait_saved(page, BUILDER_KEY, ["problem"], PROBLEM)
    wait_saved(page, BUILDER_KEY, ["post"], POST)


def type_meanwhile(page) -> dict:
    """Type in every kind of field the module has, with no kernel to hear it."""
    page.locator(".al-solution textarea").fill(SOLUTION_OFFLINE)
    page.locator(".al-ask textarea").fill(ASK_OFFLINE)
    page.locator(".al-link-url input").fill(URL_OFFLINE)
    page.locator(".al-platforms .al-platform-linkedin input[type=checkbox]").check()
    first_question = page.locator(".al-quiz-question").first
    first_question.locator("input[type=radio]").nth(1).check()
    question_id = next(
        c[len("al-quiz-"):] for c in first_question.get_attribute("class").split()
        if c.startswith("al-quiz-") and c != "al-quiz-question"
    )
    wait_journaled(page, BUILDER_KEY, ["solution"], SOLUTION_OFFLINE)
    wait_journaled(page, BUILDER_KEY, ["ask"], ASK_OFFLINE)
    wait_journaled(page, LINK_KEY, ["url"], URL_OFFLINE)
    wait_journaled(page, BUILDER_KEY, ["platforms"], True)
    wait_journaled(page, QUIZ_KEY, ["answers", question_id], 1)
    return {"question_id": question_id}


def expect_everything_back(page, typed: dict) -> None:
    expect(page.locator(".al-problem textarea")).to_have_value(PROBLEM, timeout=APP_TIMEOUT_MS)
    expect(page.locator(".al-post-text textarea")).to_have_value(POST)
    expect(page.locator(".al-solution textarea")).to_have_value(SOLUTION_OFFLINE)
    expect(page.locator(".al-ask textarea")).to_have_value(ASK_OFFLINE)
    expect(page.locator(".al-link-url input")).to_have_value(URL_OFFLINE)
    expect(page.locator(".al-platforms .al-platform-linkedin input[type=checkbox]")).to_be_checked()
    question = page.locator(f".al-quiz-{typed['question_id']}")
    expect(question.locator("input[type=radio]").nth(1)).to_be_checked()
    # Brought back as data, not only on screen: saved again, checked again.
    wait_saved(page, BUILDER_KEY, ["solution"], SOLUTION_OFFLINE)
    wait_saved(page, QUIZ_KEY, ["answers", typed["question_id"]], 1)
    expect(question.locator(".al-quiz-feedback")).not_to_be_empty()
    expect(page.locator(".al-feedback")).to_contain_text("LinkedIn")
    # The journal has served its purpose: the drafts now hold every entry.
    page.wait_for_function(
        """() => {
            for (let i = 0; i < localStorage.length; i++) {
                const name = localStorage.key(i);
                if (name.startsWith('advocacy-lab:journal:')) {
                    const entries = JSON.parse(localStorage.getItem(name)).entries;
                    if (Object.keys(entries).length) return false;
                }
            }
            return true;
        }""",
        timeout=UPDATE_TIMEOUT_MS,
    )


def test_server_gone_is_announced_and_what_is_typed_meanwhile_comes_back(browser, start_advocacy_server):
    first = start_advocacy_server()
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    try:
        open_module(page, first.url)
        expect_saved_status(page)
        type_before(page)
        banner = page.locator(".al-connection")
        expect(banner).to_have_count(0)  # nothing to say while all is well

        stop_server(first)
        expect(banner).to_be_visible(timeout=LOST_WITHIN_MS)
        expect(banner).to_have_attribute("role", "alert")
        expect(banner).to_contain_text("connection to the course server is lost")
        expect(banner).to_contain_text("Keep typing")
        expect(banner).to_contain_text("Reload the page when the connection is back")
        expect(page.locator(".al-drafts-status")).to_be_hidden()  # no longer says "saved"
        expect(page.locator(".al-connection-reload")).to_be_hidden()  # a reload now would show an error page
        box = banner.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, box
        assert banner.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "banner text overflows at 390 px"

        typed = type_meanwhile(page)

        # Same port: same origin, hence the same localStorage.
        second = start_advocacy_server(port=first.port)
        expect(banner).to_contain_text("The connection is back", timeout=LOST_WITHIN_MS)

        # The journal is data: the plan, opened meanwhile in another tab, has the text too.
        plan = open_notebook(context.new_page(), second.url, "09-campaign-plan.ipynb", ".al-plan")
        expect(plan.locator(".al-plan")).to_contain_text(SOLUTION_OFFLINE, timeout=APP_TIMEOUT_MS)
        expect(plan.locator(".al-plan")).to_contain_text(ASK_OFFLINE)
        plan.close(run_before_unload=True)

        reload = page.locator(".al-connection-reload")
        expect(reload).to_be_visible()
        reload.click()
        page.locator(READY).wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        assert page.url.startswith(second.url)
        expect_everything_back(page, typed)
        expect(page.locator(".al-connection")).to_have_count(0)
        expect_saved_status(page)
    finally:
        context.close()


def test_killed_kernel_is_announced_and_what_is_typed_meanwhile_comes_back(page, start_advocacy_server):
    server = start_advocacy_server()
    open_module(page, server.url)
    expect_saved_status(page)
    type_before(page)

    kernel_id = page_kernel_id(page)
    victims = kernel_processes(server, kernel_id)
    assert len(victims) == 1, f"expected the page's kernel {kernel_id} among the server's children"
    victims[0].send_signal(signal.SIGKILL)
    victims[0].wait(timeout=30)

    banner = page.locator(".al-connection")
    expect(banner).to_be_visible(timeout=LOST_WITHIN_MS)
    expect(banner).to_contain_text("lost its link to the course")
    expect(banner).to_contain_text("Keep typing")
    expect(page.locator(".al-drafts-status")).to_be_hidden()

    reload = page.locator(".al-connection-reload")
    expect(reload).to_be_visible()
    assert blocking_violations(page) == []  # the banner and its button, by axe-core

    typed = type_meanwhile(page)
    reload.click()
    page.locator(READY).wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    assert page_kernel_id(page) != kernel_id
    expect_everything_back(page, typed)


def test_a_short_outage_is_announced_and_the_same_kernel_catches_up(browser, start_advocacy_server):
    """The wifi drops for a moment while the server and kernel live on: the page
    says so, reconnects by itself, and the kernel gets what was typed meanwhile."""
    server = start_advocacy_server()
    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    try:
        open_module(page, server.url)
        expect_saved_status(page)
        kernel_id = page_kernel_id(page)
        context.set_offline(True)
        banner = page.locator(".al-connection")
        expect(banner).to_contain_text("connection to the course server is lost", timeout=LOST_WITHIN_MS)
        expect(page.locator(".al-drafts-status")).to_be_hidden()
        page.locator(".al-ask textarea").fill(ASK_OFFLINE)
        wait_journaled(page, BUILDER_KEY, ["ask"], ASK_OFFLINE)
        context.set_offline(False)
        expect(banner).to_contain_text("Connected again", timeout=LOST_WITHIN_MS)
        expect(page.locator(".al-drafts-status")).to_be_visible()
        wait_saved(page, BUILDER_KEY, ["ask"], ASK_OFFLINE)  # by the same kernel, no reload
        assert page_kernel_id(page) == kernel_id
    finally:
        context.close()


def test_text_fields_are_capped_at_what_the_checks_read(page, start_advocacy_server):
    server = start_advocacy_server()
    open_module(page, server.url)
    for selector in (".al-problem textarea", ".al-post-text textarea", ".al-link-url input"):
        expect(page.locator(selector)).to_have_attribute("maxlength", str(MAX_FIELD_CHARS))


def test_two_tabs_of_one_module_keep_each_others_text(browser, start_advocacy_server):
    server = start_advocacy_server()
    context = browser.new_context()  # one browser profile: both tabs share localStorage
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        first = open_module(context.new_page(), server.url)
        second = open_module(context.new_page(), server.url)
        expect_saved_status(first)
        expect_saved_status(second)

        # Different fields: each tab's own.
        first.locator(".al-problem textarea").fill(PROBLEM)
        wait_saved(first, BUILDER_KEY, ["problem"], PROBLEM)
        second.locator(".al-ask textarea").fill(ASK_OFFLINE)
        wait_saved(second, BUILDER_KEY, ["ask"], ASK_OFFLINE)
        wait_saved(second, BUILDER_KEY, ["problem"], PROBLEM)  # not written over by the second tab

        # The same field in both: the later text is in the field, the earlier kept and shown.
        first.locator(".al-post-text textarea").fill("The first tab's post. #CleanAir")
        wait_saved(first, BUILDER_KEY, ["post"], "The first tab's post. #CleanAir")
        second.locator(".al-post-text textarea").fill("The second tab's post. #CleanAir")
        wait_saved(second, BUILDER_KEY, ["post"], "The second tab's post. #CleanAir")
        notice = second.locator(".al-drafts-notice")
        expect(notice).to_contain_text("was also changed elsewhere")
        expect(notice).to_contain_text("Your post")
        expect(notice.locator(".al-kept-text")).to_have_text("The first tab's post. #CleanAir")
        kept = second.evaluate(
            """() => Object.keys(localStorage).filter(k => k.startsWith('advocacy-lab:drafts-put-aside:'))
                                               .map(k => localStorage.getItem(k))"""
        )
        assert any("The first tab's post." in text for text in kept), kept
        # The first tab hears that the module is open elsewhere.
        expect(first.locator(".al-drafts-notice")).to_contain_text("also open in another tab")

        second.reload()
        second.locator(READY).wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        expect(second.locator(".al-problem textarea")).to_have_value(PROBLEM, timeout=APP_TIMEOUT_MS)
        expect(second.locator(".al-ask textarea")).to_have_value(ASK_OFFLINE)
        expect(second.locator(".al-post-text textarea")).to_have_value("The second tab's post. #CleanAir")
    finally:
        context.close()


def test_plan_title_typed_without_enter_is_in_the_download(page, start_advocacy_server):
    server = start_advocacy_server()
    open_notebook(page, server.url, "09-campaign-plan.ipynb", ".al-plan-title input")
    expect_saved_status(page)
    title = "Clean air for Hà Nội's schools"
    # Typed key by key, never Enter, and the download clicked at once: the
    # page holds the click until the file carries what the field shows.
    page.locator(".al-plan-title input").press_sequentially(title)
    link = page.locator(".al-download-md a")
    with page.expect_download(timeout=UPDATE_TIMEOUT_MS) as info:
        link.click()
    path = info.value.path()
    markdown = open(path, encoding="utf-8").read()
    assert title in markdown, markdown[:300]
    assert "My campaign plan" not in markdown
