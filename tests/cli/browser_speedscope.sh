#!/usr/bin/env bash
# labels: browser
# timeout: 300
# speedscope, the app, shows bootlens's exports with the boot's frame names:
# speedscope (npm, pinned in tests/cli/lib/browser.sh, installed into the
# build tree) is opened from its own files (dist/release/index.html, file://,
# no network) in headless chromium (tests/cli/lib/browser.mjs); each profile
# is given to its file input, the sandwich view is selected (key 3), and
# the frame names are read as text from its table: speedscope draws the
# flame charts on a canvas, and its sandwich table is a virtual list that
# renders only the rows in view, so each name is looked up with its search
# box (Control+f), which filters the table. Profiles: `analyze --format
# folded` and `--format chrome` of the FreeBSD sample and of the Linux
# session linux-session-5 (in a trace, the kernel track of run 1, picked in
# speedscope's profile list), and `compare --format folded ab:base ab:new`
# (tests/data/compare), each side with --side base|new. A screenshot of each
# profile's sandwich view is kept in $BOOTLENS_BUILD/test-output/
# browser_speedscope/.
#
# compare's folded output is difffolded.pl's `STACK BASE NEW`, which
# speedscope has no importer for: its collapsed-stack importer matches
# each line with /^(.*) (\d+)$/, so BASE becomes part of the last frame's
# name ("acpi_init 58359") and NEW the weight. The test checks that this
# is what speedscope shows for the raw file (so that a change is noticed)
# and loads each side, compare --format folded --side base|new, instead.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SAMPLES:?BOOTLENS_SAMPLES must name tests/data/samples}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"

# shellcheck source=tests/cli/lib/browser.sh
. "$BOOTLENS_SRC/tests/cli/lib/browser.sh"
browser_setup
browser_speedscope
app="$SPEEDSCOPE_PKG/dist/release/index.html"
[ -f "$app" ] || {
	echo "FAIL: speedscope $SPEEDSCOPE_VERSION has no $app"
	exit 1
}
out=$(browser_outdir browser_speedscope)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Relative names: a trace names its process after the input, and
# speedscope's toolbar elides a long name (a clone in a deep temporary
# directory hid the "(1/N)" the test clicks).
bsd=freebsd15-firecracker-tslog-head.txt
linux=linux-session-5
(cd "$BOOTLENS_SAMPLES" &&
	"$BOOTLENS" analyze --format folded "$bsd" >"$tmp/freebsd.folded" 2>/dev/null &&
	"$BOOTLENS" analyze --format chrome "$bsd" >"$tmp/freebsd.json" 2>/dev/null)
(cd "$BOOTLENS_TEST_DATA" &&
	"$BOOTLENS" analyze --format folded "$linux" >"$tmp/linux.folded" 2>/dev/null &&
	"$BOOTLENS" analyze --format chrome "$linux" >"$tmp/linux.json" 2>/dev/null)
rc=0
(cd "$BOOTLENS_TEST_DATA/compare" &&
	"$BOOTLENS" compare --format folded ab:base ab:new >"$tmp/compare.folded" 2>/dev/null) || rc=$?
# exit 1: new is slower (init_kprobe_trace takes 40 ms more), a check failed
if [ "$rc" -ne 1 ]; then
	echo "FAIL: compare --format folded ab:base ab:new exited $rc, want 1 (a regression)"
	exit 1
fi
# (exit 1 again: the comparison's verdict)
for side in base new; do
	(cd "$BOOTLENS_TEST_DATA/compare" && "$BOOTLENS" compare --format folded --side $side \
		ab:base ab:new >"$tmp/compare-$side.folded" 2>/dev/null) || true
done

failures=0
checks=0
# show NAME FILE PROFILE WANT...: open FILE in speedscope, pick the
# profile whose name contains PROFILE (none: the first), select the
# sandwich view, screenshot it, then search each WANT and require a row
# whose symbol name is WANT (a trace's names carry their args as JSON:
# 'acpi_init {"line":546}').
show() {
	local name=$1 file=$2 profile=$3 want
	shift 3
	local args=(--url "file://$app" --upload 'input[type=file]' "$file"
		--wait-text Sandwich --key 3 --wait 'table')
	if [ -n "$profile" ]; then
		args+=(--open '::-p-text("(1/")' 'input[placeholder="Filter..."]'
			--click 'input[placeholder="Filter..."]'
			--type "$profile" --key Enter)
	fi
	args+=(--screenshot "$out/$name.png" --text 'tr td:last-child' --key Control+f)
	for want in "$@"; do
		args+=(--key Control+a --type "$want" --text 'tr td:last-child')
	done
	checks=$((checks + 1))
	if ! browser_run "${args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: speedscope in chromium:"
		cat "$tmp/$name.err"
		failures=$((failures + 1))
		return
	fi
	if ! node "$BROWSER_CHECK" speedscope "$tmp/$name.out" "$@" >"$tmp/$name.check" 2>&1; then
		echo "FAIL: $name:"
		cat "$tmp/$name.check"
		failures=$((failures + 1))
		return
	fi
	echo "ok: $name: $(head -n1 "$tmp/$name.check"); found: $*"
	echo "    screenshot: $out/$name.png"
}

show analyze-folded-freebsd "$tmp/freebsd.folded" "" mi_startup hammer_time pmap_bootstrap "SYSINIT vm_mem"
show analyze-chrome-freebsd "$tmp/freebsd.json" "), kernel (tid" mi_startup hammer_time pmap_bootstrap
show analyze-folded-linux "$tmp/linux.folded" "" initcalls acpi_init init_kprobe_trace populate_rootfs
show analyze-chrome-linux "$tmp/linux.json" "run 1 (default) (pid 1), kernel" \
	acpi_init init_kprobe_trace populate_rootfs
show compare-folded-base "$tmp/compare-base.folded" "" initcalls acpi_init init_kprobe_trace
show compare-folded-new "$tmp/compare-new.folded" "" initcalls acpi_init init_kprobe_trace

# The raw difffolded file: BASE in the name, NEW the weight.
base=$(sed -n -E 's/^initcalls;acpi_init ([0-9]+) [0-9]+$/\1/p' "$tmp/compare.folded")
[ -n "$base" ] || {
	echo "FAIL: no 'initcalls;acpi_init BASE NEW' line in compare's folded output"
	exit 1
}
show compare-folded-raw "$tmp/compare.folded" "" "acpi_init $base"
echo "note: speedscope $SPEEDSCOPE_VERSION reads compare's difffolded lines (STACK BASE NEW)" \
	"as collapsed stacks: 'initcalls;acpi_init $base NEW' shows as a frame 'acpi_init $base'" \
	"weighing NEW; it has no differential view (flamegraph.pl has: docs/compare.md)"

echo "browser speedscope: $((checks - failures)) passed, $failures failed" \
	"(speedscope $SPEEDSCOPE_VERSION, $(chromium --version 2>/dev/null | head -n1))"
[ "$failures" -eq 0 ]
