"""The connection watch: the learner is told, on the page, when the kernel can no longer be reached."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import anywidget
import traitlets

from advocacy_lab.core.catalogue import texts
from advocacy_lab.ui.course_style import carry_course_style


class ConnectionWatch(anywidget.AnyWidget):
    """Tells the learner, on the page itself, when the kernel can no longer be reached.

    The page script (connection.js) sends ``{"op": "ping"}`` every
    ``ping_every_ms``; this kernel answers ``{"op": "pong"}``. A ping left
    unanswered makes the page ask the server about its kernel: when the
    server cannot be reached, or the kernel is gone or idle yet silent (killed
    and restarted), the page shows a banner in the learner's language
    (``texts``, sent while the kernel was alive) with what to do, hides the
    "saved" line and, once the server answers again, offers a reload. The
    drafts page script keeps what is typed meanwhile (browser_store.js).
    Its view is empty; the banner is drawn by the page, as the kernel may be gone.
    """

    _esm = Path(__file__).with_name("connection.js")

    texts = traitlets.Dict().tag(sync=True)
    #: Pings are the fallback: the kernel connection's own news (connection.js) comes first.
    ping_every_ms = traitlets.Int(4000).tag(sync=True)
    #: Unanswered this long, the page asks the server how its kernel is (a
    #: server that does not answer at all means the connection is lost).
    probe_after_ms = traitlets.Int(3000).tag(sync=True)
    #: Unanswered this long while the server says the kernel is not busy: it
    #: is gone (an idle kernel answers in milliseconds; a busy one may take a
    #: few seconds over a long check, hence busy_lost_after_ms).
    lost_after_ms = traitlets.Int(8000).tag(sync=True)
    #: Unanswered this long even while the server says the kernel is busy: lost.
    busy_lost_after_ms = traitlets.Int(60000).tag(sync=True)

    def __init__(self, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(texts=texts("connection", lang), **kwargs)
        # The banner's styles are the course sheet's: the page's head has it under Voila; in
        # JupyterLab the one CourseStyle brings it (a _css of its own would be a second copy).
        carry_course_style()
        self.on_msg(self._on_page_message)

    def _on_page_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, Mapping) and content.get("op") == "ping":
            n = content.get("n")
            self.send({"op": "pong", "n": n if isinstance(n, int) and not isinstance(n, bool) else None})
