"""Kernel caps: how many kernels anonymous page loads may make the server hold.

Every page load of a notebook gives the page a kernel of its own (from the
preheated pool, which then refills, or started for it): 50 anonymous GETs of a
page left 52 kernels and 3.5 GB, and a few hundred exhaust the machine. So:

* **a total cap** (``max_kernels``): the preheated pools at their configured
  size, plus every kernel a page load was given and still alive, plus the page
  loads under way. The pools count at their target size (a pool kernel taken by
  a learner is refilled), so that a room arriving at once is counted as it will
  stand, not as it stands for a moment;
* **a per-client cap** (``max_kernels_per_client``): kernels whose page load
  came from one client address: the peer of the connection, or, when that peer
  is a trusted reverse proxy (``--trusted-proxy``, issue #12), the right-most
  address in its ``X-Forwarded-For`` that is not itself a trusted proxy
  (:func:`forwarded_client`). Pool kernels belong
  to no client. Addresses in ``uncapped_clients`` (the machine's own browser,
  by default) only meet the total cap;
* above a cap, the page load is answered **503** with a short page in the
  learner's language ("the room is full, try again in a minute",
  ``Retry-After``; the page is error_pages.py's), and no kernel is started;
* **pages that never connect**: a page load that never opens its kernel's
  websocket (a GET flood, a crawler, a tab closed while loading) gives its kernel
  back after ``unconnected_timeout`` seconds instead of the idle cull's 300.
  Pool kernels waiting for a learner are never in that watch list.

:class:`KernelCapsMixin` goes in front of Voila's kernel manager class (see
:func:`capped_kernels`); :class:`CappedPageMixin` goes in front of the render
handler. The page load tells the manager which kernel is its own through a
context variable, set for the duration of the handler's ``get``.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import logging
from dataclasses import dataclass

from tornado.ioloop import IOLoop, PeriodicCallback

from advocacy_lab.server.error_pages import (  # noqa: F401  (preferred_language: re-exported)
    answer_with_page,
    preferred_language,
    request_language,
    room_full_page,
)

log = logging.getLogger(__name__)

#: Seconds a refused learner is asked to wait (``Retry-After``; the page says "a minute").
RETRY_AFTER = 60
#: Memory set aside per kernel for the default total cap: a kernel with a learner's
#: page holds about 70 MB RSS (docs/performance.md), plus headroom.
KERNEL_BUDGET_MB = 100
#: Bounds of that default.
MIN_DEFAULT_KERNELS, MAX_DEFAULT_KERNELS = 10, 200


def default_max_kernels(total_memory_bytes: int | None = None) -> int:
    """Half of this machine's memory in kernels of KERNEL_BUDGET_MB: 40 on an 8 GB laptop.

    Bounded to MIN_DEFAULT_KERNELS..MAX_DEFAULT_KERNELS. A room server gets its cap from
    ``--learners`` instead (launch.py).
    """
    if total_memory_bytes is None:
        import psutil

        total_memory_bytes = psutil.virtual_memory().total
    kernels = int(total_memory_bytes / 2 / (KERNEL_BUDGET_MB * 1024 * 1024))
    return max(MIN_DEFAULT_KERNELS, min(MAX_DEFAULT_KERNELS, kernels))


@dataclass
class PageLoad:
    """One page load admitted under the caps, until it has a kernel (then the kernel counts)."""

    client: str
    kernel_id: str | None = None
    done: bool = False


#: The page load the current request handler is serving (None outside one).
_PAGE_LOAD: contextvars.ContextVar[PageLoad | None] = contextvars.ContextVar("advocacy_page_load", default=None)


class RoomFull(Exception):
    """A page load refused by a cap; ``which`` is "total" or "client"."""

    def __init__(self, which: str, held: int, cap: int, counted: str = ""):
        super().__init__(f"{which} cap {cap} reached ({held} kernels)")
        self.which, self.held, self.cap = which, held, cap
        #: What was counted ("4 pool, 3 learners, 1 loading"), for the server's log.
        self.counted = counted


#: Trusted proxies: the networks whose ``X-Forwarded-For`` is believed.
TrustedProxies = tuple  # tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
#: Addresses walked at most in one ``X-Forwarded-For``: a real chain has a few;
#: a longer one from a trusted proxy is treated as malformed.
MAX_FORWARDED_HOPS = 32


def parse_trusted_proxy(value: object, lang: str = "en") -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``--trusted-proxy`` ``127.0.0.1``, ``::1`` or a network such as ``10.0.0.0/8``, else ValueError.

    Host bits set in a network (``10.0.0.1/8``) are refused rather than silently
    widened: the trainer meant one of the two, and trusting too much is the risk.
    """
    from advocacy_lab.core.catalogue import text

    raw = str(value if value is not None else "").strip()
    try:
        network = ipaddress.ip_network(raw.strip("[]") if "/" not in raw else raw, strict=True)
    except ValueError:
        raise ValueError(text("serve.proxy.invalid", lang, value=value)) from None
    if network.num_addresses > 1 and network.prefixlen == 0:
        # 0.0.0.0/0 or ::/0 trusts every client's header: the forgery this setting exists to stop.
        raise ValueError(text("serve.proxy.everyone", lang, value=value))
    return _normal_network(network)


def _normal_network(network):
    mapped = getattr(network.network_address, "ipv4_mapped", None)
    if mapped is not None and network.prefixlen >= 96:
        return ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
    return network


def trusted_networks(values) -> TrustedProxies:
    """The trusted proxies as networks, from strings or networks (the app's configuration)."""
    return tuple(
        dict.fromkeys(v if isinstance(v, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else parse_trusted_proxy(v)
                      for v in (values or ()))
    )


def _address(value: str) -> str | None:
    """``value`` as a normal address string (IPv4-mapped as IPv4, no zone), or None if not one."""
    try:
        ip = ipaddress.ip_address(value.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def _is_trusted(address: str, trusted: TrustedProxies) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == network.version and ip in network for network in trusted)


def forwarded_client(peer: str, x_forwarded_for: str | None, trusted: TrustedProxies = ()) -> str:
    """The client a connection from ``peer`` speaks for.

    From a peer that is not a trusted proxy: the peer, whatever the header says
    (anyone can write an ``X-Forwarded-For``). From a trusted proxy: walking the
    header from the right (each proxy appends the address it saw), the first
    address that is not itself a trusted proxy; every address trusted: the
    left-most. A malformed entry met on that walk, an empty or too long chain:
    the proxy's own address (so the caps count it, and nothing crashes).
    """
    peer_address = _address(peer)
    if peer_address is None:
        return peer
    if not trusted or not x_forwarded_for or not _is_trusted(peer_address, trusted):
        return peer_address
    entries = x_forwarded_for.split(",")
    if len(entries) > MAX_FORWARDED_HOPS:
        return peer_address
    client = None
    for entry in reversed(entries):
        address = _address(entry)
        if address is None:
            return peer_address
        client = address
        if not _is_trusted(address, trusted):
            return address
    return client or peer_address


def client_address(request, trusted: TrustedProxies = ()) -> str:
    """The client of ``request``: the connection's peer, or whom a trusted proxy forwards for.

    Never Tornado's ``remote_ip`` when a peer is known: with ``xheaders`` it
    holds ``X-Forwarded-For`` / ``X-Real-Ip`` from anyone; the connection context
    keeps the real peer. ``trusted``: see :func:`forwarded_client`.
    """
    context = getattr(getattr(request, "connection", None), "context", None)
    address = getattr(context, "address", None)
    if isinstance(address, tuple) and address:
        peer = str(address[0])
    else:
        peer = str(request.remote_ip or "")
    header = None
    if trusted:
        headers = getattr(request, "headers", None)
        header = headers.get("X-Forwarded-For") if headers is not None else None
    return forwarded_client(peer, header, trusted)


#: The Tornado setting that holds the trusted proxies (``AdvocacyVoila.init_settings``).
TRUSTED_PROXIES_SETTING = "advocacy_trusted_proxies"


def learner_address(handler) -> str:
    """Whom a handler's request is from, as the caps count it: the log lines name the same learner."""
    return client_address(handler.request, handler.settings.get(TRUSTED_PROXIES_SETTING, ()))


class KernelCapsMixin:
    """For Voila's kernel manager: the kernel ledger behind the caps and the unconnected cull."""

    max_kernels: int = 40
    max_kernels_per_client: int = 6
    uncapped_clients: tuple[str, ...] = ("127.0.0.1", "::1")
    unconnected_timeout: float = 60.0
    trusted_proxies: TrustedProxies = ()

    # -- the ledger ------------------------------------------------------------------------

    def _caps_state(self) -> dict:
        state = self.__dict__.get("_advocacy_caps")
        if state is None:
            state = self.__dict__["_advocacy_caps"] = {
                "owner": {},  # kernel id -> client address of the page load that got it
                "loading": [],  # PageLoad admitted, no kernel yet
                "served": {},  # kernel id -> loop time its page was served, until it connects
                "connected": set(),  # kernel ids whose websocket ever connected
                "watch": None,  # the PeriodicCallback of the unconnected cull
            }
        return state

    def _live_owners(self) -> dict[str, str]:
        state = self._caps_state()
        owner = state["owner"]
        for kernel_id in [k for k in owner if k not in self]:  # shut down, culled or died
            owner.pop(kernel_id, None)
            state["served"].pop(kernel_id, None)
            state["connected"].discard(kernel_id)
        return owner

    def pool_target(self) -> int:
        """Kernels the preheated pools hold when full (0 without preheating)."""
        pools = getattr(self, "_pools", None) or {}
        config = getattr(self, "kernel_pools_config", None) or {}
        default = config.get("default", {})
        # As VoilaKernelManager.fill_if_needed reads the sizes.
        return sum(
            max(int(config.get(nb, default).get("pool_size", default.get("pool_size", 1))), 0) for nb in pools
        )

    def _process_ended(self, kernel_id: str) -> bool:
        """The kernel's process has exited, though the manager still lists the kernel."""
        try:
            process = getattr(self.get_kernel(kernel_id).provisioner, "process", None)
            return process is not None and process.poll() is not None
        except Exception:  # gone meanwhile, or a provisioner without a local process
            return False

    def _counted_owners(self) -> dict[str, str]:
        """Learners' kernels that hold memory: a kernel whose process has ended (its shutdown
        failed, or it died and waits for a restart) holds none, so its place is not kept."""
        return {k: c for k, c in self._live_owners().items() if not self._process_ended(k)}

    def kernels_held(self) -> int:
        """What the total cap compares: pools at full size, learners' kernels, page loads under way."""
        state = self._caps_state()
        return self.pool_target() + len(self._counted_owners()) + len(state["loading"])

    def _counted(self) -> str:
        return (f"{self.pool_target()} pool, {len(self._counted_owners())} learners, "
                f"{len(self._caps_state()['loading'])} loading")

    def kernels_of(self, client: str) -> int:
        state = self._caps_state()
        owned = sum(1 for c in self._counted_owners().values() if c == client)
        return owned + sum(1 for load in state["loading"] if load.client == client)

    def admit(self, client: str) -> PageLoad:
        """Count a page load from ``client``, or raise :class:`RoomFull` (nothing is counted then)."""
        held = self.kernels_held()
        if held >= self.max_kernels:
            raise RoomFull("total", held, self.max_kernels, self._counted())
        if client not in self.uncapped_clients:
            mine = self.kernels_of(client)
            if mine >= self.max_kernels_per_client:
                raise RoomFull("client", mine, self.max_kernels_per_client, self._counted())
        load = PageLoad(client)
        self._caps_state()["loading"].append(load)
        return load

    def _give(self, load: PageLoad | None, kernel_id: str) -> None:
        """``kernel_id`` is the kernel of page load ``load`` (the first kernel it got)."""
        if load is None or load.kernel_id is not None or load.done:
            return
        state = self._caps_state()
        load.kernel_id = kernel_id
        with contextlib.suppress(ValueError):
            state["loading"].remove(load)
        state["owner"][kernel_id] = load.client

    def page_done(self, load: PageLoad) -> None:
        """The page load ended (served, failed or abandoned): start the wait for its websocket."""
        state = self._caps_state()
        load.done = True
        with contextlib.suppress(ValueError):
            state["loading"].remove(load)
        kernel_id = load.kernel_id
        if kernel_id is None or kernel_id in state["connected"] or kernel_id not in self:
            return
        state["served"][kernel_id] = IOLoop.current().time()
        if state["watch"] is None:
            # Checked a few times per timeout, so a kernel goes at most a quarter late.
            every = max(0.25, min(10.0, float(self.unconnected_timeout) / 4))
            state["watch"] = PeriodicCallback(self._cull_unconnected, every * 1000)
            state["watch"].start()

    # -- where a page load gets its kernel ---------------------------------------------------

    async def get_rendered_notebook(self, *args, **kwargs):
        # A preheated kernel (Voila's pool path). The refill this triggers runs
        # VoilaKernelManager._initialize, which starts its kernel with the base
        # class's start_kernel, so it never reaches the start_kernel below.
        result = await super().get_rendered_notebook(*args, **kwargs)
        self._give(_PAGE_LOAD.get(), result[2])
        return result

    async def start_kernel(self, *args, **kwargs):
        # A kernel started for the page (Voila's path when no pool kernel is ready).
        kernel_id = await super().start_kernel(*args, **kwargs)
        self._give(_PAGE_LOAD.get(), kernel_id)
        return kernel_id

    # -- pages that never connect ----------------------------------------------------------

    def notify_connect(self, kernel_id):
        state = self._caps_state()
        state["connected"].add(kernel_id)
        state["served"].pop(kernel_id, None)
        return super().notify_connect(kernel_id)

    async def _cull_unconnected(self) -> None:
        state = self._caps_state()
        now = IOLoop.current().time()
        owners = self._live_owners()
        due = []
        for kernel_id, served in list(state["served"].items()):
            if kernel_id in state["connected"] or kernel_id not in owners:
                state["served"].pop(kernel_id, None)
                continue
            if now - served < self.unconnected_timeout:
                continue
            state["served"].pop(kernel_id, None)
            self.log.info(
                "Culling kernel %s: its page (for %s) never connected within %.0f s",
                kernel_id, owners.get(kernel_id), self.unconnected_timeout,
            )
            due.append(kernel_id)
        # Together: after a flood, one at a time would hold the memory a while longer.
        results = await asyncio.gather(*(self.shutdown_kernel(k) for k in due), return_exceptions=True)
        for kernel_id, result in zip(due, results):
            if isinstance(result, Exception):
                # Gone meanwhile (nothing to give back), or a shutdown that failed: say which.
                self.log.warning("Culling kernel %s failed (%s: %s); still listed: %s", kernel_id,
                                 type(result).__name__, result, kernel_id in self)

    async def shutdown_all(self, *args, **kwargs):
        watch = self._caps_state()["watch"]
        if watch is not None:
            watch.stop()
        return await super().shutdown_all(*args, **kwargs)


def capped_class(cls: type, **settings) -> type:
    """``cls`` (a kernel manager class) with :class:`KernelCapsMixin` in front, once."""
    check_caps(**settings)
    if issubclass(cls, KernelCapsMixin):
        return type(cls.__name__, (cls,), settings)
    return type(f"Capped{cls.__name__}", (KernelCapsMixin, cls), settings)


def check_caps(max_kernels: int = 40, max_kernels_per_client: int = 6, unconnected_timeout: float = 60.0,
               uncapped_clients=(), trusted_proxies=()) -> None:
    if int(max_kernels) < 1:
        raise ValueError(f"max_kernels must be at least 1 (got {max_kernels!r})")
    if int(max_kernels_per_client) < 1:
        raise ValueError(f"max_kernels_per_client must be at least 1 (got {max_kernels_per_client!r})")
    if not float(unconnected_timeout) > 0:
        raise ValueError(f"unconnected_timeout must be a number of seconds above 0 (got {unconnected_timeout!r})")


@contextlib.contextmanager
def capped_kernels(**settings):
    """While Voila builds its kernel manager, put :class:`KernelCapsMixin` in front of its class.

    As :func:`advocacy_lab.server.pool.paced_pools`: Voila makes the class inside
    ``Voila.init_settings`` from ``voila.app.voila_kernel_manager_factory``.
    """
    check_caps(**settings)
    import voila.app as voila_app

    original = voila_app.voila_kernel_manager_factory

    def factory(*args, **kwargs):
        return capped_class(original(*args, **kwargs), **settings)

    voila_app.voila_kernel_manager_factory = factory
    try:
        yield
    finally:
        voila_app.voila_kernel_manager_factory = original


# -- the page ---------------------------------------------------------------------------------
# The page itself, and the language it is in, are error_pages.py's (the server's own pages share them).


class CappedPageMixin:
    """For the render handler: admit the page load under the caps, or answer 503."""

    async def get(self, *args, **kwargs):
        manager = self.kernel_manager
        if not isinstance(manager, KernelCapsMixin):
            return await super().get(*args, **kwargs)
        client = client_address(self.request, manager.trusted_proxies)
        try:
            load = manager.admit(client)
        except RoomFull as full:
            manager.log.warning(
                "Room full: refused a page for %s (%s cap: %d of %d kernels; counted: %s)",
                client, full.which, full.held, full.cap, full.counted,
            )
            self.logs_itself = True  # that line is this request's one line (see routes.py)
            self._answer_room_full()
            return None
        token = _PAGE_LOAD.set(load)
        try:
            return await super().get(*args, **kwargs)
        finally:
            _PAGE_LOAD.reset(token)
            manager.page_done(load)

    def _answer_room_full(self) -> None:
        lang = request_language(self.request)
        self.set_header("Retry-After", str(RETRY_AFTER))
        answer_with_page(self, 503, room_full_page(lang), lang)


__all__ = [
    "CappedPageMixin",
    "KernelCapsMixin",
    "PageLoad",
    "RETRY_AFTER",
    "RoomFull",
    "capped_class",
    "capped_kernels",
    "client_address",
    "forwarded_client",
    "learner_address",
    "parse_trusted_proxy",
    "trusted_networks",
    "preferred_language",
    "room_full_page",
]
