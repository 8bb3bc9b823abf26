"""Module 03's graded exercise opened as a Voila app (a self-paced learner), in Debian's Chromium:
"Check my answers" shows the visible verdicts, follows the answers given through the widgets
(a number typed the Vietnamese way, choices under the chart), speaks the page's language, writes no
answers file on the server, and no hidden test reaches the page or is served."""
from __future__ import annotations


import pytest
from playwright.sync_api import expect

from advocacy_lab.assignment import campaign_data as spec
from advocacy_lab.assignment.answers import answers_file_name
from advocacy_lab.core.catalogue import text
from assignment_support import campaign_data_solution, self_study_server
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, http_get

pytestmark = pytest.mark.browser

NOTEBOOK = f"{spec.NOTEBOOK}.ipynb"
#: Code only the instructor's notebook holds (its hidden tests).
HIDDEN_CODE = ("BEGIN HIDDEN TESTS", "expect(", "RATE_TOLERANCE", "post_rate().value", "impressions_compared()",
               "misleading_comparison()")


@pytest.fixture(scope="module")
def self_study(tmp_path_factory):
    with self_study_server(tmp_path_factory.mktemp("self-study-03"), spec.ASSIGNMENT, NOTEBOOK) as served:
        yield served


def _labels(lang: str) -> dict[str, str]:
    """The words of each model answer's choice as the page shows them (the sheet's own options)."""
    from advocacy_lab.assignment import campaign_data_widgets as sheet

    model = campaign_data_solution()
    impressions = {value: text(key, lang) for key, value in sheet._impressions_options()}
    formats = {value: label for label, value in sheet._format_options(lang)}
    comparisons = {value: label for label, value in sheet._comparison_options(lang)}
    return {
        "by_impressions": impressions[model["by_impressions"]],
        "best_format": formats[model["best_format"]],
        "misleading": comparisons[model["misleading"]],
    }


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_check_my_answers_follows_the_widgets(browser, self_study, tmp_path, lang):
    server, notebooks = self_study
    words = _labels(lang)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/voila/render/{NOTEBOOK}?lang={lang}", timeout=APP_TIMEOUT_MS)
        button = page.locator("button.al-self-check-button")
        button.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        expect(button).to_have_text(text("assignment.self_check.button", lang))
        expect(page.locator(".al-cell-error")).to_have_count(0)
        # The chart the format part asks about is on the page, with its text alternative.
        assert len(page.locator(".al-answer-evidence img").first.get_attribute("alt") or "") > 40

        button.click()
        result = page.locator(".al-self-check-result")
        expect(result.locator("li.al-self-check-fail")).to_have_count(len(spec.VISIBLE_CHECKS))

        page.locator(".al-number-choice-answer .al-answer-number input").fill(campaign_data_solution()["rate"])
        for key in ("by_impressions", "best_format", "misleading"):
            page.get_by_label(words[key], exact=True).check()
        expect(result.locator("li.al-self-check-pass")).to_have_count(len(spec.VISIBLE_CHECKS), timeout=UPDATE_TIMEOUT_MS)

        # A rate typed as markup is said wrong at once, and shown as text.
        page.locator(".al-number-choice-answer .al-answer-number input").fill("<b>ten</b>")
        item = result.locator('li[data-grade-id="engagement_rate_by_reach_of_the_viral_video"]')
        expect(item).to_have_class("al-self-check-item al-self-check-fail", timeout=UPDATE_TIMEOUT_MS)
        expect(item).to_contain_text("<b>ten</b>")
        expect(result.locator("b")).to_have_count(0)

        assert not list(notebooks.glob(answers_file_name(spec.NOTEBOOK) + "*"))
        shown, markup = page.locator("body").inner_text(), page.content()
        for code in HIDDEN_CODE:
            assert code not in shown and code not in markup, code
    finally:
        context.close()


def test_no_hidden_test_is_served(self_study):
    server, _ = self_study
    status, _headers, body = http_get(server.port, f"/voila/render/{NOTEBOOK}")
    assert status == 200
    for code in HIDDEN_CODE:
        assert code not in body.decode("utf-8", "replace"), code
    status, _headers, body = http_get(server.port, f"/voila/render/..%2fsolutions%2f{spec.ASSIGNMENT}%2f{NOTEBOOK}")
    assert status >= 400 and b"BEGIN HIDDEN TESTS" not in body
