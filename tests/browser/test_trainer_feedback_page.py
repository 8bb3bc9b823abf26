"""A learner's feedback page (``advocacy-lab feedback``) in Debian's Chromium, as fetched: a file, no server.

At 390 px (a phone) nothing is wider than the screen, even a long unbroken answer; with script
disabled it reads the same (it has none); the learner's markup is text, not elements.
"""
from __future__ import annotations

from pathlib import Path

from advocacy_lab.trainer.feedback import render
from feedback_support import ANA_POST, sample_feedback

PHONE = {"width": 390, "height": 844}
LONG_LINK = "https://example.org/open-budget?utm_source=facebook&utm_medium=social&utm_campaign=" + "x" * 300


def test_the_page_fits_a_phone_without_script(browser, tmp_path: Path):
    for lang, answer in (("en", ANA_POST + " " + LONG_LINK), ("vi", "Hãy ký kiến nghị trước ngày 30/6 " * 20 + LONG_LINK)):
        page_file = tmp_path / f"campaign-message-{lang}.html"
        page_file.write_text(render(sample_feedback(None, lang, answer), "Ana"), encoding="utf-8")
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto(page_file.as_uri())
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("script").count() == 0
            assert page.locator("dd b, dd script, h2 i").count() == 0  # the learner's markup stays text
            assert LONG_LINK in page.locator("dd").first.inner_text()
            # Nothing wider than the phone: the page does not scroll sideways.
            wide = page.evaluate(
                "() => [document.documentElement.scrollWidth,"
                " ...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right)]"
            )
            assert max(wide) <= PHONE["width"], (lang, max(wide))
        finally:
            context.close()
