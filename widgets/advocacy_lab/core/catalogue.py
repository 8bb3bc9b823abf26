"""The text catalogue: every learner- and trainer-facing sentence, one JSON file per language.

``locales/<lang>.json`` maps a dotted key (``"connection.lost"``) to a
sentence, with ``{name}`` placeholders filled by :func:`text`. English is the
reference: every other language must have the same keys and placeholders
(``tests/test_catalogue.py``). A key missing from a language falls back to
English, so a half-translated language still shows a whole page.

Core functions raise or return *codes* (catalogue keys); the interface turns
them into sentences with :func:`text`. Pure: no GUI import.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Union

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
#: Each module keeps its own texts beside its code (``modules/<package>/locales/<lang>.json``);
#: they are merged into the one catalogue of each language, so keys stay global and unique.
MODULES_DIR = Path(__file__).resolve().parent.parent / "modules"
#: The trainer's side keeps its texts beside its code too (``trainer/locales/<lang>.json``).
TRAINER_LOCALES_DIR = Path(__file__).resolve().parent.parent / "trainer" / "locales"
#: The reference language; the others are checked against it.
REFERENCE = "en"


@lru_cache(maxsize=None)
def languages() -> tuple[str, ...]:
    """Language codes with a catalogue, the reference first (``("en", "vi")``)."""
    found = sorted(p.stem for p in LOCALES_DIR.glob("*.json"))
    return (REFERENCE, *[code for code in found if code != REFERENCE])


def check_language(lang: str) -> str:
    """``lang`` if the course has a catalogue for it; else a ValueError naming the choices."""
    if lang not in languages():
        raise ValueError(f"lang must be one of {', '.join(map(repr, languages()))}, not {lang!r}")
    return lang


def catalogue_files(lang: str) -> tuple[Path, ...]:
    """The files one language's catalogue is made of: the course's, each module's, the trainer side's."""
    return (
        LOCALES_DIR / f"{lang}.json",
        *sorted(MODULES_DIR.glob(f"*/locales/{lang}.json")),
        TRAINER_LOCALES_DIR / f"{lang}.json",
    )


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The sentences of one language, by key (a copy is not made: do not modify).

    The course's file and every module's file of that language, merged; a key
    given by two files is a ValueError (each text has one home).
    """
    check_language(lang)
    merged: dict[str, str] = {}
    where: dict[str, Path] = {}
    for path in catalogue_files(lang):
        if not path.is_file():
            continue  # a module not translated yet: English is the fallback
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ValueError(f"{path.relative_to(LOCALES_DIR.parent)} must map keys to strings")
        for key in data:
            if key in merged:
                raise ValueError(
                    f"the text {key!r} is in both {where[key].relative_to(LOCALES_DIR.parent)} "
                    f"and {path.relative_to(LOCALES_DIR.parent)}: keep it in one"
                )
            where[key] = path
        merged.update(data)
    return merged


def placeholders(sentence: str) -> set[str]:
    """The ``{name}`` fields of a sentence."""
    return {field for _, field, _, _ in string.Formatter().parse(sentence) if field}


def text(key: str, lang: str = REFERENCE, /, **values: Any) -> str:
    """The sentence for ``key`` in ``lang``, placeholders filled from ``values``.

    Falls back to English for a key the language lacks; a key no catalogue
    has is a programming error (KeyError), caught by the tests.
    """
    sentences = catalogue(lang)
    sentence = sentences.get(key)
    if sentence is None:
        sentence = catalogue(REFERENCE)[key]
    return sentence.format(**values) if values else sentence


def texts(prefix: str, lang: str = REFERENCE) -> dict[str, str]:
    """Every sentence whose key starts with ``prefix + "."``, keyed by the rest (for a page script)."""
    start = prefix + "."
    merged = {k[len(start):]: v for k, v in catalogue(REFERENCE).items() if k.startswith(start)}
    merged.update({k[len(start):]: v for k, v in catalogue(lang).items() if k.startswith(start)})
    return merged


class CodedMessage:
    """Mixin for errors and notes the core raises or returns as codes.

    ``code`` (a catalogue key) and ``values`` say it in any language
    (``in_language``); ``str()`` of an exception is the English sentence.
    """

    code: str
    values: Mapping[str, Any]

    def __init__(self, code: str, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(text(code, REFERENCE, **values))

    def in_language(self, lang: str) -> str:
        return text(self.code, lang, **self.values)


@dataclass(frozen=True)
class TextKey:
    """A fixed text named by its catalogue key, put into words only when shown (``localized``)."""

    key: str


#: A fixed (non-learner) text: a catalogue key, a per-language mapping (``{"en": ..., "vi": ...}``,
#: for parts registered from code), or plain text.
Label = Union[TextKey, Mapping[str, str], str]


def localized(label: Label, lang: str = REFERENCE) -> str:
    """The words of ``label`` in ``lang`` (English when the language lacks them)."""
    if isinstance(label, TextKey):
        return text(label.key, lang)
    if isinstance(label, Mapping):
        return label.get(lang) or label.get(REFERENCE) or next(iter(label.values()), "")
    return str(label)
