#!/usr/bin/env bash
# Re-vendor the OpenADR 2.0b schema set.
#
#   scripts/vendor-xsd.sh DIR          copy every *.xsd and LICENSES.txt from DIR into xsd/,
#                                      byte for byte, and rewrite xsd/SHA256SUMS
#   scripts/vendor-xsd.sh --pypi       the same from the openleadr==0.5.36 wheel (folder openleadr/schema/)
#   scripts/vendor-xsd.sh --check      verify xsd/ against xsd/SHA256SUMS (exit 1 on mismatch)
#
# The next `cargo build` regenerates the Rust code (build.rs has rerun-if-changed on xsd/);
# `cargo run -p oadr-codegen -- --xsd xsd --out generated/` writes it where you can diff it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/xsd"
case "${1:-}" in
  --check)
    cd "$dest" && sha256sum --quiet -c SHA256SUMS && echo "xsd/: all sums match"
    exit 0 ;;
  --pypi)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" 'openleadr==0.5.36'
    (cd "$tmp" && python3 -m zipfile -e openleadr-0.5.36-py3-none-any.whl x)
    src="$tmp/x/openleadr/schema" ;;
  ""|-h|--help)
    sed -n '2,11p' "$0"; exit 2 ;;
  *) src="$1" ;;
esac
[ -f "$src/oadr_20b.xsd" ] || { echo "no oadr_20b.xsd in $src" >&2; exit 2; }
rm -f "$dest"/*.xsd
cp "$src"/*.xsd "$dest"/
[ -f "$src/LICENSES.txt" ] && cp "$src/LICENSES.txt" "$dest/"
(cd "$dest" && sha256sum *.xsd LICENSES.txt > SHA256SUMS && sha256sum --quiet -c SHA256SUMS)
echo "vendored $(ls "$dest"/*.xsd | wc -l) schema files into xsd/; SHA256SUMS rewritten"
git -C "$root" diff --stat -- xsd || true
