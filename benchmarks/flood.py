#!/usr/bin/env python3
"""GET flood: page loads that never open their websocket, against the kernel caps.

A script, not a test. Every page load of a notebook gives the page a kernel of
its own; a page that never opens its kernel's websocket (a crawler, a flood, a
tab closed while loading) used to hold it for good. This starts the course
server as ``advocacy-lab serve`` starts it (the launcher with the project's
voila.json, its default kernel caps and ``unconnected_timeout`` of 90 s: the
launcher takes no ``--AdvocacyVoila.*`` option, so the defaults are what is
measured) and sends --loads GETs of 04-campaign-message, --parallel at a time,
that never open the websocket:

(a) from 127.0.0.1, this machine's own browser: exempt from the per-client cap,
    so it meets only the total cap (``max_kernels``, from this machine's memory);
(b) from 127.0.0.2, one outside client: it meets the per-client cap (6).

For each: the answers (200 / 503 counts), the peak kernels (sampled every
second), the kernels and their RSS 3 s after the flood, and the seconds from
the end of the flood until the server is back to its pool (the kernels it holds
at rest, measured before the flood).

Baseline, same run: upstream ``voila`` with its defaults over the same notebooks
folder (as benchmarks/churn.py runs it), flooded once the same way from
127.0.0.2 (upstream Voila treats every client address alike, so one flood stands
for both sources; it keeps every kernel). Ratios: kernels and kernel RSS after
the flood, course server / baseline.

Only loopback addresses are ever a target. Bounded by --budget (seconds).
Writes benchmarks/results/flood.json and its section of docs/performance.md
(between the ``flood`` markers), with the command that produced them.

    .venv/bin/python benchmarks/flood.py [--loads 50] [--budget 1200]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from _common import (  # noqa: E402 - benchmarks/ is on sys.path when run as a script
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
from churn import Sampler, wait_until_back  # noqa: E402

APP = "04-campaign-message.ipynb"
MARK_START = "<!-- flood:start -->"
MARK_END = "<!-- flood:end -->"
#: (a) this machine's own address (uncapped_clients), (b) one outside client.
SOURCES = {"own_machine": "127.0.0.1", "outside_client": "127.0.0.2"}
#: The caps' defaults (app.py): unconnected kernels go after 90 s, checked every
#: timeout/4 s at most 10 s apart; then a few seconds for the shutdown itself.
UNCONNECTED_TIMEOUT_S = 90.0
BACK_WINDOW_S = UNCONNECTED_TIMEOUT_S + 10 + 30


def page_load(port: int, source: str, timeout: float) -> str:
    """GET the page from ``source`` and read it all; never open its websocket.
    The status code as text, or the error's name."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", f"/voila/render/{APP}")
        response = conn.getresponse()
        response.read()
        return str(response.status)
    except Exception as exc:
        return type(exc).__name__
    finally:
        conn.close()


def flood(port: int, source: str, loads: int, parallel: int, budget: Budget, timeout: float) -> dict:
    t0 = time.monotonic()
    answers: dict[str, int] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(page_load, port, source, min(timeout, max(1.0, budget.left())))
                   for _ in range(loads)]
        for f in concurrent.futures.as_completed(futures, timeout=max(1.0, budget.left()) + timeout):
            answer = f.result()
            answers[answer] = answers.get(answer, 0) + 1
    return {"answers": dict(sorted(answers.items())), "seconds": round(time.monotonic() - t0, 1)}


def summary(mem: dict) -> dict:
    return {k: v for k, v in mem.items() if k != "processes"}


def flood_course_server(args, budget: Budget, tmp: Path) -> dict:
    server = Server("course-flood", ROOT, tmp)
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    out: dict = {"serve": "advocacy-lab serve (voila.json; default caps, unconnected_timeout 90 s)"}
    try:
        server.wait_ready(notebooks, budget)
        settle(budget)
        for label, source in SOURCES.items():
            budget.check()
            rest = memory_of(server.kernels())
            run: dict = {"source": source, "at_rest": summary(rest)}
            sampler = Sampler(server, max_seconds=max(1.0, budget.left()))
            sampler.start()
            run.update(flood(server.port, source, args.loads, args.parallel, budget, args.load_timeout))
            t_last = time.monotonic()
            time.sleep(3)
            run["after"] = summary(memory_of(server.kernels()))
            run["back_to_pool_after_s"] = wait_until_back(sampler, rest["count"], t_last, BACK_WINDOW_S, budget)
            sampler.stop()
            run["peak_kernels"] = max(s["kernels"] for s in sampler.samples)
            run["peak_rss_mb"] = max(s["rss_mb"] for s in sampler.samples)
            run["final"] = summary(memory_of(server.kernels()))
            run["samples"] = sampler.samples
            out[label] = run
            print(label, json.dumps({k: v for k, v in run.items() if k != "samples"}), flush=True)
            settle(budget)
        log = server.log_text()
        out["unconnected_culled_in_log"] = log.lower().count("never connected")
    finally:
        server.stop()
    return out


def flood_plain_voila(args, budget: Budget, tmp: Path) -> dict:
    """Upstream voila with its defaults: the same flood, from the outside client's address."""
    server = Server("plain-voila-flood", ROOT, tmp, plain_voila=True, plain_args=[])
    source = SOURCES["outside_client"]
    out: dict = {"serve": "voila notebooks --no-browser (upstream defaults)", "source": source}
    try:
        server.wait_ready([], budget, pools=False)
        settle(budget)
        out["at_rest"] = summary(memory_of(server.kernels()))
        sampler = Sampler(server, max_seconds=max(1.0, budget.left()))
        sampler.start()
        out.update(flood(server.port, source, args.loads, args.parallel, budget, args.load_timeout))
        time.sleep(3)
        sampler.stop()
        out["after"] = summary(memory_of(server.kernels()))
        out["peak_kernels"] = max(s["kernels"] for s in sampler.samples)
    finally:
        server.stop()
    return out


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def markdown(r: dict) -> str:
    c = r.get("course", {})
    b = r.get("plain_voila", {})
    lines = [
        MARK_START,
        "## GET flood against the kernel caps (`benchmarks/flood.py`)",
        "",
        f"Measured {r['date']} on {r['machine']}, Voila {r['voila']}; the total cap here is {r['max_kernels']} kernels "
        f"(half of this machine's memory at 100 MB a kernel), the per-client cap {r['max_kernels_per_client']}. {r['loads']} page loads of {APP}, "
        f"{r['parallel']} at a time, that never open the page's websocket (plain HTTP GETs), against the course "
        "server as `advocacy-lab serve` starts it (the project's voila.json and the caps' defaults: total cap "
        "from this machine's memory, 6 kernels per client, kernels whose page never connects shut down after "
        "`unconnected_timeout` = 90 s; the launcher takes no `--AdvocacyVoila.*` option, so the defaults are "
        "what is measured). (a) from 127.0.0.1, this machine's own browser, which meets only the total cap; "
        "(b) from 127.0.0.2, one outside client, which meets the per-client cap. Kernels: sampled every second; "
        "\"after\": 3 s after the last answer; \"at the end\": when the wait for the pool ended. Back to the pool: seconds from the last answer until the server "
        "holds only its pool kernels again (as before the flood). Baseline, same run: upstream `voila` with its "
        "defaults over the same notebooks, flooded the same way once from 127.0.0.2 (it treats every client "
        "address alike and keeps every kernel). Ratios: course server / baseline.",
        "",
        "Command:",
        "",
        "```",
        r["command"],
        "```",
        "",
    ]
    if r.get("small_run"):
        lines += [f"**Small check run** ({r['small_run']}), not the default configuration.", ""]
    rows = []
    for label, title in (("own_machine", "(a) from 127.0.0.1 (total cap)"),
                         ("outside_client", "(b) from 127.0.0.2 (per-client cap)")):
        run = c.get(label)
        if not run:
            continue
        back = run["back_to_pool_after_s"]
        back_text = f"not within {BACK_WINDOW_S:.0f} s" if back is None else f"{back:.0f} s"
        base_k = b.get("after", {}).get("count", 0)
        base_rss = b.get("after", {}).get("rss_total_mb", 0)
        rows.append(
            f"| {title} | {', '.join(f'{n}× {a}' for a, n in run['answers'].items())} | "
            f"{run['at_rest']['count']} | {run['peak_kernels']} | {run['after']['count']} "
            f"({ratio(run['after']['count'], base_k)}) | {run['after']['rss_total_mb']:.0f} "
            f"({ratio(run['after']['rss_total_mb'], base_rss)}) | {back_text} | {run['final']['count']} "
            f"({ratio(run['final']['count'], base_k)}), {run['final']['rss_total_mb']:.0f} MB "
            f"({ratio(run['final']['rss_total_mb'], base_rss)}) |"
        )
    if "after" in b:
        rows.append(
            f"| baseline: upstream voila, from 127.0.0.2 | {', '.join(f'{n}× {a}' for a, n in b['answers'].items())} | "
            f"{b['at_rest']['count']} | {b['peak_kernels']} | {b['after']['count']} (1.00x) | "
            f"{b['after']['rss_total_mb']:.0f} (1.00x) | never (keeps every kernel) | (as after) |"
        )
    if rows:
        lines += [
            "| Flood | Answers | Kernels at rest | Peak kernels | Kernels after (ratio) | Kernel RSS after, MB (ratio) | Back to the pool after | Kernels and RSS at the end (ratio) |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    for key in ("course", "plain_voila"):
        if r.get(key, {}).get("error"):
            lines += ["", f"{key} run failed: {r[key]['error']}"]
    if r.get("incomplete"):
        lines += ["", f"**Incomplete run:** {r['incomplete']}"]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=50, help="page loads per flood")
    parser.add_argument("--parallel", type=int, default=10, help="page loads in flight at once")
    parser.add_argument("--no-baseline", action="store_true", help="skip upstream voila")
    parser.add_argument("--load-timeout", type=float, default=300)
    parser.add_argument("--budget", type=float, default=1200, help="overall time limit in seconds")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "flood.json")
    args = parser.parse_args(argv)
    if not (1 <= args.loads <= 200 and 1 <= args.parallel <= 16):
        parser.error("--loads 1..200, --parallel 1..16")
    budget = Budget(args.budget)
    import voila

    from advocacy_lab.server.app import AdvocacyVoila
    from advocacy_lab.server.caps import default_max_kernels

    result: dict = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command_line("benchmarks/flood.py", argv),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "loads": args.loads,
        "parallel": args.parallel,
        "small_run": "" if args.loads == 50 else f"--loads {args.loads}",
        "max_kernels": default_max_kernels(),
        "max_kernels_per_client": AdvocacyVoila.max_kernels_per_client.default_value,
        "incomplete": "",
    }
    with tempfile.TemporaryDirectory(prefix="flood-") as tmp:
        tmp = Path(tmp)
        for key, run in (("course", flood_course_server), ("plain_voila", flood_plain_voila)):
            if key == "plain_voila" and args.no_baseline:
                continue
            try:
                budget.check()
                result[key] = run(args, budget, tmp)
            except OutOfTime:
                result["incomplete"] = f"the {args.budget:.0f} s budget ran out during {key}."
                break
            except Exception as exc:
                result[key] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
            print(key, json.dumps(result[key], default=str)[:600], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block, MARK_START, MARK_END)
        print(f"written: {args.out}, docs/performance.md")
    course = result.get("course", {})
    ok = all(course.get(k, {}).get("back_to_pool_after_s") is not None for k in SOURCES)
    return 0 if ok and not result["incomplete"] else 1


if __name__ == "__main__":
    sys.exit(main())
