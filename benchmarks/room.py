#!/usr/bin/env python3
"""A room of learners on one machine: kernel memory, 35 at once, check latency, page weight.

A script, not a test. It starts `advocacy-lab serve`'s launcher (the project's
voila.json) on a loopback port and drives Debian's Chromium with Playwright:

1. page weight and compression of 04-campaign-message (one cold visit,
   ``_common.visit``, the measurement of voila_tti.py);
2. kernel memory per learner: one page of each app open, its kernel found by
   the page's kernel id, RSS and USS (psutil) after the page is interactive and
   again after 04's check has been used; goal <= 150 MB per learner;
3. check latency on 04: text put into the post box (an ``input`` event, what
   typing sends) or a platform box clicked, until the feedback area's content
   changes on screen, timed inside the page; median and 95th percentile.
   The message builder checks live, so a later click on "Check" re-renders the
   same feedback and changes nothing on screen: the input-to-feedback time is
   the time of the check a learner sees;
4. 35 learners at once: 35 browser contexts (one Chromium) open 04 together;
   each must reach interactive (the post box visible, i.e. the widget manager
   has rendered the widgets). Median, p95, max, errors, against the
   single-learner time measured the same way in the same run (goal p95 <= 4x),
   plus the kernels' memory with all 35 open and where the CPU went (server
   and kernels vs the browser that plays the 35 learners on the same 2 cores).

Step 4 runs for each server setup given by --setups: ``default`` (voila.json:
one preheated kernel per notebook) and ``room`` (``--pool-size
04-campaign-message.ipynb=N``: a kernel ready for every learner of the room).

Results: printed, saved to benchmarks/results/room.json, and written into
docs/performance.md between markers with the command that produced them.

    .venv/bin/python benchmarks/room.py [--learners 35] [--budget 900]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
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
    cpu_seconds,
    kernel_id_of,
    memory_of,
    process_tree,
    settle,
    stats,
    visit,
    write_doc,
)

APP = "04-campaign-message.ipynb"
APPS = ["00-start-here.ipynb", APP, "09-campaign-plan.ipynb"]
GOAL_MEMORY_MB = 150
GOAL_RATIO = 4.0
MARK_START = "<!-- room:start -->"
MARK_END = "<!-- room:end -->"
KERNEL_ID_JS = "(() => { try { return JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId } catch (e) { return null } })()"

#: Sets the post box's text as typing does (an input event) and resolves with the
#: milliseconds until the feedback area's content changes on screen.
INPUT_TO_FEEDBACK_JS = """
async ([text, timeoutMs]) => {
  const area = document.querySelector('.al-post-text textarea');
  const feedback = document.querySelector('.al-feedback');
  const before = feedback.innerHTML;
  return await new Promise((resolve) => {
    let t0;
    const obs = new MutationObserver(() => {
      if (feedback.innerHTML !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(feedback, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); resolve(null); }, timeoutMs);
    t0 = performance.now();
    area.value = text;
    area.dispatchEvent(new Event('input', {bubbles: true}));
  });
}
"""
#: The same for a click on a platform check box.
CLICK_TO_FEEDBACK_JS = """
async ([selector, timeoutMs]) => {
  const box = document.querySelector(selector);
  const feedback = document.querySelector('.al-feedback');
  const before = feedback.innerHTML;
  return await new Promise((resolve) => {
    let t0;
    const obs = new MutationObserver(() => {
      if (feedback.innerHTML !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(feedback, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); resolve(null); }, timeoutMs);
    t0 = performance.now();
    box.click();
  });
}
"""


def post_text(i: int) -> str:
    # A different length each time, so the length bar (and the feedback) changes.
    return "Clean air now: join the city council hearing on Friday and ask for bus lanes." + " Act" * (i + 1)


# -- memory and check latency (sync Playwright) ---------------------------------------------


def kernel_of_page(server: Server, page) -> object | None:
    kid = page.evaluate(KERNEL_ID_JS)
    for proc in server.kernels():
        if kid and kernel_id_of(proc) == kid:
            return proc
    return None


def memory_and_latency(browser, server: Server, budget: Budget, checks: int, timeout_ms: float) -> dict:
    context = browser.new_context()
    context.set_default_timeout(timeout_ms)
    out: dict = {"pages": {}, "latency": {}}
    try:
        pages = {}
        for name in APPS:
            budget.check()
            page = context.new_page()
            page.goto(f"{server.url}/voila/render/{name}", wait_until="commit")
            page.locator(READY_SELECTORS[name]).first.wait_for(state="visible")
            pages[name] = page
        settle(budget, timeout=20)
        for name, page in pages.items():
            proc = kernel_of_page(server, page)
            out["pages"][name] = {"interactive": memory_of([proc]) if proc else None}

        # Check latency on 04 (and the memory of its kernel after use).
        page = pages[APP]
        page.locator(".al-feedback").first.wait_for(state="attached")
        typed, clicked, lost = [], [], 0
        for i in range(checks):
            budget.check()
            ms = page.evaluate(INPUT_TO_FEEDBACK_JS, [post_text(i), 15_000])
            if ms is None:
                lost += 1
            else:
                typed.append(ms / 1000)
        boxes = [s for s in (".al-platform-facebook input", ".al-platform-x input", ".al-platform-linkedin input")
                 if page.locator(s).count()]
        if not boxes:
            boxes = [".al-platforms input[type=checkbox]"]
        for i in range(max(2, checks // 3)):
            budget.check()
            ms = page.evaluate(CLICK_TO_FEEDBACK_JS, [boxes[i % len(boxes)], 15_000])
            if ms is None:
                lost += 1
            else:
                clicked.append(ms / 1000)
        out["latency"] = {"input_to_feedback_s": stats(typed), "click_to_feedback_s": stats(clicked),
                          "no_change_within_15s": lost, "samples_input": typed, "samples_click": clicked}
        proc = kernel_of_page(server, page)
        out["pages"][APP]["after_checks"] = memory_of([proc]) if proc else None
        out["all_kernels_with_3_pages_open"] = memory_of(server.kernels())
    finally:
        context.close()
    return out


# -- learners at once (async Playwright) -----------------------------------------------------


async def open_learner(browser, url: str, selector: str, timeout_s: float) -> dict:
    context = await browser.new_context()
    page = await context.new_page()
    t0 = time.monotonic()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        left = max(1.0, timeout_s - (time.monotonic() - t0))
        await page.locator(selector).first.wait_for(state="visible", timeout=left * 1000)
        wall = time.monotonic() - t0
        tti = await page.evaluate("performance.now()") / 1000
        doc = await page.evaluate(
            "(() => { const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseEnd : null })()"
        )
        return {"context": context, "tti_s": tti, "wall_s": wall, "document_s": (doc or 0) / 1000}
    except Exception as exc:  # a learner whose page never became interactive
        out = {"context": context, "error": str(exc).splitlines()[0][:200], "wall_s": time.monotonic() - t0}
        try:  # did the server at least send the page?
            doc = await page.evaluate(
                "(() => { const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseEnd : null })()"
            )
            if doc:
                out["document_s"] = doc / 1000
        except Exception:
            pass
        return out


async def learners_at_once(server: Server, learners: int, timeout_s: float) -> dict:
    """``learners`` contexts open the app together; all stay open until measured."""
    from playwright.async_api import async_playwright

    url = f"{server.url}/voila/render/{APP}"
    selector = READY_SELECTORS[APP]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            server_pids = {p.pid for p in process_tree(server.proc.pid)}

            def client():
                return [p for p in process_tree(os.getpid())[1:] if p.pid not in server_pids]

            peak = {"kernels": 0, "rss_mb": 0.0}
            done = asyncio.Event()

            async def sample():
                while not done.is_set():
                    mem = memory_of(server.kernels())
                    peak["kernels"] = max(peak["kernels"], mem["count"])
                    peak["rss_mb"] = max(peak["rss_mb"], mem["rss_total_mb"])
                    try:
                        await asyncio.wait_for(done.wait(), timeout=1.0)
                    except asyncio.TimeoutError:
                        pass

            before = memory_of(server.kernels())
            cpu_server0 = cpu_seconds(process_tree(server.proc.pid))
            cpu_client0 = cpu_seconds(client())
            sampler = asyncio.create_task(sample())
            t0 = time.monotonic()
            visits = await asyncio.gather(*(open_learner(browser, url, selector, timeout_s) for _ in range(learners)))
            elapsed = time.monotonic() - t0
            # Measure before closing: closed renderers take their CPU counts with them.
            cpu_server = cpu_seconds(process_tree(server.proc.pid)) - cpu_server0
            cpu_client = cpu_seconds(client()) - cpu_client0
            done.set()
            await sampler
            open_memory = memory_of(server.kernels())
            for v in visits:
                await v.pop("context").close()
        finally:
            await browser.close()
    ok = [v for v in visits if "error" not in v]
    return {
        "learners": learners,
        "interactive": len(ok),
        "errors": [v["error"] for v in visits if "error" in v],
        "tti_s": stats([v["tti_s"] for v in ok]),
        "wall_s": stats([v["wall_s"] for v in ok]),
        "document_s": stats([v["document_s"] for v in visits if v.get("document_s")]),
        "burst_elapsed_s": round(elapsed, 2),
        "cpu_seconds": {"server_and_kernels": round(cpu_server, 1), "browser": round(cpu_client, 1)},
        "peak_kernels": peak["kernels"],
        "peak_kernel_rss_mb": round(peak["rss_mb"], 1),
        "kernels_before": {k: v for k, v in before.items() if k != "processes"},
        "kernels_with_all_open": {k: v for k, v in open_memory.items() if k != "processes"},
        "samples": visits,
    }


async def single_then_room(server: Server, budget: Budget, learners: int, singles: int, timeout_s: float) -> dict:
    single = []
    for _ in range(singles):
        budget.check()
        settle(budget)
        fills = server.pool_fills(APP)
        r = await learners_at_once(server, 1, min(timeout_s, max(1.0, budget.left())))
        single.append(r)
        server.wait_refill(APP, fills, timeout=min(120, max(0, budget.left())))
    budget.check()
    settle(budget)
    room = await learners_at_once(server, learners, min(timeout_s, max(1.0, budget.left())))
    single_ttis = [s["samples"][0]["tti_s"] for s in single if s["interactive"]]
    single_stats = stats(single_ttis)
    result = {"single": single_stats, "single_runs": [s["samples"][0] for s in single], "room": room}
    if single_ttis and room["tti_s"].get("n"):
        result["p95_ratio"] = round(room["tti_s"]["p95"] / single_stats["median"], 2)
        result["median_ratio"] = round(room["tti_s"]["median"] / single_stats["median"], 2)
    result["goal_met"] = bool(result.get("p95_ratio") is not None and result["p95_ratio"] <= GOAL_RATIO
                              and not room["errors"] and room["interactive"] == learners)
    return result


def wait_pool(server: Server, notebook: str, size: int, budget: Budget, timeout: float) -> None:
    """Until the log says the notebook's pool holds ``size`` kernels (bounded)."""
    end = time.monotonic() + min(timeout, max(0.0, budget.left()))
    needle = f"Kernel pool of {notebook} is filled with {size} kernel(s)"
    while time.monotonic() < end:
        if needle in server.log_text():
            return
        time.sleep(0.5)
    raise RuntimeError(f"pool of {notebook} not filled with {size} in time")


# -- report ------------------------------------------------------------------------------------


def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def markdown(r: dict) -> str:
    lines = [
        MARK_START,
        "## A room of learners: memory, 35 at once, check latency (`benchmarks/room.py`)",
        "",
        f"Measured {r['date']} on {r['machine']}, Voila {r['voila']}, {r['browser']}, served by "
        "`advocacy-lab serve`'s launcher with the project's `voila.json`; everything on loopback, "
        "the browser that plays the learners runs on the same machine as the server.",
        "",
        "Command:",
        "",
        "```",
        r["command"],
        "```",
        "",
    ]
    weight = r.get("page_weight")
    mem = r.get("memory") or {}
    lines += ["### Kernel memory per learner (goal: at most 150 MB)", ""]
    if mem.get("pages"):
        lines += ["| Page | Kernel RSS (MB) | Kernel USS (MB) | Goal met |", "|---|---|---|---|"]
        for name, m in mem["pages"].items():
            after = f" after {r.get('checks', 0)} typed checks and platform clicks"
            for label, snap in (("", m.get("interactive")), (after, m.get("after_checks"))):
                if snap is None and label:
                    continue
                if snap is None:
                    lines.append(f"| {name} | kernel not found | | no |")
                    continue
                rss = snap["rss_total_mb"]
                lines.append(f"| {name}{label} | {rss:.0f} | {snap['uss_total_mb']:.0f} | "
                             f"{'yes' if rss <= GOAL_MEMORY_MB else 'no'} |")
        lines += ["", "RSS counts shared library pages in every kernel; USS is what each kernel alone "
                  "holds, i.e. what one more learner adds."]
    room_runs = r.get("setups", {})
    for name, s in room_runs.items():
        k = s.get("room", {}).get("kernels_with_all_open")
        b = s.get("room", {}).get("kernels_before")
        if k and b and k.get("count"):
            n = s["room"]["learners"]
            lines.append(
                f"With {n} learners on 04 (`{name}` setup): {k['count']} kernels in all (pools included; "
                f"{b['count']} before they arrived), {k['rss_total_mb']:.0f} MB RSS; the learners added "
                f"{(k['uss_total_mb'] - b['uss_total_mb']) / n:.0f} MB USS "
                f"({(k['rss_total_mb'] - b['rss_total_mb']) / n:.0f} MB RSS) each."
            )
    lines += ["", f"### {r['learners']} learners open 04-campaign-message at once "
              f"(goal: p95 at most {GOAL_RATIO:.0f}x the single-learner time, no errors)", ""]
    if room_runs:
        lines += [
            "| Setup | Single learner median (s) | Median (s) | p95 (s) | Max (s) | p95 / single | Interactive | Errors | Goal met | Document served, median / max (s) | CPU s: server+kernels / browser |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, s in room_runs.items():
            if "room" not in s:
                lines.append(f"| {name} | not run: {s.get('error', '')} | | | | | | | no | | |")
                continue
            room = s["room"]
            t = room["tti_s"]
            d = room["document_s"]
            cpu = room["cpu_seconds"]
            lines.append(
                f"| {name} (`{s['serve']}`) | {fmt(s['single'].get('median'))} | {fmt(t.get('median'))} | "
                f"{fmt(t.get('p95'))} | {fmt(t.get('max'))} | {fmt(s.get('p95_ratio'))} | "
                f"{room['interactive']}/{room['learners']} | {len(room['errors'])} | "
                f"{'yes' if s['goal_met'] else 'no'} | {fmt(d.get('median'))} / {fmt(d.get('max'))} | "
                f"{cpu['server_and_kernels']:.0f} / {cpu['browser']:.0f} |"
            )
        lines += [
            "",
            "Time to interactive: navigation start until the post box is visible (the widget manager "
            "has rendered the widgets), inside each page. \"Document served\": until the server's HTML "
            "has arrived (what the server and its kernel pool control), over every page that got it, "
            "interactive or not. CPU seconds: used by the server and its kernels, and by Chromium and "
            "Playwright playing the learners, during the burst.",
        ]
        for name, s in room_runs.items():
            cpu = s.get("room", {}).get("cpu_seconds")
            if cpu and cpu["browser"] + cpu["server_and_kernels"] > 0:
                share = cpu["browser"] / (cpu["browser"] + cpu["server_and_kernels"])
                lines.append(
                    f"`{name}`: the browser playing the learners used {share:.0%} of the CPU time of the burst "
                    f"and the server with its kernels {1 - share:.0%} "
                    f"({cpu['server_and_kernels'] / max(1, s['room']['learners']):.1f} CPU s per learner); "
                    "the learners' pages share the server's 2 cores here, which real learners' devices do not."
                )
            if s.get("pool_fill_s") is not None:
                lines.append(f"The `{name}` server took {s['pool_fill_s']:.0f} s from its start to preheat its "
                             f"{r['learners']} kernels for 04 (once, before the session).")
        errs = [e for s in room_runs.values() for e in s.get("room", {}).get("errors", [])]
        if errs:
            lines += ["", "Errors: " + "; ".join(sorted(set(errs))[:5])]
    lat = mem.get("latency") or {}
    lines += ["", "### Check latency on 04-campaign-message (reported, no goal)", ""]
    if lat:
        i, c = lat["input_to_feedback_s"], lat["click_to_feedback_s"]
        lines += [
            "| Action | Samples | Median (ms) | p95 (ms) | Max (ms) |",
            "|---|---|---|---|---|",
            f"| Text in the post box → feedback on screen | {i.get('n', 0)} | {fmt(i.get('median', 0) * 1000, 0)} | "
            f"{fmt(i.get('p95', 0) * 1000, 0)} | {fmt(i.get('max', 0) * 1000, 0)} |",
            f"| Click on a platform box → feedback on screen | {c.get('n', 0)} | {fmt(c.get('median', 0) * 1000, 0)} | "
            f"{fmt(c.get('p95', 0) * 1000, 0)} | {fmt(c.get('max', 0) * 1000, 0)} |",
            "",
            "The message builder checks as the learner types (and when a platform is picked), so the "
            "\"Check\" button re-renders feedback already on screen; the time above is that of the check "
            f"the learner sees. Timed inside the page, one learner, idle machine. Actions without a change "
            f"within 15 s: {lat['no_change_within_15s']}.",
        ]
    lines += ["", "### Page weight and compression of 04-campaign-message", ""]
    if weight:
        lines.append(
            f"Cold visit: {weight['bytes_transferred'] / 1024:.0f} KB on the wire for "
            f"{weight['bytes_decoded'] / 1024:.0f} KB of content, {weight['requests']} requests; document "
            f"encoding {weight['document_encoding'] or 'none'}, compressed JS/CSS "
            f"{weight['assets_compressed']}/{weight['assets_total']} (measured as in `voila_tti.py`)."
        )
    if r.get("incomplete"):
        lines += ["", f"**Incomplete run:** {r['incomplete']}"]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=35)
    parser.add_argument("--singles", type=int, default=3, help="single-learner visits per setup")
    parser.add_argument("--checks", type=int, default=30, help="texts typed for the check latency")
    parser.add_argument("--setups", default="default,room", help="default and/or room (comma-separated)")
    parser.add_argument("--budget", type=float, default=900, help="overall time limit in seconds")
    parser.add_argument("--visit-timeout", type=float, default=180, help="seconds per learner")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "room.json")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= 100:
        parser.error("--learners must be 1..100")
    budget = Budget(args.budget)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]

    from playwright.sync_api import sync_playwright
    import voila

    result: dict = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command_line("benchmarks/room.py", argv),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "learners": args.learners,
        "checks": args.checks,
        "goals": {"memory_mb": GOAL_MEMORY_MB, "p95_ratio": GOAL_RATIO},
        "setups": {},
        "incomplete": "",
    }
    with tempfile.TemporaryDirectory(prefix="room-") as tmp:
        tmp = Path(tmp)
        try:
            for setup in setups:
                if setup == "default":
                    options, serve_txt = {}, "advocacy-lab serve"
                elif setup == "room":
                    options = {"pool_sizes": [f"{APP}={args.learners}"]}
                    serve_txt = f"advocacy-lab serve --pool-size {APP}={args.learners}"
                else:
                    parser.error(f"unknown setup {setup!r}")
                budget.check()
                t_server = time.monotonic()
                server = Server(setup, ROOT, tmp, serve_options=options)
                entry: dict = {"serve": serve_txt}
                result["setups"][setup] = entry
                try:
                    server.wait_ready(APPS, budget)
                    if setup == "room":
                        wait_pool(server, APP, args.learners, budget, timeout=300)
                        entry["pool_fill_s"] = round(time.monotonic() - t_server, 1)
                    entry["kernels_at_rest"] = memory_of(server.kernels())
                    if setup == setups[0]:
                        with sync_playwright() as pw:
                            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                            result["browser"] = f"Chromium {browser.version}"
                            try:
                                settle(budget)
                                fills = server.pool_fills(APP)
                                result["page_weight"] = visit(browser, f"{server.url}/voila/render/{APP}",
                                                              READY_SELECTORS[APP], args.visit_timeout * 1000)
                                server.wait_refill(APP, fills, timeout=min(120, max(0, budget.left())))
                                settle(budget)
                                result["memory"] = memory_and_latency(browser, server, budget, args.checks,
                                                                      args.visit_timeout * 1000)
                            finally:
                                browser.close()
                        print(json.dumps({k: result[k] for k in ("page_weight",)}, default=str)[:400], flush=True)
                    entry.update(asyncio.run(single_then_room(server, budget, args.learners, args.singles,
                                                              args.visit_timeout)))
                    print(f"{setup}: single {entry['single']}, room {entry['room']['tti_s']}, "
                          f"errors {len(entry['room']['errors'])}, p95 ratio {entry.get('p95_ratio')}", flush=True)
                except OutOfTime:
                    raise
                except Exception as exc:
                    entry["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    print(f"{setup}: FAILED {entry['error']}", flush=True)
                finally:
                    server.stop()
        except OutOfTime:
            result["incomplete"] = f"the {args.budget:.0f} s budget ran out; figures are from the steps done."

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block, MARK_START, MARK_END)
        print(f"written: {args.out}, docs/performance.md")
    return 0 if result["setups"] and not any("error" in s for s in result["setups"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
