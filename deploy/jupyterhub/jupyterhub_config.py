"""JupyterHub for an Advocacy Lab workshop or programme on one machine (install.sh puts it in /etc/advocacy-lab).

It reads ``hub.json`` beside it (written by install.sh: the trainer, the participants, where the
course, the environment, the exchange and the proxy are; ``ADVOCACY_LAB_HUB_SETTINGS`` names
another). Start it as root: ``jupyterhub -f /etc/advocacy-lab/jupyterhub_config.py``.

Why PAM (the machine's own accounts, JupyterHub's default authenticator):
- nbgrader's exchange keeps participants apart only when each one is a separate Unix user
  (inbound/ is write-only and feedback/ traverse-only for others; each home folder is private),
  so the accounts must exist anyway; PAM logs in to exactly those accounts;
- a venue's internet is often poor or filtered: no identity provider (Google, GitHub, an
  organisation's single sign-on) to reach, no e-mail round trip; participants need no account
  anywhere else;
- the passwords come from install.sh's sheet, handed out in the room; the trainer is the hub's
  admin, and only the accounts of the roster (and the trainer) may log in.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

SETTINGS = Path(os.environ.get("ADVOCACY_LAB_HUB_SETTINGS") or Path(__file__).with_name("hub.json"))
settings = json.loads(SETTINGS.read_text(encoding="utf-8"))
TRAINER = settings["trainer"]
VENV = Path(settings["venv"])
STATE = Path(settings["state"])

# -- where it listens; its own state -----------------------------------------------------------
c.JupyterHub.bind_url = f"http://{settings['ip']}:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# -- who may log in --------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {TRAINER, *settings["participants"]}
c.Authenticator.admin_users = {TRAINER}
# Accounts are made by install.sh from the roster, never by the hub.
c.LocalAuthenticator.create_system_users = False
# No PAM session: without systemd-logind (containers, small servers) opening one fails, and a
# notebook server needs none.
c.PAMAuthenticator.open_sessions = False

# -- each account's JupyterLab -----------------------------------------------------------------
# The hub runs as root and starts each server as that account, with the course's environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# A loaded machine starts a server slowly; the first start of a room's worth takes a while.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Only what the course needs from the hub's environment.
c.Spawner.env_keep = ["LANG", "LC_ALL", "TZ"]


def _config_path(*folders: str) -> str:
    # The global nbgrader_config.py (course id, exchange) is read from here by every account.
    return os.pathsep.join(folder for folder in folders if folder)


def per_account(spawner) -> None:
    """The trainer works in the course folder with nbgrader's instructor tools (formgrader,
    create assignment); a participant works in their home folder with the Assignments panel only."""
    name = spawner.user.name
    spawner.environment["PATH"] = f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    if name == TRAINER:
        spawner.notebook_dir = settings["course"]
        spawner.environment["JUPYTER_CONFIG_PATH"] = _config_path(settings["jupyter_etc"])
    else:
        spawner.notebook_dir = "~"
        spawner.environment["JUPYTER_CONFIG_PATH"] = _config_path(
            settings["participant_config"], settings["jupyter_etc"])


c.Spawner.pre_spawn_hook = per_account
