#!/usr/bin/env bash
# The test command (README): installs what the tests need, then runs every test.
#   - Debian packages (scripts/deps.sh): libxml2-utils (xmllint, the XSD oracle), xmlsec1 (the
#     XML-DSig oracle), libssl-dev and pkg-config (the `openssl` feature, tested by tls_openssl)
#   - a Python venv with openleadr==0.5.36 and lxml (interop tests, bench scripts)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh
OADR_PYTHON=$(scripts/venv.sh)
export OADR_PYTHON
export OADR_REQUIRE_ORACLES=1
# The example binaries themselves (cargo test builds examples only as test harnesses);
# tests/cli_examples.rs runs them against each other.
cargo build --workspace --examples
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc
# The `openssl` feature: the spec's TLS 1.2 CBC suites on both sides, and the OpenSSL XML-DSig
# backend (sign/verify across backends, the attack corpus, OpenLEADR and xmlsec1 interop).
cargo test --features openssl --test tls_openssl --test sign_backends --test sign_attacks --test sign_interop "$@"
