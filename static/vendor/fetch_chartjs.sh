#!/bin/sh
# Copy Chart.js (UMD, minified) from the npm registry into static/vendor/chartjs/.
# No CDN: the dashboard must work on a hospital network without internet access.
# The copied file is committed; re-run this script only to upgrade.
set -eu
VERSION="${CHARTJS_VERSION:-4.6.1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "chart.js@$VERSION" >/dev/null && tar xzf chart.js-*.tgz)
mkdir -p "$HERE/chartjs"
cp "$TMP/package/dist/chart.umd.min.js" "$TMP/package/LICENSE.md" "$HERE/chartjs/"
echo "chart.js $VERSION" > "$HERE/chartjs/VERSION"
