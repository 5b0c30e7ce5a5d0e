#!/usr/bin/env bash
# Refresh the browser libraries vendored in static/vendor/ from the npm registry and record versions.
# The files are committed, so a fresh machine (or a closed network) needs neither npm nor a CDN.
# Usage: scripts/vendor-static.sh   (edit the versions below to upgrade)
set -euo pipefail
BOOTSTRAP_VERSION=5.3.9
HTMX_VERSION=2.0.11
BOOTSTRAP_ICONS_VERSION=1.13.1
AXE_CORE_VERSION=4.14.1
cd "$(dirname "$0")/.."
dest=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "bootstrap@$BOOTSTRAP_VERSION" "htmx.org@$HTMX_VERSION" \
  "bootstrap-icons@$BOOTSTRAP_ICONS_VERSION" "axe-core@$AXE_CORE_VERSION" >/dev/null)
mkdir -p "$dest/bootstrap" "$dest/htmx" "$dest/bootstrap-icons/fonts" "$dest/axe-core"
tar -xzf "$work/bootstrap-$BOOTSTRAP_VERSION.tgz" -C "$work"
cp "$work/package/dist/css/bootstrap.min.css" "$work/package/dist/css/bootstrap.min.css.map" "$dest/bootstrap/"
cp "$work/package/dist/js/bootstrap.bundle.min.js" "$work/package/dist/js/bootstrap.bundle.min.js.map" "$dest/bootstrap/"
cp "$work/package/LICENSE" "$dest/bootstrap/LICENSE"
rm -rf "$work/package"
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work"
cp "$work/package/dist/htmx.min.js" "$dest/htmx/"
cp "$work/package/LICENSE" "$dest/htmx/LICENSE"
rm -rf "$work/package"
# Bootstrap Icons as a web font (one woff2, the classes `bi bi-<name>`); the icons replace emoji in templates.
tar -xzf "$work/bootstrap-icons-$BOOTSTRAP_ICONS_VERSION.tgz" -C "$work"
cp "$work/package/font/bootstrap-icons.min.css" "$dest/bootstrap-icons/"
cp "$work/package/font/fonts/bootstrap-icons.woff2" "$work/package/font/fonts/bootstrap-icons.woff" "$dest/bootstrap-icons/fonts/"
cp "$work/package/LICENSE" "$dest/bootstrap-icons/LICENSE"
rm -rf "$work/package"
# axe-core: only the browser tests load it (injected by Playwright, e2e/axe.py); no page references it.
tar -xzf "$work/axe-core-$AXE_CORE_VERSION.tgz" -C "$work"
cp "$work/package/axe.min.js" "$dest/axe-core/"
cp "$work/package/LICENSE" "$dest/axe-core/LICENSE"
cat > "$dest/VERSIONS.txt" <<TXT
# Vendored by scripts/vendor-static.sh from the npm registry
bootstrap $BOOTSTRAP_VERSION
htmx.org $HTMX_VERSION
bootstrap-icons $BOOTSTRAP_ICONS_VERSION
axe-core $AXE_CORE_VERSION
TXT
echo "vendored bootstrap $BOOTSTRAP_VERSION, htmx $HTMX_VERSION, bootstrap-icons $BOOTSTRAP_ICONS_VERSION and axe-core $AXE_CORE_VERSION into $dest"
