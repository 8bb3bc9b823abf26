"""A file the learner uploads (their page's post export), checked for size in the browser first.

ipywidgets' ``FileUpload`` sends the file in one websocket message, and under
the course's server a message over 1 MiB closes the page's connection (the
learner would see the page go dead). ``FileUpload`` here (file_upload.js)
refuses a file over ``max_bytes`` in the browser with a sentence, and sends one
within it as a binary buffer to ``receive(name, data)``, given by the page's
widget, whose ``(ok, message)`` the page says in a live region.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable

import anywidget
import traitlets
from anywidget.experimental import command

from advocacy_lab.core.catalogue import text, texts
from advocacy_lab.ui.language import InPageLanguage

log = logging.getLogger(__name__)

#: The course server's cap on one websocket message (server/voila.json, the one place it is set).
SERVER_MESSAGE_CAP = json.loads((Path(__file__).resolve().parent.parent / "server" / "voila.json").read_text(encoding="utf-8"))[
    "Voila"
]["tornado_settings"]["websocket_max_message_size"]
#: The largest file sent over the page's websocket: the cap, less room for the message's envelope.
MAX_UPLOAD_BYTES = SERVER_MESSAGE_CAP - 16 * 1024
MAX_NAME_CHARS = 255

Receiver = Callable[[str, bytes], "tuple[bool, str]"]


class FileUpload(InPageLanguage, anywidget.AnyWidget):
    """A labelled file input; ``receive(name, data) -> (ok, message)`` handles a file the page sent.

    ``label_key``: the catalogue key of the input's label, shown in the page's language.
    """

    _esm = Path(__file__).with_name("file_upload.js")

    label = traitlets.Unicode().tag(sync=True)
    accept = traitlets.Unicode().tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    wait_ms = traitlets.Int(60_000).tag(sync=True)

    def __init__(self, receive: Receiver, *, label_key: str, accept: str = "", lang: str = "en", **kwargs: Any) -> None:
        super().__init__(accept=accept, **kwargs)
        self._receive = receive
        self._label_key = label_key
        self._first_language(lang)
        self._in_language()
        self.add_class("al-upload")

    def _in_language(self) -> None:
        self.label = text(self._label_key, self.lang)
        self.texts = texts("upload", self.lang)

    @command
    def receive(self, request: Any, buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        name = request.get("name") if isinstance(request, dict) else None
        name = name[:MAX_NAME_CHARS] if isinstance(name, str) and name.strip() else text("upload.unnamed", self.lang)
        data = bytes(buffers[0]) if buffers else b""
        if len(data) > self.max_bytes:  # the page checks first; a page that did not is refused the same way
            size, limit = f"{len(data) / 1024 / 1024:.1f}", f"{self.max_bytes / 1024 / 1024:.1f}"
            return {"ok": False, "message": text("upload.too_large", self.lang, name=name, size=size, limit=limit)}, []
        try:
            ok, message = self._receive(name, data)
        except Exception:  # noqa: BLE001 - the learner gets a sentence, the log the traceback
            log.exception("an uploaded file could not be handled")
            return {"ok": False, "message": text("upload.not_handled", self.lang, name=name)}, []
        return {"ok": bool(ok), "message": str(message)}, []
