"""Accessibility of every app page (issue #3, section 6).

* axe-core (axe-playwright-python) over Debian's Chromium: no "serious" or
  "critical" violation on any page, also once the widgets show feedback,
  errors, a confirmation and the learner's drafts.
* The keyboard alone reaches every control and works the message builder.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import PAGES as COURSE_PAGES, UPDATE_TIMEOUT_MS, blocking_violations, make_module_04_speak

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
#: Every page of the course and its main control, from the course outline (not a table kept here).
PAGES = COURSE_PAGES


def settle(page) -> None:
    """Wait until the drafts keeper has heard from the browser (the page is fully live)."""
    expect(page.locator(".al-drafts-status")).not_to_contain_text("Looking for", timeout=UPDATE_TIMEOUT_MS)


def settle_map(page) -> None:
    """Wait until the landing page's course map has read the drafts (it redraws its list then)."""
    expect(page.locator(".al-course-map-status")).not_to_contain_text("Looking for", timeout=UPDATE_TIMEOUT_MS)


@pytest.mark.parametrize("notebook", list(PAGES))
def test_axe_finds_nothing_serious_on_a_fresh_page(page, open_app, notebook):
    open_app(page, notebook, PAGES[notebook])
    if notebook != "00-start-here.ipynb":
        settle(page)
    assert blocking_violations(page) == []


#: A phone's viewport (issue #8: the course is used on phones first).
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("notebook", list(PAGES))
def test_axe_finds_nothing_serious_on_a_phone(page, open_app, notebook):
    page.set_viewport_size(PHONE)
    open_app(page, notebook, PAGES[notebook])
    if notebook != "00-start-here.ipynb":
        settle(page)
    else:
        settle_map(page)
    assert blocking_violations(page) == []


def test_axe_finds_nothing_serious_on_a_phone_once_the_widgets_have_spoken(page, open_app):
    """At 390 px: feedback over the limit, a link error and quiz feedback."""
    page.set_viewport_size(PHONE)
    open_app(page, MODULE, PAGES[MODULE])
    settle(page)
    make_module_04_speak(page, "Hãy ký kiến nghị vì không khí sạch cho Hà Nội hôm nay. " * 8)
    assert blocking_violations(page) == []


def test_axe_finds_nothing_serious_once_the_widgets_have_spoken(page, open_app):
    """Feedback, a length bar over the limit, a link error, quiz feedback, the
    start-over question; then the plan and the landing page with these drafts."""
    open_app(page, MODULE, PAGES[MODULE])
    settle(page)
    post = page.locator(".al-post-text textarea")
    feedback = page.locator(".al-feedback")
    make_module_04_speak(page, "Sign the petition for cleaner air in Hanoi today. " * 8, feedback_shows="Not ready yet")
    page.locator("button.al-start-over").click()
    expect(page.locator(".al-start-over-question")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    assert blocking_violations(page) == []

    page.locator("button.al-start-over-cancel").click()
    post.fill("Sign the petition for cleaner air in Hanoi today: https://example.org #CleanAir")
    expect(feedback).to_contain_text("Ready to post", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".al-copy-ready textarea").first).to_be_visible()
    assert blocking_violations(page) == []

    open_app(page, "09-campaign-plan.ipynb", PAGES["09-campaign-plan.ipynb"])
    expect(page.locator(".al-plan")).to_contain_text("cleaner air", timeout=UPDATE_TIMEOUT_MS)
    assert blocking_violations(page) == []

    open_app(page, "00-start-here.ipynb", PAGES["00-start-here.ipynb"])
    assert blocking_violations(page) == []


# -- the keyboard -----------------------------------------------------------------------

#: What a learner can operate on the widgets' part of the page.
CONTROLS = (
    ".jupyter-widgets :is(button, input, textarea, select, a[href], [tabindex]:not([tabindex='-1']))"
)


def focused(page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.dataset.alKey || '' : ''")


def tab_until(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies ``predicate_js`` (a JS arrow on the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"{predicate_js} not reached with {limit} Tab presses")


@pytest.mark.parametrize("notebook", list(PAGES))
def test_every_control_is_reached_with_tab(page, open_app, notebook):
    open_app(page, notebook, PAGES[notebook])
    if notebook != "00-start-here.ipynb":
        settle(page)
    else:
        settle_map(page)  # a redraw would replace the links being counted
    keys = page.evaluate(
        """(selector) => {
            const controls = [...document.querySelectorAll(selector)].filter((el) => {
                const style = getComputedStyle(el);
                return el.offsetParent !== null && !el.disabled && style.visibility !== 'hidden'
                    && !el.closest('[aria-hidden="true"]');
            });
            // A group of radio buttons is one stop for Tab (arrow keys move inside it).
            const seenGroups = new Set();
            const wanted = [];
            controls.forEach((el, i) => {
                el.dataset.alKey = 'c' + i;
                if (el.type === 'radio') {
                    const group = el.name || el.closest('.widget-radio-box');
                    if (seenGroups.has(group)) { el.dataset.alKey = 'g' + [...seenGroups].indexOf(group); return; }
                    seenGroups.add(group);
                    el.dataset.alKey = 'g' + [...seenGroups].indexOf(group);
                }
                wanted.push(el.dataset.alKey);
            });
            return wanted;
        }""",
        CONTROLS,
    )
    # 04: the builder, the link builder, the quiz, the keeper; 09: title, update, links; 00: links.
    assert len(keys) >= (10 if notebook == MODULE else 2), keys
    page.locator("body").focus()
    reached: set[str] = set()
    for _ in range(len(keys) * 3 + 40):
        page.keyboard.press("Tab")
        key = focused(page)
        if key:
            reached.add(key)
        if reached >= set(keys):
            break
    missing = sorted(set(keys) - reached)
    described = page.evaluate(
        "(keys) => keys.map((k) => document.querySelector(`[data-al-key='${k}']`).outerHTML.slice(0, 120))", missing
    )
    assert missing == [], described


@pytest.mark.parametrize("key", ["Enter", " "])
def test_keyboard_alone_checks_and_writes_a_post(page, open_app, key):
    open_app(page, MODULE, PAGES[MODULE])
    settle(page)
    feedback = page.locator(".al-feedback")
    page.locator("body").focus()
    # The post is empty: only the Check button (not the live update) reports that.
    tab_until(page, "(el) => el.tagName === 'BUTTON' && el.classList.contains('al-check')")
    page.keyboard.press(key)
    expect(feedback.locator("[data-rule='text.empty']").first).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(feedback).to_contain_text("Not ready yet")

    # Back to the post (Shift+Tab), write it: the checks follow the keyboard too.
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => !!document.activeElement.closest('.al-post-text')"):
            break
    else:
        raise AssertionError("Shift+Tab did not return to the post")
    page.keyboard.type("Sign the petition for clean air by 30 June.")
    expect(page.locator(".al-post-text textarea")).to_have_value("Sign the petition for clean air by 30 June.")
    expect(feedback.locator("[data-rule='text.empty']")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
    expect(feedback).to_contain_text("Ready to post")
    tab_until(page, "(el) => el.tagName === 'BUTTON' && el.classList.contains('al-check')")
    page.keyboard.press(key)
    expect(feedback).to_contain_text("X (Twitter)")
