"""load_insights against the real UCI Page Insights export (../shared, never copied here),
in every encoding a real export comes in, and against malformed files."""
from __future__ import annotations

from pathlib import Path

import csv
import io
import math
import zipfile

import pandas as pd
import pytest

from advocacy_lab.analysis import CANONICAL_COLUMNS, MAX_INSIGHTS_BYTES, InsightsError, load_insights, rates_by
from advocacy_lab.core import catalogue


# ../shared beside the repository (tests/conftest.py names it too; "conftest" is ambiguous once
# tests/browser is collected, so the path is spelled here).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
UCI = SHARED / "data" / "uci-facebook-metrics" / "dataset_Facebook.csv"
pytestmark = pytest.mark.skipif(not UCI.exists(), reason="../shared/data/uci-facebook-metrics is not beside the repo")

#: UCI column -> canonical name, for the independent reading below.
UCI_NAMES = {
    "Page total likes": "page_likes", "Type": "post_type", "Post Month": "month", "Post Weekday": "weekday",
    "Post Hour": "hour", "Paid": "paid", "Lifetime Post Total Reach": "reach",
    "Lifetime Post Total Impressions": "impressions", "Lifetime Engaged Users": "engaged_users",
    "comment": "comments", "like": "likes", "share": "shares", "Total Interactions": "interactions",
}
NUMBERS = [c for c in UCI_NAMES.values() if c != "post_type"]


def _uci_rows() -> list[list[str]]:
    """The file read by hand: split on its bare carriage returns, then on commas."""
    return list(csv.reader(UCI.read_bytes().decode("utf-8").split("\r")))


def _expected_totals() -> dict[str, float]:
    header, *rows = [r for r in _uci_rows() if r]
    totals = {}
    for name, canonical in UCI_NAMES.items():
        if canonical in NUMBERS:
            i = header.index(name)
            totals[canonical] = float(sum(int(r[i]) for r in rows if r[i] != ""))
    return totals


def _write(rows: list[list[str]], *, sep: str = ",", newline: str = "\n", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _check(table: pd.DataFrame) -> None:
    assert len(table) == 500
    for column, total in _expected_totals().items():
        assert table[column].sum() == pytest.approx(total), column
    assert table["post_type"].value_counts().to_dict() == {"Photo": 426, "Status": 45, "Link": 22, "Video": 7}
    # The six empty cells of the file are missing values, not zeros.
    assert int(table[NUMBERS].isna().sum().sum()) == 6
    # Unknown columns are kept under their own names.
    assert "Lifetime Post Consumers" in table.columns and "Category" in table.columns


def test_the_uci_file_as_distributed_bare_carriage_returns():
    table = load_insights(UCI)
    _check(table)
    assert table.attrs["notes"] == ()
    assert table.loc[0, "reach"] == 2752 and table.loc[0, "post_type"] == "Photo"
    assert {c for c in UCI_NAMES.values()} <= set(table.columns) <= set(CANONICAL_COLUMNS) | set(table.columns)
    assert all(table[c].dtype == "float64" for c in NUMBERS)


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_the_uci_export_in_each_separator_line_ending_and_bom(tmp_path, sep, newline, bom):
    path = tmp_path / "export.csv"
    path.write_bytes(_write([r for r in _uci_rows() if r], sep=sep, newline=newline, bom=bom))
    _check(load_insights(path))


@pytest.mark.parametrize(
    "sep,group",
    [(",", lambda n: f"{n:,}"), (";", lambda n: f"{n:,}".replace(",", ".")), (";", lambda n: f"{n:,}".replace(",", "\u00a0"))],
)
def test_thousands_separators(tmp_path, sep, group):
    header, *rows = [r for r in _uci_rows() if r]
    grouped = [header] + [[group(int(c)) if c.isdigit() else c for c in row] for row in rows]
    path = tmp_path / "grouped.csv"
    path.write_bytes(_write(grouped, sep=sep))
    table = load_insights(path)
    _check(table)
    assert table["impressions"].max() == 1110282  # "1,110,282" in the file


def test_the_uci_export_as_xlsx(tmp_path):
    header, *rows = [r for r in _uci_rows() if r]
    frame = pd.DataFrame([[int(c) if c.isdigit() else (c or None) for c in row] for row in rows], columns=header)
    path = tmp_path / "export.xlsx"
    frame.to_excel(path, index=False, engine="openpyxl")
    _check(load_insights(path))
    _check(load_insights(path.read_bytes()))  # an upload's bytes


def test_page_insights_second_header_row_of_descriptions_is_skipped(tmp_path):
    header, *rows = [r for r in _uci_rows() if r]
    described = [header, [f"Lifetime: what {name} counts" for name in header], *rows]
    path = tmp_path / "insights.csv"
    path.write_bytes(_write(described))
    table = load_insights(path)
    _check(table)
    assert [n.code for n in table.attrs["notes"]] == ["analysis.load.description_row"]


def test_the_rates_the_lesson_shows_for_the_uci_page():
    table = load_insights(UCI)
    by_type = {r.group: r for r in rates_by(table, "engagement_rate_reach", "post_type").rows}
    header, *rows = [r for r in _uci_rows() if r]
    t, i, reach = header.index("Type"), header.index("Total Interactions"), header.index("Lifetime Post Total Reach")
    for kind, row in by_type.items():
        mine = [r for r in rows if r[t] == kind]
        assert row.posts == len(mine)
        expected = sum(int(r[i]) for r in mine) / sum(int(r[reach]) for r in mine) * 100
        assert row.value == pytest.approx(expected)


def test_words_and_negative_numbers_in_number_columns_are_missing_with_notes(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Type,Reach,Likes\nPhoto,1200,<b>many</b>\nVideo,-5,3\nLink,,🙂\n", encoding="utf-8")
    table = load_insights(path)
    assert table["reach"].tolist()[0] == 1200 and math.isnan(table["reach"][1]) and math.isnan(table["reach"][2])
    assert table["likes"].isna().tolist() == [True, False, True]
    codes = sorted(n.code for n in table.attrs["notes"])
    assert codes == ["analysis.load.negative", "analysis.load.not_numbers"]
    note = next(n for n in table.attrs["notes"] if n.code == "analysis.load.not_numbers")
    assert dict(note.values)["example"] == "<b>many</b>"  # data: the interface escapes it


def test_decimal_commas_in_a_semicolon_file(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("Type;Amount spent (VND);Link clicks\nPhoto;1.250,50;10\nVideo;3,5;0\n", encoding="utf-8")
    table = load_insights(path)
    assert table["spend"].tolist() == [1250.5, 3.5]


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "analysis.file.empty"),
        (b"\n\r\n  \n", "analysis.file.empty"),
        (b"name,colour\nAn,blue\n", "analysis.file.no_known_columns"),
        (b"<html><script>alert(1)</script></html>", "analysis.file.no_known_columns"),
        ("Lượt tiếp cận,Reach\n1,2\n".encode("utf-16-le"), "analysis.file.encoding"),  # no BOM
        ("Café,Reach\n1,2\n".encode("cp1252"), "analysis.file.encoding"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "analysis.file.old_excel"),
        (b"PK\x03\x04 not really a workbook", "analysis.file.malformed"),
        (b"Reach,Likes\n1,2\n3,4,5,6\n", "analysis.file.malformed"),
        (b"Reach\x00,Likes\n1,2\n", "analysis.file.not_a_table"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_value_error_with_a_code(tmp_path, content, code):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(InsightsError) as caught:
        load_insights(path)
    assert isinstance(caught.value, ValueError) and caught.value.code == code
    for lang in catalogue.languages():
        sentence = caught.value.in_language(lang)
        assert "upload.csv" in sentence and "{" not in sentence


def test_no_known_columns_names_what_was_expected(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,colour\nAn,blue\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reach, impressions") as caught:
        load_insights(path)
    assert "name, colour" in str(caught.value)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_INSIGHTS_BYTES + 1)  # sparse: nothing is written or read
    read = []
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(InsightsError) as caught:
        load_insights(path)
    assert caught.value.code == "analysis.file.too_large" and read == []
    with pytest.raises(InsightsError):
        load_insights(b"x" * (MAX_INSIGHTS_BYTES + 1))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InsightsError) as caught:
        load_insights(tmp_path / "nowhere.csv")
    assert caught.value.code == "analysis.file.unreadable"


def test_a_header_only_file_is_an_empty_table(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("Type,Reach\n", encoding="utf-8")
    table = load_insights(path)
    assert list(table.columns) == ["post_type", "reach"] and table.empty


def test_two_columns_with_one_canonical_name_keep_both(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("Reach,reach,Post reach\n1,2,3\n", encoding="utf-8")
    table = load_insights(path)
    assert list(table.columns)[0] == "reach" and len(set(table.columns)) == 3
    assert table["reach"].tolist() == [1.0]


def test_a_zip_that_is_not_a_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InsightsError) as caught:
        load_insights(buffer.getvalue(), filename="posts.xlsx")
    assert caught.value.code == "analysis.file.malformed"
