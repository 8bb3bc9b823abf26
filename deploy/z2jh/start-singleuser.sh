#!/bin/sh
# Entrypoint of the Advocacy Lab image (deploy/z2jh/Dockerfile): name the uid this pod runs
# under, give a first start its files, then run the command (jupyterhub-singleuser).
#
# The hub runs each learner under a uid of their own (values.yaml, hub.extraConfig), which
# /etc/passwd does not list; Python's pwd module, and so nbgrader, would fail on it. Without
# root and without a writable /etc/passwd, nss_wrapper lists it for this process and its
# children as "jovyan", the name nbgrader replaces with the hub's JUPYTERHUB_USER: the learner's
# submissions carry their hub name while their files carry their own uid.
set -eu

share="${ADVOCACY_LAB_SHARE:-/srv/advocacy-lab}"
uid="$(id -u)"
gid="$(id -g)"
if [ "$uid" != 0 ] && ! getent passwd "$uid" >/dev/null 2>&1; then
    passwd_file="$(mktemp "${TMPDIR:-/tmp}/passwd.XXXXXX")"
    grep -v '^jovyan:' /etc/passwd >"$passwd_file" || true
    echo "jovyan:x:${uid}:${gid}:${JUPYTERHUB_USER:-jovyan}:${HOME}:/bin/bash" >>"$passwd_file"
    NSS_WRAPPER_PASSWD="$passwd_file"
    NSS_WRAPPER_GROUP=/etc/group
    LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD }libnss_wrapper.so"
    export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP LD_PRELOAD
fi

# First start: the lessons (learners) or the whole course folder (trainers' image). Never over
# what is already there: a learner's own copies are theirs.
if [ -d "$share/course" ]; then
    # A trainer works in the course folder, nbgrader's course root for the formgrader and for
    # nbgrader commands run anywhere (as deploy/jupyterhub does on one machine).
    [ -e "$HOME/course" ] || cp -R "$share/course" "$HOME/course"
    if [ ! -e "$HOME/.jupyter/nbgrader_config.py" ]; then
        mkdir -p "$HOME/.jupyter"
        printf 'c = get_config()  # noqa: F821\nc.CourseDirectory.root = "%s/course"\n' "$HOME" \
            >"$HOME/.jupyter/nbgrader_config.py"
    fi
    cd "$HOME/course"
elif [ -d "$share/notebooks" ] && [ ! -e "$HOME/lessons" ]; then
    cp -R "$share/notebooks" "$HOME/lessons"
fi

exec "$@"
