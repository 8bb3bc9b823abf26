"""Memory of one kernel per lesson, against a bare kernel measured in the same run.

For each lesson notebook (the landing page and every available module of the
course outline, or the notebooks named), a fresh kernel runs the lesson's code
cells as a page would (drafts in memory), and psutil reads its RSS and USS. The
baseline is a kernel that ran the bare notebook (one ipywidgets button), started
the same way in the same run. Each lesson is measured ``--runs`` times; the
median is reported, with its ratio to the baseline.

Writes docs/performance.md (between its markers), benchmarks/results/kernel_memory.json,
and, with ``--write-sizing``, widgets/advocacy_lab/server/kernel_memory.json: the
lessons whose kernel takes more than launch.KERNEL_RSS_MB, which the room
sizing of ``advocacy-lab serve --learners N`` then uses.

    .venv/bin/python benchmarks/kernel_memory.py [--runs 3] [--write-sizing] [NOTEBOOK ...]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DOC, RESULTS_DIR, ROOT, command_line, write_bare_notebook, write_doc  # noqa: E402

MARK_START, MARK_END = "<!-- kernel_memory:start -->", "<!-- kernel_memory:end -->"
#: Module 03's goal (issue #10): a kernel of its page at most this many MB.
GOAL_MB = {"03-campaign-data.ipynb": 150}


def measure(notebook: Path) -> dict:
    """RSS and USS (MB) of a fresh kernel after the notebook's code cells ran."""
    import nbformat
    import psutil
    from jupyter_client.manager import start_new_kernel

    nb = nbformat.read(str(notebook), 4)
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(notebook.parent))
    try:
        for cell in nb.cells:
            if cell.cell_type == "code":
                reply = kc.execute_interactive(cell.source, timeout=300, output_hook=lambda _m: None)
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(f"{notebook.name}: a cell failed: {reply['content'].get('evalue')}")
        info = psutil.Process(km.provisioner.process.pid).memory_full_info()
        return {"rss_mb": info.rss / 2**20, "uss_mb": info.uss / 2**20}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def lessons() -> list[Path]:
    from advocacy_lab.course import load_course

    conf = json.loads((ROOT / "widgets" / "advocacy_lab" / "server" / "voila.json").read_text(encoding="utf-8"))
    names = [conf["AdvocacyVoila"]["landing_notebook"], *(m.notebook for m in load_course().available)]
    return [ROOT / "notebooks" / name for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-sizing", action="store_true", help="update server/kernel_memory.json")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    os.environ["ADVOCACY_LAB_DRAFT_STORE"] = "memory"  # as under Voila: nothing written on the server
    from advocacy_lab.server.launch import KERNEL_MEMORY_FILE, KERNEL_RSS_MB

    notebooks = args.notebooks or lessons()
    with tempfile.TemporaryDirectory(prefix="kernel-memory-") as tmp:
        write_bare_notebook(Path(tmp))
        bare = [measure(Path(tmp) / "bare.ipynb") for _ in range(args.runs)]
        runs = {nb.name: [measure(nb) for _ in range(args.runs)] for nb in notebooks}
    base = statistics.median(r["rss_mb"] for r in bare)
    rows = []
    for name, measured in runs.items():
        rss = statistics.median(r["rss_mb"] for r in measured)
        uss = statistics.median(r["uss_mb"] for r in measured)
        rows.append({"notebook": name, "rss_mb": round(rss, 1), "uss_mb": round(uss, 1), "ratio": round(rss / base, 2),
                     "goal_mb": GOAL_MB.get(name)})
    result = {"command": command_line("benchmarks/kernel_memory.py", argv), "date": dt.date.today().isoformat(),
              "python": sys.version.split()[0], "runs": args.runs, "bare_rss_mb": round(base, 1), "lessons": rows}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "kernel_memory.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        goal = f" (goal {row['goal_mb']} MB)" if row["goal_mb"] else ""
        print(f"{row['notebook']}: RSS {row['rss_mb']} MB, USS {row['uss_mb']} MB, {row['ratio']}x the bare kernel{goal}")
    if args.write_sizing:
        heavier = {r["notebook"]: int(math.ceil(r["rss_mb"] / 10) * 10) for r in rows if r["rss_mb"] > KERNEL_RSS_MB}
        data = json.loads(KERNEL_MEMORY_FILE.read_text(encoding="utf-8"))
        data.update(measured=result["date"], notebooks=dict(sorted(heavier.items())))
        KERNEL_MEMORY_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_doc:
        lines = [MARK_START, "## Kernel memory per lesson", "",
                 f"`{result['command']}` on {result['date']} (Python {result['python']}): a fresh kernel per lesson "
                 f"runs its code cells (drafts in memory, as under Voila); median of {args.runs} runs, against a "
                 f"bare kernel (one ipywidgets button) measured in the same run: {result['bare_rss_mb']} MB RSS.", "",
                 "| Lesson | RSS | USS | RSS vs bare kernel | Goal |", "|---|---|---|---|---|"]
        for r in rows:
            goal = f"at most {r['goal_mb']} MB: {'met' if r['rss_mb'] <= r['goal_mb'] else 'not met'}" if r["goal_mb"] else "-"
            lines.append(f"| {r['notebook']} | {r['rss_mb']} MB | {r['uss_mb']} MB | {r['ratio']}x | {goal} |")
        lines += ["", "The room sizing of `advocacy-lab serve --learners N` counts each lesson's kernels at their own "
                  "size: lessons over 70 MB are listed, rounded up to 10 MB, in "
                  "`widgets/advocacy_lab/server/kernel_memory.json` (this script's `--write-sizing`).", MARK_END, ""]
        write_doc("\n".join(lines), MARK_START, MARK_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
