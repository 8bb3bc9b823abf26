"""Standalone Voila, configured for the course.

``AdvocacyVoila`` is ``voila.app.Voila`` with these changes:

* its configuration comes from ``voila.json`` shipped next to this module (and
  only from there, not from the working directory), so the security settings
  live in a file that a test reads;
* ``Voila.tornado_settings`` reach ``tornado.web.Application(...)``. Voila 0.5
  builds the Application first and calls ``app.settings.update(tornado_settings)``
  afterwards, but Tornado only looks at ``compress_response`` inside
  ``Application.__init__`` (it appends ``GZipContentEncoding`` to its output
  transforms there), so ``--Voila.tornado_settings='{"compress_response": true}'``
  has no effect on standalone Voila. Passing the settings to the constructor
  turns gzip on and keeps everything else standalone Voila does (no execute
  requests, no Jupyter Server contents/kernels API);
* the landing URL ``/`` redirects to the start page instead of listing the
  folder, and the folder listing routes (``/voila/tree``,
  ``/voila/api/contents``) are not registered: the start page is the index;
* static scripts and styles are gzipped once and kept (``static.py``), and the
  kernel pool refills after a burst of arrivals wait for a quiet moment, one at
  a time (``pool.py``): both for a room of learners arriving together;
* the page fetches nothing from another host: ``templates/advocacy`` (shipped
  here, not installed into share/jupyter) comes first in the template search
  path and drops the CDN links of Voila's "lab" template (see its comments);
* every request whose ``Host`` is not one of the server's names or addresses
  gets 403 before any route (``hosts.py``; Voila turns jupyter_server's own
  Host check off): loopback always, and in a room (``--ip``) the machine's
  addresses and each ``--hostname``;
* what anonymous page loads can make the server hold is capped: kernels in all
  and per client address, answered 503 "the room is full" above a cap, and
  kernels of pages that never open their websocket are shut down after
  ``unconnected_timeout`` (``caps.py``); one websocket message is at most
  1 MiB (``websocket_max_message_size`` in voila.json);
* tracebacks and other kernel output no ``Output`` widget shows stay on the
  server, one log line each (``iopub.py``); ``/login`` and ``/logout`` are not
  served (no login here: a 404, where Jupyter Server's ``/logout`` answered
  500), and every refused request writes one log line (``routes.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

import tornado.web
from jupyter_server.utils import url_path_join
from traitlets import Float, Int, List, Unicode, default, validate

from jupyter_server.base.handlers import FileFindHandler
from voila.app import Voila
from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from advocacy_lab.server.hosts import HostAllowlist, install_host_check
from advocacy_lab.server.activity import lean_activity, write_only_written_records
from advocacy_lab.server.caps import (
    TRUSTED_PROXIES_SETTING,
    CappedPageMixin,
    capped_kernels,
    check_caps,
    default_max_kernels,
    trusted_networks,
)
from advocacy_lab.server.compiled_templates import share_compiled_templates
from advocacy_lab.server.error_pages import LearnerErrorPages, NotFoundPage, with_learner_error_pages
from advocacy_lab.server.iopub import PageIopubConnection
from advocacy_lab.server.pool import paced_pools
from advocacy_lab.server.routes import (
    DROPPED_AUTH_ROUTES,
    KernelWebsocketEntry,
    install_refusal_log_filter,
    log_request_line,
)
from advocacy_lab.server.static import PrecompressedMixin, precompressed

CONFIG_DIR = Path(__file__).resolve().parent
CONFIG_FILE = CONFIG_DIR / "voila.json"
#: Our overrides of Voila's "lab" template: the page and the error pages without
#: requests to other hosts. Searched before Voila's own template folders.
TEMPLATE_DIR = CONFIG_DIR / "templates" / "advocacy"
#: The Voila template TEMPLATE_DIR extends; voila.json must name it.
BASE_TEMPLATE = "lab"

#: Routes of standalone Voila that we do not serve (a directory listing and the
#: contents API behind it; /login and /logout, see routes.py). Matched against
#: the route patterns Voila registers.
DROPPED_ROUTES = ("/voila/tree", "/voila/api/contents", *DROPPED_AUTH_ROUTES)


def is_plain_relative_path(path: str | None) -> bool:
    """True for ``a/b.ext`` style paths: no empty, ``.``/``..`` or hidden segment, no backslash."""
    if not path or "\\" in path or "\x00" in path:
        return False
    return all(part and not part.startswith(".") for part in path.split("/"))


class SafeRenderHandler(LearnerErrorPages, CappedPageMixin, TornadoVoilaHandler):
    """``/voila/render/<path>``: notebooks inside the served folder, nothing else.

    Each page load is admitted under the kernel caps first, or answered 503
    without starting a kernel (caps.py).

    Voila itself already refuses paths outside ``root_dir`` (404) but answers a
    non-notebook path with a redirect to ``/voila/files/``; here anything that
    is not a plain path to a ``.ipynb`` file is a 404 straight away.

    It also sets the ``_xsrf`` cookie. Voila's page posts ``_xsrf`` from that
    cookie to ``/voila/api/shutdown/<kernel>`` when it is closed, but standalone
    Voila never sets the cookie, so the request fails with 403 and the kernel
    lives on until culled (voila-dashboards/voila#1458).

    Its errors are the course's pages in the learner's language (error_pages.py);
    a 5xx here is a lesson whose kernel did not start.
    """

    lesson_page = True

    async def get(self, path=None):
        if not is_plain_relative_path(path) or not path.lower().endswith(".ipynb"):
            raise tornado.web.HTTPError(404)
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie
        return await super().get(path)


class SafeTemplateStaticFileHandler(LearnerErrorPages, PrecompressedMixin, TemplateStaticFileHandler):
    """Template assets; a malformed or '..' path is a 404 (Voila's handler answers 500)."""

    def parse_url_path(self, path):
        parts = path.split("/", 2)
        if len(parts) != 3 or parts[1] != "static" or not is_plain_relative_path(path):
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(path)


#: Voila's handler classes replaced by the stricter ones above.
REPLACED_HANDLERS = {
    TornadoVoilaHandler: SafeRenderHandler,
    TemplateStaticFileHandler: SafeTemplateStaticFileHandler,
    # Scripts and styles gzipped once for everyone (see static.py).
    MultiStaticFileHandler: precompressed(MultiStaticFileHandler),
    FileFindHandler: precompressed(FileFindHandler),
    # Plain GETs of the websocket URL are refused before they reach the kernel (routes.py).
    VoilaKernelWebsocketHandler: KernelWebsocketEntry,
}


class AdvocacyVoila(Voila):
    name = "advocacy-lab-voila"
    description = Unicode("Serve the Advocacy Lab notebooks with Voila.")

    landing_notebook = Unicode(
        "00-start-here.ipynb",
        config=True,
        help="Notebook (relative to root_dir) that / redirects to.",
    )
    hostnames = List(
        Unicode(),
        config=True,
        help="Names of this machine on the room's network (--hostname) that the Host "
        "header may carry, besides loopback and, when listening beyond loopback, the "
        "machine's own addresses (see hosts.py).",
    )

    def host_allowlist(self) -> HostAllowlist:
        """The names and addresses this server answers to (hosts.py)."""
        import ipaddress

        try:
            room = not ipaddress.ip_address(self.ip).is_loopback
        except ValueError:  # "" or a name: Tornado listens on every interface
            room = True
        return HostAllowlist(self.hostnames, room=room)

    @property
    def connection_url(self):
        # What the browser opened on this laptop loads: through loopback when the
        # server listens on every interface (Voila would open http://0.0.0.0:PORT/,
        # a Host the check refuses and browsers block).
        if self.ip in ("", "0.0.0.0", "::"):
            return self._url("[::1]" if self.ip == "::" else "127.0.0.1")
        return super().connection_url

    def listen(self):
        # Voila's start() has built the Tornado application and added every route:
        # the Host check goes in front of all of them before the server listens.
        install_host_check(self.app, self.host_allowlist(), self.log)
        super().listen()

    @default("config_file_paths")
    def _config_file_paths_default(self):
        # Only the project's own configuration: a stray voila.json in the
        # current directory or in ~/.jupyter must not weaken these settings.
        return [str(CONFIG_DIR)]

    def setup_template_dirs(self):
        super().setup_template_dirs()
        # Voila still knows the template as "lab": its asset URLs
        # (/voila/templates/lab/static/...) are resolved by template name in the
        # Jupyter data folders only, where ours is deliberately not installed.
        # Only the Jinja search path changes, so our index.html.j2 and page.html
        # are found first and extend Voila's by their full paths.
        if self.voila_configuration.template != BASE_TEMPLATE:
            raise ValueError(
                f"voila.json: VoilaConfiguration.template must be {BASE_TEMPLATE!r} "
                f"(templates/advocacy extends it), not {self.voila_configuration.template!r}"
            )
        if not (TEMPLATE_DIR / "index.html.j2").is_file():
            # Jinja would skip a missing folder and silently serve Voila's CDN links.
            raise FileNotFoundError(
                f"{TEMPLATE_DIR} is missing from the installed advocacy_lab package "
                "(package data): reinstall it, e.g. pip install -e ."
            )
        self.template_paths = [str(TEMPLATE_DIR), *self.template_paths]

    refill_concurrency = Int(
        1,
        config=True,
        help="Pool kernels that may warm up at once after learners take theirs "
        "(see pool.py); 1 leaves the other core of a small machine to the learners.",
    )
    preheat_concurrency = Int(
        3,
        config=True,
        help="Pool kernels that may warm up at once before the first learner arrives.",
    )
    refill_quiet = Float(
        3.0,
        config=True,
        help="Seconds without a learner arriving before the pool is refilled (see pool.py).",
    )
    refill_max_wait = Float(
        30.0,
        config=True,
        help="Longest a refill waits for such a quiet moment, in seconds.",
    )

    max_kernels = Int(
        # Replaced by the computed default below; a value of its own so that setting
        # 0 is noticed (traitlets skips validating a value equal to the static default).
        40,
        config=True,
        help="Kernels the server holds at most (caps.py): the preheated pools at their "
        "full size, plus every kernel a page load was given, plus page loads under way. "
        "Above it a page load is answered 503 ('the room is full') and starts no kernel. "
        "Default: half this machine's memory at 100 MB per kernel (about 70 MB measured), "
        "from 10 to 200: 40 on an 8 GB laptop. `advocacy-lab serve --learners N` sets it "
        "for the room.",
    )

    @default("max_kernels")
    def _max_kernels_default(self):
        return default_max_kernels()

    max_kernels_per_client = Int(
        6,
        config=True,
        help="Kernels of page loads from one client address at most (caps.py); the "
        "connection's own address, or the client a --trusted-proxy forwards for (never "
        "X-Forwarded-For from anyone else). 6: more tabs than a learner "
        "opens at once, far fewer than a flood of page loads.",
    )
    uncapped_clients = List(
        Unicode(),
        ["127.0.0.1", "::1"],
        config=True,
        help="Client addresses only the total cap applies to: this machine's own "
        "browser (the trainer, tests and benchmarks).",
    )
    trusted_proxies = List(
        Unicode(),
        config=True,
        help="Reverse proxies (an address or a network such as 10.0.0.0/8; "
        "--trusted-proxy) whose X-Forwarded-For names the client the per-client cap "
        "counts (caps.py: the right-most address not itself a trusted proxy). From any "
        "other peer the header is ignored. Empty: the connection's own address.",
    )

    @validate("trusted_proxies")
    def _valid_trusted_proxies(self, proposal):
        return [str(network) for network in trusted_networks(proposal["value"])]

    unconnected_timeout = Float(
        90.0,
        config=True,
        help="Seconds after its page was served that a kernel whose page never opened "
        "its websocket is shut down (caps.py); pages that did connect keep the idle "
        "cull of MappingKernelManager.cull_idle_timeout. 90 s: a cold page (about "
        "1.5 MB) reaches a phone on a slow 3G link in about 30 s.",
    )

    @validate("max_kernels", "max_kernels_per_client", "unconnected_timeout")
    def _valid_cap(self, proposal):
        check_caps(**{proposal["trait"].name: proposal["value"]})
        return proposal["value"]

    @default("kernel_websocket_connection_class")
    def _kernel_websocket_connection_class_default(self):
        # Tracebacks and other output no Output widget shows stay on the server (iopub.py).
        return PageIopubConnection

    def init_settings(self):
        # Before any page is rendered (the pools preheat from here on): templates compile once.
        share_compiled_templates()
        write_only_written_records(self.log)
        # Whom the caps count and whom the log names: the same learner behind the same proxies.
        trusted = trusted_networks(self.trusted_proxies)
        with lean_activity(), paced_pools(self.refill_concurrency, self.refill_quiet, self.refill_max_wait,
                         self.preheat_concurrency), capped_kernels(
            max_kernels=self.max_kernels,
            max_kernels_per_client=self.max_kernels_per_client,
            uncapped_clients=tuple(self.uncapped_clients),
            unconnected_timeout=self.unconnected_timeout,
            trusted_proxies=trusted,
        ):
            settings = super().init_settings()
        install_refusal_log_filter(self.log)
        settings[TRUSTED_PROXIES_SETTING] = trusted
        settings["log_function"] = self._log_request
        # Addresses no route matches: the course's 404 page, not Tornado's bare English one.
        settings["default_handler_class"] = NotFoundPage
        # The fix for compression (see the module docstring): the settings must
        # be there when tornado.web.Application is constructed.
        settings.update(self.tornado_settings)
        return settings

    def _log_request(self, handler) -> None:
        if getattr(handler, "logs_itself", False):
            return  # a refusal that wrote its own one-line entry (hosts.py)
        # Every request served tells the pool that learners are still loading (pool.py).
        note = getattr(self.kernel_manager, "note_activity", None)
        if note is not None:
            note()
        log_request_line(handler)  # one line per request, refusals included (routes.py)

    def landing_url(self) -> str:
        return url_path_join(self.base_url, "voila/render", self.landing_notebook)

    def init_handlers(self):
        handlers = []
        for spec in super().init_handlers():
            pattern = spec[0]
            if any(pattern.startswith(url_path_join(self.server_url, r)) for r in DROPPED_ROUTES):
                continue
            if pattern == self.server_url:
                # The folder listing at / becomes a redirect to the start page.
                spec = (pattern, tornado.web.RedirectHandler, {"url": self.landing_url()})
            elif spec[1] in REPLACED_HANDLERS:
                spec = (pattern, REPLACED_HANDLERS[spec[1]], *spec[2:])
            # Errors a browser shows as a page are the course's, in the learner's language.
            handlers.append((spec[0], with_learner_error_pages(spec[1]), *spec[2:]))
        return handlers


def main(argv: list[str] | None = None) -> None:
    AdvocacyVoila.launch_instance(argv=argv)


if __name__ == "__main__":  # pragma: no cover
    main()
