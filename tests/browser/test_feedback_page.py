"""Feedback a learner can trust, on the real page (issue #8, section 4).

Module 04 in Chromium: the verdict per platform is one of three, each with its
own class and words (never a bare "Ready" above a warning); no rule id or raw
score shows; a post too long for X gets the part that does not fit marked,
from X's own weighted cut, with hostile markup shown as text.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocacy_lab.checks import RULES, check_post
from advocacy_lab.core.catalogue import text
from browser_support import UPDATE_TIMEOUT_MS, only_platform

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
# No call to action: a warning only, so "ready, with suggestions".
WARNING_ONLY = {
    "en": "Salt water is reaching our rice fields.",
    "vi": "Nước mặn đang lấn vào ruộng lúa của chúng tôi.",
}
# Hostile markup, emoji and Vietnamese (two weight units a letter on X): far over 280.
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
TOO_LONG = HOSTILE + " Hãy ký kiến nghị 🌊👨‍👩‍👧 " + "Nước mặn đang lấn vào ruộng lúa. " * 10


def type_post(page, text: str) -> None:
    post = page.locator(".al-post-text textarea")
    post.fill(text)
    post.blur()


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_verdicts_marks_and_no_rule_ids(page, open_app, lang):
    if lang != "en":
        # The page's language, as the template sets it (see test_language_widgets.py).
        page.add_init_script(f"window.advocacyLabLang = window.advocacyLabLang || '{lang}';")
    open_app(page, MODULE if lang == "en" else f"{MODULE}?lang={lang}", ".al-post-text textarea")
    only_platform(page, "x")
    section = page.locator(".al-feedback .al-platform-result-x")
    name = "X (Twitter)"

    type_post(page, WARNING_ONLY[lang])
    verdict = section.locator(".al-verdict")
    expect(verdict).to_have_attribute("data-verdict", "suggestions", timeout=UPDATE_TIMEOUT_MS)
    expect(verdict).to_contain_text(text("feedback.verdict_on.suggestions", lang, name=name), timeout=UPDATE_TIMEOUT_MS)
    expect(section.locator("[data-rule='cta.missing']")).to_be_visible()

    type_post(page, TOO_LONG)
    expect(verdict).to_have_attribute("data-verdict", "not_ready", timeout=UPDATE_TIMEOUT_MS)
    expect(verdict).to_contain_text(text("feedback.verdict_on.not_ready", lang, name=name))
    marked = section.locator(".al-marked-text mark.al-mark-over")
    expect(marked).to_be_visible()
    expect(section.locator(".al-marked-legend")).to_contain_text(text("feedback.marked.over", lang, limit="280", name=name))

    # The mark starts where X's weighted count passes 280 (the checker's cut).
    cut = check_post(TOO_LONG, "x").metrics["limit_cut"]
    assert section.locator(".al-marked-post").get_attribute("data-limit-cut") == str(cut)
    shown_over = marked.evaluate(
        "m => Array.from(m.childNodes).filter(n => !(n.classList && n.classList.contains('al-sr-only')))"
        ".map(n => n.textContent).join('')"
    )
    assert shown_over == TOO_LONG[cut:]

    # Markup typed by the learner is shown as text, never run.
    post_shown = section.locator(".al-marked-text").inner_text()
    assert "<script>" in post_shown and "<img" in post_shown
    assert page.evaluate("window.__pwned") is None

    # What the learner reads: no rule id, no raw score.
    seen = page.locator(".al-feedback").inner_text()
    for rule in RULES:
        assert rule.id not in seen
    assert "Flesch" not in seen
