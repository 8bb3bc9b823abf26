#!/usr/bin/env python3
"""Memory stays bounded under churn: 100 abandoned visits, then back to the pool.

A script, not a test. Learners on weak connections drop off without closing
the page. This starts `advocacy-lab serve`'s launcher (the project's voila.json)
with a short cull timeout (``--cull-timeout``/``--cull-interval``, default 20 s
and 5 s; 300 s and 30 s in a real room) and makes --visits abandoned visits of
04-campaign-message:

* most are a plain HTTP GET of the page that never opens the page's websocket
  (the visit that left a kernel alive for good in plain Voila);
* --browser-visits of them are Chromium pages (Playwright) that become
  interactive and then die without unloading: their renderer process is
  killed (SIGKILL), as when a phone kills a background tab, so no
  ``beforeunload``/``unload`` and no shutdown request reach the server.

It samples the server's kernel processes (count, RSS; psutil) every second
during and after the visits, and reports the peak, the time for the server to
come back to its pool (the kernels it holds at rest, measured before the
visits) plus the active learners (none), and the final state. Goal: back
within the cull timeout + cull interval (+5 s for the shutdown itself) after
the last visit.

As the baseline, the same GET-only visits (--baseline-visits, default 20, to
keep the machine's memory safe) go to upstream `voila` (the venv's voila, its
defaults, same notebooks folder); its kernels are counted after the same wait.

Results: printed, saved to benchmarks/results/churn.json, and written into
docs/performance.md between markers with the command that produced them.

    .venv/bin/python benchmarks/churn.py [--visits 100] [--budget 900]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import (  # noqa: E402 - benchmarks/ is on sys.path when run as a script
    CHROMIUM,
    CHROMIUM_ARGS,
    READY_SELECTORS,
    RESULTS_DIR,
    ROOT,
    Budget,
    OutOfTime,
    Server,
    command_line,
    memory_of,
    settle,
    write_doc,
)

APP = "04-campaign-message.ipynb"
MARK_START = "<!-- churn:start -->"
MARK_END = "<!-- churn:end -->"
SHUTDOWN_MARGIN_S = 5


class Sampler(threading.Thread):
    """Kernel count and total RSS of a server, once a second, until stopped (bounded)."""

    def __init__(self, server: Server, max_seconds: float):
        super().__init__(daemon=True)
        self.server = server
        self.max_seconds = max_seconds
        self.samples: list[dict] = []
        self.stop_event = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop_event.is_set() and time.monotonic() - self.t0 < self.max_seconds:
            mem = memory_of(self.server.kernels())
            self.samples.append({"t": round(time.monotonic() - self.t0, 2), "kernels": mem["count"],
                                 "rss_mb": mem["rss_total_mb"], "uss_mb": mem["uss_total_mb"]})
            self.stop_event.wait(1.0)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=30)


def http_visit(url: str, timeout: float) -> str | None:
    """GET the page and read it all; never open its websocket. None, or the error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return None if r.status == 200 else f"HTTP {r.status}"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


def http_visits(url: str, count: int, parallel: int, budget: Budget, timeout: float) -> list[str]:
    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(http_visit, url, min(timeout, max(1.0, budget.left()))) for _ in range(count)]
        for f in concurrent.futures.as_completed(futures, timeout=max(1.0, budget.left()) + timeout):
            err = f.result()
            if err:
                errors.append(err)
    return errors


def renderer_pids() -> set[int]:
    """Chromium renderer processes started by this script."""
    import psutil

    pids = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if any(part == "--type=renderer" for part in proc.cmdline()):
                pids.add(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return pids


def browser_visits(url: str, count: int, budget: Budget, timeout_ms: float) -> list[str]:
    """Pages that become interactive, then die without unloading (renderer killed).

    (``Page.crash`` over the DevTools protocol never answers, so a sync call to
    it hangs; killing the page's new renderer process is the same for the server.)
    """
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(count):
                budget.check()
                context = browser.new_context()
                try:
                    before = renderer_pids()
                    page = context.new_page()
                    page.goto(url, wait_until="commit", timeout=timeout_ms)
                    page.locator(READY_SELECTORS[APP]).first.wait_for(state="visible", timeout=timeout_ms)
                    new = renderer_pids() - before
                    if not new:
                        errors.append("could not find the page's renderer process")
                    for pid in new:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.5)  # let the server see the socket drop
                except Exception as exc:
                    errors.append(str(exc).splitlines()[0][:200])
                finally:
                    try:
                        context.close()
                    except Exception:
                        pass
        finally:
            browser.close()
    return errors


def wait_until_back(sampler: Sampler, target: int, t_last: float, window: float, budget: Budget) -> float | None:
    """Seconds after ``t_last`` when the kernel count first fell to ``target`` (and stayed
    there for 3 samples), waiting at most ``window`` seconds; None if it did not."""
    end = min(t_last + window, time.monotonic() + max(0.0, budget.left()))
    while time.monotonic() < end:
        tail = [s for s in sampler.samples if sampler.t0 + s["t"] >= t_last]
        for i in range(len(tail) - 2):
            if all(s["kernels"] <= target for s in tail[i:i + 3]):
                return round(sampler.t0 + tail[i]["t"] - t_last, 1)
        time.sleep(1.0)
    return None


def churn_course_server(args, budget: Budget, tmp: Path) -> dict:
    options = {"cull_timeout": args.cull_timeout, "cull_interval": args.cull_interval}
    server = Server("course-churn", ROOT, tmp, serve_options=options)
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    out: dict = {"serve": f"advocacy-lab serve --cull-timeout {args.cull_timeout:g} "
                          f"--cull-interval {args.cull_interval:g}"}
    try:
        server.wait_ready(notebooks, budget)
        settle(budget)
        rest = memory_of(server.kernels())
        out["at_rest"] = {k: v for k, v in rest.items() if k != "processes"}
        sampler = Sampler(server, max_seconds=max(1.0, budget.left()))
        sampler.start()
        url = f"{server.url}/voila/render/{APP}"
        t_start = time.monotonic()
        http_count = max(0, args.visits - args.browser_visits)
        errors = http_visits(url, http_count, args.parallel, budget, args.visit_timeout)
        errors += browser_visits(url, min(args.browser_visits, args.visits), budget, args.visit_timeout * 1000)
        t_last = time.monotonic()
        out["visits"] = {"http_get_never_connected": http_count, "browser_crashed": min(args.browser_visits, args.visits),
                         "errors": errors, "seconds": round(t_last - t_start, 1)}
        goal_s = args.cull_timeout + args.cull_interval + SHUTDOWN_MARGIN_S
        window = max(goal_s * 2, 60)
        out["goal_s"] = goal_s
        out["back_to_rest_after_s"] = wait_until_back(sampler, rest["count"], t_last, window, budget)
        time.sleep(3)
        sampler.stop()
        final = memory_of(server.kernels())
        out["final"] = {k: v for k, v in final.items() if k != "processes"}
        out["peak_kernels"] = max(s["kernels"] for s in sampler.samples)
        out["peak_rss_mb"] = max(s["rss_mb"] for s in sampler.samples)
        out["peak_uss_mb"] = max(s["uss_mb"] for s in sampler.samples)
        out["goal_met"] = (out["back_to_rest_after_s"] is not None and out["back_to_rest_after_s"] <= goal_s
                           and final["count"] <= rest["count"])
        out["culled_in_log"] = server.log_text().count("Culling kernel")
        out["samples"] = sampler.samples
    finally:
        server.stop()
    return out


def churn_plain_voila(args, budget: Budget, tmp: Path) -> dict:
    """Upstream voila with its defaults: how many kernels do the same visits leave?"""
    server = Server("plain-voila-churn", ROOT, tmp, plain_voila=True, plain_args=[])
    out: dict = {"serve": "voila notebooks --no-browser (upstream defaults)", "visits": args.baseline_visits}
    try:
        server.wait_ready([], budget, pools=False)
        settle(budget)
        rest = memory_of(server.kernels())
        out["at_rest"] = rest["count"]
        url = f"{server.url}/voila/render/{APP}"
        t0 = time.monotonic()
        out["errors"] = http_visits(url, args.baseline_visits, args.parallel, budget, args.visit_timeout)
        out["seconds"] = round(time.monotonic() - t0, 1)
        after = memory_of(server.kernels())
        out["right_after"] = {k: v for k, v in after.items() if k != "processes"}
        wait = min(args.cull_timeout + args.cull_interval + SHUTDOWN_MARGIN_S, max(0.0, budget.left() - 30))
        time.sleep(wait)
        later = memory_of(server.kernels())
        out["waited_s"] = round(wait, 1)
        out["after_wait"] = {k: v for k, v in later.items() if k != "processes"}
    finally:
        server.stop()
    return out


def markdown(r: dict) -> str:
    c = r.get("course", {})
    lines = [
        MARK_START,
        "## Memory under churn (`benchmarks/churn.py`)",
        "",
        f"Measured {r['date']} on {r['machine']}, Voila {r['voila']}. Abandoned visits of {APP}: plain "
        "HTTP GETs of the page that never open its websocket, and Chromium pages that become interactive "
        "and then have their renderer process killed (no unload, no shutdown request). Goal: the server is back to its pool (the kernels "
        "it holds at rest) plus the active learners (none) within the cull timeout + cull interval "
        f"(+{SHUTDOWN_MARGIN_S} s for the shutdown) after the last visit.",
        "",
        "Command:",
        "",
        "```",
        r["command"],
        "```",
        "",
    ]
    if "visits" in c:
        v = c["visits"]
        back = c.get("back_to_rest_after_s")
        lines += [
            f"Server: `{c['serve']}` (a real room keeps voila.json's 300 s / 30 s).",
            "",
            "| Figure | Value |",
            "|---|---|",
            f"| Kernels at rest (pool: one per notebook) | {c['at_rest']['count']} ({c['at_rest']['rss_total_mb']:.0f} MB RSS) |",
            f"| Abandoned visits | {v['http_get_never_connected']} GET-only + {v['browser_crashed']} killed pages in {v['seconds']:.0f} s, {len(v['errors'])} errors |",
            f"| Peak kernels | {c['peak_kernels']} |",
            f"| Peak kernel memory | {c['peak_rss_mb']:.0f} MB RSS ({c['peak_uss_mb']:.0f} MB USS) |",
            f"| Back to the pool after the last visit | {'not within ' + str(round(c['goal_s'] * 2)) + ' s' if back is None else f'{back:.0f} s'} (goal ≤ {c['goal_s']:.0f} s) |",
            f"| Final state | {c['final']['count']} kernels, {c['final']['rss_total_mb']:.0f} MB RSS |",
            f"| Goal met | {'yes' if c['goal_met'] else 'no'} |",
        ]
    elif c.get("error"):
        lines.append(f"Course server run failed: {c['error']}")
    b = r.get("plain_voila") or {}
    if "right_after" in b:
        ra, aw = b["right_after"], b["after_wait"]
        per = ra["rss_total_mb"] / ra["count"] if ra["count"] else 0
        lines += [
            "",
            f"Baseline, same run: upstream `voila` with its defaults (no culling, no preheating) over the same "
            f"notebooks folder, {b['visits']} GET-only visits ({len(b['errors'])} errors): {ra['count']} kernels "
            f"right after ({ra['rss_total_mb']:.0f} MB RSS, {per:.0f} MB each), {aw['count']} kernels "
            f"({aw['rss_total_mb']:.0f} MB) {b['waited_s']:.0f} s later. Every such visit holds a kernel until "
            "the server stops; at that rate 100 visits would hold about "
            f"{per * 100 / 1024:.1f} GB.",
        ]
    elif b.get("error"):
        lines += ["", f"Baseline run failed: {b['error']}"]
    if r.get("incomplete"):
        lines += ["", f"**Incomplete run:** {r['incomplete']}"]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--browser-visits", type=int, default=10, help="of the visits, crashed Chromium pages")
    parser.add_argument("--parallel", type=int, default=4, help="GET visits in flight at once")
    parser.add_argument("--cull-timeout", type=float, default=20)
    parser.add_argument("--cull-interval", type=float, default=5)
    parser.add_argument("--baseline-visits", type=int, default=20, help="GET visits to upstream voila (0: skip)")
    parser.add_argument("--visit-timeout", type=float, default=120)
    parser.add_argument("--budget", type=float, default=900, help="overall time limit in seconds")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "churn.json")
    args = parser.parse_args(argv)
    if not (0 <= args.visits <= 500 and 0 <= args.baseline_visits <= 100 and 1 <= args.parallel <= 16):
        parser.error("--visits 0..500, --baseline-visits 0..100, --parallel 1..16")
    budget = Budget(args.budget)
    import voila

    result: dict = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command_line("benchmarks/churn.py", argv),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "incomplete": "",
    }
    with tempfile.TemporaryDirectory(prefix="churn-") as tmp:
        tmp = Path(tmp)
        for key, run in (("course", churn_course_server), ("plain_voila", churn_plain_voila)):
            if key == "plain_voila" and args.baseline_visits == 0:
                continue
            try:
                budget.check()
                result[key] = run(args, budget, tmp)
            except OutOfTime:
                result["incomplete"] = f"the {args.budget:.0f} s budget ran out during {key}."
                break
            except Exception as exc:
                result[key] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
            print(key, json.dumps({k: v for k, v in result[key].items() if k != "samples"}, default=str)[:800], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block, MARK_START, MARK_END)
        print(f"written: {args.out}, docs/performance.md")
    return 0 if result.get("course", {}).get("goal_met") else 1


if __name__ == "__main__":
    sys.exit(main())
