"""The course's one stylesheet (ui/course.css) and its way into the page (server/stylesheet.py).

The page's looks are measured in the browser (tests/browser/test_phone_layout.py);
here: the sheet can be inlined safely, stays lean (no web fonts, nothing from
another host), and its colours meet WCAG AA where they carry text.
"""
from __future__ import annotations

import re

import pytest

from advocacy_lab.server.stylesheet import STYLESHEET, CourseStylesheet, compact, stylesheet_text
from stylesheet_support import rules

CSS = STYLESHEET.read_text(encoding="utf-8")


def variables() -> dict[str, str]:
    return dict(re.findall(r"(--al-[a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", CSS))


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_preprocessor_hands_the_stylesheet_to_the_template():
    _nb, resources = CourseStylesheet().preprocess({"cells": []}, {})
    assert str(resources["advocacy_lab_stylesheet"]) == compact(CSS)
    assert "--al-link" in resources["advocacy_lab_stylesheet"]


def test_the_page_gets_it_without_comments_and_with_every_rule():
    inlined = stylesheet_text()
    assert "/*" not in inlined and "\n" not in inlined
    assert len(inlined) < 0.8 * len(CSS)
    # The same rules: as many blocks, the same selectors and declarations.
    assert inlined.count("{") == CSS.count("{") and inlined.count("}") == CSS.count("}")
    assert '.al-answer-choice .widget-radio-box input[type="radio"]{order: -1;float: none;' in inlined


def test_compacting_keeps_what_spaces_mean():
    from advocacy_lab.server.stylesheet import compact

    css = "/* note */\n.a :is(.b, .c) > .d ,\n.e:hover {\n  color : red;\n  margin: 0 1px;\n}\n@media (max-width: 30em) { .f { gap: 1px; } }"
    # The descendant space before ":is" stays (".a:is(...)" would be another selector), and so do
    # the spaces inside values; around braces, semicolons, commas and ">" they go.
    assert compact(css) == ".a :is(.b,.c)>.d,.e:hover{color : red;margin: 0 1px}@media (max-width: 30em){.f{gap: 1px}}"


def test_it_can_be_inlined_in_a_style_element():
    # "</style" would end the element early; "</" is refused outright.
    assert "</" not in CSS


def test_a_stylesheet_that_could_end_its_style_element_is_refused(tmp_path):
    bad = tmp_path / "bad.css"
    bad.write_text("a::after { content: '</style><script>alert(1)</script>'; }", encoding="utf-8")
    with pytest.raises(ValueError, match="must not contain"):
        stylesheet_text(bad)


def test_an_edited_stylesheet_is_read_again(tmp_path):
    sheet = tmp_path / "course.css"
    sheet.write_text("a { color: red; }", encoding="utf-8")
    assert "red" in stylesheet_text(sheet)
    sheet.write_text("a { color: navy; }", encoding="utf-8")
    assert "navy" in stylesheet_text(sheet)


def test_it_stays_lean():
    # Phones on slow links: no web fonts, no imports, nothing fetched from another host.
    assert "@font-face" not in CSS and "@import" not in CSS
    assert not re.search(r"url\(", CSS)
    # What every page carries: the sheet without its comments (the comments are for us).
    assert len(stylesheet_text().encode("utf-8")) < 20_000


def test_important_only_where_ipywidgets_itself_uses_it():
    # No inline style is left to beat (tests/test_no_inline_styles.py): only the focus
    # ring, which ipywidgets removes from its inputs with !important, keeps one.
    important = [
        (selector, name)
        for selector, declarations in rules()
        for name, value in declarations.items()
        if "!important" in value
    ]
    assert important and {name for _, name in important} <= {"outline", "outline-offset"}, important
    assert all(":focus-visible" in selector for selector, _ in important), important


def test_prose_and_fields_use_a_system_font_stack_that_renders_vietnamese():
    stack = re.search(r"--al-font:\s*([^;]+);", CSS).group(1)
    fonts = [f.strip().strip('"') for f in stack.split(",")]
    assert fonts[0] == "system-ui" and fonts[-1] == "sans-serif"
    assert {"Segoe UI", "Roboto", "Noto Sans"} <= set(fonts)
    assert not any("mono" in f.lower() for f in fonts)
    # Text areas and inputs take it too (a browser's default for textarea is monospace).
    assert re.search(r":is\([^)]*textarea[^)]*\)\s*\{\s*font-family:\s*var\(--al-font\)", CSS)


@pytest.mark.parametrize(
    "foreground, background, minimum",
    [
        ("--al-text", "--al-bg", 4.5),
        ("--al-text", "--al-surface", 4.5),
        ("--al-muted", "--al-bg", 4.5),
        ("--al-link", "--al-bg", 4.5),
        ("--al-link", "--al-surface", 4.5),
        ("--al-link-visited", "--al-bg", 4.5),
        ("--al-link-hover", "--al-bg", 4.5),
        ("--al-on-primary", "--al-primary", 4.5),
        ("--al-on-primary", "--al-primary-hover", 4.5),
        ("--al-on-primary", "--al-danger", 4.5),
        ("--al-primary", "--al-bg", 4.5),  # secondary buttons: blue text on white
        ("--al-primary", "--al-primary-soft", 4.5),  # a chosen quiz answer, a hovered button
        ("--al-ok", "--al-ok-soft", 4.5),
        ("--al-warn-text", "--al-warn-soft", 4.5),
        ("--al-warn-text", "--al-bg", 4.5),  # a started module's badge
        ("--al-ok", "--al-bg", 4.5),  # verdicts, the quiz, a finished module's badge
        ("--al-warn", "--al-bg", 4.5),
        ("--al-danger", "--al-bg", 4.5),
        ("--al-muted", "--al-surface", 4.5),  # a planned module's title
        ("--al-text", "--al-over-soft", 4.5),  # the marked parts of a post
        ("--al-text", "--al-hidden-soft", 4.5),
        ("--al-danger", "--al-over-soft", 3.0),  # their underlines (non-text contrast)
        ("--al-hidden-line", "--al-hidden-soft", 3.0),
        ("--al-border", "--al-bg", 3.0),  # the edges of fields (non-text contrast)
        ("--al-focus", "--al-bg", 3.0),
    ],
)
def test_colours_meet_wcag_aa(foreground, background, minimum):
    colours = variables()
    assert contrast(colours[foreground], colours[background]) >= minimum, (foreground, background)


def top_level_selectors(css: str) -> list[str]:
    """Every selector of every rule (at-rules' own lines left out), split at commas outside brackets."""
    found = []
    for group in re.findall(r"([^{}]+)\{", compact(css)):
        group = group.strip()
        if group.startswith("@"):
            continue
        depth, start = 0, 0
        for i, ch in enumerate(group):
            depth += ch in "([" and 1 or (-1 if ch in ")]" else 0)
            if ch == "," and depth == 0:
                found.append(group[start:i].strip())
                start = i + 1
        found.append(group[start:].strip())
    return found


def test_it_restyles_only_voila_pages_and_the_course_s_own_parts():
    # The connection watch carries the sheet into JupyterLab too: a trainer's Lab keeps its looks.
    selectors = top_level_selectors(CSS)
    assert len(selectors) > 50
    stray = [s for s in selectors if not s.startswith("body[data-voila]") and ".al-" not in s]
    assert stray == []
    # Course-part rules outside Voila stay on the course's own classes (the banner, kept texts).
    unscoped = [s for s in selectors if not s.startswith("body[data-voila]")]
    assert all(re.match(r"^(body)?\.al-", s) for s in unscoped), unscoped


# --- the same sheet in JupyterLab ---------------------------------------------------------

def test_outside_voila_the_course_widgets_bring_the_stylesheet(monkeypatch):
    # JupyterLab has no page template: the sheet comes as one anywidget's _css, which
    # anywidget puts in the page's head as soon as the model exists (ui/course_style.py).
    from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder
    from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
    from advocacy_lab.ui import course_style
    from advocacy_lab.ui.course_map import CourseMap
    from advocacy_lab.ui.navigation import ModuleNavigation
    from advocacy_lab.ui.quiz import Quiz
    from advocacy_lab.ui.stores import MemoryDraftStore

    for name in ("SERVER_SOFTWARE", "VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_SERVER_URL", "VOILA_APP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(course_style, "_carrier", None)
    carriers = set()
    for make in (MessageBuilder, TrackingLinkBuilder, Quiz, lambda: CourseMap(store=MemoryDraftStore()),
                 lambda: ModuleNavigation("04-campaign-message.ipynb")):
        make()
        assert isinstance(course_style._carrier, course_style.CourseStyle), make
        carriers.add(id(course_style._carrier))
    assert len(carriers) == 1  # one per kernel, not one per widget
    sheet = course_style._carrier._css
    assert sheet == CSS  # the very file Voila inlines
    assert ".al-sr-only" in sheet and ".al-mark-over" in sheet and ".al-verdict-not-ready" in sheet


def test_under_voila_no_second_copy_of_the_stylesheet_is_sent(monkeypatch):
    # The page carries it in its head already; the widget state travels on every visit.
    from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
    from advocacy_lab.ui import course_style

    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")
    monkeypatch.setattr(course_style, "_carrier", None)
    MessageBuilder()
    assert course_style.carry_course_style() is None and course_style._carrier is None


def test_the_course_s_parts_get_the_colour_variables_outside_voila_too():
    # In JupyterLab there is no body[data-voila]: the variables sit on each part's root too.
    roots = [".al-feedback-view", ".al-message-builder", ".al-tracking-link-builder", ".al-quiz",
             ".al-course-map", ".al-module-nav"]
    for root in roots:
        declared = {name: value for name, value in [(n, v) for sel, d in rules() if sel == root for n, v in d.items()]}
        assert declared.get("--al-danger") == variables()["--al-danger"], root
        assert declared.get("--al-text") and declared.get("--al-ok") and declared.get("--al-muted"), root
