"""The answers file of a graded exercise (advocacy_lab.assignment): written by the widgets, read by grading.

- the widgets write every answer as it is typed, atomically, one versioned record per part,
  to one file beside the notebook, and bring them back when the notebook runs again;
- reading a missing, blank, malformed, huge, wrong-typed or hostile file gives a reason in
  plain words (a catalogue code, in every language), never a crash or a hang;
- while nbgrader grades, the widgets never write, rename or put aside the submitted file;
- the self-check shows the visible checks' verdicts on what the widgets show, escaped.
"""
from __future__ import annotations

import json
import os
import pickle

import pytest

from advocacy_lab.assignment import campaign_message as spec
from advocacy_lab.assignment.answers import (
    MAX_ANSWERS_BYTES,
    AnswerProblem,
    Answers,
    answers_file_name,
    answers_path,
    expect,
)
from advocacy_lab.assignment.campaign_message import VISIBLE_CHECKS, graded
from advocacy_lab.assignment.campaign_message_widgets import answer_sheet
from advocacy_lab.core.catalogue import languages
from advocacy_lab.core.counting import weighted_length
from widget_support import HOSTILE, one

GOOD_POST = (
    "Sign our petition by 30 June: ask the District People's Committee to publish the district budget "
    "online in plain language. Families deserve to see how the money is spent. #OpenBudget"
)
GOOD_LINK = {
    "url": "https://example.org/open-budget", "source": "facebook", "medium": "social", "campaign": "open-budget-2025",
}
RIGHT_LENGTH = weighted_length(spec.VI_POST, "x")


def answer_everything(sheet, *, post=GOOD_POST, link=GOOD_LINK, length=str(RIGHT_LENGTH), fits=RIGHT_LENGTH <= 280):
    """Answer as a learner does: type in each box, tick a choice, click the buttons."""
    builder = sheet.parts["post"]
    one(builder, "al-post-text").value = post
    one(builder, "al-check").click()
    links = sheet.parts["link"]
    for name, value in link.items():
        one(links, f"al-link-{name}").value = value
    one(links, "al-link-build").click()
    one(sheet.parts["length"], "al-answer-number").value = length
    one(sheet.parts["length"], "al-answer-choice").value = fits


def grade(grade_id, folder):
    """A test cell's call as nbgrader runs it (autograde sets NBGRADER_EXECUTION in the kernel)."""
    previous = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        return graded(grade_id, folder=folder)
    finally:
        if previous is None:
            del os.environ["NBGRADER_EXECUTION"]
        else:
            os.environ["NBGRADER_EXECUTION"] = previous


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return tmp_path


def _file(folder):
    return folder / answers_file_name(spec.NOTEBOOK)


def test_answers_file_is_named_after_its_notebook(tmp_path):
    assert answers_file_name("campaign-message.ipynb") == "campaign-message.answers.json"
    assert answers_path("campaign-message", tmp_path) == tmp_path / "campaign-message.answers.json"
    for bad in ("", "../x", "a/b", ".."):
        with pytest.raises(ValueError, match="plain file name"):
            answers_file_name(bad)


def test_widgets_write_versioned_records_atomically_and_answers_come_back(folder):
    sheet = answer_sheet(folder=folder)
    assert not _file(folder).exists()  # nothing written before the learner answers
    answer_everything(sheet)
    top = json.loads(_file(folder).read_text("utf-8"))
    assert top["schema_version"] == 1
    records = top["drafts"]
    assert set(records) == {spec.POST_KEY, spec.LINK_KEY, spec.LENGTH_KEY}
    for record in records.values():
        assert record["schema_version"] == 1 and isinstance(record["saved_at"], str)
    assert records[spec.POST_KEY]["data"]["post"] == GOOD_POST
    assert records[spec.LENGTH_KEY]["data"] == {"x_length": str(RIGHT_LENGTH), "fits_on_x": RIGHT_LENGTH <= 280}
    # Written whole, by rename: no temporary file is left beside it.
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert "campaign-message.answers.json" in sheet.keeper._status.value

    # The notebook run again (a new kernel): every answer is back in its widget.
    again = answer_sheet(folder=folder)
    assert one(again.parts["post"], "al-post-text").value == GOOD_POST
    assert {n: one(again.parts["link"], f"al-link-{n}").value for n in GOOD_LINK} == GOOD_LINK
    assert one(again.parts["length"], "al-answer-number").value == str(RIGHT_LENGTH)
    assert one(again.parts["length"], "al-answer-choice").value is (RIGHT_LENGTH <= 280)


def test_answers_written_by_widgets_pass_every_visible_check(folder, capsys):
    answer_everything(answer_sheet(folder=folder))
    for grade_id in VISIBLE_CHECKS:
        grade(grade_id, folder=folder)
    shown = capsys.readouterr().out
    # The answer graded is printed as text beside the score (formgrader, feedback).
    assert GOOD_POST in shown and "utm_campaign=open-budget-2025" in shown and str(RIGHT_LENGTH) in shown


def test_visible_checks_fail_with_the_lessons_reasons(folder):
    answer_everything(
        answer_sheet(folder=folder),
        post="Sign the petition today. " * 20, link={**GOOD_LINK, "source": "twitter"}, length="three hundred",
    )
    with pytest.raises(AnswerProblem) as post:
        grade("post_passes_x_and_instagram", folder=folder)
    assert post.value.code == "assignment.campaign_message.post.not_ready"
    with pytest.raises(AnswerProblem) as link:
        grade("tracked_link_has_utm_parameters", folder=folder)
    assert link.value.code == "assignment.campaign_message.link.wrong_source"
    with pytest.raises(AnswerProblem) as length:
        grade("weighted_length_of_vietnamese_post", folder=folder)
    assert length.value.code == "assignment.answers.not_whole_number"
    assert "three hundred" in str(length.value)


def _write(folder, payload: bytes) -> None:
    _file(folder).write_bytes(payload)


def _record(data) -> dict:
    return {"schema_version": 1, "saved_at": "2026-12-01T10:00:00+00:00", "data": data}


def _file_of(parts: dict) -> bytes:
    return json.dumps({"schema_version": 1, "drafts": {k: _record(v) for k, v in parts.items()}}).encode()


BAD_FILES = {
    "missing": (None, "assignment.answers.missing"),
    "empty": (b"", "assignment.answers.empty"),
    "blank": (b"  \n\t ", "assignment.answers.empty"),
    "not json": (b"{ this is not json", "assignment.answers.unreadable"),
    "a list": (b"[1, 2, 3]", "assignment.answers.unreadable"),
    "no version": (b'{"drafts": {}}', "assignment.answers.unreadable"),
    "version as text": (b'{"schema_version": "1", "drafts": {}}', "assignment.answers.unreadable"),
    "newer": (b'{"schema_version": 99, "drafts": {}}', "assignment.answers.newer"),
    "a pickle": (pickle.dumps({"post": GOOD_POST}), "assignment.answers.unreadable"),
    "utf-16": (json.dumps({"schema_version": 1, "drafts": {}}).encode("utf-16"), "assignment.answers.unreadable"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "assignment.answers.unreadable"),
    "huge number": (b'{"schema_version": 1' + b"0" * 5000 + b', "drafts": {}}', "assignment.answers.unreadable"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_an_unreadable_answers_file_gives_a_plain_reason_for_every_part(folder, name):
    payload, code = BAD_FILES[name]
    if payload is not None:
        _write(folder, payload)
    for grade_id in VISIBLE_CHECKS:
        with pytest.raises(AnswerProblem) as problem:
            grade(grade_id, folder=folder)
        assert problem.value.code == code
        for lang in languages():
            words = problem.value.in_language(lang)
            assert "campaign-message.answers.json" in words and "Traceback" not in words


def test_a_huge_answers_file_is_refused_without_reading_it(folder):
    with open(_file(folder), "wb") as handle:
        handle.truncate(MAX_ANSWERS_BYTES + 1)  # sparse: no disk used
    with pytest.raises(AnswerProblem) as problem:
        Answers.read(_file(folder))
    assert problem.value.code == "assignment.answers.too_large"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_or_a_folder_in_place_of_the_file_does_not_hang_the_grader(folder):
    os.mkfifo(_file(folder))  # opening it for reading would block forever
    with pytest.raises(AnswerProblem) as problem:
        Answers.read(_file(folder))
    assert problem.value.code == "assignment.answers.unreadable"
    os.unlink(_file(folder))
    _file(folder).mkdir()
    with pytest.raises(AnswerProblem) as problem:
        Answers.read(_file(folder))
    assert problem.value.code == "assignment.answers.unreadable"


HOSTILE_PARTS = {
    # A JSON file can only hold text, numbers, true/false, null, lists and objects: an object
    # that "equals anything" cannot come from it. What a hand edit can do is put the wrong kind.
    "post as a number": ({spec.POST_KEY: {"post": 12345}}, "post_passes_x_and_instagram", "wrong_kind"),
    "post as a list": ({spec.POST_KEY: {"post": [GOOD_POST]}}, "post_passes_x_and_instagram", "wrong_kind"),
    "post as an object claiming equality": (
        {spec.POST_KEY: {"post": {"__class__": "AlwaysEqual", "__eq__": True}}},
        "post_has_call_to_action", "wrong_kind",
    ),
    "post null": ({spec.POST_KEY: {"post": None}}, "post_has_call_to_action", "blank"),
    "post blank": ({spec.POST_KEY: {"post": "   "}}, "post_has_call_to_action", "blank"),
    "part not a dict": ({spec.POST_KEY: {}}, "post_has_call_to_action", "blank"),
    "link part missing": ({spec.POST_KEY: {"post": GOOD_POST}}, "tracked_link_has_utm_parameters", "not_answered"),
    "length as a JSON number": (
        {spec.LENGTH_KEY: {"x_length": RIGHT_LENGTH, "fits_on_x": True}}, "weighted_length_of_vietnamese_post",
        "wrong_kind",
    ),
    "length as a float text": (
        {spec.LENGTH_KEY: {"x_length": f"{RIGHT_LENGTH}.0"}}, "weighted_length_of_vietnamese_post", "not_whole_number",
    ),
    "length in other digits": (
        {spec.LENGTH_KEY: {"x_length": "٣٧٢"}}, "weighted_length_of_vietnamese_post", "not_whole_number",
    ),
    "length too many digits": (
        {spec.LENGTH_KEY: {"x_length": "9" * 4000}}, "weighted_length_of_vietnamese_post", "not_whole_number",
    ),
    "fits as 1": ({spec.LENGTH_KEY: {"fits_on_x": 1}}, "vietnamese_post_fits_on_x", "wrong_kind"),
    "fits as text": ({spec.LENGTH_KEY: {"fits_on_x": "true"}}, "vietnamese_post_fits_on_x", "wrong_kind"),
    "link source as a list": (
        {spec.LINK_KEY: {**GOOD_LINK, "source": ["facebook"]}}, "tracked_link_has_utm_parameters", "wrong_kind",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE_PARTS))
def test_hand_edited_answers_earn_nothing(folder, name):
    parts, grade_id, problem_name = HOSTILE_PARTS[name]
    _write(folder, _file_of(parts))
    with pytest.raises(AnswerProblem) as problem:
        grade(grade_id, folder=folder)
    assert problem.value.code == f"assignment.answers.{problem_name}"


def test_a_record_that_is_not_a_record_counts_as_not_answered(folder):
    # A partly damaged file: the parts that can be read are graded, the others are not answered.
    _write(folder, json.dumps({"schema_version": 1, "drafts": {
        spec.POST_KEY: _record({"post": GOOD_POST}), spec.LINK_KEY: "not a record",
    }}).encode())
    assert grade("post_has_call_to_action", folder=folder) == {"post": GOOD_POST}
    with pytest.raises(AnswerProblem) as problem:
        grade("tracked_link_has_utm_parameters", folder=folder)
    assert problem.value.code == "assignment.answers.not_answered"


def test_expect_takes_only_true_itself():
    class Liar:
        def __bool__(self):
            return True

        def __eq__(self, other):
            return True

    expect(True, "assignment.campaign_message.length.wrong")
    for value in (Liar(), 1, "yes", [1]):
        with pytest.raises(AnswerProblem):
            expect(value, "assignment.campaign_message.length.wrong")


def test_while_grading_the_widgets_never_touch_the_submitted_file(folder, monkeypatch):
    answer_everything(answer_sheet(folder=folder))
    submitted = _file(folder).read_bytes()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    sheet = answer_sheet(folder=folder)
    # The submitted answers are shown...
    assert one(sheet.parts["post"], "al-post-text").value == GOOD_POST
    assert "grading does not change them" in sheet.keeper._status.value
    # ...and nothing a cell does while grading changes the file.
    answer_everything(sheet, post="Changed while grading.")
    sheet.keeper.confirm_start_over()
    assert _file(folder).read_bytes() == submitted
    # A damaged file stays where it is, as it is, for the test cells to report.
    _write(folder, b"{ damaged")
    answer_sheet(folder=folder)
    assert _file(folder).read_bytes() == b"{ damaged"
    assert sorted(p.name for p in folder.iterdir() if "answers" in p.name) == [
        "campaign-message.answers.json", "campaign-message.answers.json.lock",
    ]


def test_self_check_shows_the_visible_verdicts_live_and_escaped(folder):
    sheet = answer_sheet(folder=folder)
    check = sheet.self_check
    one(check, "al-self-check-button").click()
    result = one(check, "al-self-check-result").value
    assert result.count("al-self-check-fail") == len(VISIBLE_CHECKS)
    answer_everything(sheet)
    # Live: once shown, the verdicts follow each change without another click.
    result = one(check, "al-self-check-result").value
    assert result.count("al-self-check-pass") == len(VISIBLE_CHECKS), result
    one(sheet.parts["length"], "al-answer-number").value = HOSTILE
    result = one(check, "al-self-check-result").value
    assert HOSTILE not in result and "&lt;img src=x onerror=alert(1)&gt;" in result
    assert 'data-grade-id="weighted_length_of_vietnamese_post"' in result


def test_the_sheet_speaks_the_page_language(folder, monkeypatch):
    monkeypatch.setenv("ADVOCACY_LAB_LANG", "vi")
    sheet = answer_sheet(folder=folder)
    assert one(sheet.self_check, "al-self-check-button").description == "Kiểm tra câu trả lời"
    assert "cạnh sổ tay này" in sheet.keeper._status.value
    choice = one(sheet.parts["length"], "al-answer-choice")
    assert [label for label, _ in choice.options] == ["Có, vừa", "Không, quá dài"]
    choice.value = True
    sheet.parts["length"].lang = "en"  # relabelled; the answer picked stays
    assert [label for label, _ in choice.options] == ["Yes, it fits", "No, it is too long"]
    assert choice.value is True
    with pytest.raises(AnswerProblem) as problem:
        grade("post_has_call_to_action", folder=folder)
    assert problem.value.in_language("vi") == "Phần 1: một bài đăng sẵn sàng cho X và Instagram: chưa trả lời."


def test_the_sheet_header_says_how_it_works_in_the_page_language(folder):
    import html

    from advocacy_lab.core.catalogue import text
    from widget_support import all_html

    sheet = answer_sheet(folder=folder)
    header = sheet.header
    # How the exercise works, then where the answers are saved (the keeper).
    assert list(header.children) == [sheet.intro, sheet.keeper]
    assert "no code to write" in all_html(header)
    assert answers_file_name(spec.NOTEBOOK) in sheet.keeper._status.value
    for lang in languages():
        sheet.intro.lang = lang  # as the page session sets it
        assert sheet.intro.value == f"<p>{html.escape(text('assignment.campaign_message.intro', lang))}</p>"
    assert "không cần viết mã" in html.unescape(sheet.intro.value)  # the last language set: vi


def test_on_a_voila_self_check_page_a_graded_cell_reads_no_file_and_raises_nothing(folder, monkeypatch, capsys):
    from advocacy_lab.assignment.answers import VOILA_ENV, served_by_voila
    from advocacy_lab.ui import stores

    # The same environments as the widgets' own test for Voila (ui.stores), so the two never drift.
    assert VOILA_ENV == stores._VOILA_ENV
    for env in ({}, {"SERVER_SOFTWARE": "voila/0.5"}, *({name: "1"} for name in VOILA_ENV)):
        assert served_by_voila(env) is stores.running_under_voila(env), env
    # A hand-made answers file beside the served notebook is not read (it would be every page's).
    _file(folder).write_text("{}", "utf-8")
    monkeypatch.setenv("VOILA_KERNEL_ID", "k-1")
    for grade_id in VISIBLE_CHECKS:
        values = grade(grade_id, folder=folder)
        assert values["post"] is None and values["x_length"] is None
    assert capsys.readouterr().out == ""
    monkeypatch.delenv("VOILA_KERNEL_ID")
    with pytest.raises(AnswerProblem):
        grade("post_has_call_to_action", folder=folder)


def test_in_the_learners_own_kernel_a_graded_cell_says_not_yet_and_raises_nothing(folder, capsys):
    """JupyterLab's Run All goes on to every part: a part not answered yet, or not passing the visible
    check, is said in words; the same cell under nbgrader scores 0 (the tests above)."""
    from advocacy_lab.core.catalogue import text

    for grade_id in VISIBLE_CHECKS:
        assert graded(grade_id, folder=folder)["post"] is None  # nothing answered: no file yet
    shown = capsys.readouterr().out
    assert shown.count("Not yet (Part 1") == 2 and "No answers found" in shown and "Traceback" not in shown
    sheet = answer_sheet(folder=folder)
    long_post = "Sign the petition for an open budget. " * 10  # over X's limit
    answer_everything(sheet, post=long_post, length="12")
    assert graded("post_passes_x_and_instagram", folder=folder) == {"post": long_post}
    assert graded("weighted_length_of_vietnamese_post", folder=folder) == {"x_length": 12}  # hidden: wrong
    shown = capsys.readouterr().out
    assert f"post: {long_post}" in shown and "Not yet (Part 1" in shown
    assert text("assignment.graded.visible_passes", "en") in shown  # the length's visible check only reads it
    with pytest.raises(AnswerProblem):
        grade("post_passes_x_and_instagram", folder)
