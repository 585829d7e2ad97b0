#!/usr/bin/env bash
# bootlens history check, the CI gate, on the fixture sessions
# (tests/data/compare/ab, PROVENANCE.md there: variant new's
# init_kprobe_trace takes 40 ms more than base's, in the initcalls
# phase), no VM (docs/history.md, "The CI gate"):
#  - one entry: not judged (too few points), said on stderr and in the
#    output, exit 0;
#  - base copied under three session ids (a series with no step): exit 0,
#    verdict ok in table, json and md;
#  - then new: exit 1, the md comment names the initcalls phase and
#    init_kprobe_trace among the functions that moved; json says
#    regressed;
#  - --latest names an earlier entry: judged against the points before it,
#    exit 0; --where keeps the series to base's entries: exit 0.
# Then history dashboard on the same database: the page written, its path
# printed, one figure per phase and the total, no reference off the page.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
ab=$BOOTLENS_TEST_DATA/compare/ab
db=$(hist_db h.db)
for i in 1 2 3; do
	copy_session "$ab" "$tmp/b$i" "b$i" "2026-12-01T10:00:0${i}Z"
done
copy_session "$ab" "$tmp/n1" "n1" "2026-12-01T10:00:09Z"

hrun 0 history add --db "$db" --label kind=base "$tmp/b1:base"
hrun 0 history check --db "$db"
need_err '^bootlens: history check: not judged: .*\(exit 0\)$'
need_out 'not judged'

hrun 0 history add --db "$db" --label kind=base "$tmp/b2:base" "$tmp/b3:base"
for f in table json md; do
	hrun 0 history check --db "$db" --format "$f"
done
hrun 0 history check --db "$db" --format json
jq -e '.kind == "bootlens-history-check" and .judged == true and .regressed == false' "$tmp/out" >/dev/null ||
	fail "check json on a series with no step: $(head -c 1500 "$tmp/out")"

hrun 0 history add --db "$db" --label kind=new "$tmp/n1:new"
hrun 1 history check --db "$db"
hrun 1 history check --db "$db" --format md
cp "$tmp/out" "$tmp/check.md"
need_out 'initcalls'
need_out 'init\\?_kprobe\\?_trace'
head -n 1 "$tmp/out" | grep -qi 'regress\|slower' || fail "md's first line is not the verdict: $(head -n 1 "$tmp/out")"
hrun 1 history check --db "$db" --format json
jq -e '.regressed == true' "$tmp/out" >/dev/null || fail "check json: regressed: $(head -c 1500 "$tmp/out")"
hrun 0 history check --db "$db" --latest session=b3
hrun 0 history check --db "$db" --where kind=base
hrun 2 history check --db "$db" --where kind=none

hrun 0 history dashboard --db "$db" -o "$tmp/dash"
[ "$(cat "$tmp/out")" = "$tmp/dash/index.html" ] || fail "dashboard printed $(cat "$tmp/out")"
[ -s "$tmp/dash/index.html" ] || fail "no index.html"
ls "$tmp/dash/figures/"*.svg >/dev/null 2>&1 || fail "no figure in $tmp/dash/figures"
# the page and its figures the same on either backend
hlog "$tmp/dash/index.html" "$tmp/dash/figures/"*.svg
nfig=$(find "$tmp/dash/figures" -name '*.svg' | wc -l)
[ "$nfig" -ge 9 ] || fail "want a figure for the total and each of the 8 phases, got $nfig"
if grep -Eo '(src|href)="[a-z]+://[^"]*' "$tmp/dash/index.html" | grep -v '^.*="file:'; then
	fail "the dashboard refers to something off the page"
fi
echo "history_check: ok"
