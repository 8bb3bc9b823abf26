"""The graded exercise opened as a Voila app (a self-paced learner): "Check my answers" without nbgrader.

The course's own server (``AdvocacyVoila``, the course's Voila configuration) over a folder
holding the released notebook, as a trainer offering it for self-study would serve it;
Debian's Chromium answers through the widgets:

- "Check my answers" shows each visible test's verdict, and follows every change live;
- the answers stay in the learner's browser: no answers file appears on the server;
- no hidden test reaches the page: not in the HTML served, not in anything on screen, and the
  instructor's notebook is not served at all.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocacy_lab.assignment import campaign_message as spec
from advocacy_lab.assignment.answers import answers_file_name
from advocacy_lab.core.catalogue import text
from assignment_support import SOLUTION_FITS, SOLUTION_LENGTH, SOLUTION_LINK, SOLUTION_POST, self_study_server
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, http_get

NOTEBOOK = f"{spec.NOTEBOOK}.ipynb"
#: Code only the instructor's notebook holds (its hidden tests).
HIDDEN_CODE = ("BEGIN HIDDEN TESTS", "expect(", "weighted_length(VI_POST", "parse_qs(urlsplit(tracked_link)", "x_feedback",
               "wrong_medium", "too_short")


@pytest.fixture(scope="module")
def self_study(tmp_path_factory):
    with self_study_server(tmp_path_factory.mktemp("self-study"), spec.ASSIGNMENT, NOTEBOOK) as served:
        yield served


def _verdicts(page) -> dict[str, str]:
    items = page.locator(".al-self-check-result li.al-self-check-item")
    return {
        items.nth(i).get_attribute("data-grade-id"): items.nth(i).get_attribute("class")
        for i in range(items.count())
    }


def test_check_my_answers_shows_the_visible_verdicts_live(browser, self_study):
    server, notebooks = self_study
    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/voila/render/{NOTEBOOK}", timeout=APP_TIMEOUT_MS)
        button = page.locator("button.al-self-check-button")
        button.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        expect(button).to_have_text(text("assignment.self_check.button", "en"))
        # The graded cells read no file here and show no error: the self-check is the way to check.
        expect(page.locator(".al-cell-error")).to_have_count(0)

        button.click()
        result = page.locator(".al-self-check-result")
        expect(result.locator("li.al-self-check-fail")).to_have_count(len(spec.VISIBLE_CHECKS))
        assert set(_verdicts(page)) == set(spec.VISIBLE_CHECKS)

        # Answer through the widgets, as in the lesson; the verdicts follow without another click.
        page.locator(".al-post-text textarea").fill(SOLUTION_POST)
        expect(result.locator('li[data-grade-id="post_passes_x_and_instagram"]')).to_have_class(
            "al-self-check-item al-self-check-pass", timeout=UPDATE_TIMEOUT_MS
        )
        for name, value in SOLUTION_LINK.items():
            page.locator(f".al-link-{name} input").fill(value)
        page.locator("button.al-link-build").click()
        page.locator(".al-answer-number input").fill(str(SOLUTION_LENGTH))
        fits = text("assignment.campaign_message.fits." + ("yes" if SOLUTION_FITS else "no"), "en")
        page.locator(".al-answer-choice").get_by_label(fits).check()
        expect(result.locator("li.al-self-check-pass")).to_have_count(len(spec.VISIBLE_CHECKS))

        # A wrong length is said at once, and the learner's text is shown escaped, never as markup.
        page.locator(".al-answer-number input").fill("<b>two hundred</b>")
        item = result.locator('li[data-grade-id="weighted_length_of_vietnamese_post"]')
        expect(item).to_have_class("al-self-check-item al-self-check-fail", timeout=UPDATE_TIMEOUT_MS)
        expect(item).to_contain_text("<b>two hundred</b>")
        expect(result.locator("b")).to_have_count(0)

        # The answers stay in the learner's browser: nothing is written beside the served notebook.
        assert not list(notebooks.glob(answers_file_name(spec.NOTEBOOK) + "*"))

        # No hidden test anywhere on the page (the widgets' text included), nor in the HTML served.
        shown = page.locator("body").inner_text()
        markup = page.content()
        for code in HIDDEN_CODE:
            assert code not in shown and code not in markup, code
    finally:
        context.close()


def test_no_hidden_test_is_served(self_study):
    server, _ = self_study
    status, _headers, body = http_get(server.port, f"/voila/render/{NOTEBOOK}")
    assert status == 200
    page = body.decode("utf-8", "replace")
    for code in HIDDEN_CODE:
        assert code not in page, code
    # The instructor's notebook (one folder up from what is served) is not served, however it is asked for.
    for path in (
        f"/voila/render/../solutions/{spec.ASSIGNMENT}/{NOTEBOOK}",
        f"/voila/render/..%2fsolutions%2f{spec.ASSIGNMENT}%2f{NOTEBOOK}",
        f"/voila/files/..%2fsolutions%2f{spec.ASSIGNMENT}%2f{NOTEBOOK}",
        f"/api/contents/solutions/{spec.ASSIGNMENT}/{NOTEBOOK}",
    ):
        status, _headers, body = http_get(server.port, path)
        assert status >= 400, path
        assert b"BEGIN HIDDEN TESTS" not in body and b"weighted_length" not in body, path


def test_check_my_answers_speaks_the_pages_language(browser, self_study):
    server, _ = self_study
    context = browser.new_context()
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/voila/render/{NOTEBOOK}?lang=vi", timeout=APP_TIMEOUT_MS)
        button = page.locator("button.al-self-check-button")
        expect(button).to_have_text(text("assignment.self_check.button", "vi"))
        button.click()
        result = page.locator(".al-self-check-result")
        expect(result).to_contain_text(text("assignment.self_check.title", "vi"))
        expect(result.locator("li.al-self-check-fail")).to_have_count(len(spec.VISIBLE_CHECKS))
        expect(result.locator('li[data-grade-id="tracked_link_has_utm_parameters"]')).to_contain_text(
            text("assignment.self_check.check.tracked_link_has_utm_parameters", "vi")
        )
        # The reason too, in Vietnamese: the part not answered yet, as the catalogue says it.
        expect(result).to_contain_text(text("assignment.self_check.fail", "vi"))
        assert text("assignment.self_check.fail", "en") not in result.inner_text()
    finally:
        context.close()
