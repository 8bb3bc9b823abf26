"""Kernel output the page has no use for stays on the server.

A learner's page only talks to its kernel through widget messages. When one of
them fails in the kernel (a widget update of the wrong type, a ``comm_open`` of
a model nobody registered), ipykernel publishes the traceback on iopub, as an
``error`` message or as ``stream`` text on stderr, and Jupyter Server passes it
to the page's websocket: full paths of the machine
(``…/site-packages/ipywidgets/widgets/widget.py``) and the code around them,
which the page never shows anyway.

:class:`PageIopubConnection` (Jupyter Server's ``kernel_websocket_connection_class``)
keeps iopub ``error`` and ``stream`` messages from the websocket unless an
ipywidgets ``Output`` widget captures them, and logs each one it keeps as one
line in the server's log. An ``Output`` widget captures output by setting its
``msg_id`` state to the id of the message whose output it shows (and back to
"" when the capture ends), and the page routes iopub messages with that parent
to it meanwhile. The gate follows the same state from the kernel's own widget
messages on iopub (``comm_open``, ``comm_msg`` "update", ``comm_close``), so
captured output goes through and nothing else. Only the kernel's "update"
counts, not its "echo_update" of a value the page sent: a page must not be
able to open the gate for its own messages. :class:`OutputGate` is that rule,
without sockets.
"""
from __future__ import annotations

import json
import re
from collections import OrderedDict

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

#: Output messages that reach the page only through an Output widget.
HELD_BACK = frozenset({"error", "stream"})
#: How many Output widgets capturing at once one kernel follows (the oldest is forgotten).
REMEMBERED_OUTPUT_IDS = 256
#: Longest log line kept from a held-back message.
LOG_CHARS = 300
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _bytes(part) -> bytes:
    return part if isinstance(part, bytes) else memoryview(part).tobytes()


def _json(part) -> dict:
    try:
        value = json.loads(_bytes(part))
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def summary(msg_type: str, content: dict, limit: int = LOG_CHARS) -> str:
    """One line for the log: ``ename: evalue`` of an error, the text of a stream."""
    if msg_type == "error":
        line = f"{content.get('ename', '')}: {content.get('evalue', '')}"
    else:
        line = f"{content.get('name', 'stream')}: {content.get('text', '')}"
    line = " | ".join(part.strip() for part in _ANSI.sub("", str(line)).splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class OutputGate:
    """Which iopub messages of one kernel may reach the page: output an Output widget is capturing."""

    def __init__(self, remember: int = REMEMBERED_OUTPUT_IDS):
        self.remember = remember
        #: Output widget (comm id) -> id of the message whose output it captures now.
        self.capturing: OrderedDict[str, str] = OrderedDict()

    def note_widget_message(self, msg_type: str, content_part) -> None:
        """Follow Output widgets' ``msg_id`` in the kernel's ``comm_open`` / ``comm_msg`` / ``comm_close``."""
        if msg_type not in ("comm_open", "comm_msg", "comm_close"):
            return
        raw = _bytes(content_part)
        if msg_type != "comm_close" and b'"msg_id"' not in raw:  # most widget messages: not parsed
            return
        content = _json(raw)
        comm_id = content.get("comm_id")
        if not isinstance(comm_id, str):
            return
        if msg_type == "comm_close":
            self.capturing.pop(comm_id, None)
            return
        data = content.get("data")
        if not isinstance(data, dict) or (msg_type == "comm_msg" and data.get("method") != "update"):
            return
        state = data.get("state")
        msg_id = state.get("msg_id") if isinstance(state, dict) else None
        if not isinstance(msg_id, str):
            return
        if not msg_id:  # the capture ended
            self.capturing.pop(comm_id, None)
            return
        self.capturing[comm_id] = msg_id
        self.capturing.move_to_end(comm_id)
        while len(self.capturing) > self.remember:
            self.capturing.popitem(last=False)

    def passes(self, msg_type: str, parent_msg_id) -> bool:
        if msg_type not in HELD_BACK:
            return True
        return bool(parent_msg_id) and parent_msg_id in self.capturing.values()


def gate_for(kernel_manager) -> OutputGate:
    """The gate of one kernel, shared by all its websocket connections (a reload, a second tab)."""
    gate = getattr(kernel_manager, "_advocacy_output_gate", None)
    if gate is None:
        gate = OutputGate()
        kernel_manager._advocacy_output_gate = gate
    return gate


class PageIopubConnection(ZMQChannelsWebsocketConnection):
    """Jupyter Server's kernel websocket connection, holding back output no Output widget shows."""

    def handle_outgoing_message(self, stream, outgoing_msg) -> None:
        channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
        if channel == "iopub" and not self._may_reach_page(outgoing_msg):
            return
        super().handle_outgoing_message(stream, outgoing_msg)

    def _may_reach_page(self, outgoing_msg) -> bool:
        # [identities..., DELIM, signature, header, parent_header, metadata, content, buffers...]
        _, parts = self.session.feed_identities(outgoing_msg)
        if len(parts) < 5:
            return True  # not a message this filter understands; Jupyter Server deals with it
        msg_type = _json(parts[1]).get("msg_type", "")
        gate = gate_for(self.kernel_manager)
        if msg_type not in HELD_BACK:
            gate.note_widget_message(msg_type, parts[4])
            return True
        parent_id = _json(parts[2]).get("msg_id")
        if gate.passes(msg_type, parent_id):
            return True
        content = _json(parts[4])
        level = self.log.info if content.get("name") == "stdout" else self.log.warning
        level("Kernel %s output kept from the page (%s): %s", self.kernel_id, msg_type, summary(msg_type, content))
        return False
