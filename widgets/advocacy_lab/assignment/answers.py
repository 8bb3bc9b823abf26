"""The answers file of a graded exercise: what the learner answered through the widgets.

Pure (no ipywidgets, IPython or matplotlib): the notebook's widgets write it and
nbgrader's test cells read it, so both sides agree on one format.

One file beside the notebook, in the assignment folder, so that nbgrader's
``submit`` and ``collect`` carry it with the notebook::

    <assignment folder>/campaign-message.ipynb
    <assignment folder>/campaign-message.answers.json

Its format is the drafts file's (``core.drafts``): one record per answered part,
each with its schema version and the time it was saved::

    {"schema_version": 1, "drafts": {"<answer key>": {"schema_version": 1, "saved_at": "…", "data": {…}}}}

so the widgets save it with the same atomic, locked writer as drafts
(``FileDraftStore``: temporary file, fsync, ``os.replace``).

Grading reads it with :meth:`Answers.read`: every problem (no file, a blank or
damaged file, a file too large, a field left blank or holding the wrong kind of
value) is an :class:`AnswerProblem` carrying a catalogue code, an
``AssertionError`` so a test cell that meets one scores 0 and shows the reason
in plain words, never a traceback of ours. Only plain JSON is ever parsed (never
a pickle), and every value handed to a check is an exact ``str``, ``int`` or
``bool``: a hand-edited file cannot smuggle in an object that claims to equal
anything.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Mapping

from advocacy_lab.core.catalogue import REFERENCE, Label, TextKey, localized, text
from advocacy_lab.core.drafts import PROBLEM_NEWER, PROBLEM_UNREADABLE, parse_drafts_file
from advocacy_lab.core.text import MAX_FIELD_CHARS

#: The answers file is named after its notebook: ``<notebook stem>.answers.json``.
ANSWERS_SUFFIX = ".answers.json"

#: Largest answers file read. A full sheet of long answers is far below it
#: (every text field holds at most MAX_FIELD_CHARS characters); a larger file was not written by the widgets.
MAX_ANSWERS_BYTES = 2 * 1024 * 1024

#: Longest whole-number answer read (digits): more is not a count a learner types.
MAX_NUMBER_DIGITS = 9

#: How much of an answer a test cell shows beside its score.
SHOWN_ANSWER_CHARS = 2000


#: Set by nbgrader in the kernel while it autogrades or validates a notebook.
GRADING_ENV = "NBGRADER_EXECUTION"


def being_graded(environ: Mapping[str, str] | None = None) -> bool:
    """True in a kernel nbgrader runs to grade (or validate) the notebook."""
    env = os.environ if environ is None else environ
    return bool(env.get(GRADING_ENV, "").strip())


#: Set in a kernel Voila starts (as ``ui.stores.running_under_voila`` reads them; a test keeps the two in step).
VOILA_ENV = ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_SERVER_URL", "VOILA_APP_PORT")


def served_by_voila(environ: Mapping[str, str] | None = None) -> bool:
    """True in a kernel Voila runs: the exercise is a self-check page, its answers in the learner's browser."""
    env = os.environ if environ is None else environ
    if env.get("SERVER_SOFTWARE", "").lower().startswith("voila"):
        return True
    return any(env.get(name) for name in VOILA_ENV)


def answers_file_name(notebook: str) -> str:
    """``campaign-message`` (or ``campaign-message.ipynb``) -> ``campaign-message.answers.json``."""
    stem = notebook[: -len(".ipynb")] if notebook.endswith(".ipynb") else notebook
    if not stem or "/" in stem or "\\" in stem or stem in (".", ".."):
        raise ValueError(f"A notebook name for an answers file must be a plain file name, not {notebook!r}.")
    return stem + ANSWERS_SUFFIX


def answers_path(notebook: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """The answers file of ``notebook`` in ``folder`` (default: the working folder, the notebook's own
    in JupyterLab and under nbgrader)."""
    return Path(folder if folder is not None else os.getcwd()) / answers_file_name(notebook)


class AnswerProblem(AssertionError):
    """Why an answer earns nothing: a catalogue ``code`` and its ``values``, said in any language.

    ``str()`` is the English sentence. A value may be a ``Label`` (a ``TextKey`` or a
    per-language mapping), put into the words of the language asked for.
    """

    def __init__(self, code: str, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(self.in_language(REFERENCE))

    def in_language(self, lang: str) -> str:
        words = {
            name: localized(value, lang) if isinstance(value, (TextKey, Mapping)) else value
            for name, value in self.values.items()
        }
        return text(self.code, lang, **words)


def expect(condition: bool, code: str, **values: Any) -> None:
    """Raise ``AnswerProblem(code, **values)`` unless ``condition`` is exactly True.

    ``is True``, not truthiness: a value whose ``__bool__`` or ``__eq__`` lies earns nothing.
    """
    if condition is not True:
        raise AnswerProblem(code, **values)


class Answers:
    """The answers read from one answers file: draft key -> the part's data (plain JSON)."""

    def __init__(self, parts: Mapping[str, Mapping[str, Any]], *, file: str = "") -> None:
        self._parts = {str(k): dict(v) for k, v in parts.items()}
        self.file = file

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> "Answers":
        """Read the answers file at ``path``; an ``AnswerProblem`` says why it cannot be read."""
        path = Path(path)
        file = path.name
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise AnswerProblem("assignment.answers.missing", file=file) from None
        except OSError:
            raise AnswerProblem("assignment.answers.unreadable", file=file) from None
        # Only a regular file: a folder, a FIFO or a device (which could block or never end) is not read.
        if not stat.S_ISREG(info.st_mode):
            raise AnswerProblem("assignment.answers.unreadable", file=file)
        if info.st_size > MAX_ANSWERS_BYTES:
            raise AnswerProblem("assignment.answers.too_large", file=file, limit=_megabytes(MAX_ANSWERS_BYTES))
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_ANSWERS_BYTES + 1)
        except OSError:
            raise AnswerProblem("assignment.answers.unreadable", file=file) from None
        if len(raw) > MAX_ANSWERS_BYTES:  # grew while being read
            raise AnswerProblem("assignment.answers.too_large", file=file, limit=_megabytes(MAX_ANSWERS_BYTES))
        if not raw.strip():
            raise AnswerProblem("assignment.answers.empty", file=file)
        records, problem = parse_drafts_file(raw)
        if problem == PROBLEM_NEWER:
            raise AnswerProblem("assignment.answers.newer", file=file)
        if problem == PROBLEM_UNREADABLE:
            raise AnswerProblem("assignment.answers.unreadable", file=file)
        # A partly damaged file keeps the parts that could be read; the others count as not answered.
        return cls({key: record["data"] for key, record in records.items()}, file=file)

    # -- one part, one field -------------------------------------------------
    def part(self, key: str, part: Label) -> dict[str, Any]:
        """The data of the part saved under ``key``; ``part`` is how the learner knows it."""
        data = self._parts.get(key)
        if data is None:
            raise AnswerProblem("assignment.answers.not_answered", part=part)
        return data

    def _field(self, key: str, part: Label, field: str, label: Label) -> Any:
        data = self.part(key, part)
        if field not in data or data[field] is None:
            raise AnswerProblem("assignment.answers.blank", field=label)
        return data[field]

    def text(self, key: str, part: Label, field: str, label: Label) -> str:
        """The text of ``field``: an exact ``str``, not blank, at most MAX_FIELD_CHARS characters."""
        value = self._field(key, part, field, label)
        if type(value) is not str:
            raise AnswerProblem("assignment.answers.wrong_kind", field=label, kind=TextKey("assignment.kind.text"))
        if not value.strip():
            raise AnswerProblem("assignment.answers.blank", field=label)
        if len(value) > MAX_FIELD_CHARS:
            raise AnswerProblem("assignment.answers.too_long", field=label, limit=f"{MAX_FIELD_CHARS:,}")
        return str(value)

    def whole_number(self, key: str, part: Label, field: str, label: Label) -> int:
        """A whole number typed as text ("372"): digits only, at most MAX_NUMBER_DIGITS of them."""
        value = self.text(key, part, field, label).strip()
        # ASCII digits only: str.isdigit() would also take "²" or Thai digits that int() reads differently.
        if not (value.isascii() and value.isdigit() and len(value) <= MAX_NUMBER_DIGITS):
            raise AnswerProblem(
                "assignment.answers.not_whole_number", field=label, answer=shown_answer(value, 40)
            )
        return int(value)

    def choice(self, key: str, part: Label, field: str, label: Label, choices: tuple[Any, ...]) -> Any:
        """One of ``choices``, of exactly the same type (``True`` is not ``1``)."""
        value = self._field(key, part, field, label)
        for choice in choices:
            if type(value) is type(choice) and value == choice:
                return choice  # ours, not the file's object
        raise AnswerProblem("assignment.answers.wrong_kind", field=label, kind=TextKey("assignment.kind.choice"))


def shown_answer(value: Any, limit: int = SHOWN_ANSWER_CHARS) -> str:
    """An answer as a trainer reads it beside its score: plain text, bidi controls dropped, cut at ``limit``."""
    from advocacy_lab.core.text import strip_bidi_controls

    words = strip_bidi_controls(value if isinstance(value, str) else repr(value))
    return words if len(words) <= limit else words[:limit] + "…"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
