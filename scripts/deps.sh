#!/usr/bin/env bash
# Install the Debian packages the tests and the `openssl` feature need, when missing:
#   - libxml2-utils (xmllint, the XSD oracle), xmlsec1 (the XML-DSig oracle)
#   - pkg-config and libssl-dev (the `openssl` feature's TLS backend)
#   - prosody (the XMPP server the XMPP transport tests run on loopback), openssl (their certs)
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev)
command -v prosody >/dev/null || need+=(prosody)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing ${need[*]} ..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
