#!/usr/bin/env bash
# Refresh the browser libraries vendored in static/vendor/ from the npm registry and record versions.
# The files are committed, so a fresh machine (or a closed network) needs neither npm nor a CDN.
# Usage: scripts/vendor-static.sh   (edit the versions below to upgrade)
set -euo pipefail
BOOTSTRAP_VERSION=5.3.9
HTMX_VERSION=2.0.11
cd "$(dirname "$0")/.."
dest=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null)
mkdir -p "$dest/bootstrap" "$dest/htmx"
tar -xzf "$work/bootstrap-$BOOTSTRAP_VERSION.tgz" -C "$work"
cp "$work/package/dist/css/bootstrap.min.css" "$work/package/dist/css/bootstrap.min.css.map" "$dest/bootstrap/"
cp "$work/package/dist/js/bootstrap.bundle.min.js" "$work/package/dist/js/bootstrap.bundle.min.js.map" "$dest/bootstrap/"
cp "$work/package/LICENSE" "$dest/bootstrap/LICENSE"
rm -rf "$work/package"
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work"
cp "$work/package/dist/htmx.min.js" "$dest/htmx/"
cp "$work/package/LICENSE" "$dest/htmx/LICENSE"
cat > "$dest/VERSIONS.txt" <<TXT
# Vendored by scripts/vendor-static.sh from the npm registry
bootstrap $BOOTSTRAP_VERSION
htmx.org $HTMX_VERSION
TXT
echo "vendored bootstrap $BOOTSTRAP_VERSION and htmx $HTMX_VERSION into $dest"
