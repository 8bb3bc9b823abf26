"""Exports of the campaign plan: Markdown, standalone HTML and Word, for any learner text."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

import docx
import mistune
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy_lab.core.export import (
    EXPORT_FORMATS,
    data_uri,
    download_filename,
    export_plan,
    exports,
    escape_markdown,
    plain_text,
    plan_to_docx,
    plan_to_html,
    plan_to_markdown,
)
from advocacy_lab.core.plan import MESSAGE_BUILDER_KEY, build_plan

TODAY = dt.date(2026, 3, 8)

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    "[click me](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "<https://evil.example>",
    "https://evil.example and www.evil.example",
    "&lt;b&gt; &amp; &#60;script&#62;",
    "`code` ```fence``` ~~~tilde~~~",
    "# Heading\n## Another\n> quote\n- item\n+ item\n* item\n1. one\n2) two\n---\n===\n***",
    "    four spaces make code\n\tand a tab",
    "*em* **strong** _u_ __uu__ ~~strike~~",
    "| a | b |\n|---|---|\n| c | d |",
    "$x^2$ and $$\\int$$",
    "[^1] footnote and [ref]: https://evil.example",
    "\\ backslash \\<b\\> \\\\",
    "<!-- comment --> <![CDATA[x]]> <?php ?>",
    '"quotes" \'single\' <a href="javascript:alert(1)">a</a>',
]

SCRIPTS = [
    "Hãy ký tên ủng hộ không khí sạch cho trẻ em Hà Nội! 🌱",
    "स्वच्छ हवा हमारा अधिकार है",
    "هواء نظيف لأطفالنا",
    "Чист ваздух за нашу децу",
    "👩🏽‍🏫👨‍👩‍👧‍👦🇻🇳",
    "中文 日本語 한국어",
]

CONTROL = "tab\there\x00nul\x01\x08\x0b\x0c\x1f bell\x07 del\x7f \ufffe\uffff \ud800 lone"


def message_plan(problem: str, title: str = "Clean air", **extra) -> object:
    draft = {
        "problem": problem,
        "solution": "Electric school buses by 2028.",
        "ask": "Sign the petition.",
        "post": "Sign now: https://example.org/air",
        "platforms": ["facebook"],
    }
    draft.update(extra)
    return build_plan({MESSAGE_BUILDER_KEY: draft}, title=title, today=TODAY)


class Page(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------------------
# Filled and empty plans
# ---------------------------------------------------------------------------


def test_markdown_of_a_filled_plan():
    md = plan_to_markdown(message_plan("Children breathe dirty air."))
    assert md.startswith("# Clean air\n")
    assert "Created on: 2026-03-08" in md
    assert "## Messages" in md and "**Problem**" in md and "Children breathe dirty air." in md
    assert "## Still to do" in md
    assert "- **Budget**: Do this in “Budget and paid reach” (coming soon)" in md
    assert "https\\://example.org/air" in md  # not a bare autolink


def test_markdown_of_an_empty_plan_lists_every_part_to_do():
    md = plan_to_markdown(build_plan({}, today=TODAY))
    assert md.startswith("# My campaign plan\n")
    assert "## Messages" not in md
    todo = md.split("## Still to do", 1)[1]
    assert todo.count("\n- **") == 8  # the seven parts of the outline and module 03's lessons
    assert "“Crafting the campaign message” (04-campaign-message.ipynb)" in todo


def test_markdown_says_when_everything_is_done():
    from advocacy_lab.core.plan import PlanEntry, PlanSection, SectionContent

    only = PlanSection("only", "Only", 1, None, "M", build=lambda d: SectionContent((PlanEntry("A", "b"),)))
    plan = build_plan({}, today=TODAY, sections=[only])
    assert plan.complete
    assert "Every part of the plan is filled in." in plan_to_markdown(plan)
    assert "Every part of the plan is filled in." in Page(plan_to_html(plan)).all_text


def test_html_of_a_filled_plan_is_a_standalone_page_with_a_strict_csp():
    page_source = plan_to_html(message_plan("Children breathe dirty air.\nEvery day."))
    assert page_source.startswith("<!DOCTYPE html>")
    page = Page(page_source)
    assert "script" not in page.names()
    (csp,) = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp and "base-uri 'none'" in csp
    (style,) = page.styles
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp  # the only style allowed is our own
    assert not [a for _t, a in page.tags if any(k == "style" or k.startswith("on") for k in a)]
    assert not [a for t, a in page.tags if t == "a"]  # a file on disk links nowhere
    text = page.all_text
    assert "Clean air" in text and "Created on: 2026-03-08" in text
    assert "Children breathe dirty air.Every day." in text  # the line break is a <br>
    assert "Budget and paid reach" in text and "coming soon" in text
    assert "04-campaign-message.ipynb" not in text  # messages part is done


def test_html_of_an_empty_plan():
    page = Page(plan_to_html(build_plan({}, today=TODAY)))
    assert [a["data-part"] for t, a in page.tags if t == "li"] == [
        "objectives", "audiences", "lessons", "messages", "calendar", "budget", "risks", "monitoring"
    ]
    assert "section" in page.names() and "script" not in page.names()


def read_docx(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_docx_of_a_filled_plan_reads_back_the_learner_text():
    problem = "Children breathe dirty air.\n\tEvery day, 🌱 Hà Nội."
    content = plan_to_docx(message_plan(problem))
    assert content[:2] == b"PK"
    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Clean air" and document.core_properties.title == "Clean air"
    assert "Created on: 2026-03-08" in paragraphs
    i = paragraphs.index("Problem")
    assert paragraphs[i + 1] == problem
    assert "Sign the petition." in paragraphs
    assert "Still to do" in paragraphs
    assert any(p.startswith("Budget: Do this in “Budget and paid reach” (coming soon)") for p in paragraphs)
    heading_styles = {p.text: p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert heading_styles["Messages"] == "Heading 1"


def test_docx_of_an_empty_plan():
    paragraphs = read_docx(plan_to_docx(build_plan({}, today=TODAY)))
    assert paragraphs[0] == "My campaign plan"
    # Every part but the lessons and the messages (modules 03 and 04, available) is to be done in a module still coming.
    assert sum(p.endswith("(coming soon)") for p in paragraphs) == 6
    assert any("“Crafting the campaign message” (04-campaign-message.ipynb)" in p for p in paragraphs)


# ---------------------------------------------------------------------------
# The exports carry the plan's language
# ---------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_languages(content: bytes) -> tuple[list[str], str]:
    """The w:lang values in the file's styles (the runs' default language), and its core language."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        styles = ElementTree.fromstring(archive.read("word/styles.xml"))
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))
    defaults = styles.findall(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert len(defaults) == 1, "the styles' defaults must name the runs' language"
    values = [element.get(f"{W}val") for element in styles.iter(f"{W}lang")]
    (language,) = [element.text for element in core if element.tag.endswith("}language")]
    return values, language


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_html_export_declares_the_plans_language(lang):
    page = Page(plan_to_html(build_plan({}, today=TODAY, lang=lang)))
    (html_attrs,) = [a for t, a in page.tags if t == "html"]
    assert html_attrs["lang"] == lang


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_docx_export_is_written_in_the_plans_language(lang):
    content = plan_to_docx(build_plan({}, today=TODAY, lang=lang))
    values, language = docx_languages(content)
    assert values and set(values) == {lang}, values  # python-docx's template said en-US
    assert language == lang


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_docx_keeps_its_styles_and_their_language_in_one_place(lang):
    # No Word 2010 copy of the styles (python-docx's template ships one, still saying en-US):
    # a third of the file, sent to the page with every plan.
    content = plan_to_docx(build_plan({}, today=TODAY, lang=lang))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        listed = archive.read("[Content_Types].xml") + archive.read("word/_rels/document.xml.rels")
        every_lang = {
            element.get(f"{W}val")
            for name in names if name.endswith(".xml")
            for element in ElementTree.fromstring(archive.read(name)).iter(f"{W}lang")
        }
    assert "word/stylesWithEffects.xml" not in names
    assert b"stylesWithEffects" not in listed
    assert every_lang == {lang}  # nowhere in the file does another language hide
    assert len(content) < 30_000
    # Still a Word file with the course's styles: headings and bullets read back.
    document = docx.Document(io.BytesIO(content))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "List Bullet"} <= styles


def test_a_vietnamese_plan_reads_in_vietnamese_in_every_export():
    plan = build_plan({}, today=TODAY, lang="vi")
    still_to_do = plan.label("still_to_do")
    assert still_to_do != build_plan({}, today=TODAY).label("still_to_do")
    assert still_to_do in read_docx(plan_to_docx(plan))
    assert still_to_do in Page(plan_to_html(plan)).all_text
    assert f"## {still_to_do}" in plan_to_markdown(plan)


# ---------------------------------------------------------------------------
# Hostile, multilingual and control-character text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE + SCRIPTS)
def test_learner_text_is_text_in_html(text):
    page = Page(plan_to_html(message_plan(text, title=text)))
    assert page.names() <= {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p",
                            "section", "dl", "dt", "dd", "br", "ul", "li", "strong", "footer"}
    assert text.strip().replace("\n", "") in page.all_text.replace("\n", "")


@pytest.mark.parametrize("text", HOSTILE + SCRIPTS)
def test_learner_text_is_text_in_markdown(text):
    # Rendered with raw HTML allowed: only our escaping stands in the way.
    rendered = mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "url", "footnotes", "math"])(
        plan_to_markdown(message_plan(text, title=text))
    )
    page = Page(rendered)
    assert page.names() <= {"h1", "h2", "p", "strong", "br", "ul", "li", "hr"}, rendered
    assert squash(text) in squash(page.all_text)


@pytest.mark.parametrize("text", HOSTILE + SCRIPTS)
def test_learner_text_is_plain_runs_in_docx(text):
    paragraphs = read_docx(plan_to_docx(message_plan(text)))
    assert paragraphs[paragraphs.index("Problem", 2) + 1] == text.strip()


def test_control_characters_are_dropped_not_fatal():
    assert plain_text(CONTROL) == "tab\therenul bell del\x7f   lone"
    plan = message_plan(CONTROL, title=CONTROL)
    paragraphs = read_docx(plan_to_docx(plan))
    assert paragraphs[paragraphs.index("Problem", 2) + 1] == plain_text(CONTROL)
    assert "\x00" not in plan_to_html(plan) and "\x00" not in plan_to_markdown(plan)
    plan_to_html(plan).encode("utf-8")  # no lone surrogate left to break the download
    plan_to_markdown(plan).encode("utf-8")


def test_huge_text_exports():
    text = ("Clean air now. " * 20000).strip()  # ~300 kB
    plan = message_plan(text)
    assert text in plan_to_markdown(plan)
    assert text in Page(plan_to_html(plan)).all_text
    paragraphs = read_docx(plan_to_docx(plan))
    assert paragraphs[paragraphs.index("Problem", 2) + 1] == text.strip()


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- not a list", "\\- not a list"),
        ("> not a quote", "\\> not a quote"),
        ("<b>bold</b>", "\\<b\\>bold\\</b\\>"),
        ("[a](b)", "\\[a\\](b)"),
        ("a & b", "a \\& b"),
        ("#hashtag in the middle #ok", "\\#hashtag in the middle #ok"),
        ("visit www.example.org", "visit www\\.example.org"),
        ("plain words.", "plain words."),
    ],
)
def test_markdown_escaping(line, escaped):
    assert escape_markdown(line) == escaped


def test_markdown_keeps_line_breaks_and_paragraphs():
    assert escape_markdown("one\ntwo\n\nthree") == "one  \ntwo\n\nthree"
    assert escape_markdown("") == ""
    assert escape_markdown(None) == ""


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Clean air for Hà Nội", "campaign-plan-clean-air-for-ha-noi.docx"),
        ("Đường sạch", "campaign-plan-duong-sach.docx"),
        ('"><script>.docx', "campaign-plan-script-docx.docx"),
        ("../../etc/passwd", "campaign-plan-etc-passwd.docx"),
        ("👩🏽‍🏫", "campaign-plan.docx"),
        ("", "campaign-plan.docx"),
        ("x" * 500, "campaign-plan-" + "x" * 40 + ".docx"),
    ],
)
def test_download_file_names_are_safe(title, name):
    assert download_filename(build_plan({}, title=title), "docx") == name


def test_data_uri_round_trips():
    uri = data_uri("ả <b>", "text/markdown")
    assert uri.startswith("data:text/markdown;charset=utf-8;base64,")
    assert base64.b64decode(uri.rsplit(",", 1)[1]).decode("utf-8") == "ả <b>"


def test_one_export_per_format_with_its_name_and_mime_type():
    """What a click on a download asks for: one format's file, built alone."""
    plan = message_plan("Kids <b>breathe</b> dirty air", title="Clean air for Hà Nội")
    assert list(EXPORT_FORMATS) == ["md", "html", "docx"]
    name, mime, content = export_plan(plan, "md")
    assert (name, mime) == ("campaign-plan-clean-air-for-ha-noi.md", "text/markdown;charset=utf-8")
    assert content == plan_to_markdown(plan).encode("utf-8")
    name, mime, content = export_plan(plan, "html")
    assert (name, mime) == ("campaign-plan-clean-air-for-ha-noi.html", "text/html;charset=utf-8")
    assert content == plan_to_html(plan).encode("utf-8")
    name, mime, content = export_plan(plan, "docx")
    assert name == "campaign-plan-clean-air-for-ha-noi.docx"
    assert mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "Kids <b>breathe</b> dirty air" in read_docx(content)
    # The list of every export agrees with the single ones (the docx differs only in its zip dates).
    listed = {fmt: (file_name, data) for fmt, file_name, data in exports(plan)}
    assert list(listed) == list(EXPORT_FORMATS)
    assert listed["md"] == export_plan(plan, "md")[::2] and listed["html"] == export_plan(plan, "html")[::2]


@pytest.mark.parametrize("fmt", ["pdf", "", None, "MD", "md;"])
def test_an_unknown_export_format_is_a_value_error_naming_the_choices(fmt):
    with pytest.raises(ValueError, match=r"format must be one of 'md', 'html', 'docx'"):
        export_plan(build_plan({}), fmt)


# ---------------------------------------------------------------------------
# Any text at all
# ---------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=ANY_TEXT, title=ANY_TEXT, post=ANY_TEXT)
def test_exports_never_raise_and_keep_text_as_text(problem, title, post):
    plan = message_plan(problem, title=title, post=post)
    md = plan_to_markdown(plan)
    md.encode("utf-8")
    page = Page(plan_to_html(plan))
    assert "script" not in page.names() and "img" not in page.names()
    rendered = Page(mistune.create_markdown(escape=False)(md))
    assert rendered.names() <= {"h1", "h2", "p", "strong", "br", "ul", "li", "hr"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=ANY_TEXT, title=ANY_TEXT)
def test_docx_never_raises_and_reads_back(problem, title):
    paragraphs = read_docx(plan_to_docx(message_plan(problem, title=title)))
    expected = plain_text(problem.strip())
    if expected.strip():
        assert paragraphs[paragraphs.index("Problem", 2) + 1] == expected
