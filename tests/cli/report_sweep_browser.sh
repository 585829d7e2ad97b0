#!/usr/bin/env bash
# labels: browser
# timeout: 600
# The report of a sweep session in a real browser (browser_report.sh's
# way: tests/cli/lib/browser.mjs, headless chromium, a fresh profile):
# `bootlens report` of tests/data/sweep-fig/cumulative opened as
# file://DIR/index.html must load with no console error, page error,
# failed request or request for anything but file: or data:, and hold the
# sweep's section first (#sec-sweep, table#sweep with its six rows: five
# steps and the overall line), the waterfall figure in it with an inline
# <svg> and a figcaption, then the aggregate and the four usual figures;
# no script. A full-page screenshot is saved (its path printed) in
# $BOOTLENS_BUILD/test-output/report_sweep_browser/.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"

# shellcheck source=tests/cli/lib/browser.sh
. "$BOOTLENS_SRC/tests/cli/lib/browser.sh"
browser_setup
out=$(browser_outdir report_sweep_browser)
dir=$out/cumulative
(cd "$BOOTLENS_TEST_DATA" && "$BOOTLENS" report sweep-fig/cumulative -o "$dir") >"$out/stdout" 2>"$out/stderr" || {
	echo "FAIL: bootlens report of the sweep exited $?:"
	cat "$out/stderr"
	exit 1
}
browser_run --url "file://$dir/index.html" --timeout 90 \
	--expect 'section#sec-sweep=1' --expect 'table#sweep=1' --expect 'table#sweep tbody tr=6' \
	--expect 'section#sec-sweep figure#fig-waterfall.figure > svg=1' \
	--expect 'section#sec-sweep figure#fig-waterfall > figcaption=1' \
	--expect 'figure.figure=5' --expect 'table#aggregate=1' --expect 'script=0' \
	--expect 'a[href="#sweep"]=1' --expect 'a[href="#sec-sweep"]>=1' \
	--text 'table#sweep' --text '#fig-waterfall svg' \
	--screenshot "$out/cumulative.png" >"$out/result.json" 2>"$out/err" || {
	echo "FAIL: the sweep's report in chromium:"
	cat "$out/err"
	exit 1
}
"${PYTHON:-/usr/bin/python3}" - "$out/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
texts = json.dumps(r)
for want in ("no-kprobe-delay", "broken (5 of 5 crash)", "not compared: its reference is broken",
             "\u221240.4 ms", "5 of 5 crash", "3580.5 ms"):
    assert want in texts or json.dumps(want)[1:-1] in texts, want
PY
echo "screenshot: $out/cumulative.png"
echo "ok: report_sweep_browser"
