#!/usr/bin/env bash
# make screenshots: pictures of the report for the README, taken by headless
# Chromium from the site `make demo` rendered (DEMO_DIR, default ./demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
site="${DEMO_DIR:-$root/demo}/state/site"
[ -f "$site/index.html" ] || { echo "screenshots: no report at $site; run 'DEMO_KEEP= make demo' first" >&2; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "screenshots: chromium is needed (apt-get install chromium)" >&2; exit 1; }
# shot PAGE PNG [HEIGHT]: PAGE may end with a #fragment (the runs table's
# view, the compare page's runs); JavaScript gets a moment to draw.
shot() {
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size="1280,${3:-860}" \
		--virtual-time-budget=3000 --screenshot="$2" "file://$1" 2>/dev/null
	echo "screenshots: $2"
}
shot "$site/index.html" "$root/docs/report.png"
shot "$site/runs/index.html" "$root/docs/report-runs.png" 560
shot "$site/runs/charts.html" "$root/docs/report-charts.png" 1000
# The model that serves: the one the demo promoted.
model=churn-xgb
[ -f "$site/models/$model/index.html" ] || model=$(ls "$site/models" | grep -v index.html | head -n 1)
shot "$site/models/$model/index.html" "$root/docs/report-model.png" 900
# The compare page of the two newest runs, for the parallel coordinates.
runs=$(ls -t "$site"/runs/*/*.html 2>/dev/null | head -n 2 | sed -e "s|^$site/runs/||" -e 's|\.html$||' | paste -sd, -)
if [ -n "$runs" ]; then shot "$site/compare.html#runs=$runs" "$root/docs/report-compare.png" 2600; fi
