"""Lesson text in every shipped language: each Markdown cell translated, from today's English.

The lessons (notebooks/*.ipynb) are the one source; their translations live
beside them in notebooks/translations/<lang>/<lesson>.json, per cell, with the
hash of the English each translates (advocacy_lab/core/lesson_text.py). The
first test fails, naming the notebook and the cell, when a shipped language
(a catalogue in locales/) lacks a cell or translates an older English text.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advocacy_lab.core.catalogue import REFERENCE
from advocacy_lab.core.lesson_text import (
    lesson_problems,
    markdown_cells,
    read_notebook_cells,
    read_translations,
    source_hash,
    stamp,
    translated_languages,
    translation_path,
)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCRIPT = ROOT / "scripts" / "lesson-translations"


def test_the_course_ships_a_translated_language():
    assert "vi" in translated_languages()
    assert REFERENCE not in translated_languages()
    assert [p.name for p in LESSONS][:1] == ["00-start-here.ipynb"] and len(LESSONS) >= 3


@pytest.mark.parametrize("lang", translated_languages())
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_markdown_cell_is_translated_from_todays_english(lesson, lang):
    problems = lesson_problems(lesson, [lang])
    assert not problems, "\n" + "\n".join(p.describe() for p in problems)


@pytest.mark.parametrize("lang", translated_languages())
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_translations_keep_the_lessons_markdown_structure(lesson, lang):
    """Headings stay headings (same levels, same order), and a table or list stays one."""
    translations = read_translations(lesson, lang)
    for cell in read_notebook_cells(lesson):
        english, translated = cell.source, translations[cell.id].text
        assert translated.strip() and translated != english, f"{lesson.name} {cell.id}: not translated"
        levels = [line.split(" ")[0] for line in english.splitlines() if line.startswith("#")]
        assert [line.split(" ")[0] for line in translated.splitlines() if line.startswith("#")] == levels, cell.id
        for marker in ("|---", "\n1. ", "\n- ", "\n> "):
            assert (marker in english) == (marker in translated), f"{lesson.name} {cell.id}: {marker!r}"


# ---------------------------------------------------------------------------
# The mechanics, on a lesson of our own
# ---------------------------------------------------------------------------


def write_lesson(folder: Path, cells: list[tuple[str, str, str]], name: str = "01-test.ipynb") -> Path:
    notebook = {
        "cells": [
            {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source,
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for cell_id, kind, source in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / name
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def write_vi(lesson: Path, entries: dict) -> None:
    path = translation_path(lesson, "vi")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def lesson(tmp_path) -> Path:
    path = write_lesson(tmp_path, [("intro", "markdown", "# Hello\n\nRead this."), ("code", "code", "x = 1"),
                                   ("next", "markdown", "## What next")])
    write_vi(path, {"intro": {"source_sha256": source_hash("# Hello\n\nRead this."), "text": ["# Xin chào", "", "Đọc."]},
                    "next": {"source_sha256": source_hash("## What next"), "text": "## Tiếp theo"}})
    return path


def kinds(problems) -> list[tuple[str, str]]:
    return [(p.cell_id, p.kind) for p in problems]


def test_a_current_translation_has_no_problem_and_reads_as_markdown(lesson):
    assert lesson_problems(lesson, ["vi"]) == []
    found = read_translations(lesson, "vi")
    assert found["intro"].text == "# Xin chào\n\nĐọc." and found["next"].text == "## Tiếp theo"
    assert [c.id for c in read_notebook_cells(lesson)] == ["intro", "next"]  # Markdown cells only


def test_an_edited_english_cell_makes_its_translation_stale_and_stamping_clears_it(lesson):
    write_lesson(lesson.parent, [("intro", "markdown", "# Hello\n\nRead this first."), ("code", "code", "x = 1"),
                                 ("next", "markdown", "## What next")])
    problems = lesson_problems(lesson, ["vi"])
    assert kinds(problems) == [("intro", "stale")]
    message = problems[0].describe()
    assert "01-test.ipynb" in message and "intro" in message and "older than the English" in message
    assert "cũ hơn" in problems[0].describe("vi")
    assert stamp(lesson, "vi") == ["intro"]
    assert lesson_problems(lesson, ["vi"]) == []
    assert read_translations(lesson, "vi")["intro"].text == "# Xin chào\n\nĐọc."  # text untouched


def test_a_new_cell_is_missing_and_a_removed_one_is_an_orphan(lesson):
    write_lesson(lesson.parent, [("intro", "markdown", "# Hello\n\nRead this."), ("quiz", "markdown", "## Quiz")])
    assert kinds(lesson_problems(lesson, ["vi"])) == [("quiz", "missing"), ("next", "orphan")]
    with pytest.raises(ValueError, match="has no vi translation to stamp"):
        stamp(lesson, "vi", ["quiz"])
    with pytest.raises(ValueError, match="no Markdown cell 'nope'"):
        stamp(lesson, "vi", ["nope"])


def test_a_lesson_without_a_translation_file_lacks_every_cell(tmp_path):
    path = write_lesson(tmp_path, [("a", "markdown", "A"), ("b", "markdown", "B")])
    assert kinds(lesson_problems(path, ["vi"])) == [("a", "missing"), ("b", "missing")]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        (["not", "a", "mapping"], "must map Markdown cell ids"),
        ({"intro": {"text": "x"}}, "exactly \"source_sha256\" and \"text\""),
        ({"intro": {"source_sha256": 1, "text": "x"}}, "source_sha256 must be a string"),
        ({"intro": {"source_sha256": "", "text": 5}}, "text must be a string or a list of lines"),
    ],
)
def test_a_malformed_translation_file_is_a_value_error_naming_the_cell(lesson, entries, problem):
    write_vi(lesson, entries)
    with pytest.raises(ValueError, match=problem):
        lesson_problems(lesson, ["vi"])


def test_markdown_cells_need_ids(tmp_path):
    with pytest.raises(ValueError, match="Markdown cell 0 has no id"):
        markdown_cells({"cells": [{"cell_type": "markdown", "source": "x"}]})


def test_unknown_language_is_refused(lesson):
    with pytest.raises(ValueError, match="lang must be one of"):
        translation_path(lesson, "xx")


# ---------------------------------------------------------------------------
# The translators' script
# ---------------------------------------------------------------------------


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_the_script_says_the_course_is_translated():
    result = run_script("status")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_the_script_lists_stale_and_missing_cells_and_stamps(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    notebook = json.loads((folder / "04-campaign-message.ipynb").read_text(encoding="utf-8"))
    markdown = [cell for cell in notebook["cells"] if cell["cell_type"] == "markdown"]
    markdown[0]["source"] = "".join(markdown[0]["source"]) + "\nOne more sentence."
    notebook["cells"].append({"cell_type": "markdown", "id": "added-cell", "metadata": {}, "source": "## Added"})
    (folder / "04-campaign-message.ipynb").write_text(json.dumps(notebook), encoding="utf-8")

    result = run_script("--notebooks", str(folder), "status", "--show")
    assert result.returncode == 1
    assert f"04-campaign-message.ipynb, cell {markdown[0]['id']}: the vi translation is older" in result.stdout
    assert "04-campaign-message.ipynb, cell added-cell: there is no vi translation yet." in result.stdout
    assert "One more sentence." in result.stdout  # --show prints the English to translate
    assert "2 cell(s)" in result.stdout

    result = run_script("--notebooks", str(folder), "--messages", "vi", "stamp", "04-campaign-message.ipynb", "vi")
    assert result.returncode == 0, result.stderr
    assert markdown[0]["id"] in result.stdout and "Đã đóng dấu 1 ô" in result.stdout
    result = run_script("--notebooks", str(folder), "status")
    assert result.returncode == 1 and "added-cell" in result.stdout and "older" not in result.stdout

    result = run_script("--notebooks", str(folder), "stamp", "04-campaign-message.ipynb", "vi", "added-cell")
    assert result.returncode == 2 and "has no vi translation to stamp" in result.stderr
