"""What a page's kernel websocket carries, both ways (server/iopub.py, voila.json).

* Nothing of the machine leaves the server: a widget update of the wrong type,
  a ``comm_open`` of an unknown model and one of an unknown target made the
  kernel publish tracebacks (``…/site-packages/ipywidgets/widgets/widget.py``)
  that reached the page. They now stay on the server, one log line each.
* Output that an ipywidgets ``Output`` widget captures still reaches the page
  (a notebook made for the test: the course itself uses no Output widget).
* One message from the page is at most 1 MiB (``websocket_max_message_size``):
  a 2 MB widget update, plain or compressed, closes the connection instead of
  keeping the kernel busy, and the kernel answers the next connection.

Two real servers: ``advocacy-lab serve`` over the course, and ``AdvocacyVoila``
over a folder with the Output notebook.
"""
from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError

from advocacy_lab.server.iopub import OutputGate, summary
from server_support import ROOT, Page, message, pools_warm, start_server, stop_server, wait_for

NB = "04-campaign-message.ipynb"
KEPT = "output kept from the page"


def machine_paths() -> list[str]:
    """Strings that name this machine's files: none may reach a page."""
    import site

    paths = {str(ROOT), sys.prefix, sys.base_prefix, str(Path.home()), *site.getsitepackages()}
    return sorted(p for p in paths if p and p != "/")


def assert_nothing_of_the_machine(messages: list[dict]) -> None:
    for msg in messages:
        raw = msg["raw"].decode("utf-8", "replace")
        for needle in ("Traceback", "site-packages", 'File "', *machine_paths()):
            assert needle not in raw, f"{msg['header']['msg_type']} on {msg['channel']} carries {needle!r}: {raw[:300]}"


# -- unit: the rule -----------------------------------------------------------------------------


def widget_message(comm_id, state=None, method="update", data=None):
    body = {"comm_id": comm_id, "data": data if data is not None else {"method": method, "state": state,
                                                                       "buffer_paths": []}}
    return json.dumps(body).encode()


def test_output_gate_lets_through_only_what_an_output_widget_is_capturing():
    gate = OutputGate(remember=2)
    assert gate.passes("comm_msg", None) and gate.passes("status", "x") and gate.passes("display_data", None)
    assert not gate.passes("stream", "m1") and not gate.passes("error", "m1") and not gate.passes("stream", None)
    # Output widget "out" captures the output of message m1 (its msg_id state)...
    gate.note_widget_message("comm_msg", widget_message("out", {"msg_id": "m1"}))
    assert gate.passes("stream", "m1") and gate.passes("error", "m1")
    assert not gate.passes("stream", "m2")
    # ...until the capture ends (msg_id back to ""), as the page's Output widget does.
    gate.note_widget_message("comm_msg", widget_message("out", {"msg_id": ""}))
    assert not gate.passes("stream", "m1")
    # The page's own value echoed back, wrong types and other messages open nothing.
    gate.note_widget_message("comm_msg", widget_message("out", {"msg_id": "m5"}, method="echo_update"))
    gate.note_widget_message("comm_msg", widget_message("out", {"msg_id": 5}))
    gate.note_widget_message("comm_msg", widget_message("out", data="msg_id"))
    gate.note_widget_message("comm_msg", json.dumps({"msg_id": "m9"}).encode())
    gate.note_widget_message("stream", widget_message("out", {"msg_id": "m9"}))
    assert not gate.passes("stream", "m5") and not gate.passes("stream", "m9")
    # A new Output widget may start capturing in its comm_open; a closed one stops.
    gate.note_widget_message("comm_open", widget_message("out2", {"msg_id": "m2"}, data={"state": {"msg_id": "m2"}}))
    assert gate.passes("stream", "m2")
    gate.note_widget_message("comm_close", json.dumps({"comm_id": "out2", "data": {}}).encode())
    assert not gate.passes("stream", "m2")
    # Only the latest widgets are followed.
    for n in range(3):
        gate.note_widget_message("comm_msg", widget_message(f"w{n}", {"msg_id": f"c{n}"}))
    assert not gate.passes("stream", "c0") and gate.passes("stream", "c1") and gate.passes("stream", "c2")


def test_summary_is_one_short_line():
    line = summary("error", {"ename": "TraitError", "evalue": "\x1b[31mbad\x1b[0m value\nsecond line",
                             "traceback": ["File /x/site-packages/y.py"]})
    assert line == "TraitError: bad value | second line"
    long = summary("stream", {"name": "stderr", "text": "Traceback\n" + "x" * 1000}, limit=50)
    assert "\n" not in long and len(long) == 50 and long.startswith("stderr: Traceback | ")


# -- a real server over the course ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("websocket"), ready=pools_warm)
    yield srv
    stop_server(srv)


@pytest.mark.slow
def test_failed_widget_messages_send_no_traceback_to_the_page(server):
    page = Page.load(server, NB)
    kept_before = server.log_text().count(KEPT)

    async def attack():
        await page.connect()
        await page.load_widgets()
        textarea = page.model("TextareaModel")
        page.received.clear()
        # A Textarea's value set to a number: ipywidgets raises a TraitError in the kernel.
        sent = await page.update(textarea, {"value": 12345})
        await page.until_idle_after(sent, "the end of the wrong-typed update")
        # A widget model nobody registered, and a comm target nobody registered.
        sent = await page.send(message("comm_open", {
            "comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
            "data": {"state": {"_model_name": "NoSuchModel", "_model_module": "nowhere",
                               "_model_module_version": "1.0.0"}, "buffer_paths": []}},
            page.session, metadata={"version": "2.1.0"}))
        await page.until_idle_after(sent, "the end of the unknown model's comm_open")
        sent = await page.send(message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "no.such.target",
                                                     "data": {}}, page.session))
        await page.until_idle_after(sent, "the end of the unknown target's comm_open")
        attacks = list(page.received)
        # The page still works: a normal update comes back as widget traffic.
        page.received.clear()
        sent = await page.update(textarea, {"value": "Clean water for every school by 2030. #WaterNow"})
        await page.until_idle_after(sent, "the end of a normal update")
        normal = list(page.received)
        await page.close()
        return attacks, normal

    attacks, normal = asyncio.run(attack())
    assert_nothing_of_the_machine(attacks + normal)
    assert not any(m["header"]["msg_type"] in ("error", "stream") for m in attacks)
    assert any(m["header"]["msg_type"] == "comm_msg" for m in normal)
    # What was kept back went to the server's log, one line each (an error, two stderr texts).
    wait_for(lambda: server.log_text().count(KEPT) >= kept_before + 3, "the kept output in the server's log")
    kept = [line for line in server.log_lines() if KEPT in line]
    assert any("TraitError" in line for line in kept)
    assert any("Exception opening comm" in line or "NoSuchModel" in line for line in kept)
    assert any("no.such.target" in line for line in kept)
    assert page.leave() == 204


@pytest.mark.slow
@pytest.mark.parametrize("compression", [False, True], ids=["plain", "compressed"])
def test_an_oversized_update_closes_the_connection_and_the_kernel_stays_responsive(server, compression):
    page = Page.load(server, NB)

    async def oversized():
        await page.connect(compression=compression)
        await page.load_widgets()
        textarea = page.model("TextareaModel")
        # 2 MB of text in one widget update (compressed, it is a few kilobytes on the wire).
        cut_off = False
        try:
            await page.update(textarea, {"value": "a" * (2 * 1024 * 1024)})
        except (WebSocketClosedError, StreamClosedError):
            # Uncompressed, the server may close the connection (the cap at work) while the
            # client is still writing the 2 MB: the write fails, and the close frame may go unread.
            cut_off = True
        while await page.read(60) is not None:  # until the server closes the connection
            pass
        if cut_off:
            assert page.ws.close_code in (1009, None)  # closed by the server, mid-message
        else:
            assert page.ws.close_code == 1009  # "message too big"
        page.ws = None
        # A new connection of the same page: the kernel answers, widgets included.
        await page.connect(compression=compression)
        await page.kernel_info()
        sent = await page.update(textarea, {"value": "A normal post."})
        await page.until(lambda m: m["header"]["msg_type"] == "comm_msg"
                         and m["parent_header"].get("msg_id") == sent, "the echo of a normal update")
        await page.close()

    asyncio.run(oversized())
    assert page.leave() == 204


# -- Output widgets keep their output -------------------------------------------------------------

OUTPUT_NOTEBOOK = '''
import ipywidgets as widgets
from IPython.display import display

box = widgets.Text(description="Say")
out = widgets.Output()

def said(change):
    with out:  # captured: the Output widget shows it on the page
        print("captured:", change["new"])
    print("stray:", change["new"])  # no Output widget: stays on the server

box.observe(said, "value")
display(box, out)
'''


@pytest.fixture(scope="module")
def output_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("output-notebooks")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(OUTPUT_NOTEBOOK)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, folder / "output.ipynb")
    srv = start_server(tmp_path_factory.mktemp("output"), notebooks=folder, traits=[], ready=pools_warm)
    yield srv
    stop_server(srv)


@pytest.mark.slow
def test_output_captured_by_an_output_widget_still_reaches_the_page(output_server):
    server = output_server
    page = Page.load(server, "output.ipynb")

    async def say():
        await page.connect()
        await page.load_widgets()
        page.received.clear()
        sent = await page.update(page.model("TextModel"), {"value": "hello"})
        await page.until_idle_after(sent, "the end of the update")
        await page.close()
        return list(page.received)

    received = asyncio.run(say())
    streams = [m["content"]["text"] for m in received if m["header"]["msg_type"] == "stream"]
    assert "".join(streams).strip() == "captured: hello"
    wait_for(lambda: "stray: hello" in server.log_text(), "the stray print in the server's log")
    assert page.leave() == 204
