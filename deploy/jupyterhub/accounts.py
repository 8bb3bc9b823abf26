"""The accounts, course folder and settings of an Advocacy Lab hub (run by install.sh, as root).

- the trainer's account and course folder (``nbgrader_config.py`` and ``solutions/`` from the
  checkout, owned by the trainer; an existing course folder is never touched: it holds the
  gradebook and the trainer's work), and the trainer's ``~/.jupyter/nbgrader_config.py`` naming
  it as nbgrader's course root (nbgrader's "one class, one grader" set-up);
- ``advocacy-lab roster import`` of the participants' file, run as the trainer (``--roster``);
- one Unix account per participant of the course's ``roster.json``: nbgrader's exchange keeps
  participants apart only when each is a separate Unix user; every home folder is private
  (0700: drafts, submissions and feedback live there);
- a password for each account it creates, in a sheet to hand out (``ETC/passwords.csv``, the
  trainer's file, mode 0600: only the trainer and root read it; not the trainer's group, which on
  some machines is shared). An account that already exists keeps its
  password, and its line in the sheet: running install.sh again changes nothing;
- ``ETC/hub.json``: what ``jupyterhub_config.py`` reads (who may log in, who is the trainer, where
  everything is).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

SHEET = "passwords.csv"
SETTINGS = "hub.json"
#: Easy to read aloud and type on a phone: no 0/o, 1/l/i.
PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password() -> str:
    """Three groups of four (about 59 bits): enough for a workshop's accounts, easy to type."""
    return "-".join("".join(secrets.choice(PASSWORD_LETTERS) for _ in range(4)) for _ in range(3))


def account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def make_account(name: str, home_base: Path) -> bool:
    """A Unix account ``name`` with a private home under ``home_base``; False when it existed already."""
    created = not account_exists(name)
    if created:
        subprocess.run(["useradd", "--create-home", "--user-group", "--home-dir", str(home_base / name),
                        "--shell", "/bin/bash", name], check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    if home.is_dir():
        os.chmod(home, 0o700)
    return created


def set_password(name: str, password: str) -> None:
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)


def as_user(name: str, command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``command`` run as ``name`` (runuser: root needs no password), with that user's HOME."""
    home = pwd.getpwnam(name).pw_dir
    env = {"HOME": home, "USER": name, "LOGNAME": name, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    if os.environ.get("JUPYTER_CONFIG_PATH"):
        env["JUPYTER_CONFIG_PATH"] = os.environ["JUPYTER_CONFIG_PATH"]
    return subprocess.run(["runuser", "-u", name, "--", *command], cwd=cwd, env=env, text=True)


def chown_tree(path: Path, name: str) -> None:
    user = pwd.getpwnam(name)
    for folder, dirs, files in os.walk(path):
        for item in (folder, *(os.path.join(folder, f) for f in dirs + files)):
            os.lchown(item, user.pw_uid, user.pw_gid)


def course_folder(course: Path, source: Path, trainer: str) -> None:
    """The trainer's course folder, made once from the checkout."""
    if (course / "nbgrader_config.py").is_file():
        return
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(source / "solutions", course / "solutions", dirs_exist_ok=True)
    chown_tree(course, trainer)
    os.chmod(course, 0o700)


def trainer_nbgrader_config(trainer: str, course: Path) -> None:
    """The trainer's own nbgrader configuration: the course folder is nbgrader's course root, for
    the formgrader and for nbgrader commands run anywhere (nbgrader's "one class, one grader")."""
    home = Path(pwd.getpwnam(trainer).pw_dir)
    folder = home / ".jupyter"
    config = folder / "nbgrader_config.py"
    wanted = f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n"
    if config.is_file() and config.read_text(encoding="utf-8") == wanted:
        return
    folder.mkdir(exist_ok=True)
    config.write_text(wanted, encoding="utf-8")
    chown_tree(folder, trainer)


def read_sheet(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return {row[0]: {"account": row[0], "name": row[1], "password": row[2]} for row in rows[1:] if len(row) >= 3}


def write_sheet(path: Path, header: list[str], rows: list[dict], trainer: str) -> None:
    """The sheet, whole: a temporary file made private first, then moved over the old one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row["account"], row["name"], row["password"]])
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # With a byte order mark, Excel reads the names' diacritics right.
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(out.getvalue())
    os.chown(temporary, pwd.getpwnam(trainer).pw_uid, 0)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("trainer", "home-base", "course", "source", "roster", "lang", "etc", "venv", "jupyter-etc",
                   "exchange", "state", "proxy", "ip", "port", "hub-port", "proxy-api-port"):
        parser.add_argument(f"--{option}", default="")
    args = parser.parse_args(argv)
    from advocacy_lab.core.catalogue import text

    lang = args.lang or "en"
    home_base, course, etc, venv = Path(args.home_base), Path(args.course), Path(args.etc), Path(args.venv)
    trainer = args.trainer

    sheet_path = etc / SHEET
    sheet = read_sheet(sheet_path)
    header = [text(f"trainer.hub.sheet.{column}", lang) for column in ("account", "name", "password")]
    made = 0

    def account(name: str, full_name: str) -> None:
        """The account, and for one made now a password, on the sheet at once (a later failure loses none)."""
        nonlocal made
        if make_account(name, home_base):
            password = new_password()
            set_password(name, password)
            sheet[name] = {"account": name, "name": full_name, "password": password}
            made += 1
            write_sheet(sheet_path, header, list(sheet.values()), trainer)
        elif name in sheet:
            sheet[name]["name"] = full_name
        else:  # an account made before, by someone else: its password is not ours to change
            print(text("trainer.hub.existing_account", lang, account=name))

    account(trainer, text("trainer.hub.sheet.trainer", lang))
    course_folder(course, Path(args.source), trainer)
    trainer_nbgrader_config(trainer, course)

    if args.roster:
        roster_copy = course / ".participants-import.csv"
        shutil.copy(args.roster, roster_copy)
        chown_tree(roster_copy, trainer)
        try:
            proc = as_user(trainer, [str(venv / "bin" / "advocacy-lab"), "roster", "import", str(roster_copy),
                                     "--course", str(course)], cwd=course)
        finally:
            roster_copy.unlink(missing_ok=True)
        if proc.returncode != 0:
            print(text("trainer.hub.roster_failed", lang, file=args.roster), file=sys.stderr)
            return proc.returncode

    from advocacy_lab.trainer.roster import read_roster

    # Read as root: roster.json is the trainer's alone.
    participants = [p for p in read_roster(course) if p.id != trainer]
    for p in participants:
        account(p.id, p.name)
    write_sheet(sheet_path, header, list(sheet.values()), trainer)

    participant_config = etc / "participant-jupyter"
    (participant_config / "labconfig").mkdir(parents=True, exist_ok=True)
    # Participants get nbgrader's Assignments panel (and Validate); not the trainer's tools.
    (participant_config / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True,
        "@jupyter/nbgrader:create-assignment": True,
        "@jupyter/nbgrader:course-list": True,
    }}, indent=2) + "\n", encoding="utf-8")
    (participant_config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
    }}}, indent=2) + "\n", encoding="utf-8")
    for folder, _, files in os.walk(participant_config):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)

    settings = {
        "trainer": trainer,
        "participants": [p.id for p in participants],
        "course": str(course),
        "venv": str(venv),
        "jupyter_etc": args.jupyter_etc,
        "participant_config": str(participant_config),
        "exchange": args.exchange,
        "state": args.state,
        "proxy": args.proxy,
        "ip": args.ip,
        "port": int(args.port),
        "hub_port": int(args.hub_port),
        "proxy_api_port": int(args.proxy_api_port),
    }
    temporary = etc / (SETTINGS + ".tmp")
    temporary.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o644)
    os.replace(temporary, etc / SETTINGS)
    print(text("trainer.hub.accounts", lang, participants=len(participants), passwords=made, sheet=sheet_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
