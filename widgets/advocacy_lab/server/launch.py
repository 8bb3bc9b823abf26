"""``advocacy-lab serve``: standalone Voila over ``notebooks/`` only.

The security and performance settings live in ``voila.json`` next to this
module (see ``app.py`` for how it is loaded); this module only adds what
depends on the command line: the port, whether to open a browser, the folder
to serve, and (optionally) the size of the preheated kernel pools and the cull
timings, which depend on the room: a workshop of 35 on one module wants 35
kernels ready for that module, a benchmark wants a short cull timeout.
"""
from __future__ import annotations

import errno
import json
import re
import socket
import sys
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
CONFIG_FILE = Path(__file__).resolve().parent / "voila.json"
#: Upper bound for a pool: each preheated kernel holds ~100 MB and a core-second to start.
MAX_POOL_SIZE = 200
_NOTEBOOK = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.ipynb")


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
) -> list[str]:
    """Command-line arguments for ``AdvocacyVoila`` (everything else is in voila.json).

    ``pool_sizes`` comes from :func:`parse_pool_sizes`; ``cull_timeout`` and
    ``cull_interval`` (seconds) override voila.json's culling for this run.
    """
    argv = [
        f"--Voila.port={int(port)}",
        f"--Voila.root_dir={notebooks_dir(root)}",
        f"--Voila.open_browser={bool(open_browser)}",
    ]
    pool_sizes = dict(pool_sizes or {})
    if "default" in pool_sizes:
        argv.append(f"--VoilaConfiguration.default_pool_size={int(pool_sizes['default'])}")
    _check_seconds("the cull timeout", cull_timeout)
    _check_seconds("the cull interval", cull_interval)
    if cull_timeout is not None:
        argv.append(f"--MappingKernelManager.cull_idle_timeout={int(round(float(cull_timeout)))}")
    if cull_interval is not None:
        argv.append(f"--MappingKernelManager.cull_interval={int(round(float(cull_interval)))}")
    return argv


def url_for(port: int) -> str:
    return f"http://{HOST}:{int(port)}/"


def port_problem(port: int, host: str = HOST) -> str | None:
    """A plain-language reason why we cannot listen on ``port``, or None if we can."""
    if not 0 < int(port) < 65536:
        return f"port {port} is not a valid TCP port (use 1-65535)."
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As Tornado does: a port whose old connections are in TIME_WAIT is free;
        # a port with a listening socket is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} is already in use on {host}. Another server (maybe an "
                    f"earlier `advocacy-lab serve`) is running there. Stop it, or choose "
                    f"another port: advocacy-lab serve --port {int(port) + 1}"
                )
            if exc.errno == errno.EACCES:
                return f"permission denied to listen on port {port}; use a port above 1024."
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}."
    return None


def serve(
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    root: Path | None = None,
    *,
    pool_sizes: list[str] | dict[str, int] | None = None,
    cull_timeout: float | None = None,
    cull_interval: float | None = None,
) -> int:
    """Serve ``root/notebooks`` with Voila until interrupted. Returns an exit status.

    ``pool_sizes``: ``N`` / ``NOTEBOOK=N`` strings (see :func:`parse_pool_sizes`)
    or the dict it returns. ``cull_timeout`` / ``cull_interval``: seconds.
    """
    root = Path(root) if root is not None else Path.cwd()
    try:
        if not isinstance(pool_sizes, dict):
            pool_sizes = parse_pool_sizes(pool_sizes)
        extra = {"pool_sizes": pool_sizes, "cull_timeout": cull_timeout, "cull_interval": cull_interval}
        build_argv(port if 0 < int(port) < 65536 else DEFAULT_PORT, open_browser, root, **extra)
    except ValueError as exc:
        print(f"advocacy-lab serve: {exc}", file=sys.stderr)
        return 2
    folder = notebooks_dir(root)
    if not folder.is_dir():
        print(f"advocacy-lab serve: no notebooks/ folder in {root}.", file=sys.stderr)
        return 2
    problem = port_problem(port)
    if problem:
        print(f"advocacy-lab serve: {problem}", file=sys.stderr)
        return 1

    # Imported here so that `advocacy-lab --help` stays instant.
    from advocacy_lab.server.app import AdvocacyVoila

    print(f"Advocacy Lab: serving {folder} at {url_for(port)}  (press Ctrl+C to stop)", flush=True)
    app = AdvocacyVoila.instance()
    try:
        app.initialize(build_argv(port, open_browser, root, **extra))
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
