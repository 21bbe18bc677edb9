#!/usr/bin/env bash
# The test command (README): installs what the tests need, then runs every test.
#   - Debian packages: libxml2-utils (xmllint, the XSD oracle), xmlsec1 (the XML-DSig oracle)
#   - a Python venv with openleadr==0.5.36 and lxml (interop tests, bench scripts)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing ${need[*]} ..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
OADR_PYTHON=$(scripts/venv.sh)
export OADR_PYTHON
export OADR_REQUIRE_ORACLES=1
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc
