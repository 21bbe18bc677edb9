#!/usr/bin/env bash
# Regenerate the DEMO-ONLY certificates that `oadr demo` embeds (include_bytes!). Their private
# keys are public (committed): never trust these certificates outside the demo.
# Self-signed ECDSA P-256 (`openssl req -x509`, CA:TRUE, as OpenLEADR users make them), valid
# 10000 days, with 127.0.0.1 and localhost as subject alternative names.
set -euo pipefail
cd "$(dirname "$0")"
for name in vtn ven-1 ven-2 ven-3; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 10000 \
    -subj "/O=oadr demo (not for production)/CN=oadr-demo-$name" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$name.key" -out "$name.crt" 2>/dev/null
done
ls -l ./*.crt ./*.key
