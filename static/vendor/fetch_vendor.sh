#!/bin/sh
# Copy Bootstrap 5 (CSS + JS bundle) from the npm registry into static/vendor/.
# No CDN: the pages must work on a hospital network without internet access.
# The copied files are committed; re-run this script only to upgrade.
set -eu
VERSION="${BOOTSTRAP_VERSION:-5.3.9}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "bootstrap@$VERSION" >/dev/null && tar xzf bootstrap-*.tgz)
mkdir -p "$HERE/bootstrap"
cp "$TMP/package/dist/css/bootstrap.min.css" "$TMP/package/dist/js/bootstrap.bundle.min.js" "$HERE/bootstrap/"
cp "$TMP/package/LICENSE" "$HERE/bootstrap/LICENSE"
echo "bootstrap $VERSION" > "$HERE/bootstrap/VERSION"
