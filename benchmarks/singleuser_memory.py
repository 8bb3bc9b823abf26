"""Memory of a learner's own Jupyter server under JupyterHub, without its kernels.

On Zero to JupyterHub every learner gets a pod running ``jupyterhub-singleuser``: a
jupyter-server with every server extension installed in the image (JupyterLab,
nbgrader's assignment list, Voila's). Its memory comes on top of the kernels the
learner opens (those are measured per lesson by ``benchmarks/kernel_memory.py``), and
the pod's memory guarantee and limit in deploy/z2jh/values.yaml are the sum of the two
(``benchmarks/sizing.py``).

The real ``jupyterhub-singleuser`` of this environment is started ``--runs`` times
against a stand-in for the hub's REST API (a few lines of http.server: the version
check, the token's owner and the activity reports; no hub is needed to measure the
server), a learner's requests are made through it (JupyterLab's page, its settings,
the kernelspecs, the file list and nbgrader's assignment list with a real exchange
folder), and psutil reads the server process's RSS and USS. No kernel is started.

A first visit of JupyterLab in Chromium (Debian's, as the other benchmarks) is part of each
run unless ``--no-browser``: its page weight is the egress of a learner's first visit.

Writes docs/performance.md (between its markers) and
deploy/z2jh/singleuser_memory.json (the median RSS rounded up to 10 MB, as
widgets/advocacy_lab/server/kernel_memory.json rounds a kernel's, and the median
first-visit weight in KB).

    .venv/bin/python benchmarks/singleuser_memory.py [--runs 3] [--no-browser]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MB, ROOT, command_line, free_port, write_doc  # noqa: E402

MARK_START, MARK_END = "<!-- singleuser_memory:start -->", "<!-- singleuser_memory:end -->"
SIZING_FILE = ROOT / "deploy" / "z2jh" / "singleuser_memory.json"
USER = "learner"
TOKEN = "benchmark-token"
COURSE_ID = "advocacy-lab"


def _hub_api(version: str) -> ThreadingHTTPServer:
    """The hub's REST API as the single-user server uses it: version, token owner, activity."""

    class Hub(BaseHTTPRequestHandler):
        def _answer(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-JupyterHub-Version", version)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.rstrip("/").endswith("/hub/api/user"):
                self._answer({
                    "kind": "user", "name": USER, "admin": False, "groups": [],
                    "scopes": [f"access:servers!server={USER}/", f"read:users:name!user={USER}"],
                    "session_id": None,
                })
            else:
                self._answer({"version": version})

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer({})

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _get(url: str, timeout: float = 30) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def measure_once(workdir: Path, browser: bool = True) -> dict:
    """Start jupyterhub-singleuser, make a learner's requests (and, with ``browser``, open
    JupyterLab in Chromium as a learner's first visit), read its memory."""
    import jupyterhub
    import psutil

    home = workdir / "home"
    exchange = workdir / "exchange"
    (exchange / COURSE_ID / "outbound").mkdir(parents=True)
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    (home / ".jupyter").mkdir()
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n",
        encoding="utf-8",
    )
    hub = _hub_api(jupyterhub.__version__)
    port = free_port()
    prefix = f"/user/{USER}/"
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTERHUB_API_TOKEN": TOKEN,
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.server_port}/hub/api",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}{prefix}",
        "JUPYTERHUB_USER": USER,
        "JUPYTERHUB_CLIENT_ID": f"jupyterhub-user-{USER}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        # as the hub sets it for a user's default server: who may use it
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([f"access:servers!server={USER}/", f"access:servers!user={USER}"]),
        "JUPYTERHUB_SERVER_NAME": "",
        "JUPYTERHUB_ACTIVITY_URL": f"http://127.0.0.1:{hub.server_port}/hub/api/users/{USER}/activity",
    }
    env.pop("JUPYTER_CONFIG_DIR", None)
    command = [str(Path(sys.executable).with_name("jupyterhub-singleuser")), "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--notebook-dir={home}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}{prefix}"
    try:
        deadline = time.monotonic() + 120
        while _get_quiet(base + "api/status") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyterhub-singleuser did not start: see {workdir / 'server.log'}")
            time.sleep(0.5)
        started = psutil.Process(server.pid).memory_full_info()
        # What a learner's JupyterLab asks of its server on opening, nbgrader's Assignments panel included.
        answers = {
            path: _get(base + path)
            for path in ("lab", "lab/api/settings", "api/kernelspecs", "api/contents/notebooks",
                         "api/sessions", "api/terminals", f"assignments?course_id={COURSE_ID}")
        }
        weight = _lab_visit(base + "lab") if browser else None
        time.sleep(2)
        process = psutil.Process(server.pid)
        info = process.memory_full_info()
        kernels = [p for p in process.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
        return {
            "rss_started_mb": round(started.rss / MB, 1),
            "rss_mb": round(info.rss / MB, 1),
            "uss_mb": round(info.uss / MB, 1),
            "answers": answers,
            "kernels": len(kernels),
            "lab_visit": weight,
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        hub.shutdown()


def _lab_visit(url: str) -> dict:
    """A learner's first visit of JupyterLab in Chromium (cold cache): time until its shell
    shows, and what came over the network (``_common.visit``)."""
    from playwright.sync_api import sync_playwright

    from _common import visit
    from advocacy_lab.server.chromium import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The hub's login would set a cookie; the token header stands in for it.
            context = browser.new_context(extra_http_headers={"Authorization": f"token {TOKEN}"})
            result = visit(browser, url, "#jp-main-dock-panel, .jp-LabShell", 120_000, context=context)
            context.close()
        finally:
            browser.close()
    return {
        "tti_s": round(result["tti_s"], 2),
        "transferred_kb": round(result["bytes_transferred"] / 1024),
        "decoded_kb": round(result["bytes_decoded"] / 1024),
        "requests": result["requests"],
        "document_encoding": result["document_encoding"] or "none",
        "assets_compressed": f"{result['assets_compressed']}/{result['assets_total']}",
    }


def _get_quiet(url: str) -> int | None:
    try:
        return _get(url, timeout=5)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true",
                        help="requests only, no JupyterLab visit in Chromium (the page weight is then not measured)")
    args = parser.parse_args(argv)
    import jupyter_server
    import jupyterhub
    import jupyterlab
    import nbgrader
    import voila

    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="al-singleuser-") as tmp:
            run = measure_once(Path(tmp), browser=not args.no_browser)
        bad = {path: code for path, code in run["answers"].items() if code != 200}
        if bad or run["kernels"]:
            raise SystemExit(f"a learner's request failed or a kernel started: {bad}, kernels {run['kernels']}")
        runs.append(run)
        print(json.dumps(run), flush=True)
    visits = [r["lab_visit"] for r in runs if r["lab_visit"]]
    rss = statistics.median(r["rss_mb"] for r in runs)
    uss = statistics.median(r["uss_mb"] for r in runs)
    started = statistics.median(r["rss_started_mb"] for r in runs)
    server_mb = int(math.ceil(rss / 10) * 10)
    today = dt.date.today().isoformat()
    versions = (f"JupyterHub {jupyterhub.__version__}, jupyter-server {jupyter_server.__version__}, "
                f"JupyterLab {jupyterlab.__version__}, nbgrader {nbgrader.__version__}, Voila {voila.__version__}")
    SIZING_FILE.parent.mkdir(parents=True, exist_ok=True)
    SIZING_FILE.write_text(json.dumps({
        "about": ("RSS in MB of a learner's jupyterhub-singleuser server process with no kernel, after JupyterLab's "
                  "page, settings, kernelspecs, file list and nbgrader's assignment list were requested; median of "
                  "the runs rounded up to 10 MB. benchmarks/sizing.py adds the kernels (kernel_memory.json) to it."),
        "source": "benchmarks/singleuser_memory.py (docs/performance.md has the run)",
        "measured": today,
        "versions": versions,
        "server_rss_mb": server_mb,
        "lab_first_visit_kb": (round(statistics.median(v["transferred_kb"] for v in visits)) if visits else None),
    }, indent=2) + "\n", encoding="utf-8")
    rows = "\n".join(
        f"| {i} | {r['rss_started_mb']} | {r['rss_mb']} | {r['uss_mb']} |" for i, r in enumerate(runs, 1)
    )
    if visits:
        weight_rows = "\n".join(
            f"| {i} | {v['tti_s']} | {v['transferred_kb']} | {v['decoded_kb']} | {v['requests']} | "
            f"{v['document_encoding']} | {v['assets_compressed']} |" for i, v in enumerate(visits, 1)
        )
        weight = f"""
A learner's first visit of JupyterLab (Chromium, cold cache; `_common.visit`, as in `voila_tti.py`), as
jupyter-server sends it, with nothing in front (the hub's proxy passes bodies on as they are):

| Run | Shell visible after (s) | Transferred (KB) | Decoded (KB) | Requests | Document encoding | Compressed JS/CSS |
|---|---|---|---|---|---|---|
{weight_rows}

Median transferred: {statistics.median(v['transferred_kb'] for v in visits):.0f} KB per learner's first visit
(a return visit, with the browser's cache, was not measured).
"""
    else:
        weight = "\nNo JupyterLab visit in this run (`--no-browser`): the page weight was not measured.\n"
    block = f"""{MARK_START}
## A learner's own server under JupyterHub (`benchmarks/singleuser_memory.py`)

`{command_line('benchmarks/singleuser_memory.py', argv)}` on {today} (Python {sys.version.split()[0]}, {versions}):
the real `jupyterhub-singleuser` started {len(runs)} times against a stand-in for the hub's REST API, then a
learner's requests through it (JupyterLab's page and settings, the kernelspecs, the file list, nbgrader's
assignment list over an exchange folder){' and a first visit of JupyterLab in Chromium' if visits else ''};
no kernel started. RSS and USS of the server process (psutil), read after the learner's requests.

| Run | RSS when up (MB) | RSS after a learner's requests{' and visit' if visits else ''} (MB) | USS (MB) |
|---|---|---|---|
{rows}
{weight}
Median: {rss:.1f} MB RSS ({uss:.1f} MB USS; {started:.1f} MB when up). Written to `deploy/z2jh/singleuser_memory.json`
as {server_mb} MB (rounded up to 10 MB): `benchmarks/sizing.py` adds each learner's kernels
(`widgets/advocacy_lab/server/kernel_memory.json`) to it for the pod's memory guarantee and limit
(`deploy/z2jh/values.yaml`, sizing in `docs/hosting.md`).
{MARK_END}
"""
    write_doc(block, MARK_START, MARK_END)
    print(f"server RSS median {rss:.1f} MB -> {server_mb} MB in {SIZING_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
