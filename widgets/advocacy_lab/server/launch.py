"""``advocacy-lab serve``: standalone Voila over ``notebooks/`` only.

The security and performance settings live in ``voila.json`` next to this
module (see ``app.py`` for how it is loaded); this module only adds what
depends on the command line: the port, whether to open a browser, and the
folder to serve.
"""
from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 8866


def notebooks_dir(root: Path) -> Path:
    """The only folder the server renders from."""
    return Path(root).resolve() / "notebooks"


def build_argv(port: int, open_browser: bool, root: Path) -> list[str]:
    """Command-line arguments for ``AdvocacyVoila`` (everything else is in voila.json)."""
    return [
        f"--Voila.port={int(port)}",
        f"--Voila.root_dir={notebooks_dir(root)}",
        f"--Voila.open_browser={bool(open_browser)}",
    ]


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


def serve(port: int = DEFAULT_PORT, open_browser: bool = True, root: Path | None = None) -> int:
    """Serve ``root/notebooks`` with Voila until interrupted. Returns an exit status."""
    root = Path(root) if root is not None else Path.cwd()
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
        app.initialize(build_argv(port, open_browser, root))
        app.start()
    except KeyboardInterrupt:  # pragma: no cover - Voila handles Ctrl+C itself
        pass
    finally:
        AdvocacyVoila.clear_instance()
    return 0
