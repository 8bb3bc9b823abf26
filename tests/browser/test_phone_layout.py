"""Pages that look finished on a phone (issue #8, section 3).

The real server and Debian's Chromium at a phone's width (390 px, and 320 px
for the narrowest phones still in use), on pages 00, 04 and 09, fresh and once
the widgets have spoken, in English and in Vietnamese (longer words, tone marks):

* nothing overflows sideways, no control is cut off at the right edge, and
  an empty text area shows the whole of its hint;
* every field's label sits above its field;
* quiz answers that wrap neither overlap each other nor their radio buttons;
* no button label is truncated ("Build my tracked…");
* prose is never set in monospace (it stacks Vietnamese tone marks badly);
* links look like links; Tab shows a focus ring;
* the course stylesheet is in every page's head, before any widget renders.

Each check measures the rendered page, so it fails when the stylesheet (or a
widget's inline style) breaks the layout.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advocacy_lab.core.catalogue import text
from browser_support import PAGES as COURSE_PAGES, APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, make_module_04_speak, open_notebook

pytestmark = pytest.mark.browser

PHONE = 390
NARROW_PHONE = 320
LAPTOP = 1280
MODULE = "04-campaign-message.ipynb"
PLAN = "09-campaign-plan.ipynb"
LANDING = "00-start-here.ipynb"
#: Every page of the course and its main control, from the course outline (not a table kept here).
PAGES = COURSE_PAGES


@pytest.fixture
def open_at(browser, server_url):
    """``open_at(notebook, width, lang)``: a fresh learner's page of that width and language, widgets live."""
    contexts = []

    def _open(notebook: str, width: int = PHONE, lang: str = "en"):
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.set_default_timeout(APP_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        open_notebook(page, server_url, f"{notebook}?lang={lang}", PAGES[notebook])
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if notebook != LANDING:
            # The drafts keeper has heard from the browser: the page is fully live (its
            # kernel may still be starting when earlier tests took the preheated ones).
            looking = text("drafts.status.browser_looking", lang).rstrip("…")
            expect(page.locator(".al-drafts-status")).not_to_contain_text(looking, timeout=APP_TIMEOUT_MS)
        else:
            # The course map has read the drafts and drawn its cards with their progress.
            looking = text("course_map.looking", lang).rstrip("…")
            expect(page.locator(".al-course-map-status")).not_to_contain_text(looking, timeout=APP_TIMEOUT_MS)
        return page

    yield _open
    for context in contexts:
        context.close()


def make_the_widgets_speak(page) -> None:
    """Feedback for a long post, a link error, and every quiz answer chosen (page 04)."""
    page.locator(".al-problem textarea").fill("Families in District 3 cannot see how the school budget is spent.")
    make_module_04_speak(
        page,
        "Hãy ký kiến nghị trước ngày 30/6: đề nghị Uỷ ban nhân dân quận công khai ngân sách. "
        "Sign the petition for cleaner air in Hanoi today: https://example.org/a-very-long-petition-address"
        "-that-does-not-break-by-itself #CleanAir " * 2,
        answer="last",
    )


# -- measurements, in the page ----------------------------------------------------------

#: Shown on screen (not display:none anywhere up the tree, not hidden).
VISIBLE_JS = """(el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
}"""


def overflow(page) -> dict:
    """How wide the page is against the viewport, for the document and Voila's scrolling container."""
    return page.evaluate(
        """() => {
            const cells = document.querySelector('#rendered_cells');
            return {
                viewport: window.innerWidth,
                document: document.scrollingElement.scrollWidth,
                cells: cells ? cells.scrollWidth : 0,
                cellsClient: cells ? cells.clientWidth : 0,
            };
        }"""
    )


def controls_outside(page) -> list[str]:
    """Visible inputs, text areas and buttons not wholly inside the viewport's width."""
    return page.evaluate(
        f"""() => {{
            const visible = {VISIBLE_JS};
            const out = [];
            for (const el of document.querySelectorAll('input, textarea, button, select')) {{
                if (!visible(el)) continue;
                const box = el.getBoundingClientRect();
                if (box.left < -0.5 || box.right > window.innerWidth + 0.5) {{
                    out.push(`${{el.tagName}}.${{el.className}} [${{el.closest('.al-field, .jupyter-widgets')?.className}}] `
                             + `${{Math.round(box.left)}}..${{Math.round(box.right)}} of ${{window.innerWidth}}`);
                }}
            }}
            return out;
        }}"""
    )


def labels_not_above(page) -> tuple[int, list[str]]:
    """(fields checked, fields whose visible label is not wholly above the field)."""
    return tuple(
        page.evaluate(
            f"""() => {{
                const visible = {VISIBLE_JS};
                let checked = 0;
                const bad = [];
                for (const field of document.querySelectorAll('.widget-text, .widget-textarea')) {{
                    const label = field.querySelector(':scope > .widget-label');
                    const input = field.querySelector(':scope > input, :scope > textarea');
                    if (!label || !input || !visible(label) || !visible(input) || !label.textContent.trim()) continue;
                    checked += 1;
                    const l = label.getBoundingClientRect(), i = input.getBoundingClientRect();
                    if (l.bottom > i.top + 0.5) {{
                        bad.push(`${{label.textContent.trim()}}: label ${{Math.round(l.top)}}-${{Math.round(l.bottom)}}, `
                                 + `field from ${{Math.round(i.top)}}`);
                    }}
                }}
                return [checked, bad];
            }}"""
        )
    )


def quiz_overlaps(page) -> tuple[int, list[str]]:
    """(answers checked, overlaps): answers' boxes pairwise, and each radio button against answer texts."""
    return tuple(
        page.evaluate(
            """() => {
                const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
                                    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
                const textBox = (label) => {
                    const range = document.createRange();
                    const nodes = [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
                    if (!nodes.length) return null;
                    range.setStartBefore(nodes[0]);
                    range.setEndAfter(nodes[nodes.length - 1]);
                    return range.getBoundingClientRect();
                };
                const bad = [];
                let checked = 0;
                for (const box of document.querySelectorAll('.al-quiz .widget-radio-box')) {
                    const answers = [...box.querySelectorAll(':scope > label')].map((label) => ({
                        name: label.textContent.trim().slice(0, 40),
                        box: label.getBoundingClientRect(),
                        text: textBox(label),
                        radio: label.querySelector('input[type=radio]').getBoundingClientRect(),
                    }));
                    checked += answers.length;
                    answers.forEach((a, i) => {
                        if (a.text && meet(a.radio, a.text)) bad.push(`radio over its own text: ${a.name}`);
                        answers.forEach((b, j) => {
                            if (j <= i) return;
                            if (meet(a.box, b.box)) bad.push(`answers overlap: ${a.name} / ${b.name}`);
                            if (b.text && meet(a.radio, b.text)) bad.push(`radio of ${a.name} over ${b.name}`);
                            if (a.text && meet(b.radio, a.text)) bad.push(`radio of ${b.name} over ${a.name}`);
                        });
                    });
                }
                return [checked, bad];
            }"""
        )
    )


def truncated_buttons(page) -> tuple[int, list[str]]:
    """(buttons checked, buttons whose label does not fit them)."""
    return tuple(
        page.evaluate(
            f"""() => {{
                const visible = {VISIBLE_JS};
                const buttons = [...document.querySelectorAll('button')].filter(visible);
                const bad = buttons
                    .filter((b) => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1)
                    .map((b) => `${{b.textContent.trim()}}: ${{b.scrollWidth}}x${{b.scrollHeight}} in ${{b.clientWidth}}x${{b.clientHeight}}`);
                return [buttons.length, bad];
            }}"""
        )
    )


def hidden_hints(page) -> list[str]:
    """Empty text areas whose hint (placeholder) does not fit them: a phone would show half of it."""
    return page.evaluate(
        f"""() => {{
            const visible = {VISIBLE_JS};
            return [...document.querySelectorAll('textarea[placeholder]')]
                .filter((t) => visible(t) && !t.value && t.scrollHeight > t.clientHeight + 1)
                .map((t) => `${{t.placeholder.slice(0, 40)}}: ${{t.scrollHeight}} in ${{t.clientHeight}}`);
        }}"""
    )


def short_text_areas(page) -> list[str]:
    """Text areas a learner writes in that show fewer than three lines (the post: five)."""
    return page.evaluate(
        f"""() => {{
            const visible = {VISIBLE_JS};
            return [...document.querySelectorAll('textarea:not([readonly])')].filter(visible).filter((t) => {{
                const line = parseFloat(getComputedStyle(t).lineHeight);
                const lines = t.closest('.al-post-text') ? 5 : 3;
                return t.clientHeight < lines * line - 1;
            }}).map((t) => `${{(t.placeholder || t.value).slice(0, 40)}}: ${{t.clientHeight}} px`);
        }}"""
    )


def assert_fits(page, where: str) -> None:
    sizes = overflow(page)
    assert sizes["document"] <= sizes["viewport"], (where, sizes)
    assert sizes["cells"] <= sizes["cellsClient"], (where, sizes)
    assert controls_outside(page) == [], where
    checked, bad = labels_not_above(page)
    assert bad == [], where
    checked_buttons, cut = truncated_buttons(page)
    assert cut == [], where
    assert hidden_hints(page) == [], where
    assert short_text_areas(page) == [], where


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("width, lang", [(PHONE, "en"), (NARROW_PHONE, "en"), (PHONE, "vi")])
@pytest.mark.parametrize("notebook", list(PAGES))
def test_nothing_overflows_or_is_cut_off_on_a_phone(open_at, notebook, width, lang):
    page = open_at(notebook, width, lang)
    assert_fits(page, f"{notebook} in {lang} at {width} px")
    checked, _ = labels_not_above(page)
    # Text fields with labels: 03's two lessons; 04's message box (3), post, link (4)
    expected_fields = {LANDING: 0, "03-campaign-data.ipynb": 2, MODULE: 8, PLAN: 1}[notebook]
    assert checked >= expected_fields, f"{notebook}: only {checked} labelled fields measured"


def test_the_module_page_still_fits_once_the_widgets_have_spoken(open_at):
    page = open_at(MODULE, PHONE)
    make_the_widgets_speak(page)
    assert_fits(page, "04 with feedback, a link error and quiz feedback")
    checked, overlaps = quiz_overlaps(page)
    assert checked >= 8 and overlaps == []


@pytest.mark.parametrize("width, lang", [(PHONE, "en"), (NARROW_PHONE, "en"), (PHONE, "vi")])
def test_quiz_answers_that_wrap_stay_apart(open_at, width, lang):
    page = open_at(MODULE, width, lang)
    # At these widths several answers wrap: that is the case that used to overlap.
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('.al-quiz .widget-radio-box > label')]
                .filter((l) => l.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(l).lineHeight)).length"""
    )
    assert wrapped >= 2, "expected wrapped answers at this width"
    checked, overlaps = quiz_overlaps(page)
    assert checked >= 8, checked
    assert overlaps == []


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_link_button_shows_its_whole_label(open_at, lang):
    page = open_at(MODULE, PHONE, lang)
    button = page.locator("button.al-link-build")
    expect(button).to_be_visible()
    fits = button.evaluate("(b) => b.scrollWidth <= b.clientWidth && b.scrollHeight <= b.clientHeight + 1")
    assert fits, button.evaluate("(b) => [b.scrollWidth, b.clientWidth, b.scrollHeight, b.clientHeight]")
    label = button.inner_text().strip()
    assert label and "…" not in label


@pytest.mark.parametrize("notebook", [MODULE, PLAN])
def test_text_fields_are_not_monospace(open_at, notebook):
    page = open_at(notebook, PHONE)
    fonts = page.evaluate(
        "() => [...document.querySelectorAll('textarea, input[type=text]')].map((el) => getComputedStyle(el).fontFamily)"
    )
    assert fonts, "no text field found"
    for font in fonts:
        assert "monospace" not in font.lower() and "mono" not in font.lower().split(",")[0], font


@pytest.mark.parametrize("notebook", list(PAGES))
def test_links_look_like_links(open_at, notebook):
    page = open_at(notebook, PHONE)
    links = page.evaluate(
        f"""() => {{
            const visible = {VISIBLE_JS};
            return [...document.querySelectorAll('a[href]:not(.anchor-link)')].filter(visible).map((a) => {{
                const style = getComputedStyle(a);
                return [a.textContent.trim().slice(0, 40), style.textDecorationLine, style.color,
                        getComputedStyle(a.parentElement).color];
            }});
        }}"""
    )
    assert len(links) >= 2, links  # 00: the module cards; 04 and 09: previous/next at least
    for text, decoration, colour, around in links:
        assert "underline" in decoration, (text, decoration)
        assert colour != around or "underline" in decoration, (text, colour)


@pytest.mark.parametrize("notebook", list(PAGES))
def test_tab_shows_a_focus_ring(open_at, notebook):
    page = open_at(notebook, PHONE)
    page.locator("body").focus()
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body || !el.closest('.jupyter-widgets, .jp-RenderedHTMLCommon, nav')) return null;
                const style = getComputedStyle(el);
                const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
                return {tag: el.tagName, outline, shadow: style.boxShadow !== 'none',
                        text: (el.textContent || el.placeholder || '').trim().slice(0, 30)};
            }"""
        )
        if ring:
            seen.append(ring)
            if len({r["tag"] for r in seen}) >= (3 if notebook == MODULE else 1) and len(seen) >= 3:
                break
    assert seen, "Tab reached no control"
    assert all(r["outline"] or r["shadow"] for r in seen), seen


@pytest.mark.parametrize("notebook", list(PAGES))
def test_the_course_stylesheet_is_in_the_page_head(open_at, notebook):
    """Inlined by the template: it styles the lesson text and the landing page before any widget renders."""
    page = open_at(notebook, PHONE)
    in_head = page.evaluate(
        """() => {
            const sheet = document.querySelector('head style#al-course-stylesheet');
            return sheet ? sheet.textContent.includes('--al-link') : false;
        }"""
    )
    assert in_head
    fonts = page.evaluate("() => getComputedStyle(document.querySelector('.jp-RenderedHTMLCommon')).fontFamily")
    assert "system-ui" in fonts and "Noto Sans" in fonts, fonts


@pytest.mark.parametrize("notebook", list(PAGES))
def test_a_laptop_still_looks_right(open_at, notebook):
    """The phone-first rules must not spoil a laptop: nothing overflows, labels above, buttons whole."""
    page = open_at(notebook, LAPTOP)
    assert_fits(page, f"{notebook} at {LAPTOP} px")
    if notebook == MODULE:
        # Fields keep a readable measure rather than spanning the whole screen.
        widest = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.al-post-text textarea, .al-link-url input')]"
            ".map((el) => el.getBoundingClientRect().width))"
        )
        assert 0 < widest <= 0.8 * LAPTOP, widest


def test_module_cards_show_progress(browser, server_url):
    """Each module is a card on the landing page; a started module's card looks different from the others."""
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    context.set_default_timeout(APP_TIMEOUT_MS)
    try:
        page = context.new_page()

        def cards() -> dict:
            open_notebook(page, server_url, LANDING, PAGES[LANDING])
            looking = text("course_map.looking", "en").rstrip("…")
            expect(page.locator(".al-course-map-status")).not_to_contain_text(looking, timeout=APP_TIMEOUT_MS)
            return page.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('li.al-module')].map((li) => {
                    const s = getComputedStyle(li);
                    return [li.dataset.module, {edge: s.borderLeftColor, edgeWidth: parseFloat(s.borderLeftWidth),
                            padding: parseFloat(s.paddingLeft), background: s.backgroundColor,
                            badge: li.querySelector('.al-progress')?.textContent.trim()}];
                }))"""
            )

        before = cards()
        assert len(before) >= 9
        for module, card in before.items():
            assert card["edgeWidth"] >= 4 and card["padding"] >= 8, (module, card)
        assert before["campaign-message"]["edge"] == before["campaign-plan"]["edge"]  # both not started

        open_notebook(page, server_url, MODULE, PAGES[MODULE])
        page.locator(".al-problem textarea").fill("Families in District 3 cannot see how the school budget is spent.")
        # Saved in this browser (the page journal), so the landing page finds it.
        expect(page.locator(".al-drafts-status")).to_contain_text(text("drafts.status.browser", "en")[:20])
        after = cards()
        started = after["campaign-message"]
        assert started["badge"] == text("progress.status.started", "en"), started
        assert started["edge"] != after["campaign-plan"]["edge"], after
        assert started["background"] != after["campaign-plan"]["background"], after
    finally:
        context.close()
