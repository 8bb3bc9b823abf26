#!/usr/bin/env python3
"""Time to interactive of each course notebook against a bare one-button Voila page.

A script, not a test. It starts two servers with the same launcher and
configuration (``advocacy_lab.server.launch.serve``, what `advocacy-lab serve`
runs): one over the repository's notebooks/, one over a temporary notebooks/
folder holding only a bare notebook (one ipywidgets Button). Debian's Chromium,
driven by Playwright, then opens each page N times with a cold cache,
interleaving the pages so that both servers see the same machine load, and
records:

* time to interactive: from navigation start until the page's main control is
  visible (``performance.now()`` in the page), median and spread;
* page weight: bytes on the wire (encoded) and after decoding, for a cold visit;
* whether responses are compressed (Content-Encoding of the document and of
  the JavaScript/CSS that make up most of the weight).

Between visits it waits until the server has refilled its preheated kernel for
that notebook (the server logs it) and the machine is idle again, so each visit
meets the state a learner meets; the order of the pages rotates between runs. Everything is bounded by --budget seconds.

Results: printed, saved as JSON (benchmarks/results/voila_tti.json) and written
into docs/performance.md between markers, with the command that produced them.

    .venv/bin/python benchmarks/voila_tti.py [--runs 5] [--budget 900]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "voila_tti.json"
DOC = ROOT / "docs" / "performance.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BARE = "bare.ipynb"
BARE_SELECTOR = ".al-bare-button button, button.al-bare-button"
#: The main control of each page; other pages: their first rendered widget.
READY_SELECTORS = {
    "00-start-here.ipynb": ".al-course-map",
    "04-campaign-message.ipynb": ".al-post-text textarea",
    "09-campaign-plan.ipynb": ".al-plan-view",
}
DEFAULT_SELECTOR = ".jupyter-widgets"
GOAL_RATIO = 1.15
MARK_START = "<!-- voila_tti:start -->"
MARK_END = "<!-- voila_tti:end -->"


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
    def __init__(self, name: str, root: Path, log_dir: Path, plain_voila: bool = False):
        self.name = name
        self.root = root
        self.port = free_port()
        self.log = log_dir / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        if plain_voila:
            # Upstream standalone Voila with compression asked for on the command line,
            # the way that was reported not to work.
            cmd = [
                sys.executable, "-m", "voila", str(root / "notebooks"), "--no-browser",
                f"--port={self.port}", "--Voila.ip=127.0.0.1",
                "--Voila.tornado_settings={'compress_response': True}",
            ]
        else:
            code = (
                "import sys; from pathlib import Path; from advocacy_lab.server.launch import serve; "
                f"sys.exit(serve(port={self.port}, open_browser=False, root=Path({str(root)!r})))"
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


def visit(browser, url: str, selector: str, timeout_ms: float) -> dict:
    """Open ``url`` in a fresh context (cold cache); time until ``selector`` is visible."""
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    net = {"encoded": 0, "decoded": 0, "responses": {}}

    def on_response(ev):
        r = ev["response"]
        headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
        net["responses"][ev["requestId"]] = {
            "url": r["url"],
            "type": ev.get("type"),
            "encoding": headers.get("content-encoding", ""),
            "bytes": 0,
        }

    def on_data(ev):
        net["decoded"] += ev.get("dataLength", 0)

    def on_finished(ev):
        net["encoded"] += ev.get("encodedDataLength", 0)
        if ev["requestId"] in net["responses"]:
            net["responses"][ev["requestId"]]["bytes"] = ev.get("encodedDataLength", 0)

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.locator(selector).first.wait_for(state="visible", timeout=timeout_ms)
        tti_ms = page.evaluate("performance.now()")
        # Let the remaining responses of this cold load finish for the weight figure.
        try:
            page.wait_for_load_state("networkidle", timeout=15_000)
        except Exception:
            pass
    finally:
        responses = list(net["responses"].values())
        context.close()  # the page's unload beacon shuts its kernel down
    document = next((r for r in responses if r["type"] == "Document"), None)
    scripts = [r for r in responses if r["type"] in ("Script", "Stylesheet") and r["bytes"] > 1024]
    return {
        "tti_s": tti_ms / 1000.0,
        "bytes_transferred": net["encoded"],
        "bytes_decoded": net["decoded"],
        "requests": len(responses),
        "document_encoding": document["encoding"] if document else "",
        "assets_compressed": sum(1 for r in scripts if r["encoding"]),
        "assets_total": len(scripts),
    }


# -- report --------------------------------------------------------------------------------


def summarise(samples: list[dict]) -> dict:
    ttis = [s["tti_s"] for s in samples]
    first = samples[0]
    return {
        "runs": len(samples),
        "tti_median_s": round(statistics.median(ttis), 3),
        "tti_min_s": round(min(ttis), 3),
        "tti_max_s": round(max(ttis), 3),
        "bytes_transferred": first["bytes_transferred"],
        "bytes_decoded": first["bytes_decoded"],
        "requests": first["requests"],
        "document_encoding": first["document_encoding"] or "none",
        "assets_compressed": f'{first["assets_compressed"]}/{first["assets_total"]}',
    }


def markdown(result: dict) -> str:
    bare = result["pages"].get(BARE)
    lines = [
        MARK_START,
        "## Time to interactive and page weight (`benchmarks/voila_tti.py`)",
        "",
        f"Measured {result['date']} on {result['machine']}, Voila {result['voila']}, "
        f"{result['browser']}; {result['runs']} cold-cache visits per page, interleaved, "
        "each served by `advocacy-lab serve`'s launcher with the project's `voila.json` "
        "(preheated kernels, gzip). Time to interactive: navigation start until the page's "
        "main control is visible. Ratio: against the bare one-button page served the same way "
        f"in the same run (goal: at most {GOAL_RATIO}x).",
        "",
        "Command:",
        "",
        "```",
        result["command"],
        "```",
        "",
        "| Page | TTI median (s) | min–max (s) | Ratio to bare | Goal met | Transferred (KB) | Decoded (KB) | Requests | Document encoding | Compressed JS/CSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["pages"].items():
        if "tti_median_s" not in s:
            lines.append(f"| {name} | never interactive ({s.get('failed_visits', 0)} failed visits) | | | no | | | | | |")
            continue
        ratio = s.get("ratio_to_bare")
        ratio_txt = f"{ratio:.2f}" if ratio is not None else "–"
        met = "baseline" if name == BARE else ("yes" if ratio is not None and ratio <= GOAL_RATIO else "no")
        lines.append(
            f"| {name} | {s['tti_median_s']:.2f} | {s['tti_min_s']:.2f}–{s['tti_max_s']:.2f} | {ratio_txt} | {met} "
            f"| {s['bytes_transferred'] / 1024:.0f} | {s['bytes_decoded'] / 1024:.0f} | {s['requests']} "
            f"| {s['document_encoding']} | {s['assets_compressed']} |"
        )
    failed = {n: s["failed_visits"] for n, s in result["pages"].items() if s.get("failed_visits")}
    if failed:
        lines += ["", "Failed visits (page never became interactive): "
                  + ", ".join(f"{n}: {k}" for n, k in failed.items()) + "."]
    if result.get("incomplete"):
        lines += ["", f"**Incomplete run:** {result['incomplete']}"]
    lines += [
        "",
        "Compression: standalone Voila 0.5 builds its `tornado.web.Application` before it applies "
        "`Voila.tornado_settings`, and Tornado only reads `compress_response` in the Application "
        "constructor, so the setting had no effect. `advocacy_lab.server.app.AdvocacyVoila` passes "
        "the settings to the constructor; the rest of standalone Voila (no execute requests, no "
        "contents or kernels API) is unchanged."
        + (
            f" Here the bare page's cold load is {bare['bytes_transferred'] / 1024:.0f} KB on the wire for "
            f"{bare['bytes_decoded'] / 1024:.0f} KB of content."
            if bare
            else ""
        )
        + (
            " The same bare page from upstream `voila` with "
            "`--Voila.tornado_settings={'compress_response': True}`, in the same run: "
            f"{plain['bytes_transferred'] / 1024:.0f} KB on the wire, document encoding "
            f"{plain['document_encoding'] or 'none'}, compressed JS/CSS {plain['assets_compressed']}/{plain['assets_total']}."
            if (plain := result.get("plain_voila_bare"))
            else ""
        ),
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def write_doc(block: str) -> None:
    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
    else:
        text = (
            "# Performance\n\n"
            "Figures written by the scripts in `benchmarks/` (never by tests). Each section says "
            "which command produced it; rerun it to refresh.\n\n"
        )
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END) + "\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="visits per page (default 5)")
    parser.add_argument("--budget", type=float, default=900, help="overall time limit in seconds")
    parser.add_argument("--visit-timeout", type=float, default=90, help="seconds per visit")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/performance.md")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    budget = Budget(args.budget)
    command = " ".join(
        [".venv/bin/python", "benchmarks/voila_tti.py", *(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))]
    )

    notebooks = sorted(
        p.relative_to(ROOT / "notebooks").as_posix()
        for p in (ROOT / "notebooks").glob("*.ipynb")
    )
    if not notebooks:
        print("no notebooks in notebooks/", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright
    import voila

    samples: dict[str, list[dict]] = {BARE: [], **{nb: [] for nb in notebooks}}
    failures: dict[str, list[str]] = {name: [] for name in samples}
    incomplete = ""
    browser_version = ""
    plain_visit = None
    with tempfile.TemporaryDirectory(prefix="voila-tti-") as tmp:
        tmp = Path(tmp)
        bare_root = tmp / "bare"
        (bare_root / "notebooks").mkdir(parents=True)
        write_bare_notebook(bare_root / "notebooks")
        servers = {
            "bare": Server("bare", bare_root, tmp),
            "course": Server("course", ROOT, tmp),
        }
        try:
            servers["bare"].wait_ready([BARE], budget)
            servers["course"].wait_ready(notebooks, budget)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                browser_version = browser.version
                try:
                    pages_order = [BARE, *notebooks]
                    for run in range(args.runs):
                        # Rotate the order so that no page always follows the same one.
                        shift = run % len(pages_order)
                        for name in pages_order[shift:] + pages_order[:shift]:
                            budget.check()
                            settle(budget)
                            server = servers["bare"] if name == BARE else servers["course"]
                            selector = BARE_SELECTOR if name == BARE else READY_SELECTORS.get(name, DEFAULT_SELECTOR)
                            fills = server.pool_fills(name)
                            timeout_ms = max(1.0, min(args.visit_timeout, budget.left())) * 1000
                            try:
                                sample = visit(browser, f"{server.url}/voila/render/{name}", selector, timeout_ms)
                            except Exception as exc:  # a page that never became interactive
                                failures[name].append(str(exc).splitlines()[0][:200])
                                print(f"run {run + 1}/{args.runs} {name}: FAILED {failures[name][-1]}", flush=True)
                                server.wait_refill(name, fills, timeout=min(90, max(0, budget.left())))
                                continue
                            samples[name].append(sample)
                            print(f"run {run + 1}/{args.runs} {name}: {sample['tti_s']:.2f}s "
                                  f"{sample['bytes_transferred'] / 1024:.0f} KB", flush=True)
                            # The next visit should meet a preheated kernel, as a learner would.
                            server.wait_refill(name, fills, timeout=min(90, max(0, budget.left())))
                    # Page weight of the same bare page from upstream Voila with
                    # --Voila.tornado_settings={'compress_response': True}.
                    budget.check()
                    plain = Server("plain-voila", bare_root, tmp, plain_voila=True)
                    try:
                        plain.wait_ready([BARE], budget, pools=False)
                        plain_visit = visit(browser, f"{plain.url}/voila/render/{BARE}", BARE_SELECTOR,
                                            max(1.0, min(args.visit_timeout, budget.left())) * 1000)
                    finally:
                        plain.stop()
                finally:
                    browser.close()
        except OutOfTime:
            incomplete = f"the {args.budget:.0f} s budget ran out; figures are from the visits done."
        finally:
            for s in servers.values():
                s.stop()

    pages = {name: summarise(s) for name, s in samples.items() if s}
    for name, errors in failures.items():
        if errors:
            pages.setdefault(name, {"runs": 0})["failed_visits"] = len(errors)
    if BARE in pages and "tti_median_s" in pages[BARE]:
        for name, s in pages.items():
            if "tti_median_s" in s:
                s["ratio_to_bare"] = round(s["tti_median_s"] / pages[BARE]["tti_median_s"], 3)
    result = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "browser": f"Chromium {browser_version}",
        "runs": args.runs,
        "goal_ratio": GOAL_RATIO,
        "pages": pages,
        "samples": samples,
        "failures": failures,
        "incomplete": incomplete,
        "plain_voila_bare": plain_visit,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block)
        print(f"written: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}, "
              f"{DOC.relative_to(ROOT)}")
    return 0 if pages else 1


if __name__ == "__main__":
    raise SystemExit(main())
