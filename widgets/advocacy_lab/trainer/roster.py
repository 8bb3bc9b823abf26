"""The cohort's roster: who the participants are, their organisation and the language they learn in.

``advocacy-lab roster import participants.csv`` writes it; the gradebook gets each participant
as an nbgrader student, and ``roster.json`` in the course folder keeps what nbgrader has no
field for (organisation, language). Feedback and the cohort report read it back here.
``advocacy-lab roster show`` lists it.

The participants' file (what ``roster import`` accepts, also said in its ``--help``):

- a CSV file in UTF-8, as Excel's "CSV UTF-8" saves it (a byte order mark is fine), at most
  1 MB and 1000 participants; cells separated by commas (or, when the header row has no comma,
  by semicolons or tabs, as some spreadsheets save CSV); a cell holding a comma in double quotes;
- a header row, then one row per participant (rows are numbered as a spreadsheet shows them:
  the header is row 1); blank rows are skipped;
- the columns, in any order, named case-insensitively (spaces, ``_`` and ``-`` alike):
  ``id``, ``name``, ``language`` and, optionally, ``organisation``, each also under the other
  spellings, English and Vietnamese, that ``roster_columns.json`` lists; other columns (an
  e-mail, a phone) are not imported, and the summary says so;
- an id becomes a folder name, an nbgrader student id and, on a JupyterHub, a Unix user name:
  lowercase ASCII letters, digits, ``-``, ``_`` and ``.``, starting with a letter (useradd's
  and adduser's rule: not a digit, ``-`` or ``.``), at most 32 characters (the Unix limit), and
  none of the accounts every server has (``root``, ``nobody``...). An id is never changed
  silently (JupyterHub folds case: "Lan" and "lan" would be one account): a wrong one is
  refused, with a safe id suggested where one can be made;
- a name is whatever the participant writes: any script, diacritics, emoji. Names are data,
  never markup: ``<b>`` stays the four characters it is, and everything that shows a name
  escapes it. Control characters (invisible: NUL, escape sequences that would drive a
  terminal, a tab or line break inside a cell) are taken out, a tab or line break becoming a
  space; runs of spaces become one; the name is stored in Unicode NFC (one code point per
  Vietnamese letter, whatever the keyboard typed). The summary names the rows where invisible
  characters other than spaces and line breaks were taken out. At most 128 characters (the
  size of nbgrader's name field); the same for organisations;
- the language: a course language code (``en``, ``vi``; ``vi-VN`` and ``en_GB`` too), or the
  language's own name (``English``, ``Tiếng Việt``), case-insensitively.

Nothing changes (no gradebook, no roster.json) until every row of the file is right: every
problem of the file is reported at once, with its row number, and the command exits with
status 2. Then each participant is added to, or updated in, nbgrader's gradebook with
nbgrader's own API, and roster.json is written whole (a temporary file, then ``os.replace``).
Importing the same file again changes nothing; a participant missing from the file is never
deleted (neither from the gradebook nor from roster.json), and the summary names them.
"""
from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import os
import re
import sys
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from advocacy_lab.core.catalogue import REFERENCE, languages

#: The roster beside the gradebook, in the course folder (never committed: it names people).
ROSTER_FILE = "roster.json"
SCHEMA_VERSION = 1

#: A workshop is 20 to 40 people: a file far bigger is the wrong file (an export of the whole
#: organisation's contacts), and reading it whole into memory is refused before it is read.
MAX_FILE_BYTES = 1_000_000
MAX_PARTICIPANTS = 1000
#: Linux user names are at most 32 characters (useradd); nbgrader's name fields are String(128).
MAX_ID_LENGTH = 32
MAX_TEXT_LENGTH = 128
#: An id is a folder name, an nbgrader student id and a Unix user name: lowercase ASCII, a letter first.
SAFE_ID = re.compile(r"[a-z][a-z0-9._-]*")
#: Accounts every Debian/Ubuntu server (and Jupyter's docker images) already has: a participant
#: given one of these ids would, on a JupyterHub, be logged in as that account.
RESERVED_IDS = frozenset({
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
    "www-data", "backup", "list", "irc", "gnats", "nobody", "systemd-network", "messagebus",
    "sshd", "admin", "jovyan", "ubuntu", "debian",
})

#: The columns of the participants' file and the header spellings accepted for each, in every
#: language of the course (``roster_columns.json``; compared after ``_header_key``: case-folded,
#: NFC, spaces, ``_`` and ``-`` alike).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    name: tuple(spellings)
    for name, spellings in json.loads(
        (Path(__file__).resolve().parent / "roster_columns.json").read_text(encoding="utf-8")
    )["columns"].items()
}
REQUIRED_COLUMNS = ("id", "name", "language")
#: Problems listed before "and N more": enough to see what is wrong, not a screenful per row.
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class Participant:
    """One participant: their nbgrader student id, name, organisation and course language."""

    id: str
    name: str
    organisation: str
    language: str


@dataclass(frozen=True)
class Finding:
    """One thing found in the participants' file: a problem that stops the import, or a note.

    ``code`` names its sentence (``trainer.roster.problem.<code>`` or ``trainer.roster.note.<code>``);
    ``row`` is the spreadsheet's row number (the header is 1), None for the file as a whole.
    """

    code: str
    row: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def in_language(self, lang: str, kind: str = "problem") -> str:
        from advocacy_lab.core.catalogue import text

        values = dict(self.values)
        if "field" in values:  # which cell, said in the trainer's language
            values["field"] = text(f"trainer.roster.field.{values['field']}", lang)
        sentence = text(f"trainer.roster.{kind}.{self.code}", lang, **values)
        if self.values.get("suggestion"):
            sentence += " " + text("trainer.roster.suggest", lang, suggestion=self.values["suggestion"])
        if self.row is None:
            return sentence
        return text("trainer.roster.row", lang, row=self.row, sentence=sentence)


@dataclass(frozen=True)
class RosterFile:
    """What a participants' file holds: its participants, or the problems that stop its import."""

    participants: tuple[Participant, ...]
    problems: tuple[Finding, ...] = ()
    notes: tuple[Finding, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ids added, updated and unchanged; ids in the gradebook but not in the file."""

    new: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    kept: tuple[str, ...]


# --- reading roster.json ----------------------------------------------------------------------

def read_roster(course: Path) -> tuple[Participant, ...]:
    """The participants of ``course``'s roster, in the order imported; ``()`` before any import.

    ValueError naming the file when it is not a roster this version wrote.
    """
    path = Path(course) / ROSTER_FILE
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(data.get("schema_version", SCHEMA_VERSION)) > SCHEMA_VERSION:
            raise ValueError(f"schema_version {data['schema_version']} is newer than this version reads")
        rows = data["participants"]
        return tuple(
            Participant(id=str(r["id"]), name=str(r["name"]), organisation=str(r["organisation"]), language=str(r["language"]))
            for r in rows
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a roster written by advocacy-lab roster import ({exc})") from None


def language_of(course: Path, student_id: str) -> str:
    """The language ``student_id`` learns in, from the roster; the reference language when unknown."""
    for participant in read_roster(course):
        if participant.id == student_id and participant.language in languages():
            return participant.language
    return REFERENCE


def write_roster(course: Path, participants: tuple[Participant, ...]) -> Path:
    """Write ``roster.json`` whole: a temporary file beside it, then ``os.replace``.

    A reader (feedback, the report) sees the old roster or the new one, never half of one,
    even when the import is interrupted. The file is the user's alone (mkstemp's 0600): it names people.
    """
    course = Path(course)
    path = course / ROSTER_FILE
    data = {"schema_version": SCHEMA_VERSION, "participants": [asdict(p) for p in participants]}
    fd, temporary = tempfile.mkstemp(dir=course, prefix=".roster.", suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --- the cells of the participants' file --------------------------------------------------------

def is_safe_id(student_id: str) -> bool:
    """True when ``student_id`` can be a folder name, an nbgrader student id and a Unix user name."""
    return len(student_id) <= MAX_ID_LENGTH and SAFE_ID.fullmatch(student_id) is not None


def suggest_id(raw: str) -> str | None:
    """A safe id made from ``raw`` ("Nguyễn Thị Lan" -> "nguyen-thi-lan"), or None when none can be made.

    Diacritics dropped (đ is d), lowercase, any run of other characters a ``-``.
    """
    ascii_ = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D"))
    ascii_ = "".join(ch for ch in ascii_ if not unicodedata.combining(ch)).lower()
    ascii_ = re.sub(r"[^a-z0-9._-]+", "-", ascii_)
    ascii_ = re.sub(r"-{2,}", "-", ascii_).lstrip("-._")[:MAX_ID_LENGTH].rstrip("-._")
    # An id starts with a letter: "9lives" has no safe id that keeps what was typed, so none is made up.
    if not ascii_ or ascii_ == raw or ascii_ in RESERVED_IDS or not is_safe_id(ascii_):
        return None
    return ascii_


#: Control characters that are plain layout: a tab or line break in a cell becomes a space, unsaid.
_LAYOUT = frozenset("\t\n\r\v\f")


def clean_text(raw: str) -> tuple[str, bool]:
    """A name or organisation as stored, and whether invisible control characters were taken out.

    NFC; control characters (Unicode category Cc: NUL, ESC, DEL, C1) become spaces, runs of
    white space one space, none at the ends. Everything else is kept as written: any script,
    emoji with their joiners (Cf), and characters like ``<`` (a name is data, never markup).
    """
    normal = unicodedata.normalize("NFC", raw)
    controls = {ch for ch in normal if unicodedata.category(ch) == "Cc"}
    spaced = "".join(" " if ch in controls else ch for ch in normal)
    return " ".join(spaced.split()), bool(controls - _LAYOUT)


def parse_language(cell: str) -> str | None:
    """The course language ``cell`` names (``vi``, ``VI``, ``vi-VN``, ``Tiếng Việt``), or None."""
    from advocacy_lab.core.catalogue import text

    value = unicodedata.normalize("NFC", cell).strip().casefold().replace("_", "-")
    for code in languages():
        if value == code or value.startswith(code + "-") or value == text("catalogue.language_name", code).casefold():
            return code
    return None


def language_choices() -> str:
    """``en (English), vi (Tiếng Việt)``: what a language cell may say."""
    from advocacy_lab.core.catalogue import text

    return ", ".join(f"{code} ({text('catalogue.language_name', code)})" for code in languages())


def shown(value: str, limit: int = 40) -> str:
    """A cell as a message quotes it: no control character (it would drive the terminal), not too long."""
    visible = "".join("\N{REPLACEMENT CHARACTER}" if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return visible if len(visible) <= limit else visible[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _header_key(cell: str) -> str:
    return re.sub(r"[\s_-]+", "_", unicodedata.normalize("NFC", cell).strip().casefold())


_HEADER_NAMES = {_header_key(spelling): column for column, spellings in COLUMNS.items() for spelling in spellings}


# --- the participants' file ---------------------------------------------------------------------

def decode(data: bytes) -> str | Finding:
    """The text of the file (UTF-8, a byte order mark dropped), or the problem why there is none."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # UTF-16 (Excel's "Unicode text") fails on its first bytes, Windows-1258 or Latin-1 at the first
        # letter with a diacritic: the line tells the trainer it is the encoding, not that row's content.
        return Finding("not_utf8", values={"line": data.count(b"\n", 0, exc.start) + 1})
    if not content.strip():
        return Finding("empty")
    return content


def _delimiter(content: str) -> str:
    """A comma, unless the header row has none and has semicolons or tabs (some spreadsheets' CSV)."""
    header = content.split("\n", 1)[0]
    if "," in header:
        return ","
    for other in (";", "\t"):
        if other in header:
            return other
    return ","


def parse_roster(data: bytes) -> RosterFile:
    """Check the participants' file ``data`` whole: its participants, or every problem in it. Pure."""
    content = decode(data)
    if isinstance(content, Finding):
        return RosterFile((), (content,))
    records: list[list[str]] = []
    problems: list[Finding] = []
    try:
        # strict: a stray quote is a problem on its row, not a row silently swallowed into one cell
        for record in csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(content), strict=True):
            records.append(record)
    except csv.Error as exc:
        problems.append(Finding("bad_csv", len(records) + 1, {"reason": str(exc)}))
    first = next((i for i, record in enumerate(records) if any(cell.strip() for cell in record)), None)
    if first is None:
        return RosterFile((), tuple(problems) or (Finding("empty"),))

    header = records[first]
    where: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        column = _HEADER_NAMES.get(_header_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(shown(cell.strip()))
        elif column in where:
            problems.append(Finding("duplicate_column", first + 1, {
                "column": column, "headers": f'"{shown(header[where[column]].strip())}", "{shown(cell.strip())}"'}))
        else:
            where[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in where]
    if missing:
        found = ", ".join(f'"{shown(cell.strip())}"' for cell in header if cell.strip()) or "-"
        problems.append(Finding("missing_columns", first + 1, {"columns": ", ".join(missing), "found": found}))
    if problems and (missing or not records[first + 1:]):
        return RosterFile((), tuple(problems))

    participants: list[Participant] = []
    notes: list[Finding] = []
    rows_of: dict[str, list[int]] = {}
    counted = 0
    for index in range(first + 1, len(records)):
        record, row = records[index], index + 1
        if not any(cell.strip() for cell in record):
            continue  # a blank row, as spreadsheets leave at the end
        counted += 1
        found_here: list[Finding] = []

        def cell(column: str) -> str:
            index_ = where.get(column)
            return record[index_] if index_ is not None and index_ < len(record) else ""

        student_id = cell("id").strip()
        if any(extra.strip() for extra in record[len(header):]):
            # The cells after an unquoted comma are shifted: their own problems would only mislead.
            problems.append(Finding("too_many_cells", row, {"count": len(record), "columns": len(header)}))
            if student_id:
                rows_of.setdefault(student_id, []).append(row)
            continue
        if not student_id:
            found_here.append(Finding("empty_id", row))
        else:
            rows_of.setdefault(student_id, []).append(row)
            if student_id in RESERVED_IDS:
                found_here.append(Finding("reserved_id", row, {"id": student_id}))
            elif not is_safe_id(student_id):
                found_here.append(Finding("unsafe_id", row, {
                    "id": shown(student_id), "max": MAX_ID_LENGTH, "suggestion": suggest_id(student_id) or ""}))

        name, name_cleaned = clean_text(cell("name"))
        if not name:
            found_here.append(Finding("empty_name", row))
        elif len(name) > MAX_TEXT_LENGTH:
            found_here.append(Finding("too_long", row, {"field": "name", "length": len(name), "max": MAX_TEXT_LENGTH}))
        organisation, organisation_cleaned = clean_text(cell("organisation"))
        if len(organisation) > MAX_TEXT_LENGTH:
            found_here.append(Finding("too_long", row, {
                "field": "organisation", "length": len(organisation), "max": MAX_TEXT_LENGTH}))

        language_cell = cell("language")
        language = parse_language(language_cell)
        if not language_cell.strip():
            found_here.append(Finding("empty_language", row, {"choices": language_choices()}))
        elif language is None:
            found_here.append(Finding("unknown_language", row, {
                "language": shown(language_cell.strip()), "choices": language_choices()}))

        if found_here:
            problems.extend(found_here)
            continue
        notes.extend(Finding("cleaned", row, {"field": which})
                     for which, cleaned in (("name", name_cleaned), ("organisation", organisation_cleaned)) if cleaned)
        participants.append(Participant(student_id, name, organisation, language or REFERENCE))

    for student_id, rows in rows_of.items():
        if len(rows) > 1:
            problems.append(Finding("duplicate_id", None, {"id": shown(student_id), "rows": ", ".join(map(str, rows))}))
    if counted == 0 and not problems:
        problems.append(Finding("no_participants"))
    if counted > MAX_PARTICIPANTS:
        problems.insert(0, Finding("too_many", None, {"count": counted, "max": MAX_PARTICIPANTS}))
    problems.sort(key=_problem_order)
    return RosterFile(tuple(participants), tuple(problems), tuple(notes), tuple(ignored))


def _problem_order(problem: Finding) -> tuple[int, int]:
    """The file's own problems first, then by row (a duplicate id at its first row)."""
    if problem.row is not None:
        return (1, problem.row)
    rows = str(problem.values.get("rows", ""))
    return (1, int(rows.split(",")[0])) if rows else (0, 0)


def read_participants_file(path: Path) -> RosterFile:
    """``parse_roster`` of the file at ``path``; a missing, unreadable or huge file is its problem.

    Never reads more than ``MAX_FILE_BYTES`` + 1 bytes: a huge file is refused without loading it.
    """
    path = Path(path)
    try:
        with path.open("rb") as participants_file:
            data = participants_file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return RosterFile((), (Finding("file_missing", values={"file": path}),))
    except OSError as exc:  # a folder, no permission
        return RosterFile((), (Finding("file_unreadable", values={"file": path, "reason": exc.strerror or exc}),))
    if len(data) > MAX_FILE_BYTES:
        return RosterFile((), (Finding("too_big", values={
            "limit": f"{MAX_FILE_BYTES / 1e6:g}", "max": MAX_PARTICIPANTS}),))
    return parse_roster(data)


# --- the gradebook ------------------------------------------------------------------------------

def import_participants(course: Path, participants: tuple[Participant, ...]) -> ImportResult:
    """Add or update every participant in the gradebook, with nbgrader's API, then write roster.json.

    Nobody is deleted: a participant in the gradebook or in roster.json but not in ``participants``
    stays in both (listed in ``kept``). Only participants whose data changed are written, so
    importing the same file again writes nothing in the gradebook. ValueError when roster.json
    is not one this version reads (before anything is written).
    """
    from nbgrader.api import Gradebook

    course = Path(course)
    previous = {p.id: p for p in read_roster(course)}
    ids = {p.id for p in participants}
    from .gradebook import gradebook_location

    url, course_id = gradebook_location(course)
    new, updated, unchanged = [], [], []
    with _new_gradebook_made_whole(url), Gradebook(url, course_id=course_id) as gradebook:
        before = {s.id: (s.first_name, s.last_name) for s in gradebook.students}
        for participant in participants:
            # The whole name goes in last_name, first_name empty: a name is not always "given family"
            # (a Vietnamese name starts with the family name: Nguyễn Thị Lan is Ms Lan), so any split
            # would guess wrong for someone. formgrader shows "last_name, first_name" (None for a null,
            # hence "" not None) and sorts by last_name: the name shows whole, as written, sorted by it.
            names = ("", participant.name)
            if participant.id not in before:
                new.append(participant.id)
            elif before[participant.id] != names or previous.get(participant.id) != participant:
                updated.append(participant.id)
            else:
                unchanged.append(participant.id)
                continue
            gradebook.update_or_create_student(participant.id, first_name=names[0], last_name=names[1])
        in_gradebook = set(before) | ids
    kept_in_roster = tuple(p for i, p in previous.items() if i not in ids)
    write_roster(course, (*participants, *kept_in_roster))
    kept = tuple(sorted((in_gradebook | set(previous)) - ids))
    return ImportResult(tuple(new), tuple(updated), tuple(unchanged), kept)


@contextmanager
def _new_gradebook_made_whole(url: str) -> Iterator[None]:
    """nbgrader's ``alembic`` found, and no half-made gradebook left behind.

    nbgrader's Gradebook runs the ``alembic`` executable by name to stamp a new database
    (``course.nbgrader_env`` says why), so this interpreter's scripts folder goes on PATH
    while it opens, even when the venv is not activated. A new SQLite gradebook whose making
    failed is removed: left without its version stamp, nbgrader would take it as an old one.
    """
    from advocacy_lab.course import nbgrader_env

    path = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
    existed = path is None or path.exists()
    saved = os.environ.get("PATH")
    os.environ["PATH"] = nbgrader_env()["PATH"]
    try:
        yield
    except BaseException:
        if not existed and path is not None:
            path.unlink(missing_ok=True)
        raise
    finally:
        if saved is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = saved


# --- the command --------------------------------------------------------------------------------

def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import text

    roster = sub.add_parser("roster", help=text("trainer.roster.help"), description=text("trainer.roster.help"))
    add_course_option(roster)
    actions = roster.add_subparsers(dest="roster_action", required=True, metavar="{import,show}")

    do_import = actions.add_parser(
        "import", help=text("trainer.roster.help_import"),
        description=text("trainer.roster.description_import", max_bytes=f"{MAX_FILE_BYTES / 1e6:g}",
                         max_participants=MAX_PARTICIPANTS, max_id=MAX_ID_LENGTH, max_text=MAX_TEXT_LENGTH),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    do_import.add_argument("file", metavar="FILE.csv", help=text("trainer.roster.help_file"))
    do_import.add_argument("--lang", choices=languages(), default=REFERENCE, help=text("trainer.roster.help_lang"))
    add_course_option(do_import)
    do_import.set_defaults(func=run_import)

    show = actions.add_parser("show", help=text("trainer.roster.help_show"), description=text("trainer.roster.help_show"))
    show.add_argument("--lang", choices=languages(), default=REFERENCE, help=text("trainer.roster.help_lang"))
    add_course_option(show)
    show.set_defaults(func=run_show)


def run_import(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text

    lang: str = args.lang
    course: Path = args.course
    checked = read_participants_file(Path(args.file))
    if not checked.clean:
        say = lambda line: print(line, file=sys.stderr)  # noqa: E731
        say(text("trainer.roster.refused", lang, file=args.file, count=len(checked.problems)))
        for problem in checked.problems[:MAX_PROBLEMS_SHOWN]:
            say(f"- {problem.in_language(lang)}")
        if len(checked.problems) > MAX_PROBLEMS_SHOWN:
            say(text("trainer.roster.more_problems", lang, count=len(checked.problems) - MAX_PROBLEMS_SHOWN))
        return 2
    try:
        read_roster(course)
    except ValueError as exc:
        print(text("trainer.roster.roster_unreadable", lang, file=course / ROSTER_FILE, reason=exc), file=sys.stderr)
        return 2
    try:
        result = import_participants(course, checked.participants)
    except Exception as exc:  # noqa: BLE001 - the database or the disk: said in a sentence, never a traceback
        print(text("trainer.roster.write_failed", lang, course=course, reason=_reason(exc)), file=sys.stderr)
        return 1
    print(text("trainer.roster.summary", lang, total=len(checked.participants), new=len(result.new),
               updated=len(result.updated), unchanged=len(result.unchanged)))
    for note in checked.notes:
        print(note.in_language(lang, "note"))
    if checked.ignored_columns:
        print(text("trainer.roster.ignored_columns", lang, columns=", ".join(checked.ignored_columns)))
    if result.kept:
        print(text("trainer.roster.kept", lang, count=len(result.kept), ids=", ".join(result.kept)))
    print(text("trainer.roster.written", lang, roster=course / ROSTER_FILE))
    return 0


def _reason(exc: BaseException) -> str:
    """The first line of an error's own message (SQLAlchemy's run to several lines)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def run_show(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text

    lang: str = args.lang
    course: Path = args.course
    try:
        participants = read_roster(course)
    except ValueError as exc:
        print(text("trainer.roster.roster_unreadable", lang, file=course / ROSTER_FILE, reason=exc), file=sys.stderr)
        return 2
    if not participants:
        print(text("trainer.roster.show_empty", lang, course=course))
        return 0
    print(text("trainer.roster.show_header", lang, count=len(participants), roster=course / ROSTER_FILE))
    width = max(len(p.id) for p in participants)
    for p in participants:
        organisation = f" ({p.organisation})" if p.organisation else ""
        print(f"{p.id:<{width}}  {p.language}  {p.name}{organisation}")
    return 0
