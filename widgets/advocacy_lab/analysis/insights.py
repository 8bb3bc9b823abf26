"""``load_insights``: a post export (Facebook Page Insights, Meta Business Suite, the course's
case studies) as a table with canonical column names.

What it copes with, because real exports do all of it: CSV or XLSX; comma,
semicolon or tab separators; CR (old Mac, as the UCI file), LF or CRLF line
endings; a UTF-8 (or UTF-16) byte-order mark; empty cells; thousands separators
("12,345", "12.345", "12 345") and decimal commas; Page Insights' second header
row of descriptions. Known columns (``data/insights_columns.json``) get their
canonical names; the others are kept as they are.

What it refuses, with an ``InsightsError`` (a ValueError carrying a catalogue
code): an empty, oversized, unreadable or malformed file, an old binary .xls,
and a table with none of the known columns (the message names what was
expected). What it reads but cannot use (a word in a number column, a negative
count) becomes a missing value, and ``table.attrs["notes"]`` says so.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from advocacy_lab.core.catalogue import CodedMessage

from .notes import DataNote

if TYPE_CHECKING:
    import pandas as pd

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "insights_columns.json"
#: Larger than any one page's post export (50,000 posts is about 10 MB of CSV); an upload
#: beyond it is refused before it is read, so one file cannot take the kernel's memory.
MAX_INSIGHTS_BYTES = 20 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class InsightsError(CodedMessage, ValueError):
    """A post export that cannot be read; ``in_language(lang)`` says why and what to do."""


def _normalise(name: Any) -> str:
    name = re.sub(r"\(.*?\)", " ", str(name).replace("\ufeff", ""))
    return " ".join(re.sub(r"[^\w]+|_", " ", name.casefold()).split())


@lru_cache(maxsize=1)
def _spec() -> tuple[Mapping[str, str], tuple[str, ...], tuple[str, ...]]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    aliases = {}
    for canonical, names in data["columns"].items():
        for name in (canonical, *names):
            aliases.setdefault(_normalise(name), canonical)
    return MappingProxyType(aliases), tuple(data["columns"]), tuple(data["numbers"])


CANONICAL_COLUMNS: tuple[str, ...] = _spec()[1]
NUMBER_COLUMNS: tuple[str, ...] = _spec()[2]

# Thousands grouped by comma, dot, space, apostrophe (Swiss) or thin/no-break spaces.
_GROUPED = {
    ",": re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"),
    ".": re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"),
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_PAID = {"paid": 1.0, "yes": 1.0, "true": 1.0, "có": 1.0, "organic": 0.0, "no": 0.0, "false": 0.0, "không": 0.0}


def _number(cell: str, decimal_comma: bool) -> float | None:
    """One cell as a number, or None when it is not one ("" is None too)."""
    cell = _SPACES.sub("", cell).lstrip("+")
    if not cell:
        return None
    order = (".", ",") if decimal_comma else (",", ".")
    for mark in order:
        if _GROUPED[mark].match(cell):
            cell = cell.replace(mark, "")
            return float(cell.replace(",", "."))
    if _DECIMAL_COMMA.match(cell):
        return float(cell.replace(",", "."))
    try:
        number = float(cell)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _read_bytes(source: Any) -> tuple[bytes, str]:
    """The file's bytes and a name for messages, refusing what is too large before reading it all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = "upload"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        try:
            size = path.stat().st_size
            if size > MAX_INSIGHTS_BYTES:
                raise InsightsError("analysis.file.too_large", name=name, size=_megabytes(size), limit=_megabytes(MAX_INSIGHTS_BYTES))
            data = path.read_bytes()
        except OSError as exc:
            raise InsightsError("analysis.file.unreadable", name=name, reason=exc.strerror or type(exc).__name__) from None
    else:
        raise TypeError(f"source must be a path or bytes, not {type(source).__name__}")
    if len(data) > MAX_INSIGHTS_BYTES:
        raise InsightsError("analysis.file.too_large", name=name, size=_megabytes(len(data)), limit=_megabytes(MAX_INSIGHTS_BYTES))
    return data, name


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InsightsError("analysis.file.encoding", name=name) from None
    if "\x00" in text:  # a binary file that happens to decode
        raise InsightsError("analysis.file.not_a_table", name=name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _separator(text: str) -> str:
    header = next((line for line in text.split("\n") if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _read_table(data: bytes, name: str, filename: str) -> tuple["pd.DataFrame", bool]:
    """The raw table, every cell as text (None for empty), and whether decimals use a comma."""
    import pandas as pd

    if data.startswith(_XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise InsightsError("analysis.file.old_excel", name=name)
    if data.startswith(_XLSX_MAGIC):
        try:
            table = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        except Exception:  # noqa: BLE001 - a damaged workbook fails in many ways inside openpyxl
            raise InsightsError("analysis.file.malformed", name=name) from None
        return table, False
    text = _decode(data, name)
    if not text.strip():
        raise InsightsError("analysis.file.empty", name=name)
    sep = _separator(text)
    try:
        with warnings.catch_warnings():
            # A row one field longer than the header is read with that field dropped, and only
            # a warning says so: for a learner's data that is a malformed file, not a quiet loss.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True, index_col=False
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error, ValueError):
        raise InsightsError("analysis.file.malformed", name=name) from None
    return table, sep == ";"


def _rename(table: "pd.DataFrame") -> "pd.DataFrame":
    aliases = _spec()[0]
    names: list[str] = []
    taken: set[str] = set()
    for column in table.columns:
        canonical = aliases.get(_normalise(column))
        if canonical is not None and canonical not in taken:
            taken.add(canonical)
            names.append(canonical)
        else:
            name = str(column).replace("\ufeff", "").strip() or "-"
            while name in names or name in taken:  # never two columns of one name
                name += "'"
            names.append(name)
    table.columns = names
    return table


def _description_row(table: "pd.DataFrame", numbers: list[str], decimal_comma: bool) -> bool:
    # Page Insights repeats the header with a sentence per column ("Lifetime: The number of people...").
    if len(table) < 1 or not numbers:
        return False
    first = [table[c].iloc[0] for c in numbers]
    return all(isinstance(cell, str) and cell.strip() and _number(cell, decimal_comma) is None for cell in first)


def load_insights(source: str | os.PathLike[str] | bytes, *, filename: str = "") -> "pd.DataFrame":
    """The post export at ``source`` (a path, or an upload's bytes) as a DataFrame.

    Known columns are renamed to their canonical names (``CANONICAL_COLUMNS``; at
    least one must be present), number columns hold floats (NaN where empty or
    unusable), the rest is kept as text. ``table.attrs["notes"]`` is a tuple of
    ``DataNote`` about what was set aside. Raises ``InsightsError`` (a ValueError)
    for a file that cannot be read as a post export.
    """
    import pandas as pd

    data, name = _read_bytes(source)
    if filename and not isinstance(source, (str, os.PathLike)):
        name = Path(filename).name or name  # an upload's own name, in every message about it
    filename = filename or (str(source) if isinstance(source, (str, os.PathLike)) else "")
    if not data:
        raise InsightsError("analysis.file.empty", name=name)
    table, decimal_comma = _read_table(data, name, str(filename))
    table = _rename(table)
    known = [c for c in CANONICAL_COLUMNS if c in table.columns]
    if not known:
        found = ", ".join(str(c) for c in list(table.columns)[:6]) or "-"
        raise InsightsError(
            "analysis.file.no_known_columns", name=name, expected=", ".join(CANONICAL_COLUMNS), found=found
        )
    numbers = [c for c in NUMBER_COLUMNS if c in table.columns]
    notes: list[DataNote] = []
    if _description_row(table, numbers, decimal_comma):
        table = table.iloc[1:]
        notes.append(DataNote.of("analysis.load.description_row"))
    table = table.reset_index(drop=True)
    for column in table.columns:
        if column not in numbers:
            table[column] = table[column].map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    for column in numbers:
        cells = table[column].map(lambda v: v if isinstance(v, str) else ("" if v is None or v != v else str(v)))
        if column == "paid":
            values = cells.map(lambda v: _PAID.get(v.strip().casefold(), _number(v, decimal_comma)))
        else:
            values = cells.map(lambda v: _number(v, decimal_comma))
        values = pd.to_numeric(values, errors="coerce").astype("float64")
        unreadable = int((values.isna() & cells.str.strip().ne("")).sum())
        if unreadable:
            example = next(v for v, n in zip(cells, values) if n != n and v.strip())
            notes.append(DataNote.of("analysis.load.not_numbers", column=column, count=unreadable, example=example[:40]))
        negative = int((values < 0).sum())
        if negative:
            notes.append(DataNote.of("analysis.load.negative", column=column, count=negative))
            values = values.where(~(values < 0))
        table[column] = values
    table.attrs["notes"] = tuple(notes)
    table.attrs["source"] = name
    return table
