"""Which names and addresses the server answers to (the ``Host`` header allowlist).

Voila turns jupyter_server's Host check off (``allow_remote_access``), and that
check only ever knew loopback anyway. Without a check, a page on any web site
can rebind its own name to this laptop's address (DNS rebinding) and then talk
to the server as a same-origin page: load a notebook, open its kernel's
websocket (jupyter_server accepts an ``Origin`` equal to ``Host``) and shut
kernels down. A rebound page always sends its own name as ``Host``, so
answering only to names and addresses that are really this server's closes it.

Allowed:

* loopback, always: ``localhost`` and any loopback address (``127.x.x.x``,
  ``[::1]``). A site cannot rebind an address literal, and ``localhost`` is
  resolved by the browser itself;
* in a room (``--ip``): every address this machine has right now (looked up
  again when an unknown address arrives: the laptop may get a new address
  from the room's router during the session), and every ``--hostname``.

Anything else gets 403 (a short page in the learner's language, error_pages.py)
and one log line, on every route: the check is the first rule of Tornado's
router (:func:`install_host_check`), ahead of the notebook pages, static
files, the kernel websocket, the shutdown beacon and the redirect at ``/``,
which a per-handler check would not all cover.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import time
from typing import Callable, Iterable

import tornado.web
from tornado.routing import Matcher, Rule

from advocacy_lab.core.catalogue import text
from advocacy_lab.server.caps import learner_address
from advocacy_lab.server.error_pages import answer_with_page, refused_host_page, request_language

log = logging.getLogger("advocacy_lab.server.hosts")

#: Names that always mean this machine (the browser resolves them itself).
LOOPBACK_NAMES = frozenset({"localhost"})
#: ``name`` or ``name:port`` or ``[v6]`` or ``[v6]:port``.
_HOST_HEADER = re.compile(r"^(?:\[(?P<v6>[^\]]*)\]|(?P<name>[^:\[\]]*))(?::(?P<port>\d*))?$")
#: Seconds between two look-ups of the machine's addresses for an unknown address.
ADDRESS_REFRESH_S = 5.0


def machine_addresses() -> set[str]:
    """Every IPv4 and IPv6 address of this machine's interfaces, as text (psutil)."""
    import socket

    import psutil

    found: set[str] = set()
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6) and entry.address:
                found.add(normal_address(entry.address.split("%", 1)[0]))
    return found


def normal_address(address: str) -> str:
    """``'::FFFF:10.0.0.1'`` and ``'::ffff:a00:1'`` alike: the compressed form Python gives."""
    return str(ipaddress.ip_address(address))


def host_of(header: str | None) -> str | None:
    """The name or address in a ``Host`` header, lower case, without port or brackets.

    None for a header that is not a plain host (a path, spaces, an empty name).
    """
    if header is None:
        return None
    found = _HOST_HEADER.fullmatch(header.strip())
    if not found:
        return None
    host = (found.group("v6") if found.group("v6") is not None else found.group("name")).lower()
    host = host[:-1] if host.endswith(".") else host  # "laptop.lan." is "laptop.lan"
    if not host or any(ch.isspace() or ch in "/\\@?#%" for ch in host):
        return None
    return host


class HostAllowlist:
    """Decides whether a ``Host`` header names this server.

    ``room``: the server listens beyond loopback (``--ip``), so the machine's
    own addresses count too. ``hostnames``: the ``--hostname`` names.
    ``addresses``: how to list the machine's addresses (injected by tests).
    """

    def __init__(
        self,
        hostnames: Iterable[str] = (),
        *,
        room: bool = False,
        addresses: Callable[[], Iterable[str]] = machine_addresses,
        refresh_s: float = ADDRESS_REFRESH_S,
    ):
        self.hostnames = frozenset(h.lower().rstrip(".") for h in hostnames)
        self.room = bool(room)
        self._addresses = addresses
        self._refresh_s = refresh_s
        self._known: frozenset[str] = frozenset()
        self._looked_up = float("-inf")
        if self.room:
            self._look_up()

    def _look_up(self) -> None:
        self._known = frozenset(normal_address(a) for a in self._addresses())
        self._looked_up = time.monotonic()

    def allows(self, header: str | None) -> bool:
        host = host_of(header)
        if host is None:
            return False
        if host in LOOPBACK_NAMES or host in self.hostnames:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a name nobody gave with --hostname
        if address.is_loopback or (address.version == 6 and address.ipv4_mapped
                                   and address.ipv4_mapped.is_loopback):
            return True
        if not self.room:
            return False
        if str(address) in self._known:
            return True
        if time.monotonic() - self._looked_up >= self._refresh_s:
            self._look_up()  # the router may have given the laptop a new address
            return str(address) in self._known
        return False


def _printable(value: str | None, limit: int = 80) -> str:
    """A header value safe for one log line (no control characters, bounded)."""
    value = "" if value is None else value
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value[:limit])
    return cleaned + ("..." if len(value) > limit else "")


class RefusedHostHandler(tornado.web.RequestHandler):
    """403 for a request whose ``Host`` is not this server's, whatever the route or method."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")
    #: ``AdvocacyVoila._log_request`` skips the access-log line: prepare() wrote the one line.
    logs_itself = True

    def initialize(self, log: logging.Logger = log) -> None:
        self.refusal_log = log

    def check_xsrf_cookie(self) -> None:
        # Refused before any other check: the answer is 403 for the Host, whatever else is wrong.
        return None

    def prepare(self) -> None:
        request = self.request
        self.refusal_log.warning(text(
            "serve.host_refused_log",
            host=_printable(request.headers.get("Host")),
            method=_printable(request.method, 10),
            path=_printable(request.path),
            ip=_printable(learner_address(self), 45),
        ))
        # A page in the learner's language (error_pages.py): a participant who typed a wrong
        # name reads it on a phone; a rebound page's script reads no more than before.
        lang = request_language(request)
        answer_with_page(self, 403, refused_host_page(lang), lang)


class UnknownHost(Matcher):
    """Matches the requests the allowlist refuses."""

    def __init__(self, allowlist: HostAllowlist):
        self.allowlist = allowlist

    def match(self, request) -> dict | None:
        # request.host: the Host header, or Tornado's stand-in for a request without one
        # (only a script sends none, and a browser-based attack always sends one).
        if self.allowlist.allows(request.host):
            return None
        return {}


def install_host_check(
    app: tornado.web.Application, allowlist: HostAllowlist, logger: logging.Logger = log
) -> None:
    """Put the Host check in front of every route of ``app`` (its first router rule).

    Refusals are logged, one line each, to ``logger`` (the server's own log).
    """
    app.default_router.rules.insert(0, Rule(UnknownHost(allowlist), RefusedHostHandler, {"log": logger}))
