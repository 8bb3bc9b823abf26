"""A Vietnamese participant on a phone: 00 -> 04 -> 09 in Vietnamese, the language chosen once.

At 390 px, 00 opened with ``?lang=vi`` (a trainer's shared link); then 04
and 09 are reached through the pages' own links with the query taken off,
so only the remembered choice (localStorage ``advocacy-lab:lang``) can carry
the language. Each page must be Vietnamese before and after its widgets
render: ``<html lang="vi">``, a Vietnamese tab title, the Vietnamese lesson
text shown and the English hidden, and ``window.advocacyLabLang`` for the
widgets. Also: English by default, the picker, and links in lesson text.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from browser_support import APP_TIMEOUT_MS
from browser_support import blocking_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANG_KEY = "advocacy-lab:lang"

#: Per page: what shows its widgets are live, the tab title in each language, a
#: heading of its first lesson cell in each language.
PAGES = {
    "00-start-here.ipynb": (".al-course-map a", {"en": "Start here · Advocacy Lab", "vi": "Bắt đầu tại đây · Advocacy Lab"},
                            {"en": "Advocacy Lab: start here", "vi": "Advocacy Lab: bắt đầu tại đây"}),
    "03-campaign-data.ipynb": (".al-case-explorer .al-chart-bars img",
                               {"en": "3 · Learning from campaign data · Advocacy Lab",
                                "vi": "3 · Học từ số liệu chiến dịch · Advocacy Lab"},
                               {"en": "Learning from campaign data", "vi": "Học từ số liệu chiến dịch"}),
    "04-campaign-message.ipynb": (".al-post-text textarea",
                                  {"en": "4 · Crafting the campaign message · Advocacy Lab",
                                   "vi": "4 · Xây dựng thông điệp chiến dịch · Advocacy Lab"},
                                  {"en": "Crafting the campaign message", "vi": "Xây dựng thông điệp chiến dịch"}),
    "09-campaign-plan.ipynb": (".al-plan", {"en": "9 · Your campaign plan · Advocacy Lab",
                                            "vi": "9 · Kế hoạch chiến dịch của bạn · Advocacy Lab"},
                               {"en": "Your campaign plan", "vi": "Kế hoạch chiến dịch của bạn"}),
}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def notebook_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def open_page(page, url: str) -> None:
    page.goto(url, timeout=APP_TIMEOUT_MS)
    ready = PAGES[notebook_of(url)][0]
    page.locator(ready).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)


def assert_page_in(page, lang: str) -> None:
    """The page is in ``lang``: attribute, title, the script's choice, and only that lesson text shown."""
    _ready, titles, headings = PAGES[notebook_of(page.url)]
    other = "en" if lang == "vi" else "vi"
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("window.advocacyLabLang") == lang
    assert page.title() == titles[lang]
    expect(page.get_by_role("heading", name=headings[lang], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=headings[other], exact=True)).to_be_hidden()
    # Every lesson cell: its text in this language is shown, the other language's is hidden.
    shown = page.locator(f".al-lesson-text[lang='{lang}']")
    hidden = page.locator(f".al-lesson-text[lang='{other}']")
    assert shown.count() >= 1 and hidden.count() == shown.count()
    for i in range(shown.count()):
        expect(shown.nth(i)).to_be_visible()
        expect(hidden.nth(i)).to_be_hidden()
    current = page.locator(".al-language-picker a[aria-current='true']")
    expect(current).to_have_attribute("hreflang", lang)


def test_a_vietnamese_participant_goes_from_00_to_04_to_09_in_vietnamese(phone, server_url):
    page = phone
    open_page(page, f"{server_url}/voila/render/00-start-here.ipynb?lang=vi")
    assert_page_in(page, "vi")
    assert page.evaluate(f"localStorage.getItem('{LANG_KEY}')") == "vi"
    expect(page.get_by_text("Chào mừng bạn!", exact=False)).to_be_visible()
    # The widgets read the page's language too (helper "structure"'s part, checked here end to end).
    expect(page.locator(".al-course-map a[href*='04-campaign-message.ipynb']")).to_contain_text(
        "Xây dựng thông điệp chiến dịch")

    # The course map's link to module 04, without its query: only the remembered choice is left.
    link = page.locator(".al-course-map a[href*='04-campaign-message.ipynb']").first
    open_page(page, without_query(link.evaluate("(a) => a.href")))
    assert urlsplit(page.url).query == ""
    assert_page_in(page, "vi")
    expect(page.get_by_role("heading", name="Bạn sẽ học được gì", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What you will learn", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Bắt đầu bài đăng từ hộp thông điệp")).to_be_visible()
    # Links to a place on this page stay on this page (no reload to add ?lang=).
    anchors = page.locator(".al-lesson-text a.anchor-link")
    assert anchors.count() > 0
    assert all(href.startswith("#") for href in anchors.evaluate_all("(els) => els.map((a) => a.getAttribute('href'))"))

    # 04's link to the next module, again without its query.
    link = page.locator("a[href*='09-campaign-plan.ipynb']").first
    open_page(page, without_query(link.evaluate("(a) => a.href")))
    assert urlsplit(page.url).query == ""
    assert_page_in(page, "vi")
    expect(page.get_by_role("heading", name="Cách thực hiện", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Cập nhật kế hoạch")).to_be_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_english_by_default_and_the_picker_switches_and_remembers(phone, server_url):
    page = phone
    open_page(page, f"{server_url}/voila/render/04-campaign-message.ipynb")
    assert_page_in(page, "en")
    assert page.evaluate(f"localStorage.getItem('{LANG_KEY}')") is None

    # "English · Tiếng Việt", each named in its own language, real links.
    picker = page.locator(".al-language-picker")
    expect(picker).to_have_attribute("aria-label", "Language")
    vietnamese = picker.locator("a[hreflang='vi']")
    expect(vietnamese).to_have_text("Tiếng Việt")
    expect(vietnamese).to_have_attribute("lang", "vi")
    expect(picker.locator("a[hreflang='en']")).to_have_attribute("lang", "en")
    vietnamese.click()
    page.wait_for_url(re.compile(r"04-campaign-message\.ipynb\?lang=vi$"), timeout=APP_TIMEOUT_MS)
    page.locator(PAGES["04-campaign-message.ipynb"][0]).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    assert_page_in(page, "vi")
    expect(picker).to_have_attribute("aria-label", "Ngôn ngữ")
    assert page.evaluate(f"localStorage.getItem('{LANG_KEY}')") == "vi"

    # An unknown code is ignored: the remembered choice stays.
    open_page(page, f"{server_url}/voila/render/09-campaign-plan.ipynb?lang=xx")
    assert_page_in(page, "vi")
    # Back to English through the picker, remembered too.
    page.locator(".al-language-picker a[hreflang='en']").click()
    page.wait_for_url(re.compile(r"\?lang=en$"), timeout=APP_TIMEOUT_MS)
    page.locator(PAGES["09-campaign-plan.ipynb"][0]).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    assert_page_in(page, "en")
    open_page(page, f"{server_url}/voila/render/00-start-here.ipynb")
    assert_page_in(page, "en")


def test_a_link_in_lesson_text_carries_the_language(phone, server_url):
    """A link to another lesson in the Markdown gets ?lang=, so a shared or copied link keeps it."""
    page = phone
    open_page(page, f"{server_url}/voila/render/04-campaign-message.ipynb?lang=vi")
    # A link in the lesson text, as a lesson's Markdown renders one.
    page.evaluate(
        """() => {
            const cell = document.querySelector(".al-lesson-text[lang='vi']");
            const a = document.createElement("a");
            a.href = "09-campaign-plan.ipynb#top";
            a.id = "al-test-link";
            a.textContent = "Kế hoạch";
            cell.prepend(a);
        }"""
    )
    page.locator("#al-test-link").click()
    page.wait_for_url(re.compile(r"09-campaign-plan\.ipynb\?lang=vi#top$"), timeout=APP_TIMEOUT_MS)
    page.locator(PAGES["09-campaign-plan.ipynb"][0]).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    assert_page_in(page, "vi")


@pytest.mark.parametrize("notebook", list(PAGES))
def test_axe_finds_nothing_serious_on_a_vietnamese_phone_page(phone, server_url, notebook):
    open_page(phone, f"{server_url}/voila/render/{notebook}?lang=vi")
    assert_page_in(phone, "vi")
    assert blocking_violations(phone) == []
