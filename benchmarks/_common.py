"""Shared helpers of the benchmark scripts (not a test module).

Servers started with `advocacy-lab serve`'s launcher (or upstream `voila` as a
baseline), a time budget, Chromium settings, the cold-visit measurement of
time to interactive and page weight, kernel processes and their memory, and
the writer of each script's marked section of docs/performance.md.
"""
from __future__ import annotations

import base64
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

from advocacy_lab.server.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"
BARE = "bare.ipynb"
BARE_SELECTOR = ".al-bare-button button, button.al-bare-button"


def _ready_selectors() -> dict[str, str]:
    from advocacy_lab.core.course import load_course

    return {page.notebook: page.ready for page in load_course().pages}


#: The main control of each page of the course, from the course outline (data/modules.json);
#: other pages: their first rendered widget.
READY_SELECTORS = _ready_selectors()
DEFAULT_SELECTOR = ".jupyter-widgets"
MB = 1024 * 1024


def command_line(script: str, argv: list[str] | None) -> str:
    """The command that produced a result, as written into docs/performance.md."""
    args = argv if argv is not None else sys.argv[1:]
    return " ".join([".venv/bin/python", script, *(shlex.quote(a) for a in args)])


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def stats(values: list[float], digits: int = 3) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": round(statistics.median(values), digits),
        "p95": round(percentile(values, 95), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def kernel_processes(server_pid: int) -> list:
    """Kernel processes under a server: its descendants running ipykernel."""
    import psutil

    try:
        children = psutil.Process(server_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def kernel_id_of(process) -> str | None:
    """The kernel id in a kernel's command line (its connection file kernel-<id>.json)."""
    try:
        for part in process.cmdline():
            m = re.search(r"kernel-([0-9a-f-]{36})\.json", part)
            if m:
                return m.group(1)
    except Exception:
        return None
    return None


def memory_of(processes: list) -> dict:
    """RSS and USS (memory unique to the process) in MB, per process and total."""
    import psutil

    per = []
    for proc in processes:
        try:
            info = proc.memory_full_info()
            per.append({"pid": proc.pid, "rss_mb": info.rss / MB, "uss_mb": info.uss / MB,
                        "kernel_id": kernel_id_of(proc)})
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {
        "count": len(per),
        "rss_total_mb": round(sum(p["rss_mb"] for p in per), 1),
        "uss_total_mb": round(sum(p["uss_mb"] for p in per), 1),
        "processes": [{k: (round(v, 1) if isinstance(v, float) else v) for k, v in p.items()} for p in per],
    }


def cpu_seconds(processes: list) -> float:
    import psutil

    total = 0.0
    for proc in processes:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def process_tree(pid: int) -> list:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class OutOfTime(Exception):
    pass


class Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise OutOfTime()


# -- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_bare_notebook(folder: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets as widgets\n"
            "button = widgets.Button(description='Click me')\n"
            "button.add_class('al-bare-button')\n"
            "button"
        )
    ]
    nbformat.write(nb, str(folder / BARE))


class Server:
    def __init__(
        self,
        name: str,
        root: Path,
        log_dir: Path,
        plain_voila: bool = False,
        serve_options: dict | None = None,
        plain_args: list[str] | None = None,
    ):
        """``serve_options``: keyword arguments for ``launch.serve`` (pool_sizes,
        cull_timeout, cull_interval, ip, learners). The URL stays loopback: with
        ``ip="0.0.0.0"`` the server listens there too. ``plain_voila``: upstream ``voila`` instead,
        with ``plain_args`` (default: compression asked for on the command line)."""
        self.name = name
        self.root = root
        self.port = free_port()
        self.log = log_dir / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        if plain_voila:
            # Upstream standalone Voila with compression asked for on the command line,
            # the way that was reported not to work.
            if plain_args is None:
                plain_args = ["--Voila.tornado_settings={'compress_response': True}"]
            cmd = [
                sys.executable, "-m", "voila", str(root / "notebooks"), "--no-browser",
                f"--port={self.port}", "--Voila.ip=127.0.0.1", *plain_args,
            ]
        else:
            code = (
                "import sys; from pathlib import Path; from advocacy_lab.server.launch import serve; "
                f"sys.exit(serve(port={self.port}, open_browser=False, root=Path({str(root)!r}), "
                f"**{dict(serve_options or {})!r}))"
            )
            cmd = [sys.executable, "-c", code]
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=root,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_fills(self, notebook: str) -> int:
        return self.log_text().count(f"Kernel pool of {notebook} is filled")

    def wait_ready(self, notebooks: list[str], budget: Budget, timeout: float = 180, pools: bool = True) -> None:
        """Until / answers and every notebook's preheated kernel is ready."""
        import urllib.error
        import urllib.request

        end = time.monotonic() + min(timeout, budget.left())
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited:\n{self.log_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "/voila/static/", timeout=5)
            except urllib.error.HTTPError:
                pass  # any HTTP answer means it listens
            except OSError:
                time.sleep(0.25)
                continue
            if not pools or all(self.pool_fills(nb) >= 1 for nb in notebooks):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} server not ready in time:\n{self.log_text()[-3000:]}")

    def wait_refill(self, notebook: str, before: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.pool_fills(notebook) > before:
                return True
            time.sleep(0.2)
        return False

    def kernels(self) -> list:
        """The server's kernel processes (psutil.Process), pooled and in use."""
        return kernel_processes(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._out.close()


def cpu_idle_fraction(window: float = 0.5) -> float:
    def snapshot():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    idle0, total0 = snapshot()
    time.sleep(window)
    idle1, total1 = snapshot()
    return (idle1 - idle0) / max(1, total1 - total0)


def settle(budget: Budget, timeout: float = 30, idle: float = 0.8) -> None:
    """Wait (bounded) until the machine is mostly idle: a refilled kernel pool is
    still executing its notebook after the server reports it started."""
    end = time.monotonic() + min(timeout, max(0.0, budget.left()))
    while time.monotonic() < end:
        try:
            if cpu_idle_fraction() >= idle:
                return
        except OSError:  # no /proc/stat: not Linux
            return


# -- one visit -----------------------------------------------------------------------------


def close_pages_like_a_learner(context) -> None:
    """Close every page of ``context`` as a browser closes a tab.

    Only ``beforeunload`` makes Voila's page send its kernel-shutdown beacon;
    Playwright's ``page.close()``/``context.close()`` skip it unless asked, and
    the kernel would then wait for the cull.
    """
    for page in list(context.pages):
        try:
            with page.expect_event("close", timeout=5000):
                page.close(run_before_unload=True)
        except Exception:  # a page that hangs in unload still goes with its context
            pass


def close_like_a_learner(context) -> None:
    """Close every page as a browser closes a tab, then the context."""
    close_pages_like_a_learner(context)
    context.close()


def websocket_wire_bytes(connection: dict | None, direction: str, frame: dict) -> int:
    """Bytes one websocket frame took on the wire, as far as the page's CDP events tell.

    CDP reports each frame's payload after decompression (base64 for binary
    frames). When the handshake agreed on permessage-deflate (the server's
    ``websocket_compression_options``), the payload is deflated here the way
    the extension does it: one raw deflate stream per direction, kept across
    messages (context takeover), each message ended by a sync flush whose last
    four bytes are not sent (RFC 7692). Plus the frame header (2 to 10 bytes).
    """
    payload = frame.get("payloadData", "")
    data = payload.encode("utf-8") if frame.get("opcode", 1) == 1 else base64.b64decode(payload)
    size = len(data)
    if connection and connection["deflate"]:
        compressor = connection["compressors"].get(direction)
        if compressor is None:
            compressor = connection["compressors"][direction] = zlib.compressobj(6, zlib.DEFLATED, -15)
        size = len(compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)) - 4
    return size + (2 if size < 126 else 4 if size < 65536 else 10)


def visit(browser, url: str, selector: str, timeout_ms: float, context=None) -> dict:
    """Open ``url``; time until ``selector`` is visible, and count what came over the network.

    Without ``context``: a fresh context (cold cache), closed afterwards. With
    one: a new tab in it, so its HTTP cache holds what an earlier visit left (a
    learner's return visit); the context stays open, only the tab is closed.

    Bytes: HTTP bodies as encoded on the wire (cache hits count nothing), plus
    the kernel websocket's frames both ways (the widgets' state and messages
    travel there, on every visit, and no HTTP cache holds them), compressed as
    the connection compressed them (:func:`websocket_wire_bytes`).
    """
    own_context = context is None
    if own_context:
        context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    net = {"encoded": 0, "decoded": 0, "websocket": 0, "responses": {}}

    def on_response(ev):
        r = ev["response"]
        headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
        net["responses"][ev["requestId"]] = {
            "url": r["url"],
            "type": ev.get("type"),
            "encoding": headers.get("content-encoding", ""),
            "bytes": 0,
            "cached": bool(r.get("fromDiskCache") or r.get("fromPrefetchCache")),
        }

    def on_data(ev):
        net["decoded"] += ev.get("dataLength", 0)

    def on_finished(ev):
        net["encoded"] += ev.get("encodedDataLength", 0)
        if ev["requestId"] in net["responses"]:
            net["responses"][ev["requestId"]]["bytes"] = ev.get("encodedDataLength", 0)

    sockets: dict[str, dict] = {}

    def on_handshake(ev):
        headers = {k.lower(): v for k, v in ev.get("response", {}).get("headers", {}).items()}
        deflate = "permessage-deflate" in headers.get("sec-websocket-extensions", "")
        sockets[ev["requestId"]] = {"deflate": deflate, "compressors": {}}

    def frame_handler(direction):
        def on_frame(ev):
            net["websocket"] += websocket_wire_bytes(sockets.get(ev["requestId"]), direction, ev.get("response", {}))
        return on_frame

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.webSocketHandshakeResponseReceived", on_handshake)
    cdp.on("Network.webSocketFrameReceived", frame_handler("in"))
    cdp.on("Network.webSocketFrameSent", frame_handler("out"))
    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
        tti_ms = page.evaluate("performance.now()")
        # Let the remaining responses of this load finish for the weight figure.
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:
            pass
    finally:
        responses = list(net["responses"].values())
        if own_context:
            close_like_a_learner(context)
        else:
            close_pages_like_a_learner(context)
    document = next((r for r in responses if r["type"] == "Document"), None)
    scripts = [r for r in responses if r["type"] in ("Script", "Stylesheet") and r["bytes"] > 1024]
    return {
        "tti_s": tti_ms / 1000.0,
        "bytes_transferred": net["encoded"],
        "bytes_decoded": net["decoded"],
        "websocket_bytes": net["websocket"],
        "requests": len(responses),
        "requests_from_network": sum(1 for r in responses if r["bytes"] > 0 and not r["cached"]),
        "document_encoding": document["encoding"] if document else "",
        "assets_compressed": sum(1 for r in scripts if r["encoding"]),
        "assets_total": len(scripts),
    }


# -- docs/performance.md -------------------------------------------------------------------


def write_doc(block: str, mark_start: str, mark_end: str) -> None:
    """Replace (or append) the block between ``mark_start`` and ``mark_end`` in
    docs/performance.md, leaving the other scripts' sections alone."""
    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
    else:
        text = (
            "# Performance\n\n"
            "Figures written by the scripts in `benchmarks/` (never by tests). Each section says "
            "which command produced it; rerun it to refresh.\n\n"
        )
    pattern = re.compile(re.escape(mark_start) + ".*?" + re.escape(mark_end) + "\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


