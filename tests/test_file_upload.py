"""The upload widget, headlessly: what the page's "receive" command gets and answers."""
from __future__ import annotations

import json

from advocacy_lab.core import catalogue
from advocacy_lab.ui.file_upload import MAX_UPLOAD_BYTES, SERVER_MESSAGE_CAP, FileUpload


def _send(widget: FileUpload, request: object, buffers: list[bytes]) -> dict:
    """The command file_upload.js sends (invoke "receive"), through the widget's own handler."""
    sent: list[tuple[dict, list]] = []
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    try:
        widget._handle_custom_msg({"kind": "anywidget-command", "id": "u-1", "name": "receive", "msg": request}, buffers)
    finally:
        del widget.send
    ((content, answer_buffers),) = sent
    assert content["id"] == "u-1" and answer_buffers == []
    return content["response"]


def test_a_file_within_the_limit_reaches_the_page_widget_and_its_answer_is_said():
    got = []
    upload = FileUpload(lambda name, data: got.append((name, data)) or (True, f"Read {len(data)} bytes"), label_key="upload.unnamed")
    answer = _send(upload, {"name": "posts.csv", "size": 5}, [b"a,b\n1"])
    assert got == [("posts.csv", b"a,b\n1")]
    assert answer == {"ok": True, "message": "Read 5 bytes"}


def test_a_file_over_the_limit_is_refused_without_reading_it():
    got = []
    upload = FileUpload(lambda name, data: got.append(name) or (True, ""), label_key="upload.unnamed", lang="vi")
    answer = _send(upload, {"name": "big.csv"}, [b"x" * (MAX_UPLOAD_BYTES + 1)])
    assert got == [] and answer["ok"] is False
    assert answer["message"].startswith("Tệp big.csv nặng 1.0 MB")


def test_a_failure_while_reading_is_a_sentence_not_a_traceback(caplog):
    def broken(name, data):
        raise RuntimeError("/srv/secret/path exploded")

    answer = _send(FileUpload(broken, label_key="upload.unnamed"), {"name": "<b>x</b>.csv"}, [b"1"])
    assert answer == {"ok": False, "message": catalogue.text("upload.not_handled", "en", name="<b>x</b>.csv")}
    assert "secret" not in answer["message"] and "exploded" in caplog.text


def test_a_request_without_a_name_or_a_buffer():
    got = []
    upload = FileUpload(lambda name, data: got.append((name, data)) or (False, "empty"), label_key="upload.unnamed")
    assert _send(upload, None, [])["message"] == "empty"
    assert _send(upload, {"name": 42}, [b""])["ok"] is False
    assert got == [("your file", b""), ("your file", b"")]
    _send(upload, {"name": "n" * 1000}, [b"1"])
    assert len(got[-1][0]) == 255


def test_the_limit_comes_from_the_servers_message_cap_and_the_words_from_the_catalogue():
    with open(__import__("advocacy_lab.server", fromlist=["x"]).__path__[0] + "/voila.json", encoding="utf-8") as handle:
        cap = json.load(handle)["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert SERVER_MESSAGE_CAP == cap and 0 < MAX_UPLOAD_BYTES < cap
    upload = FileUpload(lambda n, d: (True, ""), label_key="upload.unnamed", lang="en")
    assert upload.label == "your file"
    assert upload.max_bytes == MAX_UPLOAD_BYTES
    assert set(upload.texts) >= {"reading", "too_large", "failed"}
    upload.lang = "vi"
    assert upload.texts["failed"] == catalogue.text("upload.failed", "vi") and upload.label == "tệp của bạn"
    state = upload.get_state()
    assert "al-upload" in upload._dom_classes and not any(isinstance(v, bytes) for v in state.values())
