#!/bin/sh
# How {{ cookiecutter.name }} starts. Pligos ships this file in a ConfigMap, mounts it at
# /pligos/scripts and runs it with /bin/sh: change it and run `pligos generate`.
set -eu
echo "starting {{ cookiecutter.name }}"
if [ "$#" -gt 0 ]; then
    exec "$@"
fi
echo "nothing to run yet: edit script/start.sh" >&2
exec sleep infinity
