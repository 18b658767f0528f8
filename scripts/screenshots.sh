#!/usr/bin/env bash
# make screenshots: pictures of the report for the README, taken by headless
# Chromium from the site `make demo` rendered (DEMO_DIR, default ./demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
site="${DEMO_DIR:-$root/demo}/state/site"
[ -f "$site/index.html" ] || { echo "screenshots: no report at $site; run 'DEMO_KEEP= make demo' first" >&2; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "screenshots: chromium is needed (apt-get install chromium)" >&2; exit 1; }
shot() {
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1280,860 \
		--screenshot="$2" "file://$1" 2>/dev/null
	echo "screenshots: $2"
}
shot "$site/index.html" "$root/docs/report.png"
shot "$site/models/churn-xgb/index.html" "$root/docs/report-model.png"
