#!/usr/bin/env bash
# Create (once) the Python virtualenv used by interop tests and bench scripts:
# OpenLEADR 0.5.36 from PyPI plus lxml. Prints the venv's python path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${OADR_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import openleadr, lxml' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openleadr==0.5.36' lxml >&2
fi
echo "$venv/bin/python"
