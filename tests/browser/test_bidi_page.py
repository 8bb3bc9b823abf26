"""Bidi controls typed on the page never reach what is shown or exported (issue #7, section 4).

A post with U+202E RIGHT-TO-LEFT OVERRIDE, typed into module 04, gets the
text.bidi_controls finding, and the page's preview, copy-ready post and
feedback carry no bidi control. The campaign plan (09) built from that draft
shows it, and downloads it in every format, without them too.
"""
from __future__ import annotations

import io
import re

import docx
import pytest
from playwright.sync_api import expect

from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, only_platform

pytestmark = pytest.mark.browser

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
URDU = "صاف ہوا ہمارا حق ہے"
# Shown as "…clean air exe.png today" without the fix; long enough for Instagram's "more" preview.
POST = (
    f"Sign the petition for clean air \u202egnp.exe today. {URDU}. "
    "Every dry season the Mekong Delta loses more farmland to salt water."
)
CLEAN_POST = POST.replace("\u202e", "")
PROBLEM = "Kids breathe \u2067dirty\u2069 air"
TITLE = "Clean \u202eair for schools"
BUILDER_KEY = "advocacy-lab:drafts:campaign-message/message-builder"


def no_bidi(text: str, where: str) -> None:
    found = BIDI.search(text)
    assert found is None, f"{where} carries U+{ord(found.group()):04X}: {text[max(0, found.start() - 40):found.end() + 40]!r}"


def type_the_post(page, open_app) -> None:
    open_app(page, "04-campaign-message.ipynb", ".al-post-text textarea")
    only_platform(page, "x")
    page.locator(".al-platforms .al-platform-instagram input[type=checkbox]").set_checked(True)
    page.locator(".al-problem textarea").fill(PROBLEM)
    page.locator(".al-post-text textarea").fill(POST)
    feedback = page.locator(".al-feedback")
    expect(feedback.locator(".al-platform-result-x [data-rule='text.bidi_controls']")).to_be_visible(
        timeout=UPDATE_TIMEOUT_MS
    )
    # Instagram's "more": the post marked where the preview stops (the marked post replaced the
    # builder's own "before more" box, .al-preview, in the #8 feedback work).
    expect(feedback.locator(".al-platform-result-instagram .al-marked-text .al-mark-preview")).to_be_visible(
        timeout=UPDATE_TIMEOUT_MS
    )


def test_post_with_an_override_is_shown_and_copied_without_it(page, open_app):
    type_the_post(page, open_app)
    feedback = page.locator(".al-feedback")
    finding = feedback.locator(".al-platform-result-x [data-rule='text.bidi_controls']")
    expect(finding).to_contain_text("U+202E RIGHT-TO-LEFT OVERRIDE")
    expect(finding).to_contain_text("removed from what is shown")

    copies = feedback.locator(".al-copy-ready textarea")
    expect(copies).to_have_count(2)  # X and Instagram: a warning does not hold the post back
    for i in range(copies.count()):
        value = copies.nth(i).input_value()
        no_bidi(value, "the copy-ready post")
        assert value == CLEAN_POST  # Urdu letters and everything else kept
    marked = feedback.locator(".al-platform-result-instagram .al-marked-text").inner_text()
    no_bidi(marked, "the marked post")
    assert "clean air gnp.exe today" in marked
    no_bidi(feedback.inner_text(), "the feedback")
    no_bidi(feedback.inner_html(), "the feedback's markup")


def test_the_plan_page_and_its_downloads_carry_no_bidi_control(page, open_app):
    type_the_post(page, open_app)
    page.wait_for_function(
        """([key, post]) => {
            try { return JSON.parse(localStorage.getItem(key)).data.post === post; }
            catch (e) { return false; }
        }""",
        arg=[BUILDER_KEY, POST],
        timeout=UPDATE_TIMEOUT_MS,
    )
    open_app(page, "09-campaign-plan.ipynb", ".al-plan")
    plan = page.locator(".al-plan")
    expect(plan).to_contain_text(CLEAN_POST, timeout=APP_TIMEOUT_MS)
    title = page.locator(".al-plan-title input")
    title.fill(TITLE)
    title.blur()
    expect(plan).to_contain_text(TITLE.replace("\u202e", ""), timeout=UPDATE_TIMEOUT_MS)
    expect(plan).to_contain_text("Kids breathe dirty air")
    no_bidi(plan.inner_text(), "the plan on the page")
    no_bidi(page.locator(".al-plan-view").inner_html(), "the plan page's markup")

    for fmt in ("md", "html", "docx"):
        link = page.locator(f".al-download-{fmt} a")
        expect(link).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        with page.expect_download(timeout=UPDATE_TIMEOUT_MS) as info:
            link.click()
        with open(info.value.path(), "rb") as handle:
            content = handle.read()
        if fmt == "docx":
            document = docx.Document(io.BytesIO(content))
            text = "\n".join(p.text for p in document.paragraphs) + document.core_properties.title
        else:
            text = content.decode("utf-8")
        no_bidi(text, f"the {fmt} download")
        assert "Clean air for schools" in text and URDU in text, fmt
