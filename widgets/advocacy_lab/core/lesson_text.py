"""Lesson text in other languages: one translation file per lesson and language, per cell.

A lesson has one source, its notebook (English, the reference). Its Markdown
cells are translated beside it, in ``translations/<lang>/<notebook stem>.json``
next to the notebook::

    {
      "cell-00": {"source_sha256": "<sha256 of the English cell source>",
                  "text": ["# Xây dựng thông điệp chiến dịch", "", "..."]}
    }

``text`` is the translated Markdown, as a list of lines (readable diffs for
translators) or one string. ``source_sha256`` records which English text was
translated: when the English cell changes, its hash no longer matches and the
translation is *stale* until a translator updates it and stamps the new hash
(``scripts/lesson-translations stamp``). A cell with no entry is *missing*.

Pure: plain JSON files, no GUI import. Problems in a translation file are
ValueErrors naming the file and the cell.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal, Mapping

from advocacy_lab.core.catalogue import REFERENCE, check_language, languages, text

#: The folder, next to the lessons, that holds ``<lang>/<stem>.json``.
TRANSLATIONS_FOLDER = "translations"

ProblemKind = Literal["missing", "stale", "orphan"]


def source_hash(source: str) -> str:
    """The SHA-256 (hex) of a cell's English Markdown, as stored in the notebook."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MarkdownCell:
    """A Markdown cell of a lesson: its id and English source."""

    id: str
    source: str

    @property
    def sha256(self) -> str:
        return source_hash(self.source)


@dataclass(frozen=True)
class CellTranslation:
    """One cell's translation, and the hash of the English it translates."""

    source_sha256: str
    text: str

    def is_current(self, cell: MarkdownCell) -> bool:
        return self.source_sha256 == cell.sha256


@dataclass(frozen=True)
class TranslationProblem:
    """A cell a language lacks (missing), translates from older English (stale), or no longer has (orphan)."""

    notebook: str  # file name, e.g. "04-campaign-message.ipynb"
    lang: str
    cell_id: str
    kind: ProblemKind

    def describe(self, lang: str = REFERENCE) -> str:
        """The problem in a sentence for translators, in ``lang``; it names the notebook and the cell."""
        return text(f"lesson_text.{self.kind}", lang, notebook=self.notebook, cell=self.cell_id, lang=self.lang)


def _cell_source(cell: Mapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def markdown_cells(notebook: Mapping) -> tuple[MarkdownCell, ...]:
    """The Markdown cells of a notebook (its JSON, or an nbformat node), in order.

    Every Markdown cell needs an id (nbformat 4.5): translations key on it.
    """
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id:
            raise ValueError(f"Markdown cell {index} has no id: translations key on cell ids (nbformat 4.5)")
        cells.append(MarkdownCell(cell_id, _cell_source(cell)))
    return tuple(cells)


def read_notebook_cells(notebook_path: Path) -> tuple[MarkdownCell, ...]:
    """The Markdown cells of the lesson at ``notebook_path``."""
    try:
        notebook = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{notebook_path}: cannot read the notebook ({error})") from None
    try:
        return markdown_cells(notebook)
    except ValueError as error:
        raise ValueError(f"{Path(notebook_path).name}: {error}") from None


def translation_path(notebook_path: Path, lang: str) -> Path:
    """Where the ``lang`` translation of a lesson lives: ``translations/<lang>/<stem>.json`` beside it."""
    notebook_path = Path(notebook_path)
    return notebook_path.parent / TRANSLATIONS_FOLDER / check_language(lang) / f"{notebook_path.stem}.json"


def _parse_translations(data: object, where: str) -> dict[str, CellTranslation]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: must map Markdown cell ids to {{\"source_sha256\", \"text\"}}")
    out = {}
    for cell_id, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != {"source_sha256", "text"}:
            raise ValueError(f"{where}: cell {cell_id!r} must have exactly \"source_sha256\" and \"text\"")
        digest, text = entry["source_sha256"], entry["text"]
        if not isinstance(digest, str):
            raise ValueError(f"{where}: cell {cell_id!r}: source_sha256 must be a string")
        if isinstance(text, list) and all(isinstance(line, str) for line in text):
            text = "\n".join(text)
        if not isinstance(text, str):
            raise ValueError(f"{where}: cell {cell_id!r}: text must be a string or a list of lines")
        out[cell_id] = CellTranslation(digest, text)
    return out


@lru_cache(maxsize=64)
def _read_translations_cached(path: str, _mtime_ns: int, _size: int) -> dict[str, CellTranslation]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    return _parse_translations(data, path)


def read_translations(notebook_path: Path, lang: str) -> dict[str, CellTranslation]:
    """The ``lang`` translations of a lesson's cells, by cell id ({} when there is no file).

    Cached by the file's modification time and size: a page render reads it
    without touching the disk twice, and an edited file is read again.
    """
    path = translation_path(notebook_path, lang)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return dict(_read_translations_cached(str(path), stat.st_mtime_ns, stat.st_size))


def translated_languages() -> tuple[str, ...]:
    """The languages lessons must be translated into: every catalogue language but the reference."""
    return tuple(code for code in languages() if code != REFERENCE)


def lesson_problems(notebook_path: Path, langs: Iterable[str] | None = None) -> list[TranslationProblem]:
    """What translators still have to do for one lesson, in notebook order per language."""
    notebook_path = Path(notebook_path)
    cells = read_notebook_cells(notebook_path)
    problems = []
    for lang in translated_languages() if langs is None else langs:
        translations = read_translations(notebook_path, lang)
        for cell in cells:
            found = translations.get(cell.id)
            if found is None:
                problems.append(TranslationProblem(notebook_path.name, lang, cell.id, "missing"))
            elif not found.is_current(cell):
                problems.append(TranslationProblem(notebook_path.name, lang, cell.id, "stale"))
        known = {cell.id for cell in cells}
        problems += [
            TranslationProblem(notebook_path.name, lang, cell_id, "orphan")
            for cell_id in translations
            if cell_id not in known
        ]
    return problems


def _lines(text: str) -> list[str]:
    return text.split("\n")


def write_translations(notebook_path: Path, lang: str, translations: Mapping[str, CellTranslation]) -> Path:
    """Write a lesson's translations, cells in notebook order (others last), text as lines."""
    notebook_path = Path(notebook_path)
    order = {cell.id: i for i, cell in enumerate(read_notebook_cells(notebook_path))}
    ids = sorted(translations, key=lambda cell_id: (order.get(cell_id, len(order)), cell_id))
    data = {
        cell_id: {"source_sha256": translations[cell_id].source_sha256, "text": _lines(translations[cell_id].text)}
        for cell_id in ids
    }
    path = translation_path(notebook_path, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def stamp(notebook_path: Path, lang: str, cell_ids: Iterable[str] | None = None) -> list[str]:
    """Record the current English hash on translated cells (after a translator updated them).

    ``cell_ids``: the cells to stamp (each must have a translation); default:
    every stale cell. Returns the ids stamped.
    """
    notebook_path = Path(notebook_path)
    cells = {cell.id: cell for cell in read_notebook_cells(notebook_path)}
    translations = read_translations(notebook_path, lang)
    if cell_ids is None:
        chosen = [cid for cid, cell in cells.items() if cid in translations and not translations[cid].is_current(cell)]
    else:
        chosen = list(cell_ids)
        for cell_id in chosen:
            if cell_id not in cells:
                raise ValueError(f"{notebook_path.name} has no Markdown cell {cell_id!r}")
            if cell_id not in translations:
                raise ValueError(f"{notebook_path.name}: cell {cell_id!r} has no {lang} translation to stamp")
    if chosen:
        for cell_id in chosen:
            translations[cell_id] = CellTranslation(cells[cell_id].sha256, translations[cell_id].text)
        write_translations(notebook_path, lang, translations)
    return chosen
