"""The server's own pages in Chromium: a mistyped address in Vietnamese on a phone, the
language a learner chose on a course page carried to the server's pages (server/error_pages.py),
Voilà's loading screen in the page's language, and a lesson cell that failed said in the page's
language instead of Voilà's English (templates/advocacy/index.html.j2).
"""
from __future__ import annotations

import nbformat
import pytest

from advocacy_lab.core.catalogue import text
from advocacy_lab.server.lesson_page import page_titles
from browser_support import blocking_violations
from server_support import start_server, stop_server

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MISSING = "/voila/render/no-such-module.ipynb"


def test_a_404_in_vietnamese_fits_a_phone_and_passes_axe(browser, server_url):
    # A Vietnamese phone: its browser asks for Vietnamese (Accept-Language from the locale).
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        response = page.goto(server_url + MISSING)
        assert response.status == 404
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.locator("h1").inner_text() == text("server.not_found.title", "vi")
        assert page.title().startswith(text("server.not_found.title", "vi"))
        # The course's look: its font stack and its link colour, not the browser's defaults.
        assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")
        link = page.get_by_role("link", name=text("server.page.home", "vi"))
        assert link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
        course_link = page.evaluate("""() => {
            const probe = document.createElement("span");
            probe.style.color = "var(--al-link)";
            document.body.append(probe);
            const colour = getComputedStyle(probe).color;
            probe.remove();
            return colour;
        }""")
        assert course_link != "rgb(0, 0, 238)"  # the browser's own link blue: --al-link is defined
        assert link.evaluate("a => getComputedStyle(a).color") == course_link
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
        assert blocking_violations(page) == []
        # The link leads to the course's start, still in Vietnamese.
        link.click()
        page.wait_for_url("**/voila/render/00-start-here.ipynb?lang=vi", wait_until="domcontentloaded", timeout=90_000)
    finally:
        context.close()


def test_the_language_chosen_on_a_course_page_reaches_the_servers_pages(browser, server_url):
    # The browser asks for Vietnamese; the learner picks on the course's pages, and that wins.
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(server_url + "/voila/render/00-start-here.ipynb?lang=en", wait_until="domcontentloaded",
                  timeout=90_000)
        page.goto(server_url + MISSING)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == text("server.not_found.title", "en")
        page.goto(server_url + "/voila/render/00-start-here.ipynb?lang=vi", wait_until="domcontentloaded",
                  timeout=90_000)
        page.goto(server_url + "/no-such-page")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.locator("h1").inner_text() == text("server.not_found.title", "vi")
    finally:
        context.close()


def test_the_loading_screen_shows_the_page_title_in_its_language_not_voilas_english(browser, server_url):
    """What a phone on a slow link shows while Voilà's scripts arrive: held here by never answering voila.js."""
    context = browser.new_context(viewport=PHONE)
    held = []
    try:
        page = context.new_page()
        page.route("**/voila/static/voila.js*", lambda route: held.append(route))  # never answered
        # The script tag of voila.js blocks the parser: the page never reaches DOMContentLoaded.
        page.goto(server_url + "/voila/render/04-campaign-message.ipynb?lang=vi", wait_until="commit",
                  timeout=90_000)
        # Every cell has been executed on the server: the bar fills as the page arrives.
        page.wait_for_function(
            "() => { const b = document.querySelector('#loading progress.al-loading-progress');"
            " return b !== null && b.max > 1 && b.value === b.max; }", timeout=90_000)
        loading = page.locator("#loading")
        title = page_titles("04-campaign-message.ipynb")["vi"]  # "4 · Xây dựng thông điệp chiến dịch · …"
        assert page.evaluate("document.title") == title
        assert page.locator("#loading_text").inner_text() == title
        shown = loading.inner_text()
        assert "Running" not in shown and "Executing" not in shown and "Reading" not in shown
        bar = loading.locator("progress.al-loading-progress")
        assert bar.get_attribute("aria-label") == title
        assert loading.locator("svg").get_attribute("aria-hidden") == "true"
    finally:
        context.close()


FAILING = "failing-cell.ipynb"


@pytest.fixture
def failing_lesson_url(tmp_path):
    """The course's server over a folder whose one lesson has a code cell that raises."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('the cell before ran')"),
        nbformat.v4.new_code_cell("raise ValueError('the-secret-detail in /srv/private/course')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebooks / FAILING)
    server = start_server(tmp_path, notebooks=notebooks, traits=[])
    try:
        yield server.url
    finally:
        stop_server(server)


def test_a_failed_cell_is_said_in_the_pages_language_and_nothing_of_the_error(browser, failing_lesson_url):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{failing_lesson_url}/voila/render/{FAILING}?lang=vi", timeout=90_000)
        failed = page.locator(".al-cell-error")
        failed.wait_for(state="visible", timeout=90_000)
        shown = failed.inner_text()
        assert text("server.cell_error.title", "vi") in shown
        assert text("server.cell_error.body", "vi") in shown
        assert text("server.cell_error.title", "en") not in shown  # in the page, hidden: not the page's language
        # Set as prose: in a monospace font Vietnamese tone marks stack badly ("lỗi" drawn as "lôĩ").
        font = failed.locator("[lang=vi] p").last.evaluate("p => getComputedStyle(p).fontFamily")
        assert "mono" not in font.lower(), font
        whole = page.locator("body").inner_text()
        for leak in ("ValueError", "the-secret-detail", "/srv/private", "Traceback", "There was an error",
                     "show_tracebacks"):
            assert leak not in whole, leak
        # The learner chooses English: the same cell says it in English.
        page.goto(f"{failing_lesson_url}/voila/render/{FAILING}?lang=en", timeout=90_000)
        failed.wait_for(state="visible", timeout=90_000)
        assert text("server.cell_error.title", "en") in failed.inner_text()
        assert text("server.cell_error.title", "vi") not in failed.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
    finally:
        context.close()
