#!/usr/bin/env bash
# labels: browser
# timeout: 600
# `bootlens history dashboard` in a real browser (issue 14: "viewable
# without a network, checked in headless Chromium like the report"): a
# history of the fixture sessions (tests/data/compare/ab's base copied
# under three session ids, then ab:new: the gate regressed; labels
# kernel=6.1.0-1..4, the last one holding markup), its
# dashboard -o DIR opened as file://DIR/index.html in headless chromium
# (tests/cli/lib/browser.mjs: no console error, no failed request, no
# request but file: or data:). The page has no <script>, an inline SVG
# (a data: URL image) per figure (the total and each of the 8 phases: at
# least 9), links to
# the session reports that exist on disk (each opened too), the hostile
# label as text, never as markup. A full-page screenshot is saved (its
# path printed) in $BOOTLENS_BUILD/test-output/history_dashboard_browser/RUN/
# (sqlite, or sqlite-both and pg-both under tests/pg/history_both.sh).
set -euo pipefail
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"
. "$BOOTLENS_SRC/tests/cli/lib/history.sh"
# shellcheck source=tests/cli/lib/browser.sh
. "$BOOTLENS_SRC/tests/cli/lib/browser.sh"
browser_setup
# its own directory per run: pg_history_dashboard_browser runs this script
# on both backends while cli_history_dashboard_browser may run beside it
run=${BOOTLENS_HISTORY_BACKEND:-sqlite}${BOOTLENS_HISTORY_LOG:+-both}
out=$(browser_outdir "history_dashboard_browser/$run")
hist_alias "$out" OUT
ab=$BOOTLENS_TEST_DATA/compare/ab
db=$(hist_db h.db)
for i in 1 2 3; do
	copy_session "$ab" "$tmp/b$i" "b$i" "2026-12-01T10:00:0${i}Z"
	hrun 0 history add --db "$db" --label "kernel=6.1.0-$i" "$tmp/b$i:base"
done
copy_session "$ab" "$tmp/n1" "n1" "2026-12-01T10:00:09Z"
hrun 0 history add --db "$db" --label 'kernel=6.1.0-4<b id="hostile">x</b>&amp;' "$tmp/n1:new"
hrun 0 history dashboard --db "$db" --by kernel -o "$out/dash"
[ "$(cat "$tmp/out")" = "$out/dash/index.html" ] || fail "dashboard printed $(cat "$tmp/out"), want its index.html"
set +e
browser_run --url "file://$out/dash/index.html" --timeout 90 \
	--expect 'script=0' --expect 'figure img[src^="data:image/svg+xml"]>=9' --expect '#hostile=0' \
	--text 'body' --attr 'a[href]' href --screenshot "$out/dashboard.png" >"$tmp/page.json" 2>"$tmp/page.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "the dashboard in chromium: $(cat "$tmp/page.err")"
echo "screenshot: $out/dashboard.png"
grep -qF '6.1.0-4<b id=\"hostile\">x</b>&amp;' "$tmp/page.json" ||
	fail "the hostile label does not show as its text"
# every link to a session report leads to a page that opens
for rep in "$out"/dash/sessions/*/index.html; do
	[ -f "$rep" ] || continue
	browser_run --url "file://$rep" --timeout 90 --expect 'script=0' >/dev/null 2>"$tmp/rep.err" ||
		fail "the session report $rep in chromium: $(cat "$tmp/rep.err")"
done
ls "$out"/dash/sessions/*/index.html >/dev/null 2>&1 || fail "no session report written (the sessions are on disk)"
echo "history_dashboard_browser: ok"
