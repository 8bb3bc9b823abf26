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
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, only_platform, open_notebook

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

    # Facebook hides a long post behind "See more" at a point it publishes no figure for:
    # the learner is told so, in the page's language, and nothing is marked at a guessed cut.
    only_platform(page, "facebook")
    facebook = page.locator(".al-feedback .al-platform-result-facebook")
    expect(facebook.locator(".al-see-more-unpublished")).to_have_text(
        text("feedback.see_more.facebook", lang), timeout=UPDATE_TIMEOUT_MS
    )
    expect(facebook.locator("mark")).to_have_count(0)


# Long enough to hide its end behind "more" on Instagram, short of the limit.
LONG_FOR_INSTAGRAM = (
    "Every dry season salt water reaches further into the Mekong Delta's rice fields, and families "
    "now buy drinking water by the can. Sign the petition for a fresh-water reservoir in our province "
    "before the next dry season begins."
)


def test_the_cut_is_shown_once_and_trainers_find_the_rules_folded_away(browser, server_url):
    """At a phone's width: the part behind "more" is marked in the post (no second "before more"
    box), the marks and the verdict take their look from the stylesheet, the screen-reader words
    stay out of sight, and the rule ids and raw measures wait, folded, under "For trainers"."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        open_notebook(page, server_url, MODULE)
        only_platform(page, "instagram")
        type_post(page, LONG_FOR_INSTAGRAM)
        section = page.locator(".al-feedback .al-platform-result-instagram")
        fb = check_post(LONG_FOR_INSTAGRAM, "instagram")
        assert fb.metrics["preview_cut"] is not None and fb.metrics["limit_cut"] is None
        hidden = section.locator(".al-marked-text mark.al-mark-preview")
        expect(hidden).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        expect(section.locator(".al-marked-legend")).to_contain_text(text("feedback.marked.preview", "en"))
        # The cut once: the old "People see this before more" box is gone.
        expect(page.locator(".al-feedback .al-preview")).to_have_count(0)
        assert "People see this before" not in page.locator(".al-feedback").inner_text()  # its old words
        cut = fb.metrics["preview_cut"]
        assert section.locator(".al-marked-post").get_attribute("data-preview-cut") == str(cut)
        shown_first = section.locator(".al-marked-text").evaluate(
            "t => Array.from(t.childNodes).filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('')"
        )
        assert shown_first == LONG_FOR_INSTAGRAM[:cut]

        looks = page.evaluate(
            """() => {
                const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
                const sr = document.querySelector('.al-feedback .al-sr-only').getBoundingClientRect();
                return {
                    mark: css('.al-feedback mark.al-mark-preview', 'backgroundColor'),
                    sample: css('.al-feedback mark.al-mark-sample-preview', 'backgroundColor'),
                    underline: css('.al-feedback mark.al-mark-preview', 'textDecorationStyle'),
                    verdictBorder: css('.al-feedback .al-verdict', 'borderTopStyle'),
                    edge: css('.al-feedback .al-platform-result', 'borderLeftColor'),
                    verdictColour: css('.al-feedback .al-verdict', 'color'),
                    srWidth: sr.width, srHeight: sr.height,
                    inline: Array.from(document.querySelectorAll(
                        // the course's markup (ipywidgets' own hidden label keeps its display:none)
                        '.al-feedback .widget-html-content [style], .al-course-map .widget-html-content [style]'))
                        .map(e => `${e.tagName}.${e.className}: ${e.getAttribute('style')}`),
                };
            }"""
        )
        assert looks["mark"] == looks["sample"] == "rgb(255, 244, 194)", looks  # --al-hidden-soft
        assert looks["underline"] == "dotted", looks
        assert looks["verdictBorder"] in ("solid", "dashed"), looks  # ready, or with suggestions
        # The section's edge takes the verdict's colour (green or amber), not the plain edge colour.
        assert looks["edge"] == looks["verdictColour"] != "rgb(107, 114, 128)", looks
        assert looks["edge"] == {"ready": "rgb(30, 107, 47)", "suggestions": "rgb(138, 90, 0)"}[fb.verdict.value], looks
        assert looks["srWidth"] <= 1 and looks["srHeight"] <= 1, looks
        assert looks["inline"] == [], looks

        # For trainers: folded; the learner's text carries no rule id; opened, it lists them.
        trainers = section.locator("details.al-trainers")
        expect(trainers).to_have_count(1)
        assert trainers.get_attribute("open") is None
        expect(trainers.locator("summary")).to_have_text(text("feedback.trainers.title", "en"))
        seen = page.locator(".al-feedback").inner_text()
        assert not any(rule.id in seen for rule in RULES)
        trainers.locator("summary").click()
        expect(trainers).to_have_attribute("open", "")
        for rule_id in fb.rule_ids:
            expect(trainers.locator(".al-trainers-rule", has_text=rule_id)).to_be_visible()
        expect(trainers.locator("[data-metric='preview_cut']")).to_have_text(str(cut))
        expect(trainers.locator("[data-metric='length']")).to_have_text(str(fb.metrics["length"]))
    finally:
        context.close()
