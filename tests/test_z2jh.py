"""deploy/z2jh/: the Zero to JupyterHub values, the exchange volume and the single-user image.

No Docker engine, Kubernetes or Helm runs here, so the image is not built and the values are
not deployed (deploy/z2jh/README.md). What is tested: the files parse; the pod's memory, CPU
and storage figures are what benchmarks/sizing.py derives from the measured files (so a new
kernel_memory.json or singleuser_memory.json without regenerating fails here), and so is the
sizing table in docs/hosting.md; the exchange volume is mounted at the exchange root of the
nbgrader configuration the Dockerfile installs; culling is on; the Dockerfile installs this
project with pip, keeps instructor notebooks out of the learners' image and never ends as root;
and the image's entrypoint, run for real as an unnamed uid, gives nbgrader the hub's user name.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import functools
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from hub_support import others_may_run_this_environment

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
Z2JH = ROOT / "deploy" / "z2jh"
DOCKERFILE = Z2JH / "Dockerfile"
ENTRYPOINT = Z2JH / "start-singleuser.sh"


def _sizing():
    spec = importlib.util.spec_from_file_location("z2jh_sizing_script", ROOT / "benchmarks" / "sizing.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8"))


def _exchange_manifests() -> dict[str, dict]:
    docs = list(yaml.safe_load_all((Z2JH / "exchange-pvc.yaml").read_text(encoding="utf-8")))
    return {doc["kind"]: doc for doc in docs if doc}


# -- the Dockerfile, read as Docker reads it (continuation lines joined) ----------------------

@dataclasses.dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]]


def _stages() -> list[Stage]:
    lines, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else ""
            stages.append(Stage(name, parts[0], []))
        else:
            stages[-1].instructions.append((keyword, rest.strip()))
    return stages


def _chain(stage: Stage, stages: list[Stage]) -> list[Stage]:
    """The stage and the stages it is built FROM, base first."""
    by_name = {s.name: s for s in stages if s.name}
    chain = [stage]
    while chain[0].parent in by_name:
        chain.insert(0, by_name[chain[0].parent])
    return chain


def _effective_user(stage: Stage, stages: list[Stage]) -> str:
    user = "root"  # Docker's default when no USER is given
    for s in _chain(stage, stages):
        for keyword, rest in s.instructions:
            if keyword == "USER":
                user = rest
    return user


def _copies(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY in the stage (flags such as --chmod dropped)."""
    found = []
    for keyword, rest in stage.instructions:
        if keyword == "COPY":
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            found.append((args[:-1], args[-1]))
    return found


def _copied_to(stages: list[Stage], destination: str) -> Path:
    for stage in stages:
        for sources, dest in _copies(stage):
            if dest == destination:
                assert len(sources) == 1
                return ROOT / sources[0]
    raise AssertionError(f"the Dockerfile copies nothing to {destination}")


# -- the figures -------------------------------------------------------------------------------

def test_values_limits_are_what_the_generator_derives_from_the_measured_files() -> None:
    sizing = _sizing()
    size = sizing.pod_size(sizing.measured())
    expected = sizing.tagged_values(size)
    single = _values()["singleuser"]
    assert single["memory"]["guarantee"] == expected["memory.guarantee"]
    assert single["memory"]["limit"] == expected["memory.limit"]
    assert single["cpu"]["guarantee"] == pytest.approx(size.cpu_guarantee)
    assert single["cpu"]["limit"] == pytest.approx(size.cpu_limit)
    assert single["storage"]["capacity"] == expected["storage.capacity"]
    manifests = _exchange_manifests()
    assert manifests["PersistentVolume"]["spec"]["capacity"]["storage"] == expected["exchange.storage"]
    assert manifests["PersistentVolumeClaim"]["spec"]["resources"]["requests"]["storage"] == expected["exchange.storage"]


def test_the_limits_hold_the_measured_server_and_kernels() -> None:
    sizing = _sizing()
    m = sizing.measured()
    size = sizing.pod_size(m)
    # The guarantee holds a learner at work (the server and the heaviest lesson's kernel); the
    # limit holds more kernels; the room's measured share of the cores is guaranteed.
    assert size.memory_guarantee_mb >= m.server_mb + m.heaviest_kernel_mb
    assert size.memory_limit_mb >= m.server_mb + sizing.KERNELS_AT_MOST * m.heaviest_kernel_mb
    assert size.memory_limit_mb > size.memory_guarantee_mb
    assert size.cpu_guarantee * m.room_learners >= m.room_cpus
    assert size.cpu_guarantee <= size.cpu_limit


def test_a_new_kernel_measurement_without_regenerating_changes_the_figures() -> None:
    """What the first test compares against moves with the measured files: a heavier kernel
    gives other limits, and the values file would be rewritten."""
    sizing = _sizing()
    m = sizing.measured()
    heavier = dataclasses.replace(m, heaviest_kernel_mb=m.heaviest_kernel_mb + 200)
    before, after = sizing.tagged_values(sizing.pod_size(m)), sizing.tagged_values(sizing.pod_size(heavier))
    assert after["memory.guarantee"] != before["memory.guarantee"]
    assert after["memory.limit"] != before["memory.limit"]
    text = (Z2JH / "values.yaml").read_text(encoding="utf-8")
    assert sizing.rewrite_tagged(text, before) == text
    rewritten = yaml.safe_load(sizing.rewrite_tagged(text, after))
    assert rewritten["singleuser"]["memory"]["limit"] == after["memory.limit"]


def test_hosting_sizing_table_is_what_the_generator_writes() -> None:
    sizing = _sizing()
    m = sizing.measured()
    block = sizing.render(m, sizing.pod_size(m))
    text = (ROOT / "docs" / "hosting.md").read_text(encoding="utf-8")
    assert text.count(sizing.MARK_START) == 1 and text.count(sizing.MARK_END) == 1
    assert block in text, "docs/hosting.md's sizing is out of date: run .venv/bin/python benchmarks/sizing.py"
    for learners in ("| 35 |", "| 100 |", "| 1,000 |"):
        assert learners in block


# -- the exchange, culling ---------------------------------------------------------------------

def test_exchange_volume_is_mounted_at_the_exchange_root_of_the_image_nbgrader_config() -> None:
    config_file = _copied_to(_stages(), "/etc/jupyter/nbgrader_config.py")
    loader = PyFileConfigLoader(config_file.name, path=str(config_file.parent))
    config = loader.load_config()
    root = config.Exchange.root
    assert root and config.CourseDirectory.course_id == "advocacy-lab"
    storage = _values()["singleuser"]["storage"]
    mounts = [m for m in storage["extraVolumeMounts"] if m["mountPath"] == root]
    assert len(mounts) == 1, f"no volume mounted at the exchange root {root}"
    volumes = {v["name"]: v for v in storage["extraVolumes"]}
    claim = volumes[mounts[0]["name"]]["persistentVolumeClaim"]["claimName"]
    manifests = _exchange_manifests()
    pvc = manifests["PersistentVolumeClaim"]
    assert pvc["metadata"]["name"] == claim
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["volumeName"] == manifests["PersistentVolume"]["metadata"]["name"]
    assert manifests["PersistentVolume"]["spec"]["accessModes"] == ["ReadWriteMany"]
    # Not on the home volume, which is one learner's alone.
    assert not root.startswith(storage["homeMountPath"])


def test_idle_servers_and_kernels_are_culled() -> None:
    values = _values()
    cull = values["cull"]
    assert cull["enabled"] is True
    assert 0 < cull["every"] <= cull["timeout"]
    kernel_config = _copied_to(_stages(), "/etc/jupyter/jupyter_server_config.json")
    manager = yaml.safe_load(kernel_config.read_text(encoding="utf-8"))["MappingKernelManager"]
    assert manager["cull_idle_timeout"] > 0 and manager["cull_interval"] > 0


def test_each_learner_runs_under_a_uid_of_their_own_and_trainers_get_their_image() -> None:
    """nbgrader's exchange is private only between Unix users: the hub's config gives each
    learner's pod its own uid (run here with a stand-in spawner)."""
    extra = _values()["hub"]["extraConfig"]
    code = "\n".join(extra.values())

    class Config(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Config())

        def __setattr__(self, name, value):
            self[name] = value

    values = _values()
    # The chart's own helper module in the hub pod, reading these values.
    z2jh = type(sys)("z2jh")
    z2jh.get_config = lambda key: functools.reduce(lambda d, k: d[k], key.split("."), values)
    c = Config()
    saved = sys.modules.get("z2jh")
    sys.modules["z2jh"] = z2jh
    try:
        exec(compile(code, "values.yaml:hub.extraConfig", "exec"), {"c": c})  # noqa: S102
    finally:
        if saved is None:
            del sys.modules["z2jh"]
        else:
            sys.modules["z2jh"] = saved
    uid = c.KubeSpawner.uid

    def spawner(user_id, admin=False):
        return type("Spawner", (), {"user": type("User", (), {"id": user_id, "admin": admin})(),
                                    "image": values["singleuser"]["image"]["name"]})()

    uids = {uid(spawner(i)) for i in range(1, 1001)}
    assert len(uids) == 1000 and min(uids) >= 1001
    assert c.KubeSpawner.gid == values["singleuser"]["fsGid"]
    # Trainers (the hub's admins) get the trainers' image; learners keep theirs.
    learner, trainer = spawner(5), spawner(6, admin=True)
    c.KubeSpawner.pre_spawn_hook(learner)
    c.KubeSpawner.pre_spawn_hook(trainer)
    assert learner.image == values["singleuser"]["image"]["name"]
    assert trainer.image == values["custom"]["trainerImage"] != learner.image


# -- the image ---------------------------------------------------------------------------------

def test_dockerfile_installs_this_project_with_pip_as_make_setup_does() -> None:
    stages = _stages()
    base = stages[0]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # What pip needs to build the package: pyproject.toml, its readme, its package folder.
    needed = {"pyproject.toml", pyproject["project"]["readme"],
              *pyproject["tool"]["setuptools"]["packages"]["find"]["where"]}
    copied: dict[str, str] = {}
    for sources, dest in _copies(base):
        for source in sources:
            copied[source] = dest if dest.endswith("/") else dest
    assert needed <= set(copied), f"not copied into the image: {needed - set(copied)}"
    project_dir = copied["pyproject.toml"].rstrip("/")
    runs = " && ".join(rest for keyword, rest in base.instructions if keyword == "RUN")
    assert "python -m venv" in runs
    assert "python -m pip install --upgrade pip" in runs
    install = [step for step in runs.split("&&") if "pip install" in step and project_dir in step]
    assert install, f"no pip install of {project_dir}"
    words = shlex.split(install[0])
    assert "-e" not in words, "an editable install would need the source tree at run time"
    # jupyterhub-singleuser comes with the project's `hub` extra: one place for its version range.
    assert f"{project_dir}[hub]" in words, "the image needs the hub extra (jupyterhub-singleuser)"
    hub_extra = pyproject["project"]["optional-dependencies"]["hub"]
    assert any(req.startswith("jupyterhub") for req in hub_extra)
    cmd = [rest for keyword, rest in base.instructions if keyword == "CMD"]
    assert cmd and "jupyterhub-singleuser" in cmd[-1]


@pytest.mark.slow
def test_the_package_pip_builds_from_what_the_dockerfile_copies_holds_every_file() -> None:
    """pip builds the project from the files the Dockerfile copies (not editable, as in the
    image): the wheel must hold every file of the package, or a lesson would miss a catalogue,
    a template or a data file at run time."""
    base = _stages()[0]
    ignored = ("__pycache__", ".ipynb_checkpoints")
    with tempfile.TemporaryDirectory(prefix="al-z2jh-wheel-") as tmp:
        context = Path(tmp, "context")
        context.mkdir()
        for sources, dest in _copies(base):
            if not dest.startswith("/tmp/advocacy-lab"):
                continue
            for source in sources:
                target = context / Path(dest).relative_to("/tmp/advocacy-lab")
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, target / Path(source).name if dest.endswith("/") else target,
                                    ignore=shutil.ignore_patterns(*ignored, "*.egg-info"))
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target / Path(source).name)
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(Path(tmp, "wheel")),
                                str(context)], capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr[-3000:]
        import zipfile

        (wheel,) = Path(tmp, "wheel").glob("advocacy_lab-*.whl")
        in_wheel = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "widgets" / "advocacy_lab"
    tracked = subprocess.run(["git", "ls-files", str(package)], cwd=ROOT, capture_output=True, text=True).stdout.split()
    files = [Path(f) for f in tracked] or [p.relative_to(ROOT) for p in package.rglob("*") if p.is_file()]
    missing = [str(f) for f in files
               if not any(part in ignored for part in f.parts)
               and str(f.relative_to("widgets")) not in in_wheel]
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data]): {missing}"


def test_no_image_runs_as_root() -> None:
    stages = _stages()
    for stage in stages:
        user = _effective_user(stage, stages).split(":")[0]
        assert user not in ("root", "0"), f"stage {stage.name or stage.parent} runs as {user}"
    # The default target (the last stage) is the learners' image.
    assert stages[-1].name == "learner"


def test_instructor_notebooks_stay_out_of_the_learners_image() -> None:
    stages = _stages()
    by_name = {s.name: s for s in stages}

    def sources(stage_name: str) -> set[str]:
        return {src.rstrip("/") for s in _chain(by_name[stage_name], stages) for srcs, _d in _copies(s) for src in srcs}

    assert "solutions" not in sources("learner")
    assert "solutions" in sources("trainer")
    learner_runs = " ".join(rest for k, rest in by_name["learner"].instructions if k == "RUN")
    assert "@jupyter/nbgrader:formgrader" in learner_runs and "nbgrader.server_extensions.formgrader" in learner_runs


def test_dockerignore_keeps_what_the_image_copies() -> None:
    patterns = [line.strip() for line in (Z2JH / "Dockerfile.dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for stage in _stages():
        for srcs, _dest in _copies(stage):
            for src in srcs:
                assert (ROOT / src).exists(), f"COPY {src}: no such path in the repository"
                for pattern in patterns:
                    assert not fnmatch.fnmatch(src, pattern.lstrip("/")), f"{src} is ignored by {pattern}"
    for pattern in (".venv", ".git", "gradebook.db"):
        assert pattern in patterns


# -- the entrypoint, for real --------------------------------------------------------------------

def _python_reachable_by_others() -> bool:
    """Whether another uid can run this Python and read this checkout (not so under a 0700 /root)."""
    probe = subprocess.run(["setpriv", "--reuid=100999", "--regid=100", "--clear-groups", "sh", "-c",
                            '"$0" -c "import os, sys; os.listdir(sys.argv[1])" "$1"', sys.executable, str(ROOT)],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


AS_OTHER_UID = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="runs commands as other uids: needs root and setpriv (util-linux)",
)


@pytest.fixture
def others_run_this_python():
    """Other uids can run this Python on this checkout for the test (a 0700 /root is opened for
    traversal only, and put back), as the hub test does."""
    with others_may_run_this_environment():
        assert _python_reachable_by_others(), "another uid still cannot run this Python or read this checkout"
        yield


def _nss_wrapper() -> str | None:
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        if Path(folder, "libnss_wrapper.so").exists():
            return folder
    return None


@AS_OTHER_UID
@pytest.mark.skipif(_nss_wrapper() is None,
                    reason="needs Debian's libnss-wrapper (the image installs it): apt-get install libnss-wrapper")
def test_entrypoint_gives_an_unnamed_uid_the_hub_user_name_for_nbgrader(others_run_this_python) -> None:
    uid = 100_000 + 4242
    with tempfile.TemporaryDirectory(prefix="al-z2jh-") as tmp:
        home, share = Path(tmp, "home"), Path(tmp, "share")
        home.mkdir()
        shutil.copytree(ROOT / "notebooks", share / "notebooks")
        os.chown(home, uid, 100)
        os.chmod(tmp, 0o755)
        probe = ("import os, pwd; from nbgrader.utils import get_username; "
                 "print(pwd.getpwuid(os.getuid()).pw_name, get_username())")
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "JUPYTERHUB_USER": "learner-042",
               "ADVOCACY_LAB_SHARE": str(share)}
        as_uid = ["setpriv", f"--reuid={uid}", "--regid=100", "--clear-groups"]
        bare = subprocess.run([*as_uid, sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        # Without the entrypoint, the uid has no name: nbgrader fails (the reason it exists).
        assert bare.returncode != 0 and "uid not found" in bare.stderr
        result = subprocess.run([*as_uid, "sh", str(ENTRYPOINT), sys.executable, "-c", probe], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["jovyan", "learner-042"]
        # The first start gave the learner the lessons, as their own files; a second keeps them.
        lessons = home / "lessons"
        assert sorted(p.name for p in lessons.glob("*.ipynb")) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
        assert all(p.stat().st_uid == uid for p in lessons.iterdir())
        (lessons / "00-start-here.ipynb").write_text("mine", encoding="utf-8")
        again = subprocess.run([*as_uid, "sh", str(ENTRYPOINT), "true"], env=env, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
        assert (lessons / "00-start-here.ipynb").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
@AS_OTHER_UID
@pytest.mark.skipif(_nss_wrapper() is None,
                    reason="needs Debian's libnss-wrapper (the image installs it): apt-get install libnss-wrapper")
def test_nbgrader_exchange_between_unnamed_uids_as_on_kubernetes(others_run_this_python) -> None:
    """As in the pods: a trainer and two learners, each under a uid of their own that no
    /etc/passwd names, each through the image's entrypoint, with the image's nbgrader
    configuration, over one exchange folder made as the README asks of the NFS export (1777).
    The trainer's course folder is laid out as the Dockerfile's trainer target copies it, and
    the entrypoint gives it to the trainer. Release, fetch, submit and collect work, each
    submission carries its learner's hub name and uid, and a learner cannot list the others'
    submissions."""
    bin_dir = str(Path(sys.executable).parent)
    with tempfile.TemporaryDirectory(prefix="al-z2jh-exchange-") as tmp:
        tmp_path = Path(tmp)
        os.chmod(tmp, 0o755)
        exchange = tmp_path / "exchange"
        exchange.mkdir()
        os.chmod(exchange, 0o1777)
        (tmp_path / "share").mkdir()
        # The trainers' image: /srv/advocacy-lab/course as its stage copies it.
        trainer_share = tmp_path / "trainer-share"
        stages = _stages()
        (trainer,) = [stage for stage in stages if stage.name == "trainer"]
        for sources, dest in _copies(trainer):
            if dest.startswith("/srv/advocacy-lab/"):
                target = trainer_share / Path(dest).relative_to("/srv/advocacy-lab")
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if (ROOT / sources[0]).is_dir() else shutil.copy2)(ROOT / sources[0], target)
        people = {"trainer": 100_001, "learner-a": 100_002, "learner-b": 100_003}
        homes = {}
        for name, uid in people.items():
            homes[name] = tmp_path / name
            homes[name].mkdir()
            os.chown(homes[name], uid, 100)
        course = homes["trainer"] / "course"

        def run(name: str, *command: str) -> subprocess.CompletedProcess:
            share = trainer_share if name == "trainer" else tmp_path / "share"
            env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(homes[name]), "JUPYTERHUB_USER": name,
                   "ADVOCACY_LAB_SHARE": str(share), "JUPYTER_CONFIG_PATH": str(Z2JH)}
            return subprocess.run(
                ["setpriv", f"--reuid={people[name]}", "--regid=100", "--clear-groups",
                 "sh", str(ENTRYPOINT), *command],
                cwd=homes[name], env=env, capture_output=True, text=True, timeout=300,
            )

        def nbgrader(name: str, *args: str) -> None:
            # The image's configuration names the course; only the exchange root is a temporary one.
            done = run(name, "nbgrader", *args, "campaign-message", f"--Exchange.root={exchange}")
            assert done.returncode == 0, f"{name}: nbgrader {' '.join(args)}\n{done.stderr[-3000:]}"

        nbgrader("trainer", "release_assignment")
        # The entrypoint gave the trainer the course and named it nbgrader's course root.
        assert (course / "solutions" / "campaign-message").is_dir() and course.stat().st_uid == people["trainer"]
        own_config = homes["trainer"] / ".jupyter" / "nbgrader_config.py"
        assert PyFileConfigLoader(own_config.name, path=str(own_config.parent)).load_config() \
            .CourseDirectory.root == str(course)
        for learner in ("learner-a", "learner-b"):
            nbgrader(learner, "fetch_assignment")
            nbgrader(learner, "submit")
        inbound = exchange / "advocacy-lab" / "inbound"
        submissions = {p.name.split("+")[0]: p.stat().st_uid for p in inbound.iterdir()}
        assert submissions == {"learner-a": people["learner-a"], "learner-b": people["learner-b"]}
        probe = "import os, sys; os.listdir(sys.argv[1])"
        listing = run("learner-b", sys.executable, "-c", probe, str(inbound))
        assert listing.returncode != 0 and "PermissionError" in listing.stderr
        nbgrader("trainer", "collect")
        assert sorted(p.name for p in (course / "submitted").iterdir()) == ["learner-a", "learner-b"]
