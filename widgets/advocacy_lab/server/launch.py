"""``advocacy-lab serve``: standalone Voila over ``notebooks/`` only.

The security and performance settings live in ``voila.json`` next to this
module (see ``app.py`` for how it is loaded); this module only adds what
depends on the command line: the port, whether to open a browser, the folder
to serve, where to listen (loopback, or the room's network with ``--ip``) and
the names the server answers to (``--hostname``, see ``hosts.py``), the
reverse proxies whose ``X-Forwarded-For`` names the client (``--trusted-proxy``,
see ``caps.py``; a public server behind nginx, docs/hosting.md), the size
of the preheated kernel pools (``--learners N`` for a room of N, or
``--pool-size`` per notebook) with the kernel caps that go with it, and the
cull timings: a workshop of 35 on one module wants 35 kernels ready for that
module, a benchmark wants a short cull timeout.

What a trainer reads on start (the addresses participants type, a QR code)
is built by :func:`welcome` from injected addresses, so it is tested without
a network.
"""
from __future__ import annotations

import errno
import functools
import ipaddress
import json
import math
import re
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from advocacy_lab.core.catalogue import check_language, text

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
CONFIG_FILE = Path(__file__).resolve().parent / "voila.json"
#: Upper bound for a pool: each preheated kernel holds ~70 MB and a core-second to start.
MAX_POOL_SIZE = 200
_NOTEBOOK = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.ipynb")

# -- a room of N learners -------------------------------------------------------------------

#: Memory of one kernel with a learner's page on it: each of 35 learners on
#: 04-campaign-message added 70 MB RSS (53 MB USS) in benchmarks/room.py
#: (docs/performance.md, "A room of learners"). RSS counts shared library pages
#: in every kernel, so this errs on the safe side. A lesson that needs more has its
#: own figure in kernel_memory.json (benchmarks/kernel_memory.py measures each lesson).
KERNEL_RSS_MB = 70
KERNEL_MEMORY_FILE = Path(__file__).with_name("kernel_memory.json")


@functools.lru_cache(maxsize=1)
def _heavier_lessons() -> dict[str, int]:
    data = json.loads(KERNEL_MEMORY_FILE.read_text(encoding="utf-8"))
    return {notebook: int(mb) for notebook, mb in data["notebooks"].items()}


def kernel_mb(notebook: str) -> int:
    """The memory one kernel of ``notebook`` takes with its page on it (MB, RSS)."""
    return max(KERNEL_RSS_MB, _heavier_lessons().get(notebook, KERNEL_RSS_MB))
MAX_LEARNERS = 200
#: Kernel caps for ``--learners N`` (the app's AdvocacyVoila.max_kernels and
#: max_kernels_per_client): every preheated kernel, plus about 3 pages open per
#: learner at a time (the module, the course map, a reload or a next module while
#: the last kernel is still going), plus a few for the trainer; and per device
#: (client address) about 6 tabs, more than a learner opens and far fewer than a
#: flood of page loads would start.
PAGES_PER_LEARNER = 3
KERNEL_HEADROOM = 10
TABS_PER_CLIENT = 6
#: Pool spread: the room opens the first module together when the trainer says so,
#: so it gets a kernel for everyone; arrivals at the landing page spread over a
#: minute or two (typing the address, scanning the code), so half the room is
#: covered there and the rest start on demand; later modules are reached at each
#: learner's own pace, so a quarter of the room.
LANDING_SHARE = 0.5
LATER_MODULE_SHARE = 0.25
#: Share of the machine's memory a room's kernels may take: the rest is for the
#: system and the trainer's own browser, slides and video call.
ROOM_MEMORY_SHARE = 0.75
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class RoomPlan:
    """Preheated kernels and kernel caps for a room of ``learners``."""

    learners: int
    pools: dict[str, int] = field(default_factory=dict)  # notebook -> preheated kernels
    max_kernels: int = 0
    max_kernels_per_client: int = TABS_PER_CLIENT
    #: Kernels this machine's memory holds (None: not limited by memory).
    machine_kernels: int | None = None
    #: The pools or the cap were cut down to fit the machine's memory.
    memory_limited: bool = False
    #: The module the room opens together (each learner's working kernel is one of its).
    first: str = ""
    #: This machine's memory in MB (None: not limited by memory).
    machine_memory_mb: float | None = None

    @property
    def pool_kernels(self) -> int:
        return sum(self.pools.values())

    @property
    def memory_ready_mb(self) -> int:
        """The preheated kernels, waiting for learners (each lesson's kernels at their own size)."""
        return pools_memory_mb(self.pools)

    @property
    def memory_working_mb(self) -> int:
        """With every learner on a page of the first module: their kernels, and the pools refilled behind them."""
        return self.memory_ready_mb + self.learners * kernel_mb(self.first)


def pools_memory_mb(pools: Mapping[str, int]) -> int:
    return sum(n * kernel_mb(notebook) for notebook, n in pools.items())


def check_learners(learners: object, lang: str = "en") -> int:
    """``learners`` as a number of participants from 1 to MAX_LEARNERS, else a ValueError."""
    try:
        number = int(str(learners).strip())
    except ValueError:
        number = None
    if number is None or not 1 <= number <= MAX_LEARNERS:
        raise ValueError(text("serve.learners_invalid", lang, value=learners, max=MAX_LEARNERS))
    return number


def kernel_caps(learners: int, pool_kernels: int) -> tuple[int, int]:
    """(total, per client) kernel caps for a room of ``learners`` with ``pool_kernels`` preheated."""
    return pool_kernels + PAGES_PER_LEARNER * learners + KERNEL_HEADROOM, TABS_PER_CLIENT


def machine_kernels(memory_mb: float, per_kernel_mb: int = KERNEL_RSS_MB) -> int:
    """Kernels of ``per_kernel_mb`` that fit in ROOM_MEMORY_SHARE of ``memory_mb``: 87 of 70 MB on an 8 GB laptop."""
    return max(1, int(memory_mb * ROOM_MEMORY_SHARE / per_kernel_mb))


def machine_memory_mb() -> int:
    """This machine's memory in MB (psutil)."""
    import psutil

    return int(psutil.virtual_memory().total / (1024 * 1024))


def plan_room(
    learners: int,
    landing: str,
    modules: Sequence[str],
    explicit: Mapping[str, int] | None = None,
    memory_mb: float | None = None,
) -> RoomPlan:
    """Pools for a room: ``landing`` half the room, the first of ``modules`` (teaching
    order) all of it, each later module a quarter; ``explicit`` (``--pool-size
    NOTEBOOK=N``) wins for its notebooks. The caps follow from the pools.

    ``memory_mb``: the machine's memory. When the pools and a kernel for every
    learner would not fit in :func:`machine_kernels`, the pools shrink (later
    modules first, then the landing page, then the first module; never below one,
    and never an explicit ``--pool-size``), and the total cap never exceeds what
    fits: a learner told "the room is full" can retry, a laptop that swaps stalls
    every learner at once.
    """
    learners = check_learners(learners)
    explicit = {nb: int(n) for nb, n in (explicit or {}).items() if nb != "default"}
    pools: dict[str, int] = {}
    if landing:
        pools[landing] = max(1, math.ceil(learners * LANDING_SHARE))
    for index, notebook in enumerate(modules):
        share = 1.0 if index == 0 else LATER_MODULE_SHARE
        pools.setdefault(notebook, max(1, math.ceil(learners * share)))
    pools.update(explicit)
    first = modules[0] if modules else landing
    total, per_client = kernel_caps(learners, sum(pools.values()))
    if memory_mb is None:
        return RoomPlan(learners, pools, total, per_client, first=first)
    budget_mb = memory_mb * ROOM_MEMORY_SHARE
    limited = False
    # Who gives up preheated kernels first: what the room reaches last.
    order = [nb for nb in reversed(modules[1:])] + ([landing] if landing else []) + list(modules[:1])
    working = learners * kernel_mb(first)
    for notebook in order:
        while pools_memory_mb(pools) + working > budget_mb and pools.get(notebook, 1) > 1 and notebook not in explicit:
            pools[notebook] -= 1
            limited = True
    # The cap counts pages of any lesson: sized by the heaviest kernel the room may start (the safe side).
    fit = machine_kernels(memory_mb, max(kernel_mb(nb) for nb in [first, *pools]))
    total, per_client = kernel_caps(learners, sum(pools.values()))
    if total > fit:
        total, limited = max(fit, sum(pools.values()) + 1), True
    return RoomPlan(learners, pools, total, per_client, machine_kernels=fit, memory_limited=limited,
                    first=first, machine_memory_mb=memory_mb)


def course_notebooks(root: Path) -> tuple[str, list[str]]:
    """The landing notebook (voila.json) and the available modules in teaching order
    (data/modules.json), those present in ``root``/notebooks."""
    from advocacy_lab.course import load_course

    folder = notebooks_dir(root)
    conf = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    landing = conf.get("AdvocacyVoila", {}).get("landing_notebook", "")
    modules = [m.notebook for m in load_course().available if (folder / m.notebook).is_file()]
    return (landing if (folder / landing).is_file() else ""), modules


def megabytes_as_gb(mb: float, lang: str = "en") -> str:
    """``4340`` -> ``"4.2"`` (``"4,2"`` in Vietnamese)."""
    value = f"{mb / 1024:.1f}"
    return value.replace(".", ",") if lang == "vi" else value


def learners_help(lang: str = "en", example: int = 35) -> str:
    """The ``--learners`` help, with the memory it costs computed for ``example`` learners
    on the shipped course's notebooks."""
    try:
        from advocacy_lab.course import load_course

        course = load_course()
        landing = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))["AdvocacyVoila"]["landing_notebook"]
        modules = [m.notebook for m in course.available]
    except (OSError, ValueError, KeyError):  # help must show even with a broken course file
        landing, modules = "00-start-here.ipynb", ["04-campaign-message.ipynb"]
    plan = plan_room(example, landing, modules)
    return text(
        "serve.help.learners", lang,
        max=MAX_LEARNERS, kernel_mb=KERNEL_RSS_MB, first_mb=kernel_mb(plan.first), example=example, kernels=plan.pool_kernels,
        ready_gb=megabytes_as_gb(plan.memory_ready_mb, lang),
        working_gb=megabytes_as_gb(plan.memory_working_mb, lang),
        per_learner_mb=round(plan.memory_working_mb / example),
        first_module=modules[0] if modules else landing,
    )


# -- where to listen and which names to answer to ------------------------------------------


def parse_ip(value: object, lang: str = "en") -> str:
    """A listening address (``0.0.0.0`` = every IPv4 interface, ``::`` = every IPv6 one), else ValueError."""
    try:
        return str(ipaddress.ip_address(str(value).strip().strip("[]")))
    except ValueError:
        raise ValueError(text("serve.ip_invalid", lang, value=value)) from None


def parse_hostname(value: object, lang: str = "en") -> str:
    """A DNS host name (``workshop.lan``), lower case, else ValueError naming the problem."""
    raw = str(value).strip()
    try:
        ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(text("serve.hostname_is_address", lang, value=value))
    try:
        name = raw.encode("idna").decode("ascii").lower()  # a non-ASCII name as browsers send it (punycode)
    except UnicodeError:
        name = ""
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(text("serve.hostname_invalid", lang, value=value))
    return name


def parse_trusted_proxy(value: object, lang: str = "en"):
    """caps.py's :func:`~advocacy_lab.server.caps.parse_trusted_proxy`, imported late.

    caps.py brings Tornado and Jupyter Server, and this module is read for
    ``advocacy-lab --help``, which stays instant.
    """
    from advocacy_lab.server.caps import parse_trusted_proxy as parse

    return parse(value, lang)


def is_loopback(ip: str | None) -> bool:
    return ip is None or ipaddress.ip_address(ip).is_loopback


def _entries(interfaces: Mapping[str, Iterable], up: Mapping[str, bool] | None):
    """(interface, family, address) of interfaces that are up (psutil's shapes, or tuples)."""
    for name, entries in interfaces.items():
        if up is not None and not up.get(name, True):
            continue
        for entry in entries:
            family, address = entry[0], entry[1]
            if address:
                yield name, family, str(address).split("%", 1)[0]


def room_addresses(
    interfaces: Mapping[str, Iterable], up: Mapping[str, bool] | None = None, version: int = 4
) -> list[str]:
    """The machine's non-loopback addresses of one IP version, link-local ones last.

    ``interfaces``: ``psutil.net_if_addrs()`` (or ``{name: [(family, address), ...]}``);
    ``up``: interface -> is up (``psutil.net_if_stats()``), None to keep all.
    """
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for _name, fam, address in _entries(interfaces, up):
        if fam != family:
            continue
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip in found:
            continue
        found.append(ip)
    return [str(ip) for ip in sorted(found, key=lambda ip: ip.is_link_local)]


def url_for(port: int, host: str = HOST) -> str:
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port)}/"


def participant_urls(
    ip: str | None,
    port: int,
    hostnames: Sequence[str] = (),
    interfaces: Mapping[str, Iterable] | None = None,
    up: Mapping[str, bool] | None = None,
) -> list[str]:
    """What participants type: the machine's addresses the server listens on, then each host name.

    Empty for a loopback-only server (nobody else can reach it).
    """
    if is_loopback(ip):
        return []
    bound = ipaddress.ip_address(ip)
    if bound.is_unspecified:
        addresses = room_addresses(interfaces or {}, up, version=bound.version)
        if bound.version == 6:
            addresses = [a for a in addresses if not ipaddress.ip_address(a).is_link_local]
    else:
        addresses = [str(bound)]
    return [url_for(port, a) for a in addresses] + [url_for(port, h) for h in hostnames]


def qr_code(url: str) -> str:
    """The URL as a QR code drawn with text (segno), for the trainer's terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, micro=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()


def welcome(
    folder: Path,
    port: int,
    ip: str | None = None,
    hostnames: Sequence[str] = (),
    plan: RoomPlan | None = None,
    interfaces: Mapping[str, Iterable] | None = None,
    up: Mapping[str, bool] | None = None,
    lang: str = "en",
    qr: bool = True,
) -> str:
    """What the trainer reads when the server starts: the addresses participants type,
    a QR code of the first, and what the room costs. Addresses are injected."""
    lines: list[str] = []
    if is_loopback(ip):
        lines.append(text("serve.serving_local", lang, folder=folder, url=url_for(port, ip or HOST)))
    else:
        urls = participant_urls(ip, port, hostnames, interfaces, up)
        lines.append(text("serve.serving_room", lang, folder=folder))
        if urls:
            lines.append(text("serve.participants_type", lang))
            lines += [f"  {url}" for url in urls]
            if qr:
                lines.append(text("serve.qr_caption", lang, url=urls[0]))
                lines.append(qr_code(urls[0]).rstrip("\n"))
        else:
            lines.append(text("serve.no_room_address", lang))
        if ipaddress.ip_address(ip).is_unspecified:
            lines.append(text("serve.trainer_url", lang, url=url_for(port, HOST if ip == "0.0.0.0" else "::1")))
        lines.append(text("serve.room_risk", lang))
    if plan is not None:
        lines.append(text(
            "serve.learners_summary", lang,
            learners=plan.learners, kernels=plan.pool_kernels,
            ready_gb=megabytes_as_gb(plan.memory_ready_mb, lang),
            working_gb=megabytes_as_gb(plan.memory_working_mb, lang),
        ))
        if plan.memory_limited:
            lines.append(text(
                "serve.learners_memory_limited", lang,
                fit=plan.machine_kernels, max_kernels=plan.max_kernels,
                memory_gb=megabytes_as_gb(plan.machine_memory_mb or 0, lang),
            ))
    return "\n".join(lines)


def network_interfaces() -> tuple[dict, dict]:
    """This machine's interfaces and whether each is up (psutil)."""
    import psutil

    up = {name: stats.isup for name, stats in psutil.net_if_stats().items()}
    return psutil.net_if_addrs(), up


def notebooks_dir(root: Path) -> Path:
    """The only folder the server renders from."""
    return Path(root).resolve() / "notebooks"


def parse_pool_sizes(specs: list[str] | tuple[str, ...] | None) -> dict[str, int]:
    """``["2", "04-campaign-message.ipynb=35"]`` -> ``{"default": 2, "04-campaign-message.ipynb": 35}``.

    ``N`` sets the pool of every notebook; ``NOTEBOOK=N`` (path relative to
    notebooks/) sets one notebook's pool. Raises ValueError naming the problem.
    """
    sizes: dict[str, int] = {}
    for spec in specs or ():
        name, sep, number = str(spec).rpartition("=")
        name = name.strip() if sep else "default"
        if sep and not _NOTEBOOK.fullmatch(name):
            raise ValueError(
                f"pool size {spec!r}: {name!r} is not a notebook path inside notebooks/ "
                "(write NOTEBOOK.ipynb=N, e.g. 04-campaign-message.ipynb=35)"
            )
        try:
            size = int(number.strip())
        except ValueError:
            raise ValueError(f"pool size {spec!r}: {number.strip()!r} is not a whole number") from None
        if not 0 <= size <= MAX_POOL_SIZE:
            raise ValueError(f"pool size {spec!r}: use a number from 0 to {MAX_POOL_SIZE}")
        sizes[name] = size
    return sizes


def pool_config(pool_sizes: dict[str, int] | None) -> dict | None:
    """Kernel-manager config for per-notebook pools (None when no notebook is named).

    Given as config rather than on the command line: traitlets only takes a
    dict of dicts there in a deprecated form. Per-notebook pools replace Voila's
    computed ``kernel_pools_config``, so the default entry is repeated here.
    """
    per_notebook = {nb: n for nb, n in (pool_sizes or {}).items() if nb != "default"}
    if not per_notebook:
        return None
    default = (pool_sizes or {}).get("default")
    if default is None:
        conf = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
        default = int(conf["VoilaConfiguration"]["default_pool_size"])
    pools = {"default": {"pool_size": int(default)}}
    pools.update({nb: {"pool_size": int(n)} for nb, n in per_notebook.items()})
    return {"VoilaKernelManager": {"kernel_pools_config": pools}}


def _check_seconds(name: str, value: float | None) -> None:
    if value is not None and not (0 < float(value) <= 7 * 24 * 3600):
        raise ValueError(f"{name} must be a number of seconds above 0 (got {value!r})")


def build_argv(
    port: int,
    open_browser: bool,
    root: Path,
    *,
    pool_sizes: dict[str, int] | None = None,
    cull_timeout: float | None = None,
    cull_interval: float | None = None,
    ip: str | None = None,
    hostnames: Sequence[str] = (),
    plan: RoomPlan | None = None,
    trusted_proxies: Sequence[str] = (),
) -> list[str]:
    """Command-line arguments for ``AdvocacyVoila`` (everything else is in voila.json).

    ``pool_sizes`` comes from :func:`parse_pool_sizes`; ``cull_timeout`` and
    ``cull_interval`` (seconds) override voila.json's culling for this run.
    ``ip`` (from :func:`parse_ip`) replaces voila.json's loopback address;
    ``hostnames`` (from :func:`parse_hostname`) are names the server answers to
    besides its addresses; ``plan`` (:func:`plan_room`) sets the kernel caps;
    ``trusted_proxies`` (:func:`~advocacy_lab.server.caps.parse_trusted_proxy`) are
    the reverse proxies whose ``X-Forwarded-For`` the per-client cap believes.
    """
    argv = [
        f"--Voila.port={int(port)}",
        f"--Voila.root_dir={notebooks_dir(root)}",
        f"--Voila.open_browser={bool(open_browser)}",
    ]
    if ip is not None:
        ip = parse_ip(ip)
        argv.append(f"--Voila.ip={ip}")
        if ipaddress.ip_address(ip).is_unspecified:
            # Voila would log http://<computer name>:PORT/, a name the Host check refuses.
            argv.append(f"--Voila.custom_display_url={url_for(port, HOST if ip == '0.0.0.0' else '::1')}")
    argv += [f"--AdvocacyVoila.hostnames={parse_hostname(name)}" for name in hostnames]
    argv += [f"--AdvocacyVoila.trusted_proxies={parse_trusted_proxy(proxy)}" for proxy in trusted_proxies]
    pool_sizes = dict(pool_sizes or {})
    if "default" in pool_sizes:
        argv.append(f"--VoilaConfiguration.default_pool_size={int(pool_sizes['default'])}")
    _check_seconds("the cull timeout", cull_timeout)
    _check_seconds("the cull interval", cull_interval)
    if cull_timeout is not None:
        argv.append(f"--MappingKernelManager.cull_idle_timeout={int(round(float(cull_timeout)))}")
    if cull_interval is not None:
        argv.append(f"--MappingKernelManager.cull_interval={int(round(float(cull_interval)))}")
    if plan is not None:
        argv.append(f"--AdvocacyVoila.max_kernels={int(plan.max_kernels)}")
        argv.append(f"--AdvocacyVoila.max_kernels_per_client={int(plan.max_kernels_per_client)}")
    return argv


def port_problem(
    port: int,
    host: str = HOST,
    lang: str = "en",
    addresses: Sequence[str] | None = None,
) -> str | None:
    """A plain-language reason why we cannot listen on ``host``:``port``, or None if we can.

    ``addresses``: the machine's addresses, named when ``host`` is not one of them
    (looked up with psutil when not given).
    """
    if not 0 < int(port) < 65536:
        return text("serve.port_invalid", lang, port=port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As Tornado does: a port whose old connections are in TIME_WAIT is free;
        # a port with a listening socket is not; an IPv6 socket is IPv6 only.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return text("serve.port_in_use", lang, port=port, host=host, next_port=int(port) + 1)
            if exc.errno == errno.EACCES:
                return text("serve.port_denied", lang, port=port)
            if exc.errno == errno.EADDRNOTAVAIL:
                if addresses is None:
                    interfaces, up = network_interfaces()
                    addresses = room_addresses(interfaces, up, 4) + room_addresses(interfaces, up, 6)
                return text("serve.address_not_here", lang, host=host,
                            addresses=", ".join(addresses) or text("serve.no_addresses", lang))
            return text("serve.cannot_listen", lang, host=host, port=port, reason=exc.strerror or exc)
    return None


def serve(
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    root: Path | None = None,
    *,
    pool_sizes: list[str] | dict[str, int] | None = None,
    cull_timeout: float | None = None,
    cull_interval: float | None = None,
    ip: str | None = None,
    hostnames: Sequence[str] | None = None,
    learners: int | None = None,
    lang: str = "en",
    trusted_proxies: Sequence[str] | None = None,
) -> int:
    """Serve ``root/notebooks`` with Voila until interrupted. Returns an exit status.

    ``pool_sizes``: ``N`` / ``NOTEBOOK=N`` strings (see :func:`parse_pool_sizes`)
    or the dict it returns. ``cull_timeout`` / ``cull_interval``: seconds.
    ``ip``: where to listen (default loopback only; ``0.0.0.0`` for a room);
    ``hostnames``: names of this machine on the room's network; ``learners``:
    size the pools and kernel caps for a room of that many (:func:`plan_room`);
    ``lang``: language of what the trainer reads; ``trusted_proxies``: addresses or
    networks of the reverse proxy in front (``--trusted-proxy``): the per-client cap
    then counts the client it forwards for, and ``--hostname`` names the public name
    the proxy passes on even when the server listens on loopback only.
    """
    root = Path(root) if root is not None else Path.cwd()
    try:
        lang = check_language(lang)
        if not isinstance(pool_sizes, dict):
            pool_sizes = parse_pool_sizes(pool_sizes)
        if ip is not None:
            ip = parse_ip(ip, lang)
        names = [parse_hostname(name, lang) for name in (hostnames or ())]
        names = list(dict.fromkeys(names))
        proxies = list(dict.fromkeys(str(parse_trusted_proxy(p, lang)) for p in (trusted_proxies or ())))
        # Behind a proxy on this machine, the server listens on loopback and is reached by its public name.
        if names and is_loopback(ip) and not proxies:
            raise ValueError(text("serve.hostname_needs_ip", lang))
        if learners is not None:
            learners = check_learners(learners, lang)
        extra = {"cull_timeout": cull_timeout, "cull_interval": cull_interval, "ip": ip, "hostnames": names,
                 "trusted_proxies": proxies}
        build_argv(port if 0 < int(port) < 65536 else DEFAULT_PORT, open_browser, root,
                   pool_sizes=pool_sizes, **extra)
    except ValueError as exc:
        print(f"advocacy-lab serve: {exc}", file=sys.stderr)
        return 2
    folder = notebooks_dir(root)
    if not folder.is_dir():
        print(f"advocacy-lab serve: no notebooks/ folder in {root}.", file=sys.stderr)
        return 2
    problem = port_problem(port, ip or HOST, lang)
    if problem:
        print(f"advocacy-lab serve: {problem}", file=sys.stderr)
        return 1
    plan = None
    if learners is not None:
        landing, modules = course_notebooks(root)
        plan = plan_room(learners, landing, modules, explicit=pool_sizes, memory_mb=machine_memory_mb())
        pool_sizes = {**pool_sizes, **plan.pools}

    # Imported here so that `advocacy-lab --help` stays instant.
    from advocacy_lab.server.app import AdvocacyVoila

    interfaces, up = network_interfaces() if not is_loopback(ip) else ({}, {})
    message = welcome(folder, port, ip, names, plan, interfaces, up, lang)
    try:
        print(message, flush=True)
    except UnicodeEncodeError:  # a terminal that cannot draw the QR code still gets the addresses
        print(welcome(folder, port, ip, names, plan, interfaces, up, lang, qr=False), flush=True)
    app = AdvocacyVoila.instance()
    try:
        app.initialize(build_argv(port, open_browser, root, pool_sizes=pool_sizes, plan=plan, **extra))
        pools = pool_config(pool_sizes)
        if pools:
            from traitlets.config import Config

            app.update_config(Config(pools))
        app.start()
    except KeyboardInterrupt:  # pragma: no cover - Voila handles Ctrl+C itself
        pass
    finally:
        AdvocacyVoila.clear_instance()
    return 0
