"""A real one-machine JupyterHub for tests/test_hub.py: real Unix accounts, deploy/jupyterhub/install.sh,
the hub on loopback, and everything removed afterwards, even after a failure.

The accounts get unique short names (``al-tr-<hex>``, ``al-p1-<hex>``...), their homes and every
installed path are under one temporary folder; the checkout's ``.venv`` is the course's environment
(``install.sh --venv``): the accounts must be able to run it, so each folder above it (and above the
checkout) that others cannot traverse is given o+x (traverse, never read) for the test and put back.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "deploy" / "jupyterhub" / "install.sh"
VENV = Path(sys.executable).parent.parent
COURSE_ID = "advocacy-lab"
#: What another account must reach to run this checkout's Python on its tests.
ENVIRONMENT_AND_CHECKOUT = (Path(os.path.realpath(VENV / "bin" / "python")), VENV / "bin" / "python", ROOT / "tests")


def let_others_traverse_to(modes: dict[Path, int], *targets: Path) -> None:
    """o+x (traverse, never read) on each folder above ``targets`` that lacks it (pyenv's Python
    lives under a 0700 /root); each folder's first mode is kept in ``modes`` for put_modes_back."""
    for target in targets:
        for folder in reversed(Path(target).parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and folder not in modes:
                modes[folder] = stat.S_IMODE(mode)
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)


def put_modes_back(modes: dict[Path, int]) -> None:
    for folder, mode in modes.items():
        os.chmod(folder, mode)
    modes.clear()


@contextlib.contextmanager
def others_may_run_this_environment():
    """While the block runs, other accounts can run this checkout's Python on its files."""
    modes: dict[Path, int] = {}
    try:
        let_others_traverse_to(modes, *ENVIRONMENT_AND_CHECKOUT)
        yield
    finally:
        put_modes_back(modes)


def why_no_hub() -> str | None:
    """Why a real hub cannot run here, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "the hub test creates Unix accounts and runs the hub as root: run it as root (CI does)"
    for tool in ("useradd", "userdel", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (Debian's passwd/util-linux)"
    if proxy_command() is None:
        return "configurable-http-proxy is missing: scripts/ensure-hub-proxy installs it (npm, as root)"
    if not Path("/etc/pam.d").is_dir():
        return "no PAM configuration (/etc/pam.d): the hub logs in with PAM"
    for module in ("jupyterhub", "pamela"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed: pip install -e '.[test,hub]'"
    if not (VENV / "bin" / "jupyterhub-singleuser").is_file():
        return f"{VENV}/bin/jupyterhub-singleuser is missing: pip install -e '.[test,hub]'"
    return None


def proxy_command() -> Path | None:
    for candidate in (shutil.which("configurable-http-proxy"), "/usr/local/bin/configurable-http-proxy"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    """One installed and started hub, its accounts and places."""

    base: Path
    trainer: str
    participants: list[str]
    names: dict[str, str]
    langs: dict[str, str]
    port: int = 0
    process: subprocess.Popen | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    install_runs: list[subprocess.CompletedProcess] = field(default_factory=list)
    _modes: dict[Path, int] = field(default_factory=dict)
    _uids: set[int] = field(default_factory=set)

    # -- places ------------------------------------------------------------------------------
    @property
    def etc(self) -> Path:
        return self.base / "etc"

    @property
    def jupyter_etc(self) -> Path:
        return self.base / "jupyter-etc"

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    @property
    def state(self) -> Path:
        return self.base / "state"

    @property
    def home_base(self) -> Path:
        return self.base / "home"

    @property
    def course(self) -> Path:
        return self.home_base / self.trainer / "advocacy-lab"

    def home(self, user: str) -> Path:
        return self.home_base / user

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- acting as an account -------------------------------------------------------------------
    def env(self, user: str, **extra: str) -> dict[str, str]:
        return {
            "HOME": str(self.home(user)), "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
            "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            # install.sh's global nbgrader_config.py is in a temporary folder, not /etc/jupyter.
            "JUPYTER_CONFIG_PATH": str(self.jupyter_etc),
            **extra,
        }

    def run_as(self, user: str, *args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
        """``args`` run as ``user`` (runuser, with that user's HOME), as they would in the hub's terminal."""
        return subprocess.run([shutil.which("runuser"), "-u", user, "--", *args], cwd=cwd or self.home(user),
                              env=self.env(user, **extra), capture_output=True, text=True, timeout=600)

    def python_as(self, user: str, code: str, *args: str, cwd: Path | None = None, **extra: str):
        return self.run_as(user, str(VENV / "bin" / "python"), "-c", code, *args, cwd=cwd, **extra)

    # -- set-up --------------------------------------------------------------------------------
    def let_accounts_run_the_environment(self) -> None:
        """o+x (traverse only) on each folder above the environment's Python and the checkout that lacks it."""
        let_others_traverse_to(self._modes, *ENVIRONMENT_AND_CHECKOUT)

    def install(self, roster: Path | None, venv: Path | None = VENV) -> subprocess.CompletedProcess:
        """install.sh into this hub's places; with ``venv=None`` it makes the course's environment
        in ``base/opt/venv`` from this checkout, with the Python of the checkout's .venv."""
        if venv is None:
            environment = ["--prefix", str(self.base / "opt"), "--source", str(ROOT),
                           "--python", os.path.realpath(VENV / "bin" / "python")]
        else:
            environment = ["--venv", str(venv)]
        proc = subprocess.run(
            ["bash", str(INSTALL), "--trainer", self.trainer, *(["--roster", str(roster)] if roster else []),
             *environment,
             "--etc", str(self.etc), "--jupyter-etc", str(self.jupyter_etc), "--exchange", str(self.exchange),
             "--state", str(self.state), "--home-base", str(self.home_base),
             "--npm-prefix", str(proxy_command().parent.parent),
             "--ip", "127.0.0.1", "--port", str(self.port), "--hub-port", str(free_port()),
             "--proxy-api-port", str(free_port())],
            cwd=self.base, capture_output=True, text=True, timeout=900,
            env={**os.environ, "JUPYTER_CONFIG_PATH": str(self.jupyter_etc)},
        )
        self.install_runs.append(proc)
        for user in (self.trainer, *self.participants):
            try:
                self._uids.add(pwd.getpwnam(user).pw_uid)
            except KeyError:
                pass
        return proc

    def read_sheet(self) -> dict[str, dict[str, str]]:
        text = (self.etc / "passwords.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        return {row[0]: {"name": row[1], "password": row[2]} for row in rows[1:]}

    def start(self) -> None:
        log = open(self.base / "hub.log", "wb")
        self.process = subprocess.Popen(
            [str(VENV / "bin" / "jupyterhub"), "-f", str(self.etc / "jupyterhub_config.py")],
            cwd=self.state, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the hub stopped:\n" + self.log())
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the hub did not answer within 120 s:\n" + self.log())

    def log(self) -> str:
        path = self.base / "hub.log"
        return path.read_text(errors="replace")[-6000:] if path.is_file() else ""

    # -- tear-down: everything, whatever happened ----------------------------------------------
    def cleanup(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops the servers it spawned and its proxy
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        proxy_pid = self.state / "jupyterhub-proxy.pid"
        if proxy_pid.is_file():
            _kill(int(proxy_pid.read_text().strip() or 0))
        # Anything still running as the test's accounts (a server the hub could not stop).
        for pid in _pids_of(self._uids):
            _kill(pid)
        for user in (*self.participants, self.trainer):
            try:
                pwd.getpwnam(user)
            except KeyError:
                continue
            subprocess.run(["userdel", "--remove", user], capture_output=True)
            subprocess.run(["groupdel", user], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
        put_modes_back(self._modes)


def _pids_of(uids: set[int]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _kill(pid: int) -> None:
    if pid <= 1:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def new_hub() -> Hub:
    """A hub's accounts and places, not yet installed: unique names, one private temporary folder."""
    suffix = secrets.token_hex(3)
    base = Path(tempfile.mkdtemp(prefix="al-hub-", dir="/tmp"))
    os.chmod(base, 0o755)  # the accounts' homes are under it (each home itself is private)
    participants = [f"al-p{n}-{suffix}" for n in (1, 2, 3)]
    names = dict(zip(participants, ("Ana Lê", "Bình Nguyễn", "Chi Trần")))
    langs = dict(zip(participants, ("en", "vi", "en")))
    return Hub(base=base, trainer=f"al-tr-{suffix}", participants=participants, names=names, langs=langs)


def write_roster(hub: Hub) -> Path:
    roster = hub.base / "participants.csv"
    lines = ["id,name,language"] + [f"{p},{hub.names[p]},{hub.langs[p]}" for p in hub.participants]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roster


#: Run as a participant: list or read a path; prints what happened (ok, or the error's name).
PROBE = """
import json, os, sys
results = {}
for op, path in json.loads(sys.argv[1]):
    try:
        if op == "list":
            os.listdir(path)
        else:
            with open(path, "rb") as handle:
                handle.read(1)
        results[op + " " + path] = "ok"
    except OSError as exc:
        results[op + " " + path] = type(exc).__name__
print(json.dumps(results))
"""


def probe(hub: Hub, user: str, checks: list[tuple[str, Path]]) -> dict[str, str]:
    proc = hub.python_as(user, PROBE, json.dumps([(op, str(path)) for op, path in checks]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {key.split(" ", 1)[1]: value for key, value in json.loads(proc.stdout).items()}


#: Run as a participant: the graded exercise answered through its widgets (tests/assignment_support.py).
ANSWER = """
import sys
from pathlib import Path
from assignment_support import answer_through_widgets
answer_through_widgets(Path(sys.argv[1]))
"""


def logged_in(hub: Hub, user: str, password: str):
    """A urllib opener logged in to the hub as ``user`` through its login form (cookies kept)."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{hub.url}/hub/login", timeout=30) as response:
        form = response.read().decode()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"_xsrf": xsrf, "username": user, "password": password}).encode()
    with opener.open(f"{hub.url}/hub/login", data=data, timeout=180) as response:
        response.read()
    opener.jar = jar
    # The user's server starts; its JupyterLab page, once served, sets the server's own cookies
    # (JupyterHub's OAuth round trip), as in a browser.
    deadline = time.monotonic() + 180
    while True:
        try:
            with opener.open(f"{hub.url}/user/{user}/lab", timeout=60) as response:
                response.read()
                if f"/user/{user}/lab" in response.geturl():
                    return opener
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{user}'s JupyterLab was not served:\n" + hub.log())
        time.sleep(1)


def _xsrf_header(opener, path: str) -> dict[str, str]:
    """A server's API takes a cookie-authenticated request with its _xsrf cookie echoed in a header,
    as JupyterLab sends it."""
    for cookie in opener.jar:
        if cookie.name == "_xsrf" and path.startswith(cookie.path):
            return {"X-XSRFToken": cookie.value}
    return {}


def open_as(hub: Hub, opener, path: str, timeout: float = 60):
    request = urllib.request.Request(f"{hub.url}{path}", headers=_xsrf_header(opener, path))
    return opener.open(request, timeout=timeout)


def get_json(hub: Hub, opener, path: str, wait: float = 180):
    """GET ``path`` on the hub as the opener's user, waiting for the user's server to be up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with open_as(hub, opener, path) as response:
                return json.loads(response.read().decode())
        except (OSError, ValueError):  # not up yet: an error, or the hub's "starting" page
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"no JSON from {path}:\n" + hub.log())
        time.sleep(1)
