"""Sizing of a hosted course on Zero to JupyterHub, from the measured figures (a script, not a test).

One source for each number: this script reads

- the memory of a kernel per lesson: ``launch.KERNEL_RSS_MB`` and
  widgets/advocacy_lab/server/kernel_memory.json (``benchmarks/kernel_memory.py``,
  ``benchmarks/room.py``);
- the memory of a learner's own server without kernels:
  deploy/z2jh/singleuser_memory.json (``benchmarks/singleuser_memory.py``);
- the CPU a room needed: the cores and learners of the room run in
  docs/performance.md ("A room of learners", ``benchmarks/room.py``; its goal met);
- the course's files: notebooks/ and each assignment's exercises/ folder,

adds the assumptions below (each said as one in the output), and writes

(a) the pod's memory and CPU guarantee and limit, the home volume's size
    (deploy/z2jh/values.yaml) and the exchange volume's size
    (deploy/z2jh/exchange-pvc.yaml), on the lines tagged ``# sizing: NAME``;
(b) the sizing table for 35, 100 and 1,000 learners in docs/hosting.md, between
    its markers.

``--check`` writes nothing and exits 1 when a file differs from what it would write.

    .venv/bin/python benchmarks/sizing.py [--check]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Z2JH = ROOT / "deploy" / "z2jh"
VALUES = Z2JH / "values.yaml"
EXCHANGE_PVC = Z2JH / "exchange-pvc.yaml"
SERVER_MEMORY = Z2JH / "singleuser_memory.json"
HOSTING = ROOT / "docs" / "hosting.md"
PERFORMANCE = ROOT / "docs" / "performance.md"
MARK_START, MARK_END = "<!-- z2jh_sizing:start -->", "<!-- z2jh_sizing:end -->"
_TAGGED = re.compile(r"^(?P<head>\s*[A-Za-z_]+:\s*)(?P<value>\S+)(?P<tail>\s+# sizing: (?P<name>[a-z_.]+)\s*)$", re.M)

# -- assumptions (not measured here); the output says each --------------------------------------
#: Kernels of a learner at work: one notebook open and running (a lesson or an assignment).
KERNELS_WORKING = 1
#: Kernels a learner may hold at once: a lesson, an assignment, and nbgrader's Validate button,
#: which runs the notebook again in a kernel of its own. Idle kernels are culled after 20 minutes
#: (deploy/z2jh/jupyter_server_config.json), so more than this is rare.
KERNELS_AT_MOST = 3
#: A kernel runs a learner's code on one core (one Python thread): more would not make it faster,
#: and one core per pod keeps a runaway loop from taking a node's cores.
CPU_LIMIT = 1.0
#: Kubernetes counts memory in MiB steps; round each pod's figures up to this.
MEMORY_STEP_MB = 64
#: The node of the table: a common general-purpose size.
NODE_VCPU = 8
NODE_MEMORY_GIB = 32
#: Share of a node left for user pods after the kubelet's and system's reserve and the daemonsets.
NODE_ALLOCATABLE_SHARE = 0.9
#: The kubelet's default maximum of pods per node (some clouds set fewer), minus a few system pods.
PODS_PER_NODE = 110 - 10
#: One node for the hub, the proxy and the user scheduler (z2jh's core pods).
CORE_NODES = 1
#: Share of the enrolled learners with a server running at the busiest hour. A room of 35 or a
#: cohort of 100 works together; 1,000 learners of a course do not (cohorts, time zones,
#: self-paced weeks): 30 % is an assumption, the table also gives all of them at once (an exam hour).
CONCURRENT_SHARE = {35: 1.0, 100: 1.0, 1000: 0.3}
#: Home volume per learner (GiB): the smallest most clouds provision, far above the course's files.
HOME_GIB = 1
#: nbgrader keeps every submission in inbound/ until collected, and one feedback copy per learner.
SUBMISSIONS_KEPT = 3
#: A submitted notebook also holds its outputs (module 03's charts as PNG): allowance per notebook.
OUTPUT_ALLOWANCE_MB = 1.0


@dataclass(frozen=True)
class Measured:
    kernel_default_mb: int
    heaviest_kernel_mb: int
    heaviest_notebook: str
    kernel_measured: str
    server_mb: int
    server_measured: str
    server_versions: str
    lab_first_visit_kb: int | None
    room_cpus: int
    room_learners: int
    room_measured: str
    notebooks_mb: float
    assignments: dict[str, tuple[int, float]]  # name -> (notebooks, MB of its exercise folder)


@dataclass(frozen=True)
class PodSize:
    memory_guarantee_mb: int
    memory_limit_mb: int
    cpu_guarantee: float
    cpu_limit: float
    home_gib: int
    exchange_gib: int


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def _room() -> tuple[int, int, str]:
    """Cores and learners of the room measured in docs/performance.md, whose goals were met."""
    text = PERFORMANCE.read_text(encoding="utf-8")
    block = re.search(r"<!-- room:start -->(.*?)<!-- room:end -->", text, re.S)
    if not block:
        raise SystemExit("docs/performance.md has no room section: run benchmarks/room.py")
    body = block.group(1)
    cpus = re.search(r"Measured (\S+) [^,]*?on [^,]+, (\d+) CPUs", body)
    learners = re.search(r"--learners (\d+)", body)
    bursts = re.findall(r"^\| room \(.*\| (yes|no) \|$", body, re.M)
    if not (cpus and learners and bursts) or "no" in bursts:
        raise SystemExit("docs/performance.md: the room's cores, learners or met goal not found")
    return int(cpus.group(2)), int(learners.group(1)), cpus.group(1)


def measured() -> Measured:
    sys.path.insert(0, str(ROOT / "widgets"))
    from advocacy_lab.course import assignments
    from advocacy_lab.server import launch

    heavier = json.loads(launch.KERNEL_MEMORY_FILE.read_text(encoding="utf-8"))
    heaviest_notebook, heaviest_mb = max(heavier["notebooks"].items(), key=lambda item: item[1],
                                         default=("", launch.KERNEL_RSS_MB))
    if launch.kernel_mb(heaviest_notebook) != max(int(heaviest_mb), launch.KERNEL_RSS_MB):
        raise SystemExit("kernel_memory.json and launch.kernel_mb disagree")
    server = json.loads(SERVER_MEMORY.read_text(encoding="utf-8"))
    cpus, learners, room_date = _room()
    found = {}
    for name in assignments(ROOT):
        folder = ROOT / "exercises" / name
        found[name] = (len(list(folder.glob("*.ipynb"))), _folder_mb(folder))
    return Measured(
        kernel_default_mb=launch.KERNEL_RSS_MB,
        heaviest_kernel_mb=launch.kernel_mb(heaviest_notebook),
        heaviest_notebook=heaviest_notebook,
        kernel_measured=heavier["measured"],
        server_mb=int(server["server_rss_mb"]),
        server_measured=server["measured"],
        server_versions=server["versions"],
        lab_first_visit_kb=server.get("lab_first_visit_kb"),
        room_cpus=cpus,
        room_learners=learners,
        room_measured=room_date,
        notebooks_mb=_folder_mb(ROOT / "notebooks"),
        assignments=found,
    )


def _round_up(value: float, step: float) -> float:
    return math.ceil(value / step - 1e-9) * step


def exchange_mb(m: Measured, learners: int) -> float:
    """The exchange for ``learners``: the released files, every learner's kept submissions and feedback."""
    per_learner = sum(
        (SUBMISSIONS_KEPT + 1) * (size_mb + notebooks * OUTPUT_ALLOWANCE_MB)
        for notebooks, size_mb in m.assignments.values()
    )
    released = sum(size_mb for _n, size_mb in m.assignments.values())
    return released + learners * per_learner


def pod_size(m: Measured) -> PodSize:
    return PodSize(
        memory_guarantee_mb=int(_round_up(m.server_mb + KERNELS_WORKING * m.heaviest_kernel_mb, MEMORY_STEP_MB)),
        memory_limit_mb=int(_round_up(m.server_mb + KERNELS_AT_MOST * m.heaviest_kernel_mb, MEMORY_STEP_MB)),
        # What each learner of the measured room had of the machine's cores, with the room's goals met.
        cpu_guarantee=round(_round_up(m.room_cpus / m.room_learners, 0.01), 2),
        cpu_limit=CPU_LIMIT,
        home_gib=HOME_GIB,
        exchange_gib=max(1, math.ceil(exchange_mb(m, max(CONCURRENT_SHARE)) / 1024)),
    )


def tagged_values(size: PodSize) -> dict[str, str]:
    """The value written on each line tagged ``# sizing: NAME`` (z2jh reads M as MiB)."""
    return {
        "memory.guarantee": f"{size.memory_guarantee_mb}M",
        "memory.limit": f"{size.memory_limit_mb}M",
        "cpu.guarantee": f"{size.cpu_guarantee:g}",
        "cpu.limit": f"{size.cpu_limit:.1f}",
        "storage.capacity": f"{size.home_gib}Gi",
        "exchange.storage": f"{size.exchange_gib}Gi",
    }


def rewrite_tagged(text: str, values: dict[str, str]) -> str:
    def put(match: re.Match) -> str:
        name = match.group("name")
        if name not in values:
            raise SystemExit(f"unknown sizing tag: {name}")
        return match.group("head") + values[name] + match.group("tail")

    return _TAGGED.sub(put, text)


def nodes_for(servers: int, size: PodSize) -> tuple[int, int]:
    """(user nodes, pods per node) for ``servers`` pods packed by their guarantees."""
    memory_mb = NODE_MEMORY_GIB * 1024 * NODE_ALLOCATABLE_SHARE
    per_node = min(int(memory_mb // size.memory_guarantee_mb), int(NODE_VCPU * NODE_ALLOCATABLE_SHARE // size.cpu_guarantee),
                   PODS_PER_NODE)
    return math.ceil(servers / per_node), per_node


def _gb(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB"


def render(m: Measured, size: PodSize) -> str:
    rows = []
    cases = [(n, share) for n, share in CONCURRENT_SHARE.items()]
    cases.append((max(CONCURRENT_SHARE), 1.0))
    for learners, share in cases:
        servers = math.ceil(learners * share)
        nodes, per_node = nodes_for(servers, size)
        first_visits = f"{learners * m.lab_first_visit_kb / 2**20:.1f} GiB" if m.lab_first_visit_kb else "not measured"
        label = f"{learners:,}" + (" (all at once)" if share == 1.0 and CONCURRENT_SHARE.get(learners) != 1.0 else "")
        rows.append(
            f"| {label} | {servers} ({share:.0%}) | {nodes} + {CORE_NODES} | "
            f"{_gb(servers * size.memory_guarantee_mb)} | {_gb(servers * size.memory_limit_mb)} | "
            f"{servers * size.cpu_guarantee:.1f} | {nodes + CORE_NODES} | "
            f"{learners * size.home_gib:,} GiB | {exchange_mb(m, learners) / 1024:.2f} GiB | {first_visits} |"
        )
    table = "\n".join(rows)
    heavy = m.heaviest_notebook or "every lesson"
    assignments = ", ".join(f"{name} ({n} notebook{'s' if n != 1 else ''}, {mb * 1024:.0f} KB)"
                            for name, (n, mb) in m.assignments.items())
    _nodes, per_node = nodes_for(1, size)
    lab_visit = (f"; a learner's first visit of JupyterLab: {m.lab_first_visit_kb / 1024:.1f} MB over the "
                 f"network, uncompressed as jupyter-server sends it" if m.lab_first_visit_kb else "")
    return f"""{MARK_START}
Written by `.venv/bin/python benchmarks/sizing.py` from the figures below; the same run writes
the pod's limits into `deploy/z2jh/values.yaml` and the exchange's size into
`deploy/z2jh/exchange-pvc.yaml` (`tests/test_z2jh.py` fails when they differ).

**Measured here** (a 2-core Linux machine, no cluster):

- a learner's own server, `jupyterhub-singleuser` with JupyterLab, nbgrader's and Voila's
  extensions and no kernel: {m.server_mb} MB RSS ({m.server_measured}, {m.server_versions};
  `benchmarks/singleuser_memory.py`){lab_visit};
- a kernel: {m.kernel_default_mb} MB RSS, {m.heaviest_kernel_mb} MB for {heavy} ({m.kernel_measured};
  `benchmarks/kernel_memory.py`, `benchmarks/room.py`);
- a room of {m.room_learners} learners opening a lesson at once on {m.room_cpus} cores, served by
  `advocacy-lab serve` (Voila), its goals met ({m.room_measured}; `benchmarks/room.py`):
  {m.room_cpus}/{m.room_learners} of a core per learner;
- the course's files: lessons {m.notebooks_mb * 1024:.0f} KB; assignments {assignments}.

**Derived** (per learner's pod): memory guarantee {size.memory_guarantee_mb} MiB (the server and
{KERNELS_WORKING} kernel of the heaviest lesson), limit {size.memory_limit_mb} MiB (the server and
{KERNELS_AT_MOST} such kernels), rounded up to {MEMORY_STEP_MB} MiB; CPU guarantee {size.cpu_guarantee:g}
(the measured room's share of a core), limit {size.cpu_limit:g}; a home volume of {size.home_gib} GiB;
an exchange volume of {size.exchange_gib} GiB for {max(CONCURRENT_SHARE):,} learners.

**Assumed** (not measured): a learner works in {KERNELS_WORKING} notebook at a time and holds at most
{KERNELS_AT_MOST} kernels (a lesson, an assignment, nbgrader's Validate); one core is all a kernel
uses; nodes of {NODE_VCPU} vCPU and {NODE_MEMORY_GIB} GiB with {NODE_ALLOCATABLE_SHARE:.0%} of them
for learners' pods and at most {PODS_PER_NODE} pods each, so {per_node} learners per node (the
scheduler packs pods by their guarantees); {CORE_NODES} node for the hub, the proxy and the user
scheduler; the share of learners with a server at the busiest hour (a room or a cohort: all of
them; a course of {max(CONCURRENT_SHARE):,}: {CONCURRENT_SHARE[max(CONCURRENT_SHARE)]:.0%}); nbgrader
keeping {SUBMISSIONS_KEPT} submissions and a feedback copy per learner and assignment, each
notebook with {OUTPUT_ALLOWANCE_MB:g} MB of outputs.

A pod may use more than its guarantee, up to its limit, while its node has memory to spare:
the column "if every server reached its limit" is the worst case, not a plan. A kernel that
passes its pod's limit is stopped by Linux's out-of-memory killer (the learner sees the
kernel die and restarts it); a node short of memory evicts first the pods using most above their
guarantee.

| Learners | Servers at the busiest hour | Nodes: learners + core | Memory guaranteed | Memory if every server reached its limit | CPU guaranteed (cores) | Node-hours per busy hour | Home volumes | Exchange | Egress: every learner's first JupyterLab visit |
|---|---|---|---|---|---|---|---|---|---|
{table}

Cost drivers, without prices (none could be cited with a source and a date from here):

- **Node-hours**: the nodes above for each hour learners work. The hub's culler stops a server
  idle for half an hour, and the cluster's autoscaler removes nodes left empty (z2jh's user
  scheduler packs learners onto the fewest nodes, so some empty out); outside the busy hours only
  the core node runs.
- **Storage**: a home volume per enrolled learner, kept while their server is stopped (the
  largest line for a course of {max(CONCURRENT_SHARE):,}), and the shared exchange (a ReadWriteMany
  volume such as NFS or a cloud file service, usually billed by provisioned size).
- **Egress**: each learner's first visit downloads JupyterLab (the last column; return visits,
  with the browser's cache, were not measured; an ingress that compresses would send less,
  not measured either), then what the learner's work sends (widgets, charts, files); the
  image is pulled once per new node (its size is not measured: it was not built here).
{MARK_END}
"""


def write_hosting(block: str, check: bool) -> bool:
    text = HOSTING.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END) + "\n?", re.S)
    if not pattern.search(text):
        raise SystemExit(f"docs/hosting.md has no {MARK_START} ... {MARK_END} block to write into")
    new = pattern.sub(lambda _m: block, text)
    if new != text and not check:
        HOSTING.write_text(new, encoding="utf-8")
    return new == text


def write_tagged(path: Path, values: dict[str, str], check: bool) -> bool:
    text = path.read_text(encoding="utf-8")
    new = rewrite_tagged(text, values)
    if new != text and not check:
        path.write_text(new, encoding="utf-8")
    return new == text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    m = measured()
    size = pod_size(m)
    values = tagged_values(size)
    block = render(m, size)
    same = [write_tagged(VALUES, values, args.check), write_tagged(EXCHANGE_PVC, values, args.check),
            write_hosting(block, args.check)]
    print(block)
    print("values: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    if args.check and not all(same):
        print("out of date: run .venv/bin/python benchmarks/sizing.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
