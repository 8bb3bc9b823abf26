"""The take-home plan (issue #3, section 3) as a Voila learner gets it.

Drafts typed in the campaign-message module (04) show up in the campaign plan
page (09) in the same browser, and its three downloads open: the Word file
reads back with python-docx, the web page parses with the learner's text as
text (and no script), the Markdown carries the text escaped. A Vietnamese
page (``?lang=vi``) gives Vietnamese downloads that say so: the web page's
``lang`` and the Word file's language.

The files are built only when a download is clicked (issue #8): the page's
widget state carries none of them, a click gets the title as the field shows
it (typed without Enter), from the keyboard too, the page says so in its
status line, and it all works at a phone's width.
"""
from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

import docx
import mistune
import pytest
from playwright.sync_api import expect

from advocacy_lab.core.catalogue import text
from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, open_notebook, page_ready
from lab_support import LAB_PAGE_TIMEOUT_MS, jupyter_lab, run_all_cells, write_notebook

pytestmark = pytest.mark.browser

# Learner text with markup in it: it must come out as these very characters.
PROBLEM = "Kids <b>breathe</b> *dirty* air in Hà Nội & [more](javascript:alert(1))"
POST = "Hãy ký kiến nghị: clean air for every school by 30 June. #CleanAir"
BUILDER_KEY = "advocacy-lab:drafts:campaign-message/message-builder"


class TextAndTags(HTMLParser):
    """Collects the text (entities decoded) and the start tags of a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def joined(self) -> str:
        return "".join(self.text)


def parse_html(source: str) -> TextAndTags:
    parser = TextAndTags()
    parser.feed(source)
    parser.close()
    return parser


@pytest.fixture
def plan_page(page, open_app):
    """04 with the learner's drafts typed, then 09 in the same browser context."""
    open_app(page, "04-campaign-message.ipynb", ".al-post-text textarea")
    page.locator(".al-problem textarea").fill(PROBLEM)
    page.locator(".al-post-text textarea").fill(POST)
    page.wait_for_function(
        """([key, problem, post]) => {
            try {
                const data = JSON.parse(localStorage.getItem(key)).data;
                return data.problem === problem && data.post === post;
            } catch (e) { return false; }
        }""",
        arg=[BUILDER_KEY, PROBLEM, POST],
        timeout=UPDATE_TIMEOUT_MS,
    )
    open_app(page, "09-campaign-plan.ipynb", ".al-plan")
    expect(page.locator(".al-plan")).to_contain_text(PROBLEM, timeout=APP_TIMEOUT_MS)
    return page


def download(page, fmt: str) -> tuple[str, bytes]:
    link = page.locator(f".al-download-{fmt} a")
    expect(link).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    with page.expect_download(timeout=UPDATE_TIMEOUT_MS) as info:
        link.click()
    dl = info.value
    assert dl.failure() is None
    with open(dl.path(), "rb") as handle:
        return dl.suggested_filename, handle.read()


def test_the_plan_page_shows_the_message_as_text(plan_page):
    plan = plan_page.locator(".al-plan")
    expect(plan).to_contain_text(POST)
    # The learner's markup stayed text: no bold element, no javascript: link.
    assert plan.locator("b").count() == 0
    assert plan_page.locator('a[href^="javascript:"]').count() == 0


def test_word_download_reads_back_with_the_learners_text(plan_page):
    name, content = download(plan_page, "docx")
    assert name.endswith(".docx")
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert PROBLEM in text
    assert POST in text


def test_html_download_parses_with_the_learners_text_and_no_script(plan_page):
    name, content = download(plan_page, "html")
    assert name.endswith(".html")
    source = content.decode("utf-8")
    parsed = parse_html(source)
    assert PROBLEM in parsed.joined
    assert POST in parsed.joined
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags
    assert "b" not in tags
    assert not any(
        (value or "").strip().lower().startswith("javascript:")
        for _, attrs in parsed.tags
        for value in attrs.values()
    )
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)


def test_markdown_download_carries_the_text_escaped(plan_page):
    name, content = download(plan_page, "md")
    assert name.endswith(".md")
    markdown = content.decode("utf-8")
    assert POST in markdown
    assert "<b>" not in markdown  # escaped, so no Markdown renderer makes it bold
    # Rendered by a Markdown renderer that lets raw HTML through, it is still just text.
    rendered = parse_html(mistune.create_markdown(escape=False)(markdown))
    assert PROBLEM in rendered.joined
    assert POST in rendered.joined
    tags = [tag for tag, _ in rendered.tags]
    assert "b" not in tags and "em" not in tags and "a" not in tags


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_a_vietnamese_page_downloads_a_vietnamese_plan(page, server_url):
    open_notebook(page, server_url, "09-campaign-plan.ipynb?lang=vi", ".al-plan")
    assert page.evaluate("document.documentElement.lang") == "vi"
    # The plan is redrawn in Vietnamese once the page's language reaches the kernel.
    expect(page.locator(".al-plan")).to_contain_text("Kế hoạch chiến dịch của tôi", timeout=APP_TIMEOUT_MS)

    _name, content = download(page, "html")
    parsed = parse_html(content.decode("utf-8"))
    (html_attrs,) = [attrs for tag, attrs in parsed.tags if tag == "html"]
    assert html_attrs["lang"] == "vi"
    assert "Việc còn phải làm" in parsed.joined

    _name, content = download(page, "docx")
    assert "Việc còn phải làm" in [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        styles = ElementTree.fromstring(archive.read("word/styles.xml"))
    languages = {element.get(f"{W}val") for element in styles.iter(f"{W}lang")}
    assert languages == {"vi"}


# --- built on click (issue #8) -------------------------------------------------

#: What an export in the page's state would look like: a data: link of one of the
#: files, or a zip (the .docx) in base64 or as bytes.
EXPORT_TRACES = ("data:text/markdown", "data:text/html", "data:application/vnd.openxmlformats", "UEsDB")
ZIP_MAGIC = b"PK\x03\x04"


def record_websocket_frames(page) -> list[bytes]:
    """Every frame the page receives on its websockets (the kernel's), as bytes, from now on."""
    frames: list[bytes] = []

    def on_socket(ws):
        ws.on("framereceived", lambda payload: frames.append(
            payload if isinstance(payload, bytes) else payload.encode("utf-8")))

    page.on("websocket", on_socket)
    return frames


def test_the_page_carries_no_file_until_a_download_is_clicked(plan_page):
    # A new visit of 09 with the learner's drafts: every frame of its kernel's websocket watched.
    frames = record_websocket_frames(plan_page)
    plan_page.reload()
    plan_page.locator(page_ready("09-campaign-plan.ipynb")).wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    expect(plan_page.locator(".al-plan")).to_contain_text(PROBLEM, timeout=APP_TIMEOUT_MS)
    expect(plan_page.locator(".al-download-docx a")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    assert frames, "the page's kernel connection was seen"
    received = b"".join(frames)
    assert b"al-plan" in received  # the plan itself came over this connection
    for trace in EXPORT_TRACES:
        assert trace.encode() not in received, trace
    assert ZIP_MAGIC not in received
    html_source = plan_page.content()
    assert not any(trace in html_source for trace in EXPORT_TRACES)
    assert plan_page.locator("a[href^='data:']").count() == 0

    before = len(frames)
    name, content = download(plan_page, "docx")
    # The Word file crossed the kernel connection as bytes, after the click.
    assert any(ZIP_MAGIC in frame for frame in frames[before:])
    assert name.endswith(".docx") and content.startswith(ZIP_MAGIC)
    assert PROBLEM in "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


def test_a_title_typed_without_enter_is_in_every_file_clicked_at_once(plan_page):
    title = "Clean air <for> “Hà Nội”"
    field = plan_page.locator(".al-plan-title input")
    for fmt in ("html", "docx", "md"):
        field.fill("")
        # Typed key by key, never Enter, and the download clicked at once: the
        # click sends what the field shows, heard by the kernel or not.
        field.press_sequentially(f"{title} {fmt}")
        name, content = download(plan_page, fmt)
        if fmt == "html":
            parsed = parse_html(content.decode("utf-8"))
            assert f"{title} html" in parsed.joined
            assert "for" not in [tag for tag, _ in parsed.tags]
            assert "&lt;for&gt;" in content.decode("utf-8")
        elif fmt == "docx":
            document = docx.Document(io.BytesIO(content))
            assert document.paragraphs[0].text == f"{title} docx"
            assert document.core_properties.title == f"{title} docx"
        else:
            assert content.decode("utf-8").startswith("# Clean air \\<for\\> “Hà Nội” md")
        assert name == f"campaign-plan-clean-air-for-ha-noi-{fmt}.{fmt}"
    # However far behind the kernel is: a field the kernel has not heard at all
    # (its text set without an input event) still goes into the file.
    field.evaluate("(input) => { input.value = 'Only on screen'; }")
    name, content = download(plan_page, "md")
    assert name == "campaign-plan-only-on-screen.md"
    assert content.decode("utf-8").startswith("# Only on screen\n")


def test_a_download_by_keyboard_is_announced(plan_page):
    status = plan_page.locator(".al-download-status")
    assert status.get_attribute("role") == "status"
    link = plan_page.locator(".al-download-html a")
    link.focus()
    expect(link).to_be_focused()
    with plan_page.expect_download(timeout=UPDATE_TIMEOUT_MS) as info:
        plan_page.keyboard.press("Enter")
    assert info.value.suggested_filename == "campaign-plan.html"
    expect(status).to_have_text(
        "Your Web page (.html) file is ready: campaign-plan.html. You will find it in your downloads.",
        timeout=UPDATE_TIMEOUT_MS,
    )
    expect(link).to_be_focused()  # the learner stays where they were


def test_downloads_at_a_phones_width(browser, server_url):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        open_notebook(page, server_url, "09-campaign-plan.ipynb?lang=vi", ".al-plan")
        expect(page.locator(".al-plan")).to_contain_text("Kế hoạch chiến dịch của tôi", timeout=APP_TIMEOUT_MS)
        links = page.locator(".al-download-list a")
        expect(links).to_have_count(3)
        expect(links.first).to_have_text("Tải về Markdown (.md)", timeout=UPDATE_TIMEOUT_MS)
        for i in range(3):
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            assert box["height"] >= 44, box  # a finger-sized target
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        name, content = download(page, "docx")
        assert name == "campaign-plan.docx"
        assert "Việc còn phải làm" in [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
        expect(page.locator(".al-download-status")).to_contain_text("Tệp Word (.docx) của bạn đã sẵn sàng")
    finally:
        context.close()


# --- in JupyterLab (trainers, hosted use) ---------------------------------------

PLAN_CELL = """\
from advocacy_lab.ui.plan import CampaignPlanView
plan = CampaignPlanView()
plan
"""


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_downloads_work_in_jupyterlab(browser, tmp_path, lang):
    """The same widget in the environment's real JupyterLab (its language from ADVOCACY_LAB_LANG,
    as a trainer sets it): a click there builds the file too (anywidget's command round trip
    through Lab's kernel connection), with the title as typed, and says so in that language."""
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(folder, "plan.ipynb", PLAN_CELL)
    with jupyter_lab(folder, tmp_path, env={"ADVOCACY_LAB_LANG": lang}) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        context.set_default_timeout(LAB_PAGE_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, "plan.ipynb", tmp_path=tmp_path)
            title = page.locator(".al-plan-title input")
            expect(title).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
            title.press_sequentially("Clean air <Lab>")  # no Enter
            name, content = download(page, "docx")
            assert name == "campaign-plan-clean-air-lab.docx"
            document = docx.Document(io.BytesIO(content))
            assert document.paragraphs[0].text == "Clean air <Lab>"
            ready = text("plan.download.ready", lang, format=text("plan_view.docx", lang), name=name)
            expect(page.locator(".al-download-status")).to_have_text(ready)
            name, content = download(page, "md")
            assert name == "campaign-plan-clean-air-lab.md"
            assert content.decode("utf-8").startswith("# Clean air")
            assert text("plan.still_to_do", lang) in content.decode("utf-8")
        finally:
            context.close()
