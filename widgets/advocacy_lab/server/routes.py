"""Refused requests: a clean answer and one line in the server's log each.

Probed with hostile requests, the server answered well but logged badly:

* ``/logout`` (Jupyter Server's, registered by Voila's identity provider) answered
  500 with about 85 lines of traceback: its template needs a ``static_path``
  standalone Voila does not have. There is no login here, so ``/login`` and
  ``/logout`` are not served at all: a plain 404 (``DROPPED_AUTH_ROUTES``);
* a refused API request (a POST or DELETE without ``_xsrf``) wrote three lines:
  Tornado's warning for the HTTPError, Jupyter Server's "wrote error", and the
  request line; :class:`RefusalLogFilter` drops the first two, the request line
  says it all;
* a 5xx request line came with a block of request headers spread over several
  lines; :func:`log_request_line` writes every request as one line;
* a plain GET of a kernel's websocket URL (no ``Upgrade``), or one without a
  ``session_id``, asked the kernel for its info before Tornado refused it, and
  logged three lines; :class:`KernelWebsocketEntry` refuses those first.

A handler that already logged its own line for a refusal (the room-full page,
``caps.py``; the Host check, ``hosts.py``) sets ``logs_itself`` and gets no request line.
"""
from __future__ import annotations

import logging

from jupyter_server.log import _scrub_uri, log_request

from advocacy_lab.server.caps import learner_address
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

#: Identity-provider routes that have no use without a login (matched as route prefixes).
DROPPED_AUTH_ROUTES = ("/login", "/logout")


class RefusalLogFilter(logging.Filter):
    """Drops the extra lines Tornado and Jupyter Server write for a refused request.

    * ``tornado.general``: ``RequestHandler.log_exception``'s warning for an
      ``HTTPError`` below 500 (format ``"%d %s: %s"``);
    * the application log: ``APIHandler.write_error``'s ``"wrote error: %r"``.

    Both are followed by the request line, which names the status and the URL.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "wrote error: %r":
            return False
        if record.msg == "%d %s: %s" and record.args and isinstance(record.args[0], int):
            return record.args[0] >= 500
        return True


_FILTER = RefusalLogFilter()


def install_refusal_log_filter(app_log: logging.Logger) -> None:
    """Attach the filter to Tornado's and the application's loggers (once each)."""
    for logger in (logging.getLogger("tornado.general"), app_log):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def log_request_line(handler) -> None:
    """One log line per request: Jupyter Server's for success, ours (one line) for 4xx and 5xx."""
    status = handler.get_status()
    request = handler.request
    # Behind a trusted proxy, the learner, not the proxy. The request is answered by now, so
    # Jupyter Server's line may read the learner's address from remote_ip too.
    request.remote_ip = learner_address(handler)
    if status < 400:
        log_request(handler, record_prometheus_metrics=False)  # no metrics endpoint is served
        return
    if getattr(handler, "logs_itself", False):
        return
    logger = getattr(handler, "log", None) or logging.getLogger("tornado.access")
    scrub = handler.settings.get("extra_log_scrub_param_keys", [])
    (logger.warning if status < 500 else logger.error)(
        "%d %s %s (%s) %.2fms referer=%s",
        status, request.method, _scrub_uri(request.uri or "", scrub), request.remote_ip,
        1000.0 * request.request_time(), _scrub_uri(request.headers.get("Referer", "None"), scrub),
    )


class KernelWebsocketEntry(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket, refusing what is no websocket of a page before touching the kernel.

    Jupyter Server's handler builds the kernel connection (and sends the kernel
    a ``kernel_info_request``) before Tornado checks that the request is a
    websocket upgrade at all. The page always upgrades and always sends its
    ``session_id``.
    """

    async def get(self, *args, **kwargs):
        upgrade = self.request.headers.get("Upgrade", "").lower() == "websocket"
        if not upgrade or not self.get_argument("session_id", ""):
            # Answered here rather than with an HTTPError: Jupyter Server's HTML
            # error page needs a static_path that standalone Voila lacks (a 500).
            self.set_status(400)
            self.finish("Bad Request")
            return None
        return await super().get(*args, **kwargs)
