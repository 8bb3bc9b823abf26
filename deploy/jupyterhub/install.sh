#!/usr/bin/env bash
# Advocacy Lab on one machine under JupyterHub: run as root on Debian or Ubuntu.
#
#   sudo deploy/jupyterhub/install.sh --trainer trainer --roster participants.csv
#
# Running it again gives the same result: what exists is kept (accounts, their passwords, the
# course folder and its gradebook), what is missing is made. See deploy/jupyterhub/README.md.
# Every path is an option (or the environment variable in brackets), so the test
# (tests/test_hub.py) can install into temporary places.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="${ADVOCACY_LAB_SOURCE:-$(cd "$HERE/../.." && pwd)}"
PREFIX="${ADVOCACY_LAB_PREFIX:-/opt/advocacy-lab}"
VENV="${ADVOCACY_LAB_VENV:-}"
ETC="${ADVOCACY_LAB_ETC:-/etc/advocacy-lab}"
JUPYTER_ETC="${ADVOCACY_LAB_JUPYTER_ETC:-/etc/jupyter}"
EXCHANGE="${ADVOCACY_LAB_EXCHANGE:-/srv/nbgrader/exchange}"
STATE="${ADVOCACY_LAB_HUB_STATE:-/var/lib/advocacy-lab-hub}"
NPM_PREFIX="${ADVOCACY_LAB_NPM_PREFIX:-/usr/local}"
HOME_BASE="${ADVOCACY_LAB_HOME_BASE:-/home}"
TRAINER="${ADVOCACY_LAB_TRAINER:-trainer}"
COURSE="${ADVOCACY_LAB_COURSE:-}"
ROSTER="${ADVOCACY_LAB_ROSTER:-}"
SHEET_LANG="${ADVOCACY_LAB_LANG:-en}"
IP="${ADVOCACY_LAB_HUB_IP:-}"
PORT="${ADVOCACY_LAB_HUB_PORT:-8000}"
HUB_PORT="${ADVOCACY_LAB_HUB_API_PORT:-8081}"
PROXY_API_PORT="${ADVOCACY_LAB_PROXY_API_PORT:-8001}"
PYTHON="${PYTHON:-python3}"

usage() {
  cat <<'USAGE'
Usage: install.sh [options]   (run as root)
  --trainer NAME        the trainer's account (nbgrader instructor, hub admin) [trainer]
  --roster FILE.csv     participants' file: imported with `advocacy-lab roster import` as the
                        trainer, then one account per participant (else: the course's roster.json)
  --lang en|vi          language of the password sheet's header [en]
  --source DIR          the Advocacy Lab checkout to install [this script's checkout]
  --prefix DIR          where the course's Python environment goes (DIR/venv) [/opt/advocacy-lab]
  --venv DIR            use this existing environment (with advocacy-lab[hub]) instead of making one
  --python PATH         the Python that makes the environment [python3]
  --etc DIR             hub configuration, settings, password sheet [/etc/advocacy-lab]
  --jupyter-etc DIR     global nbgrader_config.py [/etc/jupyter]
  --exchange DIR        nbgrader's exchange [/srv/nbgrader/exchange]
  --state DIR           the hub's database and cookie secret [/var/lib/advocacy-lab-hub]
  --npm-prefix DIR      where npm installs configurable-http-proxy [/usr/local]
  --home-base DIR       parent of the accounts' home folders [/home]
  --course DIR          the trainer's course folder [HOME_BASE/TRAINER/advocacy-lab]
  --ip ADDR --port N    where the hub listens [all addresses, 8000]
  --hub-port N --proxy-api-port N   the hub's and the proxy's own loopback ports [8081, 8001]
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --trainer) TRAINER="$2"; shift 2 ;;
    --roster) ROSTER="$2"; shift 2 ;;
    --lang) SHEET_LANG="$2"; shift 2 ;;
    --source) SOURCE="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --venv) VENV="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --etc) ETC="$2"; shift 2 ;;
    --jupyter-etc) JUPYTER_ETC="$2"; shift 2 ;;
    --exchange) EXCHANGE="$2"; shift 2 ;;
    --state) STATE="$2"; shift 2 ;;
    --npm-prefix) NPM_PREFIX="$2"; shift 2 ;;
    --home-base) HOME_BASE="$2"; shift 2 ;;
    --course) COURSE="$2"; shift 2 ;;
    --ip) IP="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --hub-port) HUB_PORT="$2"; shift 2 ;;
    --proxy-api-port) PROXY_API_PORT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != "0" ]; then
  echo "install.sh: run as root (it creates Unix accounts and system folders)." >&2
  exit 1
fi
for tool in useradd chpasswd runuser; do
  command -v "$tool" >/dev/null || { echo "install.sh: $tool is missing (Debian package 'passwd'/'util-linux')." >&2; exit 1; }
done
COURSE="${COURSE:-$HOME_BASE/$TRAINER/advocacy-lab}"
step() { echo "==> $*"; }

# 1. The course's Python environment, readable and runnable by every account.
if [ -z "$VENV" ]; then
  VENV="$PREFIX/venv"
  step "Python environment in $VENV"
  mkdir -p "$PREFIX"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV" || {
    echo "install.sh: '$PYTHON -m venv' failed. On Debian or Ubuntu: apt-get install python3-venv" >&2; exit 1; }
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # Built from a copy: pip builds in the source folder (build/, *.egg-info), which stays as it was.
  BUILD="$(mktemp -d)"
  trap 'rm -rf "$BUILD"' EXIT
  cp -r "$SOURCE/pyproject.toml" "$SOURCE/README.md" "$SOURCE/widgets" "$BUILD/"
  rm -rf "$BUILD"/widgets/*.egg-info
  "$VENV/bin/python" -m pip install --quiet "$BUILD[hub]"
  chmod -R a+rX "$PREFIX"
else
  step "Using the Python environment $VENV"
fi
for cmd in jupyterhub jupyterhub-singleuser advocacy-lab nbgrader; do
  [ -x "$VENV/bin/$cmd" ] || { echo "install.sh: $VENV/bin/$cmd is missing: install advocacy-lab[hub] there." >&2; exit 1; }
done
# Every account runs it: a Python under a private folder (pyenv in /root, say) would not start.
if id nobody >/dev/null 2>&1 && ! (cd / && HOME=/ runuser -u nobody -- "$VENV/bin/python" -c "import advocacy_lab, nbgrader, jupyterhub" 2>/dev/null); then
  echo "install.sh: other accounts cannot run $VENV/bin/python (is its Python, $(readlink -f "$VENV/bin/python"), in a private folder?). Use --python /usr/bin/python3." >&2
  exit 1
fi

# 2. The proxy in front of the hub (npm's configurable-http-proxy; JupyterHub's default proxy).
PROXY="$NPM_PREFIX/bin/configurable-http-proxy"
if [ ! -x "$PROXY" ]; then
  step "configurable-http-proxy into $NPM_PREFIX"
  command -v npm >/dev/null || { echo "install.sh: npm is missing: apt-get install npm (or Node.js 18+ from NodeSource)." >&2; exit 1; }
  # 4.x runs on Debian 12's Node.js 18; 5.x wants Node.js 20.
  npm install --global --prefix "$NPM_PREFIX" --no-fund --no-audit configurable-http-proxy@4 >/dev/null
fi

# 3. The exchange: nbgrader's documented permissions (ugo+rw), plus the sticky bit so no participant
#    can rename or delete the trainer's course folder in it (as /tmp). nbgrader makes inbound/
#    write-only and feedback/ traverse-only for others when the trainer first releases.
step "nbgrader exchange $EXCHANGE"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"

# 4. Global nbgrader configuration (course id, exchange), read by every account's nbgrader.
step "global nbgrader configuration $JUPYTER_ETC/nbgrader_config.py"
mkdir -p "$JUPYTER_ETC"
sed "s|^EXCHANGE_ROOT = .*|EXCHANGE_ROOT = \"$EXCHANGE\"|" "$HERE/nbgrader_config.py" > "$JUPYTER_ETC/nbgrader_config.py.tmp"
chmod 0644 "$JUPYTER_ETC/nbgrader_config.py.tmp"
mv "$JUPYTER_ETC/nbgrader_config.py.tmp" "$JUPYTER_ETC/nbgrader_config.py"

# 5. The trainer's account, course folder and roster; the participants' accounts; the settings the
#    hub reads; the password sheet (accounts.py: Python, for the roster and the sheet's language).
mkdir -p "$ETC" "$STATE" "$HOME_BASE"
chmod 0755 "$ETC"
chmod 0700 "$STATE"
step "accounts, course folder and hub settings"
"$VENV/bin/python" "$HERE/accounts.py" \
  --trainer "$TRAINER" --home-base "$HOME_BASE" --course "$COURSE" --source "$SOURCE" \
  --roster "$ROSTER" --lang "$SHEET_LANG" --etc "$ETC" --venv "$VENV" \
  --jupyter-etc "$JUPYTER_ETC" --exchange "$EXCHANGE" --state "$STATE" --proxy "$PROXY" \
  --ip "$IP" --port "$PORT" --hub-port "$HUB_PORT" --proxy-api-port "$PROXY_API_PORT"

# 6. The hub's configuration, beside its settings.
install -m 0644 "$HERE/jupyterhub_config.py" "$ETC/jupyterhub_config.py"

step "done. Start the hub (as root) with:"
echo "    cd $STATE && $VENV/bin/jupyterhub -f $ETC/jupyterhub_config.py"
echo "Passwords to hand out: $ETC/passwords.csv (root and $TRAINER only)."
