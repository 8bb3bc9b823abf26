"""What a lesson page is given to choose its language in the browser (server/lesson_page.py).

Voila renders pages before anyone asks (preheated kernels), so the render
prepares every language: each Markdown cell's alternates with the languages
they are shown for, the title in each language, and the picker's texts.
The browser side is tests/browser/test_vietnamese_journey.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advocacy_lab.core.catalogue import languages
from advocacy_lab.core.lesson_text import lesson_problems, read_notebook_cells, source_hash, translation_path
from advocacy_lab.server.lesson_page import cell_alternates, page_languages, page_titles

ROOT = Path(__file__).resolve().parents[1]


def write_lesson(folder: Path, cells: list[tuple[str, str]]) -> Path:
    notebook = {
        "cells": [{"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source} for cell_id, source in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "01-test.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_each_cell_has_its_english_and_its_translations_with_the_languages_they_show_for(tmp_path):
    lesson = write_lesson(tmp_path, [("intro", "# Hello\n\nRead this, changed."), ("fresh", "## New")])
    vi = translation_path(lesson, "vi")
    vi.parent.mkdir(parents=True)
    vi.write_text(json.dumps({"intro": {"source_sha256": source_hash("# Hello\n\nRead this."),
                                        "text": ["# Xin chào", "", "Đọc."]}}), encoding="utf-8")
    alternates = cell_alternates(read_notebook_cells(lesson), lesson)
    assert alternates["intro"] == [
        {"lang": "en", "source": "# Hello\n\nRead this, changed.", "shown_for": ["en"], "stale": False},
        {"lang": "vi", "source": "# Xin chào\n\nĐọc.", "shown_for": ["vi"], "stale": True},
    ]
    # No Vietnamese for this cell: English stands in for it.
    assert alternates["fresh"] == [{"lang": "en", "source": "## New", "shown_for": ["en", "vi"], "stale": False}]
    # Nowhere to look for translations: English only, for every language.
    assert cell_alternates(read_notebook_cells(lesson), None)["intro"][0]["shown_for"] == list(languages())


def test_page_titles_in_every_language():
    assert page_titles("04-campaign-message.ipynb") == {
        "en": "4 · Crafting the campaign message · Advocacy Lab",
        "vi": "4 · Xây dựng thông điệp chiến dịch · Advocacy Lab",
    }
    assert page_titles("09-campaign-plan.ipynb")["vi"] == "9 · Kế hoạch chiến dịch của bạn · Advocacy Lab"
    assert page_titles("00-start-here.ipynb") == {"en": "Start here · Advocacy Lab",
                                                  "vi": "Bắt đầu tại đây · Advocacy Lab"}
    assert page_titles("scratch.ipynb")["en"] == "scratch · Advocacy Lab"


def test_the_picker_names_each_language_in_that_language():
    page = page_languages("04-campaign-message.ipynb")
    assert page["languages"] == list(languages())
    assert page["names"]["en"] == "English" and page["names"]["vi"] == "Tiếng Việt"
    assert page["picker_label"]["vi"] == "Ngôn ngữ"
    assert set(page["titles"]) == set(languages())


def test_the_page_carries_the_failed_cells_message_in_every_language():
    # The template shows it instead of Voila's English instruction (tests/test_error_pages.py).
    page = page_languages("04-campaign-message.ipynb")
    assert set(page["cell_error"]) == set(languages())
    assert page["cell_error"]["en"]["title"] == "This part of the lesson could not be shown"
    assert page["cell_error"]["vi"]["title"] == "Phần này của bài học chưa hiện ra được"
    for lang, words in page["cell_error"].items():
        assert set(words) == {"title", "body"} and all(words.values()), lang


@pytest.fixture
def hindi_added(tmp_path, monkeypatch):
    """The course with a third catalogue file, hi.json, and nothing else changed."""
    from advocacy_lab.core import catalogue as cat

    locales = tmp_path / "locales"
    shutil.copytree(cat.LOCALES_DIR, locales)
    hindi = json.loads((locales / "en.json").read_text(encoding="utf-8"))
    hindi["catalogue.language_name"] = "हिन्दी"
    (locales / "hi.json").write_text(json.dumps(hindi, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(cat, "LOCALES_DIR", locales)
    cat.languages.cache_clear()
    cat.catalogue.cache_clear()
    yield
    cat.languages.cache_clear()
    cat.catalogue.cache_clear()


def test_adding_a_language_is_adding_files(hindi_added, tmp_path):
    """A new catalogue reaches the picker, the titles and every lesson cell; its lessons are then due."""
    page = page_languages("04-campaign-message.ipynb")
    assert page["languages"] == ["en", "hi", "vi"]
    assert page["names"]["hi"] == "हिन्दी" and set(page["titles"]) == {"en", "hi", "vi"}
    lesson = write_lesson(tmp_path, [("intro", "# Hello")])
    # Until the lesson is translated into Hindi, its English stands in.
    assert cell_alternates(read_notebook_cells(lesson), lesson)["intro"][0]["shown_for"] == ["en", "hi", "vi"]
    problems = lesson_problems(ROOT / "notebooks" / "04-campaign-message.ipynb")
    assert problems and {p.lang for p in problems} == {"hi"} and {p.kind for p in problems} == {"missing"}
