"""No inline styles in the package's Python: the look lives in ui/course.css, by class.

An inline style beats the stylesheet (it took "!important" in the sheet to
undo them), cannot follow the colour variables, and is sent again inside the
widget state of every page. This scan fails when one comes back: an HTML
``style="..."`` attribute, an ipywidgets ``style=`` trait or a
``description_width``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "widgets" / "advocacy_lab"

#: ``style=`` as a keyword argument or an HTML attribute (not ``button_style=``), a
#: style trait set afterwards (``.style.``), and the label width ipywidgets takes from it.
INLINE_STYLE = re.compile(r"(?<![\w-])style\s*=|\.style\.|description_width")

#: (file under the package, the exact line): each a style that is not CSS, with the reason.
ALLOWED = {
    # python-docx: the name of a Word paragraph style in the .docx export, not an inline CSS style.
    ("core/export.py", 'item = document.add_paragraph(style="List Bullet")'),
}


def inline_styles(source: str) -> list[tuple[int, str]]:
    """(line number, line) of every inline style in ``source``."""
    return [(n, line.strip()) for n, line in enumerate(source.splitlines(), 1) if INLINE_STYLE.search(line)]


def test_the_package_python_sets_no_inline_style():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for number, line in inline_styles(path.read_text(encoding="utf-8")):
            if (name, line) not in ALLOWED:
                found.append(f"{name}:{number}: {line}")
    assert found == [], "inline styles (give the element a class and style it in ui/course.css):\n" + "\n".join(found)


def test_every_allowed_line_is_still_there():
    # An allowance that no longer matches anything is dropped, not kept as a blank cheque.
    for name, line in ALLOWED:
        assert line in [found for _, found in inline_styles((PACKAGE / name).read_text(encoding="utf-8"))], name


@pytest.mark.parametrize(
    "line",
    [
        "f'<div style=\"color:#b00020\">{x}</div>'",
        "\"<h3 style='margin:0.2em 0'>\"",
        'widgets.Text(value="", style={"description_width": "10em"})',
        "box.style.description_width = 'initial'",
        "widgets.HTML(style = dict(font_size='1em'))",
        "button.style.button_color = 'red'",
    ],
)
def test_the_scan_finds_each_kind_of_inline_style(line):
    assert inline_styles(line), line


@pytest.mark.parametrize(
    "line",
    [
        'widgets.Button(button_style="primary")',
        '<div class="al-verdict al-verdict-ready">',
        "the look is the stylesheet's, by class",
    ],
)
def test_the_scan_lets_classes_and_button_styles_be(line):
    assert not inline_styles(line), line


def test_catalogue_texts_are_words_not_markup():
    # A style (or any tag) in a catalogue text would bypass the stylesheet, and the
    # widgets escape every text they show: the markup around words is the Python side's.
    from advocacy_lab.core.catalogue import catalogue, languages

    tagged = [
        f"{lang}: {key}: {value}"
        for lang in languages()
        for key, value in catalogue(lang).items()
        if re.search(r"<[a-zA-Z/!]", value) or INLINE_STYLE.search(value)
    ]
    assert tagged == [], "\n".join(tagged)


#: The course's own parts, whose sizes and spacing are the stylesheet's too (an ipywidgets
#: Layout is an inline style on the element). Other files still use Layout for states
#: (the keeper hides a widget with display:none) or have not moved yet (ui/plan.py).
LAYOUT_FREE = (
    "ui/feedback_view.py", "ui/course_map.py", "ui/navigation.py", "ui/quiz.py",
    "modules/campaign_message/message_builder.py", "modules/campaign_message/link_builder.py",
    "modules/campaign_data/explorer.py", "ui/file_upload.py",
    "assignment/widgets.py", "assignment/campaign_message_widgets.py", "assignment/campaign_data_widgets.py",
)


@pytest.mark.parametrize("name", LAYOUT_FREE)
def test_the_course_s_own_parts_set_no_layout_from_python(name):
    source = (PACKAGE / name).read_text(encoding="utf-8")
    found = [line.strip() for line in source.splitlines() if re.search(r"\bLayout\(|\blayout\s*=", line)]
    assert found == [], f"{name}: size it in ui/course.css by class instead:\n" + "\n".join(found)
