"""The course's widgets look the same in JupyterLab (trainers, hosted use) as under Voila.

No style is set inline from Python: the look is ui/course.css, by class. Voila's
page template inlines the sheet; JupyterLab has no such template, so the
widgets bring it as one anywidget's _css (ui/course_style.py). Here: the real
``jupyter lab`` of the environment, on a free loopback port, a notebook that
shows the message builder with a post too long for X, run in Debian's
Chromium; the marks, the screen-reader words, the verdict and the labels
must look as the sheet says, and a trainer's own Lab must keep its looks.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocacy_lab.core.catalogue import text
from browser_support import APP_TIMEOUT_MS
from lab_support import jupyter_lab, run_all_cells, write_notebook
from stylesheet_support import declarations

pytestmark = pytest.mark.browser

TOO_LONG = "<b>Hãy ký</b> kiến nghị 🌊 " + "Nước mặn đang lấn vào ruộng lúa. " * 12
CELL = f"""\
from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
from advocacy_lab.ui.session import page_session
builder = MessageBuilder(platforms=("x",))
page_session().follow(builder)  # the course language, from ADVOCACY_LAB_LANG in JupyterLab
builder.value = {{**builder.value, "post": {TOO_LONG!r}}}
builder.check()
builder
"""


@pytest.fixture(params=["en", "vi"])
def lab(request, tmp_path):
    """``jupyter lab`` (tests/browser/lab_support.py) over a folder holding look.ipynb, its kernels
    in the course language of the parameter (ADVOCACY_LAB_LANG); its URL and that language."""
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(folder, "look.ipynb", CELL)
    with jupyter_lab(folder, tmp_path, env={"ADVOCACY_LAB_LANG": request.param}) as url:
        yield url, request.param


def test_the_feedback_looks_the_same_in_jupyterlab(browser, lab, tmp_path):
    lab, lang = lab
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()
        run_all_cells(page, lab, "look.ipynb", tmp_path=tmp_path)
        over = page.locator(".al-feedback mark.al-mark-over")
        expect(over).to_be_visible(timeout=3 * APP_TIMEOUT_MS)

        looks = page.evaluate(
            """() => {
                const css = (sel) => getComputedStyle(document.querySelector(sel));
                const sr = document.querySelector('.al-feedback .al-sr-only').getBoundingClientRect();
                const label = document.querySelector('.al-post-text > .widget-label').getBoundingClientRect();
                const field = document.querySelector('.al-post-text textarea').getBoundingClientRect();
                return {
                    sheets: [...document.querySelectorAll('head style')].filter((s) => s.textContent.includes('.al-sr-only')).length,
                    over: css('.al-feedback mark.al-mark-over').backgroundColor,
                    underline: css('.al-feedback mark.al-mark-over').textDecorationStyle,
                    sample: css('.al-feedback mark.al-mark-sample-over').backgroundColor,
                    verdict: css('.al-feedback .al-verdict').borderTopStyle,
                    verdictColour: css('.al-feedback .al-verdict').color,
                    edge: css('.al-feedback .al-platform-result').borderLeftColor,
                    srWidth: sr.width, srHeight: sr.height,
                    labelAbove: label.bottom <= field.top + 1, labelWidth: label.width,
                    trainersOpen: document.querySelector('.al-feedback details.al-trainers').open,
                    labBody: getComputedStyle(document.body).fontFamily,
                    labUiFont: getComputedStyle(document.body).getPropertyValue('--jp-ui-font-family'),
                    postFont: css('.al-post-text textarea').fontFamily,
                    postWidth: field.width,
                    boxes: [...document.querySelectorAll('.al-platforms > .widget-checkbox')]
                        .map((b) => { const r = b.getBoundingClientRect(); return [Math.round(r.top), r.width]; }),
                };
            }"""
        )
        assert looks["sheets"] == 1, looks  # the course sheet, once
        assert looks["over"] == looks["sample"] == "rgb(253, 224, 220)", looks  # --al-over-soft
        assert looks["underline"] == "wavy", looks
        assert looks["verdict"] == "double" and looks["verdictColour"] == "rgb(176, 0, 32)", looks  # not ready
        assert looks["edge"] == "rgb(176, 0, 32)", looks
        assert looks["srWidth"] <= 1 and looks["srHeight"] <= 1, looks  # screen-reader words out of sight
        assert looks["labelAbove"] and looks["labelWidth"] > 80, looks  # not cut at ipywidgets' 80 px
        assert looks["trainersOpen"] is False, looks
        # A trainer's Lab keeps its own font (Lab's stack, not the course's): the sheet restyles
        # only the course's parts there (its page-wide rules wait for body[data-voila]).
        def stack(fonts: str) -> str:
            return fonts.lower().replace(" ", "").replace("'", '"')

        ours = stack(declarations(".al-message-builder")["--al-font"])
        assert looks["labUiFont"].strip() and stack(looks["labUiFont"]) != ours, looks
        assert stack(looks["labBody"]) != ours, looks
        # Sizes from the sheet, not ipywidgets' 300 px fields: the post as wide as the column
        # allows (48em at most), the platforms' tick boxes their own width, side by side.
        assert 400 < looks["postWidth"] <= 48 * 16 + 1, looks
        assert len(looks["boxes"]) > 2 and looks["boxes"][0][0] == looks["boxes"][1][0], looks
        assert all(width < 300 for _, width in looks["boxes"]), looks
        # The course's prose fields in its system font, not ipywidgets' monospace (Vietnamese tone marks).
        assert stack(looks["postFont"]) == ours, looks
        # The screen-reader words say, in the course's language, where the part that does not fit starts.
        assert over.locator(".al-sr-only").first.text_content().strip() == text("feedback.marked.over_start", lang)
        expect(page.locator(".al-feedback .al-verdict")).to_contain_text(
            text("feedback.verdict_on.not_ready", lang, name="X (Twitter)")
        )
        expect(page.locator(".al-feedback details.al-trainers > summary")).to_have_text(text("feedback.trainers.title", lang))
    finally:
        context.close()


MAP_CELLS = (
    # The landing page's course map, module 04 started, and 04's previous/next links.
    "from advocacy_lab.ui.course_map import CourseMap\n"
    "CourseMap(progress={'campaign-message': 'started'})",
    "from advocacy_lab.ui.navigation import module_navigation\n"
    "module_navigation('04-campaign-message.ipynb')",
)


def _rgb(hex_colour: str) -> str:
    """'#1b5e9b' as the browser computes it: 'rgb(27, 94, 155)'."""
    value = hex_colour.strip().lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def test_the_course_map_and_links_look_the_same_in_jupyterlab(browser, tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(folder, "map.ipynb", *MAP_CELLS)
    colours = declarations(".al-course-map")
    with jupyter_lab(folder, tmp_path) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(APP_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, "map.ipynb", tmp_path=tmp_path)
            started = page.locator(".al-course-map-list .al-module[data-module='campaign-message']")
            expect(started).to_be_visible(timeout=3 * APP_TIMEOUT_MS)
            looks = page.evaluate(
                """() => {
                    const css = (sel) => getComputedStyle(document.querySelector(sel));
                    return {
                        list: css('.al-course-map-list .al-module-list').listStyleType,
                        card: css('.al-course-map-list .al-module-available:not([data-module="campaign-message"])').borderLeftColor,
                        cardWidth: css('.al-course-map-list .al-module-available').borderLeftWidth,
                        startedCard: css('.al-course-map-list .al-module[data-module="campaign-message"]').borderLeftColor,
                        badge: css('.al-progress-started').color,
                        badgeBorder: css('.al-progress-started').borderTopStyle,
                        nav: css('.al-module-nav-links').display,
                        navRule: css('.al-module-nav-links').borderTopStyle,
                        links: [...document.querySelectorAll('.al-course-map-list a[href], .al-module-nav-links a[href]')]
                            .map((a) => [getComputedStyle(a).color, getComputedStyle(a).textDecorationLine]),
                        inline: [...document.querySelectorAll(
                            '.al-course-map .widget-html-content [style], .al-module-nav .widget-html-content [style]'
                        )].map((e) => e.outerHTML.slice(0, 80)),
                    };
                }"""
            )
        finally:
            context.close()
    assert looks["list"] == "none", looks  # cards, not a numbered list
    assert looks["card"] == _rgb(colours["--al-primary"]) and looks["cardWidth"] == "6px", looks
    assert looks["startedCard"] == _rgb(colours["--al-warn"]), looks  # its progress shows at a glance
    assert looks["badge"] == _rgb(colours["--al-warn-text"]) and looks["badgeBorder"] == "solid", looks
    assert looks["nav"] == "flex" and looks["navRule"] == "solid", looks
    assert looks["inline"] == [], looks
    # Module titles and previous/next look like links (Lab's base rule makes them black, plain text).
    link_colours = {_rgb(colours["--al-link"]), _rgb(colours["--al-link-visited"])}
    assert len(looks["links"]) >= 3, looks
    assert all(colour in link_colours and line == "underline" for colour, line in looks["links"]), looks


def test_quiz_answers_wrap_and_stay_apart_in_jupyterlab(browser, tmp_path):
    # The complaint on phones (answers drawn over each other and over their buttons)
    # holds in a narrow Lab too: ipywidgets gives each answer one line of fixed height.
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(folder, "quiz.ipynb", "from advocacy_lab.ui.quiz import Quiz\nQuiz(quiz='campaign_message')")
    with jupyter_lab(folder, tmp_path) as url:
        context = browser.new_context(viewport={"width": 520, "height": 900})
        context.set_default_timeout(APP_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, "quiz.ipynb", tmp_path=tmp_path)
            expect(page.locator(".al-quiz .widget-radio-box label").first).to_be_visible(timeout=3 * APP_TIMEOUT_MS)
            answers = page.evaluate(
                """() => [...document.querySelectorAll('.al-quiz .al-quiz-choices .widget-radio-box')].map((box) =>
                    [...box.querySelectorAll('label')].map((label) => {
                        const r = label.getBoundingClientRect();
                        const quiz = label.closest('.al-quiz').getBoundingClientRect();
                        return {text: label.textContent.slice(0, 40), top: r.top, bottom: r.bottom,
                                cut: label.scrollWidth > label.clientWidth + 1 || label.scrollHeight > label.clientHeight + 1
                                    || r.right > quiz.right + 1};
                    }))"""
            )
        finally:
            context.close()
    assert answers and all(len(box) >= 2 for box in answers), answers
    for box in answers:
        for answer in box:
            assert not answer["cut"], answer  # the whole answer shows, wrapped
        for above, below in zip(box, box[1:]):
            assert above["bottom"] <= below["top"] + 1, (above, below)  # never drawn over each other
    # Some answer is long enough to wrap at this width: the check above means something.
    assert any(a["bottom"] - a["top"] > 40 for box in answers for a in box), answers


def test_no_button_label_is_cut_in_jupyterlab(browser, tmp_path):
    # ipywidgets draws a button 148 px wide with an ellipsis: "Build my tracked…" (issue #8).
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(
        folder, "buttons.ipynb",
        "from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder\n"
        "from advocacy_lab.ui.session import page_session\n"
        "builder = MessageBuilder()\npage_session().follow(builder)\nbuilder",
        "from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder\n"
        "link = TrackingLinkBuilder()\npage_session().follow(link)\nlink",
    )
    with jupyter_lab(folder, tmp_path, env={"ADVOCACY_LAB_LANG": "vi"}) as url:  # the longer labels
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(APP_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, "buttons.ipynb", tmp_path=tmp_path)
            expect(page.locator(".al-tracking-link-builder .jupyter-button").first).to_be_visible(timeout=3 * APP_TIMEOUT_MS)
            buttons = page.evaluate(
                """() => [...document.querySelectorAll(
                    '.al-message-builder .jupyter-button, .al-tracking-link-builder .jupyter-button')]
                    .map((b) => ({label: b.textContent.trim(), cut: b.scrollWidth > b.clientWidth + 1}))"""
            )
        finally:
            context.close()
    assert len(buttons) >= 3 and all(b["label"] for b in buttons), buttons
    assert text("campaign_message.link.build", "vi") in [b["label"] for b in buttons], buttons
    assert [b for b in buttons if b["cut"]] == [], buttons
