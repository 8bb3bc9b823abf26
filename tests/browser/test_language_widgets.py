"""Page 04 opened with ``?lang=vi``: the widgets speak Vietnamese, on a preheated kernel.

The page decides its language before the widgets render and sets
``window.advocacyLabLang`` (the template does; the init script below sets the
same global first, so the test holds whether or not the template's script is
there). The store's page half (browser_store.js) sends it to the kernel, and
every widget relabels itself: labels, buttons, the drafts keeper, the
feedback on the post, the quiz, and the previous/next links.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from advocacy_lab.checks import check_post
from advocacy_lab.core.catalogue import text
from advocacy_lab.core.quiz import load_quiz
from browser_support import UPDATE_TIMEOUT_MS, only_platform

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
# All capitals and no link: findings with sentences to translate.
POST = "SIGN THE PETITION FOR CLEAN AIR IN HANOI'S SCHOOLS BY 30 JUNE. OUR CHILDREN CANNOT WAIT ANY LONGER."


def test_page_04_in_vietnamese_shows_vietnamese_labels_and_feedback(page, open_app):
    page.add_init_script("window.advocacyLabLang = window.advocacyLabLang || 'vi';")
    open_app(page, f"{MODULE}?lang=vi")

    # Labels and buttons, relabelled once the page said its language.
    expect(page.locator(".al-problem label")).to_have_text(text("campaign_message.builder.problem", "vi"))
    expect(page.locator(".al-check")).to_contain_text(text("campaign_message.builder.check", "vi"))
    expect(page.locator(".al-link-build")).to_contain_text(text("campaign_message.link.build", "vi"))
    expect(page.locator(".al-start-over")).to_contain_text(text("drafts.keeper.start_over", "vi"))
    expect(page.locator(".al-drafts-status-text")).to_have_text(text("drafts.status.browser", "vi"))

    # Feedback on the post, in Vietnamese.
    only_platform(page, "x")
    page.locator(".al-post-text textarea").fill(POST)
    result = page.locator(".al-feedback .al-platform-result-x")
    expect(result).to_contain_text(text("campaign_message.builder.length", "vi", name="X (Twitter)"), timeout=UPDATE_TIMEOUT_MS)
    expected = check_post(POST, "x", lang="vi").findings
    assert expected, "the post must draw findings"
    for finding in expected[:3]:
        expect(result).to_contain_text(finding.message)
    english = {f.message for f in check_post(POST, "x", lang="en").findings}
    assert not any(message in result.inner_text() for message in english)

    # The quiz: questions, choices and the verdict line.
    question = load_quiz("campaign_message")[0]
    box = page.locator(f".al-quiz-{question.id}")
    expect(box).to_contain_text(question.prompt_in("vi"))
    wrong = (question.correct + 1) % len(question.choices)
    box.get_by_text(question.choices[wrong].text_in("vi"), exact=True).click()
    expect(box.locator(".al-quiz-feedback")).to_contain_text(text("quiz.wrong", "vi"), timeout=UPDATE_TIMEOUT_MS)
    expect(box.locator(".al-quiz-feedback")).to_contain_text(question.choices[wrong].feedback_in("vi"))

    # Links carry the language to the next page.
    expect(page.locator("a.al-nav-next")).to_have_attribute("href", re.compile(r"09-campaign-plan\.ipynb\?lang=vi$"))
    expect(page.locator("a.al-nav-next")).to_contain_text(text("course.module.campaign-plan.title", "vi"))


def test_landing_page_in_vietnamese_lists_the_modules_in_vietnamese_with_lang_links(page, open_app):
    page.add_init_script("window.advocacyLabLang = window.advocacyLabLang || 'vi';")
    open_app(page, "00-start-here.ipynb?lang=vi")
    module = page.locator(".al-course-map [data-module='campaign-message']")
    expect(module).to_contain_text(text("course.module.campaign-message.title", "vi"))
    expect(module).to_contain_text(text("course.module.campaign-message.summary", "vi"))
    expect(module.locator("a")).to_have_attribute("href", "04-campaign-message.ipynb?lang=vi")
    planned = page.locator(".al-course-map [data-module='budget']")
    expect(planned).to_contain_text(text("progress.status.coming soon", "vi"))
