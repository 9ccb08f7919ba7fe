#!/usr/bin/env bash
# Runs `thematic analyze` on the shipped corpus and takes a headless Chromium screenshot of the
# HTML report it writes, to look at the page the way a reader's browser shows it.
#
#   scripts/report_screenshot.sh [OUT_DIR]     # default: target/report-screenshot
#
# Needs chromium (Debian: apt-get install -y chromium). Prints where the PNG is.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/target/report-screenshot}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

browser="${CHROMIUM:-}"
if [[ -z "$browser" ]]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      browser="$(command -v "$candidate")"
      break
    fi
  done
fi
if [[ -z "$browser" ]]; then
  echo "error: chromium not found (apt-get install -y chromium, or set CHROMIUM=/path/to/it)" >&2
  exit 1
fi

cd "$root"
cargo build --release --quiet
./target/release/thematic --quiet analyze --out "$out/results" >/dev/null

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
png="$out/report.png"
# The flags keep Chromium offline and quiet: no sandbox (containers), no GPU, no first-run UI,
# no background or component downloads, and a throw-away profile.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$png" --window-size=1280,4000 \
  "file://$out/results/report.html" >/dev/null 2>&1

echo "report: $out/results/report.html ($(wc -c <"$out/results/report.html") bytes)"
echo "screenshot: $png"
