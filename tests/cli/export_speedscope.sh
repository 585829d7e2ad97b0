#!/usr/bin/env bash
# labels: browser
# timeout: 300
# speedscope's own importer accepts `bootlens analyze --format chrome`:
# speedscope (npm, pinned in tests/cli/lib/browser.sh) is installed into the build tree
# ($BOOTLENS_BUILD/speedscope, never committed) by this test, and
# tests/cli/lib/speedscope_import.mjs runs the Trace Event Format importer
# of its bundle in node (no browser), on a tslog FILE, a Linux FILE and a
# session: each must be recognised, import with no warning (speedscope
# warns about every event it cannot nest) and give one profile per track
# that has a complete event. Skipped (77) without node and npm, or when
# npm cannot install (no network); label browser: it needs the network.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"

# shellcheck source=tests/cli/lib/browser.sh
. "$BOOTLENS_SRC/tests/cli/lib/browser.sh"
browser_speedscope
pkg=$SPEEDSCOPE_PKG
version=$SPEEDSCOPE_VERSION
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
failures=0
checks=0
for spec in "tslog/two_threads.txt:5" "--tsc-freq=1000000000 tslog/unclosed.txt:3" \
	"dmesg/async-pids.log:4" "linux-session:3"; do
	args=${spec%:*}
	tracks=${spec##*:}
	# shellcheck disable=SC2086 # args are words
	"$BOOTLENS" analyze --format chrome $args >"$tmp/t.json" 2>/dev/null
	checks=$((checks + 1))
	if ! node "$BOOTLENS_SRC/tests/cli/lib/speedscope_import.mjs" "$pkg" "$tmp/t.json" \
		>"$tmp/out" 2>&1; then
		echo "FAIL: speedscope $version refuses the trace of '$args':"
		cat "$tmp/out"
		failures=$((failures + 1))
		continue
	fi
	n=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["profiles"]))' \
		"$tmp/out")
	if [ "$n" != "$tracks" ]; then
		echo "FAIL: speedscope made $n profiles of '$args', want $tracks:"
		cat "$tmp/out"
		failures=$((failures + 1))
	fi
done
echo "export speedscope: $((checks - failures)) passed, $failures failed (speedscope $version)"
[ "$failures" -eq 0 ]
