"""``advocacy-lab trainer``: the trainer's dashboard, a Voila page over the gradebook.

It shows the cohort report's views (``report.py``: scores of each part, the checks that failed
most, who has not submitted, manual grading) for an assignment picked from a list, and shows
them again when the gradebook changes: a background thread looks at ``gradebook.db`` every few
seconds, so a grading run or a manual grade saved in formgrader appears without a reload.

It is a server of its own (``python -m voila`` on ``dashboard.ipynb``, beside this module, with
the course folder passed in the environment), never the learners' server: ``advocacy-lab serve``
serves only ``notebooks/``, and no learner's page links here. It listens on loopback only: the
page shows every participant's names and answers, and Voila asks no password, so an address on
the room's network is refused unless ``--allow-network`` says the trainer means it (for a
trainer's machine behind its own firewall, say); the refusal says why.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

#: The course folder and the trainer's language, as the command hands them to the dashboard's kernel.
COURSE_ENV = "ADVOCACY_LAB_TRAINER_COURSE"
LANG_ENV = "ADVOCACY_LAB_TRAINER_LANG"
DEFAULT_PORT = 8867
DEFAULT_IP = "127.0.0.1"
#: How often the dashboard looks at the gradebook (seconds): a cheap ``stat``.
POLL_SECONDS = 3.0
NOTEBOOK = Path(__file__).resolve().with_name("dashboard.ipynb")


# -- the dashboard's widgets ---------------------------------------------------------------------
class Dashboard:
    """The dashboard: a picker of assignments, the report's views, and a line saying when they were read.

    ``refresh_if_changed()`` reads the gradebook again when its file changed since last read; with
    ``watch`` a daemon thread calls it every ``every`` seconds until ``close()``.
    """

    def __init__(self, course: Path, lang: str = "en", *, watch: bool = True, every: float = POLL_SECONDS) -> None:
        import ipywidgets as widgets

        from advocacy_lab.core.catalogue import check_language, text

        from .report import graded_assignments, styles

        self.course = Path(course)
        self.lang = check_language(lang)
        self.every = every
        self._lock = threading.RLock()
        self._seen = self._signature()
        names = graded_assignments(self.course)
        # The report's own small sheet: this page is not the learners' and carries nothing of theirs.
        self.sheet = widgets.HTML(f"<style>{styles()}</style>")
        self.heading = widgets.HTML(f"<h1>{_escape(text('trainer.dashboard.title', lang))}</h1>")
        self.picker = widgets.Dropdown(options=names, value=names[-1] if names else None,
                                       description=text("trainer.dashboard.assignment", lang))
        self.picker.add_class("al-dashboard-picker")
        self.status = widgets.HTML()
        self.status.add_class("al-dashboard-status")
        self.views = widgets.HTML()
        self.widget = widgets.VBox([self.sheet, self.heading, self.picker, self.status, self.views])
        self.widget.add_class("al-report")
        self.widget.add_class("al-dashboard")
        self.picker.observe(lambda change: self.show(), names="value")
        self.show()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if watch:
            self._thread = threading.Thread(target=self._watch, name="gradebook-watch", daemon=True)
            self._thread.start()

    def _signature(self) -> tuple[int, int] | None:
        """What changes when nbgrader writes the gradebook: the file's modification time and size."""
        from .gradebook import gradebook_file

        try:
            info = os.stat(gradebook_file(self.course))
        except (OSError, TypeError):  # none yet, or a database that is not a file
            return None
        return (info.st_mtime_ns, info.st_size)

    def show(self) -> None:
        """The views of the picked assignment, read from the gradebook now."""
        from advocacy_lab.core.catalogue import text

        from .report import build_report, views_html

        with self._lock:
            name = self.picker.value
            if name is None:
                self.views.value = ""
                self.status.value = f'<p role="status">{_escape(text("trainer.dashboard.nothing_graded", self.lang))}</p>'
                return
            try:
                report = build_report(self.course, name, self.lang)
            except ValueError as exc:
                self.views.value = ""
                self.status.value = f'<p role="status">{_escape(str(exc))}</p>'
                return
            except Exception:  # noqa: BLE001 - SQLite locked by a grading run: said, and read again at the next look
                self._seen = None
                self.status.value = f'<p role="status">{_escape(text("trainer.dashboard.busy", self.lang))}</p>'
                return
            self.views.value = views_html(report)
            self.status.value = '<p role="status">{}</p>'.format(
                _escape(text("trainer.dashboard.read_at", self.lang, time=time.strftime("%H:%M:%S")))
            )

    def refresh_if_changed(self) -> bool:
        """Read the gradebook again if it changed since last read (new assignments join the list); True if it did."""
        from .report import graded_assignments

        with self._lock:
            signature = self._signature()
            if signature == self._seen:
                return False
            self._seen = signature
            names = graded_assignments(self.course)
            if tuple(self.picker.options) != names:
                current = self.picker.value
                with self.picker.hold_trait_notifications():
                    self.picker.options = names
                    self.picker.value = current if current in names else (names[-1] if names else None)
            self.show()
            return True

    def _watch(self) -> None:
        from advocacy_lab.core.catalogue import text

        while not self._stop.wait(self.every):
            try:
                self.refresh_if_changed()
            except Exception:  # noqa: BLE001 - a gradebook caught mid-write: said, and read again next time
                self._seen = None
                self.status.value = f'<p role="status">{_escape(text("trainer.dashboard.busy", self.lang))}</p>'

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 5)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _escape(words: str) -> str:
    import html

    return html.escape(words, quote=True)


def dashboard(course: str | os.PathLike[str] | None = None, lang: str | None = None) -> Dashboard:
    """The dashboard of the course the command named (``COURSE_ENV``), in its language (``LANG_ENV``)."""
    from advocacy_lab.core.catalogue import REFERENCE, languages

    folder = course if course is not None else os.environ.get(COURSE_ENV, "")
    if not folder:
        raise ValueError(f"No course folder: start the dashboard with `advocacy-lab trainer` ({COURSE_ENV} is not set).")
    lang = lang or os.environ.get(LANG_ENV, REFERENCE)
    return Dashboard(Path(folder), lang if lang in languages() else REFERENCE)


# -- the command ---------------------------------------------------------------------------------
def is_loopback(ip: str) -> bool:
    """Whether ``ip`` listens on this machine only (``localhost`` included)."""
    if ip.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip()).is_loopback
    except ValueError:
        return False


def add_command(sub: argparse._SubParsersAction, add_course_option: Callable) -> None:
    from advocacy_lab.core.catalogue import languages, text

    trainer = sub.add_parser("trainer", help=text("trainer.dashboard.help"))
    trainer.add_argument("--port", type=int, default=DEFAULT_PORT, help=text("trainer.dashboard.help_port"))
    trainer.add_argument("--ip", default=DEFAULT_IP, metavar="ADDRESS", help=text("trainer.dashboard.help_ip"))
    trainer.add_argument("--allow-network", action="store_true", help=text("trainer.dashboard.help_allow_network"))
    trainer.add_argument("--lang", choices=languages(), default="en", help=text("trainer.dashboard.help_lang"))
    trainer.add_argument("--no-browser", action="store_true", help=text("trainer.dashboard.help_no_browser"))
    trainer.set_defaults(func=run)
    add_course_option(trainer)


def voila_command(port: int, ip: str, open_browser: bool) -> list[str]:
    """Voila on the dashboard notebook alone, on exactly ``port`` (no other port tried: the address printed holds)."""
    return [
        sys.executable, "-m", "voila", str(NOTEBOOK), f"--Voila.port={port}", f"--Voila.ip={ip}",
        "--Voila.port_retries=0", f"--Voila.open_browser={open_browser}", "--theme=light",
        "--VoilaConfiguration.show_tracebacks=False",
    ]


def run(args: argparse.Namespace) -> int:
    from advocacy_lab.core.catalogue import text

    lang = args.lang
    if not is_loopback(args.ip) and not args.allow_network:
        print(f"advocacy-lab: {text('trainer.dashboard.not_loopback', lang, ip=args.ip)}", file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"advocacy-lab: {text('trainer.dashboard.bad_port', lang, port=args.port)}", file=sys.stderr)
        return 2
    env = {**os.environ, COURSE_ENV: str(args.course), LANG_ENV: lang, "PYTHONUNBUFFERED": "1"}
    host = f"[{args.ip}]" if ":" in args.ip else args.ip
    print(text("trainer.dashboard.started", lang, course=args.course, url=f"http://{host}:{args.port}/"), flush=True)
    proc = subprocess.Popen(voila_command(args.port, args.ip, not args.no_browser), env=env, cwd=args.course)
    # Stopped as a service is (SIGTERM) or with Ctrl+C: Voila and its kernel stop with it.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _wait(proc)
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(text("trainer.dashboard.stopped", lang))
        return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _wait(proc: subprocess.Popen) -> int:
    code = proc.wait()
    return 0 if code in (0, -15) else 1


__all__ = ["Dashboard", "dashboard", "is_loopback"]
