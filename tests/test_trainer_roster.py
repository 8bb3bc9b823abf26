"""``advocacy-lab roster import participants.csv`` (issue #11): the participants into nbgrader's gradebook.

- a good file (Excel's CSV UTF-8: byte order mark, CRLF; Vietnamese names with diacritics, typed
  decomposed or not; header spellings; language names) puts every participant in the real
  gradebook through nbgrader's API, with the whole name in last_name, and in roster.json;
- every kind of bad row is reported with its row number, all at once, exit status 2, and
  nothing changes: no gradebook, no roster.json made, an existing one untouched;
- re-importing is idempotent; a participant missing from a later file is kept, and said so;
- names are data: markup kept as text, control characters taken out and said;
- the messages in Vietnamese (``--lang vi``); ``roster show``; the real installed command.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy_lab import cli
from advocacy_lab.core.catalogue import text
from advocacy_lab.course import COURSE_MARKER, nbgrader_env
from advocacy_lab.trainer import roster
from advocacy_lab.trainer.roster import (
    MAX_FILE_BYTES,
    MAX_ID_LENGTH,
    MAX_PARTICIPANTS,
    Finding,
    Participant,
    is_safe_id,
    language_of,
    parse_language,
    parse_roster,
    read_roster,
    suggest_id,
)
from server_support import advocacy_lab_command

ROOT = Path(__file__).resolve().parents[1]
BOM = codecs.BOM_UTF8
COURSE_ID = "advocacy-lab"  # nbgrader_config.py's

#: What Excel's "CSV UTF-8" writes: a byte order mark, CRLF line ends, quotes only where needed.
GOOD = BOM + (
    "Student_ID,Họ tên,Organization,Lang,Email\r\n"
    "lan-nguyen,Nguyễn Thị Lan,Mekong Youth Network,vi,lan@example.org\r\n"
    # typed on a keyboard that decomposes: "Trần" as T r a U+0300 U+0302 n
    f"tran.minh,\"{unicodedata.normalize('NFD', 'Trần Văn Minh')}, Jr.\",,Tiếng Việt,\r\n"
    "jane_doe,Jane Doe 👩🏽‍💻,Green Action,EN-gb,\r\n"
    "pham-thu-huong,Phạm Thu Hương,\"Hội Phụ nữ, Cần Thơ\",vi,\r\n"
    ",,,,\r\n"  # the blank row a spreadsheet leaves
).encode("utf-8")
GOOD_PARTICIPANTS = (
    Participant("lan-nguyen", "Nguyễn Thị Lan", "Mekong Youth Network", "vi"),
    Participant("tran.minh", "Trần Văn Minh, Jr.", "", "vi"),
    Participant("jane_doe", "Jane Doe 👩🏽‍💻", "Green Action", "en"),
    Participant("pham-thu-huong", "Phạm Thu Hương", "Hội Phụ nữ, Cần Thơ", "vi"),
)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A trainer's copy of the course (its nbgrader configuration and solutions), no gradebook yet."""
    copy = tmp_path / "course"
    copy.mkdir()
    shutil.copy2(ROOT / COURSE_MARKER, copy / COURSE_MARKER)
    shutil.copytree(ROOT / "solutions", copy / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook made once by nbgrader's API: making one runs alembic, seconds each time."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("empty-gradebook") / "gradebook.db"
    saved = os.environ["PATH"]
    os.environ["PATH"] = nbgrader_env()["PATH"]  # nbgrader runs `alembic` by name
    try:
        with Gradebook(f"sqlite:///{path}", course_id=COURSE_ID):
            pass
    finally:
        os.environ["PATH"] = saved
    return path


@pytest.fixture
def graded_course(course: Path, empty_gradebook: Path) -> Path:
    """The course with its (empty) gradebook, as a trainer's course is once nbgrader has run in it."""
    shutil.copy2(empty_gradebook, course / "gradebook.db")
    return course


def _write(folder: Path, data: bytes, name: str = "participants.csv") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _import(capsys: pytest.CaptureFixture, course: Path, data: bytes, *more: str) -> tuple[int, str, str]:
    path = _write(course.parent, data)
    status = cli.main(["roster", "import", str(path), "--course", str(course), *more])
    out, err = capsys.readouterr()
    return status, out, err


def _students(course: Path) -> dict[str, tuple[str | None, str | None]]:
    """The gradebook's students, read with nbgrader's own API; {} when there is no gradebook."""
    from nbgrader.api import Gradebook

    if not (course / "gradebook.db").exists():
        return {}
    # The course id of nbgrader_config.py: a reading Gradebook adds its course to the database otherwise.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gradebook:
        return {s.id: (s.first_name, s.last_name) for s in gradebook.students}


def _import_good(capsys: pytest.CaptureFixture, course: Path) -> None:
    status, out, err = _import(capsys, course, GOOD)
    assert status == 0, out + err


def _fingerprint(course: Path) -> dict[str, str]:
    """The gradebook's and roster's bytes, to show an import changed nothing."""
    return {
        name: hashlib.sha256((course / name).read_bytes()).hexdigest()
        for name in ("gradebook.db", "roster.json")
        if (course / name).exists()
    }


def _summary(lang: str = "en", **counts: int) -> str:
    return text("trainer.roster.summary", lang, **counts)


# --- a good file ---------------------------------------------------------------------------------

def test_a_good_file_puts_everyone_in_the_gradebook_and_the_roster(course: Path, capsys) -> None:
    status, out, err = _import(capsys, course, GOOD)
    assert status == 0, err
    assert _summary(total=4, new=4, updated=0, unchanged=0) in out
    assert text("trainer.roster.ignored_columns", columns="Email") in out
    assert text("trainer.roster.written", roster=course / "roster.json") in out
    assert err == ""
    # The whole name in last_name, first_name empty: formgrader shows "last_name, first_name".
    assert _students(course) == {p.id: ("", p.name) for p in GOOD_PARTICIPANTS}
    assert read_roster(course) == GOOD_PARTICIPANTS
    assert language_of(course, "tran.minh") == "vi" and language_of(course, "jane_doe") == "en"
    assert language_of(course, "someone-else") == "en"
    stored = json.loads((course / "roster.json").read_text(encoding="utf-8"))
    assert stored["schema_version"] == 1
    assert stored["participants"][0] == {
        "id": "lan-nguyen", "name": "Nguyễn Thị Lan", "organisation": "Mekong Youth Network", "language": "vi"}
    assert "Nguyễn Thị Lan" in (course / "roster.json").read_text(encoding="utf-8")  # not \u escapes
    assert not list(course.glob(".roster.*"))  # no temporary file left


def test_reimporting_the_same_file_changes_nothing(graded_course: Path, capsys) -> None:
    course = graded_course
    _import_good(capsys, course)
    students, roster_bytes = _students(course), (course / "roster.json").read_bytes()
    status, out, _ = _import(capsys, course, GOOD)
    assert status == 0
    assert _summary(total=4, new=0, updated=0, unchanged=4) in out
    assert "kept" not in out
    assert _students(course) == students
    assert (course / "roster.json").read_bytes() == roster_bytes


def test_a_later_file_updates_adds_and_deletes_nobody(graded_course: Path, capsys) -> None:
    course = graded_course
    _import_good(capsys, course)
    later = (
        "id,name,organisation,language\n"
        "lan-nguyen,Nguyễn Thị Lan,Mekong Youth Network,en\n"  # now learns in English
        "tran.minh,\"Trần Văn Minh, Jr.\",,vi\n"  # unchanged
        "hoa-le,Lê Thị Hoa,,vi\n"  # new
    ).encode()
    status, out, _ = _import(capsys, course, later)
    assert status == 0
    assert _summary(total=3, new=1, updated=1, unchanged=1) in out
    assert text("trainer.roster.kept", count=2, ids="jane_doe, pham-thu-huong") in out
    students = _students(course)
    assert set(students) == {p.id for p in GOOD_PARTICIPANTS} | {"hoa-le"}
    assert students["hoa-le"] == ("", "Lê Thị Hoa")
    by_id = {p.id: p for p in read_roster(course)}
    assert set(by_id) == set(students)
    assert by_id["lan-nguyen"].language == "en" and language_of(course, "lan-nguyen") == "en"
    assert by_id["jane_doe"] == GOOD_PARTICIPANTS[2]  # kept with its organisation and language
    assert [p.id for p in read_roster(course)][:3] == ["lan-nguyen", "tran.minh", "hoa-le"]  # the file's order first


def test_a_student_added_in_formgrader_is_kept_and_the_file_names_win(graded_course: Path, capsys) -> None:
    course = graded_course
    from nbgrader.api import Gradebook

    _import_good(capsys, course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student("walk-in", first_name="Bao", last_name="Vo")
        gradebook.update_or_create_student("lan-nguyen", first_name="Lan", last_name="Nguyen")
    status, out, _ = _import(capsys, course, GOOD)
    assert status == 0
    assert _summary(total=4, new=0, updated=1, unchanged=3) in out
    assert text("trainer.roster.kept", count=1, ids="walk-in") in out
    assert _students(course)["lan-nguyen"] == ("", "Nguyễn Thị Lan")
    assert _students(course)["walk-in"] == ("Bao", "Vo")


@pytest.mark.parametrize("header", [
    "id,name,organisation,language",
    "ID,Name,Organisation,Language",
    "student_id,full name,organization,lang",
    "Student ID,Full-Name,ORG,Locale",
    "mã học viên,họ và tên,tổ chức,ngôn ngữ",
    "language,name,id",  # any order; organisation optional
])
def test_header_spellings(header: str, graded_course: Path, capsys) -> None:
    course = graded_course
    columns = [c.strip() for c in header.split(",")]
    values = {"id": "lan", "name": "Nguyễn Thị Lan", "organisation": "Mekong", "language": "vi"}
    kinds = [roster._HEADER_NAMES[roster._header_key(c)] for c in columns]
    row = ",".join(values[k] for k in kinds)
    status, _, err = _import(capsys, course, f"{header}\n{row}\n".encode())
    assert status == 0, err
    organisation = "Mekong" if "organisation" in kinds else ""
    assert read_roster(course) == (Participant("lan", "Nguyễn Thị Lan", organisation, "vi"),)


def test_semicolons_and_tabs_when_the_header_has_no_comma(graded_course: Path, capsys) -> None:
    course = graded_course
    status, _, err = _import(capsys, course, "id;name;language\nlan;Nguyễn Thị Lan;vi\n".encode())
    assert status == 0, err
    status, _, err = _import(capsys, course, "id\tname\tlanguage\nminh\tTrần, Minh\tvi\n".encode())
    assert status == 0, err
    assert set(_students(course)) == {"lan", "minh"}
    assert _students(course)["minh"] == ("", "Trần, Minh")


def test_names_are_data_markup_kept_control_characters_taken_out(graded_course: Path, capsys) -> None:
    course = graded_course
    data = (
        "id,name,organisation,language\n"
        "amy,<script>alert(1)</script> Amy,<b>Org</b>,en\n"
        "bao,\"Bao\x1b[2J\x00 Vo\",Org\x07,vi\n"  # a terminal escape, a NUL, a bell
        "chi,\"Chi\tLe  \r\nThi\",,vi\n"  # a tab, spaces, a line break: layout, said nothing about
    ).encode()
    status, out, err = _import(capsys, course, data)
    assert status == 0, err
    students = _students(course)
    assert students["amy"] == ("", "<script>alert(1)</script> Amy")
    assert students["bao"] == ("", "Bao [2J Vo")
    assert students["chi"] == ("", "Chi Le Thi")
    assert {p.id: p.organisation for p in read_roster(course)} == {"amy": "<b>Org</b>", "bao": "Org", "chi": ""}
    cleaned = lambda row, field: Finding("cleaned", row, {"field": field}).in_language("en", "note")  # noqa: E731
    assert cleaned(3, "name") in out and cleaned(3, "organisation") in out
    assert "Row 4" not in out and "Row 2" not in out
    assert "\x1b" not in out + err and "\x00" not in out + err


@pytest.mark.parametrize("cell, code", [
    ("vi", "vi"), ("VI", "vi"), (" vi-VN ", "vi"), ("vi_VN", "vi"), ("Tiếng Việt", "vi"),
    (unicodedata.normalize("NFD", "tiếng việt"), "vi"), ("en", "en"), ("English", "en"), ("en-GB", "en"),
    ("fr", None), ("vie", None), ("", None), ("Vietnam", None),
])
def test_language_cells(cell: str, code: str | None) -> None:
    assert parse_language(cell) == code


# --- bad files: every problem, its row, and nothing changed ----------------------------------------

HEADER = "id,name,organisation,language\n"


def _problem(code: str, row: int | None = None, **values) -> str:
    return Finding(code, row, values).in_language("en")


BAD_FILES = {
    "duplicate ids": (
        HEADER + "lan,Lan,,vi\nminh,Minh,,vi\nlan,Lan Khác,,vi\nlan,Lan 3,,vi\n",
        [_problem("duplicate_id", id="lan", rows="2, 4, 5")],
    ),
    "empty id": (HEADER + "lan,Lan,,vi\n  ,Minh,,vi\n", [_problem("empty_id", 3)]),
    "unsafe ids, with a safe one suggested": (
        HEADER
        + "Lan Nguyễn,Lan,,vi\n../../etc,X,,en\n-rf,Y,,en\n.hidden,Z,,en\n9lives,Cat,,en\n"
        + "a" * (MAX_ID_LENGTH + 1) + ",Long,,en\nđặng,Đặng,,vi\nlan@ngo,Lan,,vi\n",
        [
            _problem("unsafe_id", 2, id="Lan Nguyễn", max=32, suggestion="lan-nguyen"),
            _problem("unsafe_id", 3, id="../../etc", max=32, suggestion="etc"),
            _problem("unsafe_id", 4, id="-rf", max=32, suggestion="rf"),
            _problem("unsafe_id", 5, id=".hidden", max=32, suggestion="hidden"),
            _problem("unsafe_id", 6, id="9lives", max=32),
            _problem("unsafe_id", 7, id=roster.shown("a" * 33), max=32, suggestion="a" * 32),
            _problem("unsafe_id", 8, id="đặng", max=32, suggestion="dang"),
            _problem("unsafe_id", 9, id="lan@ngo", max=32, suggestion="lan-ngo"),
        ],
    ),
    "accounts every server has": (HEADER + "root,R,,en\njovyan,J,,en\n", [
        _problem("reserved_id", 2, id="root"), _problem("reserved_id", 3, id="jovyan")]),
    "languages": (HEADER + "lan,Lan,,fr\nminh,Minh,,\n", [
        _problem("unknown_language", 2, language="fr", choices="en (English), vi (Tiếng Việt)"),
        _problem("empty_language", 3, choices="en (English), vi (Tiếng Việt)")]),
    "names": (HEADER + f"lan, ,,vi\nminh,\x01\x02,,vi\nhoa,{'H' * 129},,vi\nbao,Bao,{'O' * 129},vi\n", [
        _problem("empty_name", 2), _problem("empty_name", 3),
        _problem("too_long", 4, field="name", length=129, max=128),
        _problem("too_long", 5, field="organisation", length=129, max=128)]),
    "more cells than columns": (HEADER + "lan,Nguyen, Lan,,vi\n", [_problem("too_many_cells", 2, count=5, columns=4)]),
    "a quote left open": (HEADER + "lan,Lan,,vi\nminh,\"Minh,,vi\nhoa,Hoa,,vi\n", [
        _problem("bad_csv", 3, reason="unexpected end of data")]),
    "missing columns": ("code,person,email\nlan,Lan,x\n", [
        _problem("missing_columns", 1, columns="id, name, language", found='"code", "person", "email"')]),
    "a missing language column": ("id,name\nlan,Lan\n", [
        _problem("missing_columns", 1, columns="language", found='"id", "name"')]),
    "no header at all": ("lan,Nguyễn Thị Lan,,vi\n", [
        _problem("missing_columns", 1, columns="id, name, language", found='"lan", "Nguyễn Thị Lan", "vi"')]),
    "two columns for the id": ("id,student_id,name,language\nlan,lan2,Lan,vi\n", [
        _problem("duplicate_column", 1, column="id", headers='"id", "student_id"')]),
    "empty file": ("", [_problem("empty")]),
    "only a byte order mark and blank lines": ("\ufeff\r\n\r\n", [_problem("empty")]),
    "only commas": (",,,\n,,,\n", [_problem("empty")]),
    "a header and no one": (HEADER + ",,,\n", [_problem("no_participants")]),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_each_bad_file_is_refused_with_every_problem_and_nothing_changes(content, expected, course, capsys) -> None:
    data = content.encode("utf-8")
    checked = parse_roster(data)
    assert [p.in_language("en") for p in checked.problems] == expected
    status, out, err = _import(capsys, course, data)
    assert status == 2
    assert out == ""
    assert text("trainer.roster.refused", file=course.parent / "participants.csv", count=len(expected)) in err
    for sentence in expected:
        assert f"- {sentence}\n" in err
    assert "Traceback" not in err
    assert not (course / "gradebook.db").exists() and not (course / "roster.json").exists()


def test_a_bad_file_leaves_an_existing_gradebook_and_roster_untouched(graded_course: Path, capsys) -> None:
    course = graded_course
    _import_good(capsys, course)
    students = _students(course)
    before = _fingerprint(course)
    bad = GOOD.replace(b"jane_doe", b"Jane Doe")  # one bad row among good ones
    status, _, err = _import(capsys, course, bad)
    assert status == 2
    assert _problem("unsafe_id", 4, id="Jane Doe", max=32, suggestion="jane-doe") in err
    assert _fingerprint(course) == before and _students(course) == students


@pytest.mark.parametrize("encoding, line", [("cp1258", 2), ("latin-1", 3), ("utf-16", 1)])
def test_a_file_not_in_utf8_says_save_it_as_csv_utf8(encoding: str, line: int, course: Path, capsys) -> None:
    # Windows' Vietnamese code page, Latin-1 (a name with an accent on line 3), Excel's "Unicode text".
    # cp1258 writes a Vietnamese letter as a base letter and a tone mark: "Trần" as â + U+0300.
    rows = HEADER + ("lan,Tr\u00e2\u0300n Lan,,vi\n" if encoding == "cp1258" else "lan,Lan,,vi\nrene,René,,en\n")
    status, _, err = _import(capsys, course, rows.encode(encoding))
    assert status == 2
    assert _problem("not_utf8", line=line) in err
    assert "CSV UTF-8" in err
    assert not (course / "gradebook.db").exists()


def test_a_huge_file_is_refused_before_it_is_read(course: Path, capsys) -> None:
    data = (HEADER + "lan,Lan,,vi\n").encode() + b"x" * MAX_FILE_BYTES
    status, _, err = _import(capsys, course, data)
    assert status == 2
    assert _problem("too_big", limit="1", max=MAX_PARTICIPANTS) in err
    assert not (course / "gradebook.db").exists()


def test_more_participants_than_a_roster_holds_is_refused(course: Path, capsys) -> None:
    rows = "".join(f"p{i},Person {i},,en\n" for i in range(MAX_PARTICIPANTS + 1))
    status, _, err = _import(capsys, course, (HEADER + rows).encode())
    assert status == 2
    assert _problem("too_many", count=MAX_PARTICIPANTS + 1, max=MAX_PARTICIPANTS) in err


def test_many_problems_are_listed_up_to_a_screenful(course: Path, capsys) -> None:
    rows = "".join(f"P{i},Person {i},,en\n" for i in range(80))
    status, _, err = _import(capsys, course, (HEADER + rows).encode())
    assert status == 2
    assert text("trainer.roster.more_problems", count=80 - roster.MAX_PROBLEMS_SHOWN) in err
    assert err.count("\n- ") == roster.MAX_PROBLEMS_SHOWN


def test_a_missing_file_and_a_folder_are_said_plainly(course: Path, capsys) -> None:
    missing = course.parent / "nowhere.csv"
    assert cli.main(["roster", "import", str(missing), "--course", str(course)]) == 2
    assert _problem("file_missing", file=missing) in capsys.readouterr().err
    assert cli.main(["roster", "import", str(course), "--course", str(course)]) == 2
    err = capsys.readouterr().err
    assert str(course) in err and "Traceback" not in err


def test_a_roster_json_this_version_cannot_read_stops_the_import(course: Path, capsys) -> None:
    (course / "roster.json").write_text("{not json", encoding="utf-8")
    status, _, err = _import(capsys, course, GOOD)
    assert status == 2
    assert str(course / "roster.json") in err and "Traceback" not in err
    assert not (course / "gradebook.db").exists()
    assert (course / "roster.json").read_text(encoding="utf-8") == "{not json"


def test_a_gradebook_that_cannot_be_written_is_said_and_the_roster_is_not_written(course: Path, capsys) -> None:
    (course / "gradebook.db").mkdir()  # not a database
    status, out, err = _import(capsys, course, GOOD)
    assert status == 1
    assert err.startswith(text("trainer.roster.write_failed", course=course, reason="X").split("X")[0])
    assert "Traceback" not in err and "\n" == err[-1] and err.count("\n") == 1
    assert not (course / "roster.json").exists()


# --- in Vietnamese ----------------------------------------------------------------------------------

def test_the_problems_and_the_summary_in_vietnamese(graded_course: Path, capsys) -> None:
    course = graded_course
    bad = (HEADER + "Lan Nguyễn,Nguyễn Thị Lan,,vi\nminh,Minh,,fr\nminh,Minh 2,,vi\n").encode()
    status, out, err = _import(capsys, course, bad, "--lang", "vi")
    assert status == 2
    problems = parse_roster(bad).problems
    assert len(problems) == 3
    assert text("trainer.roster.refused", "vi", file=course.parent / "participants.csv", count=3) in err
    for problem in problems:
        assert f"- {problem.in_language('vi')}\n" in err
        assert problem.in_language("vi") != problem.in_language("en")
    assert "Dòng 2: không dùng được mã \"Lan Nguyễn\"" in err and "Ví dụ: lan-nguyen" in err
    assert "Các dòng 3, 4 cùng có mã \"minh\"" in err
    status, out, err = _import(capsys, course, GOOD, "--lang", "vi")
    assert status == 0, err
    assert _summary("vi", total=4, new=4, updated=0, unchanged=0) in out
    assert "4 học viên: 4 mới" in out


def test_no_course_is_said_in_the_trainers_language(tmp_path: Path, monkeypatch, capsys) -> None:
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    monkeypatch.chdir(nowhere)
    assert cli.main(["roster", "import", "x.csv", "--lang", "vi"]) == 2
    assert text("cli.course.none_here", "vi", folder=nowhere.resolve()) in capsys.readouterr().err


# --- roster show, the help --------------------------------------------------------------------------

def test_roster_show_lists_the_participants(graded_course: Path, capsys) -> None:
    course = graded_course
    assert cli.main(["roster", "show", "--course", str(course)]) == 0
    assert text("trainer.roster.show_empty", course=course) in capsys.readouterr().out
    _import_good(capsys, course)
    assert cli.main(["--course", str(course), "roster", "show", "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert text("trainer.roster.show_header", "vi", count=4, roster=course / "roster.json") in out
    assert "lan-nguyen      vi  Nguyễn Thị Lan (Mekong Youth Network)" in out
    assert "jane_doe        en  Jane Doe 👩🏽‍💻 (Green Action)" in out


def test_the_help_documents_the_format(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["roster", "import", "--help"])
    out = capsys.readouterr().out
    for words in ("CSV UTF-8", "student_id", "organisation", "language", "--lang", "--course DIR", "32"):
        assert words in out, words


# --- the pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, safe", [
    ("Nguyễn Thị Lan", "nguyen-thi-lan"), ("ĐẶNG Văn An", "dang-van-an"), ("Lan.Nguyen", "lan.nguyen"),
    ("lan nguyen 2", "lan-nguyen-2"), ("  lan  ", "lan"), ("123", None), ("日本", None), ("root", None),
    ("lan", None),  # already safe: nothing to suggest
])
def test_suggested_ids(raw: str, safe: str | None) -> None:
    assert suggest_id(raw) == safe


@pytest.mark.parametrize("student_id, ok", [
    ("lan", True), ("lan-nguyen_2.x", True), ("a" * 32, True), ("a" * 33, False), ("Lan", False),
    ("1lan", False), ("-lan", False), (".lan", False), ("lan nguyen", False), ("lan/x", False),
    ("lăn", False), ("lan\n", False), ("", False),
])
def test_safe_ids(student_id: str, ok: bool) -> None:
    assert is_safe_id(student_id) is ok


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text())
def test_any_suggested_id_is_safe(raw: str) -> None:
    suggestion = suggest_id(raw)
    assert suggestion is None or (is_safe_id(suggestion) and suggestion not in roster.RESERVED_IDS)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: (HEADER + t).encode("utf-8")))
def test_any_bytes_give_participants_or_problems_never_an_exception(data: bytes) -> None:
    checked = parse_roster(data)
    assert bool(checked.participants) or bool(checked.problems)
    for participant in checked.participants:
        assert is_safe_id(participant.id) and participant.language in ("en", "vi") and participant.name
        assert not any(unicodedata.category(ch) == "Cc" for ch in participant.name + participant.organisation)
    for problem in checked.problems:
        assert problem.in_language("en") and problem.in_language("vi")


# --- the real command --------------------------------------------------------------------------------

def test_the_installed_command_imports_from_the_course_folder(course: Path) -> None:
    path = _write(course.parent, GOOD)
    # Not activated: the venv's scripts are not on PATH (nbgrader's gradebook runs `alembic` by name).
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([*advocacy_lab_command(), "roster", "import", str(path)], cwd=course / "solutions",
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _summary(total=4, new=4, updated=0, unchanged=0) in proc.stdout
    assert _students(course) == {p.id: ("", p.name) for p in GOOD_PARTICIPANTS}
    assert read_roster(course) == GOOD_PARTICIPANTS
    bad = _write(course.parent, GOOD.replace(b",vi,", b",fr,"), "bad.csv")
    proc = subprocess.run([*advocacy_lab_command(), "roster", "import", str(bad), "--lang", "vi"], cwd=course,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "Dòng 2: ngôn ngữ \"fr\"" in proc.stderr
