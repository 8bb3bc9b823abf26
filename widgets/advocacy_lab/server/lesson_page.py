"""The page's languages, prepared while Voila renders a lesson (an nbconvert preprocessor).

Voila renders a page before anyone asks for it (preheated kernels), so the
render cannot know the learner's language. It prepares every language instead,
and the page picks one in the browser (``templates/advocacy/index.html.j2``):

* ``resources["advocacy_lab_page"]``: the languages (the catalogue's one
  list), the page title in each (``4 · Crafting the campaign message · Advocacy
  Lab``), each language's own name for the picker, the picker's label, and
  what a code cell that failed shows instead of Voila's English instruction
  (``cell_error``: title and body, ``server.cell_error.*``);
* each Markdown cell's ``metadata["advocacy_lab_lesson"]``: its alternates, the
  English source and each translation (``core/lesson_text.py``), with the page
  languages each one is shown for (English stands in where a translation is missing);
* ``nb.metadata["title"]``: the English title, which nbconvert writes in ``<title>``.

Registered in ``voila.json`` (``VoilaExporter.preprocessors``); it works on
Voila's copy of the notebook, never on the file.
"""
from __future__ import annotations

from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from advocacy_lab.core.catalogue import REFERENCE, languages, text, texts
from advocacy_lab.core.lesson_text import markdown_cells, read_translations


def page_titles(notebook: str) -> dict[str, str]:
    """The browser tab's title of a lesson page in every language, by language code."""
    from advocacy_lab.core.course import load_course

    course = load_course()
    module = course.module_of_notebook(notebook)
    titles = {}
    for lang in languages():
        name = text("page.course_name", lang)
        if notebook == course.landing_notebook:
            titles[lang] = text("page.title_landing", lang, course=name)
        elif module is not None:
            titles[lang] = text("page.title_module", lang, number=module.number, title=module.title_in(lang), course=name)
        else:
            titles[lang] = text("page.title_other", lang, page=Path(notebook).stem, course=name)
    return titles


def page_languages(notebook: str) -> dict:
    """What the page needs to show itself in every language (JSON): languages, titles, picker
    texts, and the failed cell's message (``cell_error``: {lang: {"title", "body"}})."""
    return {
        "languages": list(languages()),
        "titles": page_titles(notebook),
        "names": {lang: text("catalogue.language_name", lang) for lang in languages()},
        "picker_label": {lang: text("page.language_picker", lang) for lang in languages()},
        "cell_error": {lang: texts("server.cell_error", lang) for lang in languages()},
    }


def cell_alternates(cells, notebook_path: Path | None) -> dict[str, list[dict]]:
    """Each Markdown cell's alternates by cell id: ``[{"lang", "source", "shown_for", "stale"}]``.

    English first, shown for English and every language lacking that cell.
    Without a notebook path (nothing to find translations beside) English only.
    """
    translations = {
        lang: read_translations(notebook_path, lang) if notebook_path is not None else {}
        for lang in languages()
        if lang != REFERENCE
    }
    out = {}
    for cell in cells:
        english = {"lang": REFERENCE, "source": cell.source, "shown_for": [REFERENCE], "stale": False}
        alternates = [english]
        for lang, found in translations.items():
            entry = found.get(cell.id)
            if entry is None:
                english["shown_for"].append(lang)
            else:
                alternates.append(
                    {"lang": lang, "source": entry.text, "shown_for": [lang], "stale": not entry.is_current(cell)}
                )
        out[cell.id] = alternates
    return out


class LessonLanguages(Preprocessor):
    """Adds every language's title and lesson text to the notebook Voila renders (see the module doc)."""

    def _notebook_path(self, name: str | None) -> Path | None:
        # Voila gives the exporter its contents manager, rooted at the served folder.
        manager = getattr(self.parent, "contents_manager", None)
        root = getattr(manager, "root_dir", None)
        if not name or not root:
            return None
        path = Path(root) / f"{name}.ipynb"
        return path if path.is_file() else None

    def preprocess(self, nb, resources):
        name = (resources.get("metadata") or {}).get("name")
        notebook = f"{name}.ipynb" if name else ""
        page = page_languages(notebook)
        resources["advocacy_lab_page"] = page
        nb.metadata["title"] = page["titles"][REFERENCE]
        try:
            alternates = cell_alternates(markdown_cells(nb), self._notebook_path(name))
        except ValueError as error:
            # A broken translation file must not take the lesson down: English, and one log line.
            self.log.warning("Lesson %s shown in English only: %s", notebook, error)
            alternates = {}
        for cell in nb.cells:
            if cell.get("cell_type") == "markdown" and cell.get("id") in alternates:
                cell.metadata["advocacy_lab_lesson"] = alternates[cell["id"]]
        return nb, resources
