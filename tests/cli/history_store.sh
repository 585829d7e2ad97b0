#!/usr/bin/env bash
# bootlens history add, list, show and trend on the fixture sessions
# (docs/history.md): linux-session-5 copied under other session ids and
# collection times makes a series; compare/ab gives two entries (its
# variants) at once. Checked: the "stored" lines, the labels (--label's,
# the session's, the CI ones from GitHub's and GitLab's variables, the
# date), the same session and variant twice refused with the database
# unchanged (hist_snap: the file byte for byte; on PostgreSQL every row) (also when it comes with a new one: one
# transaction), list/show/trend in json (jq) and csv, --where, --by in
# version order, and trend --plot writing svg and png with their .gp and
# .dat.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
s5=$BOOTLENS_TEST_DATA/linux-session-5
ab=$BOOTLENS_TEST_DATA/compare/ab
db=$(hist_db h.db)
for i in 1 2 3 4; do
	copy_session "$s5" "$tmp/s$i" "s$i" "2026-12-01T10:00:0${i}Z"
done

# GitHub's variables
GITHUB_SHA=c0ffee1 GITHUB_REF_NAME=main GITHUB_JOB=boot CI_COMMIT_SHA=gitlab \
	hrun 0 history add --db "$db" --label kernel=6.1.0-56 --label kernel_series=6.1 "$tmp/s1"
need_out '^stored s1:default as entry 1 \(5 runs, 29 metrics\)$'
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "one line per entry: $(cat "$tmp/out")"
hrun 0 history show --db "$db" --format json 1
jq -e '.kind == "bootlens-history-entry" and .schema_version == 1' "$tmp/out" >/dev/null ||
	fail "show json: kind: $(head -c 500 "$tmp/out")"
lab() { jq -r --arg k "$1" '.. | objects | select(has("labels")) | .labels[$k] // "none"' "$tmp/out" | head -n 1; }
[ "$(lab commit)" = c0ffee1 ] || fail "commit from GITHUB_SHA (before CI_COMMIT_SHA): $(lab commit)"
[ "$(lab branch)" = main ] || fail "branch from GITHUB_REF_NAME: $(lab branch)"
[ "$(lab job)" = boot ] || fail "job from GITHUB_JOB: $(lab job)"
[ "$(lab date)" = 2026-12-01 ] || fail "date from the session's created: $(lab date)"
[ "$(lab kernel)" = 6.1.0-56 ] || fail "--label kernel: $(lab kernel)"

# GitLab's; --label wins over the environment
CI_COMMIT_SHA=deadbeef CI_COMMIT_REF_NAME=dev CI_JOB_ID=4711 \
	hrun 0 history add --db "$db" --label kernel=6.1.0-9 --label job=mine "$tmp/s2"
need_out '^stored s2:default as entry 2 '
hrun 0 history show --db "$db" --format json s2
[ "$(lab commit)" = deadbeef ] || fail "commit from CI_COMMIT_SHA: $(lab commit)"
[ "$(lab branch)" = dev ] || fail "branch from CI_COMMIT_REF_NAME: $(lab branch)"
[ "$(lab job)" = mine ] || fail "--label job wins over CI_JOB_ID: $(lab job)"

# no CI: no commit label; several sessions in one call
hrun 0 history add --db "$db" --label kernel=6.1.0-10 "$tmp/s3" "$ab"
need_out '^stored s3:default as entry 3 '
need_out '^stored 20261201T100000Z-c0ffee16:base as entry 4 \(8 runs, 29 metrics\)$'
need_out '^stored 20261201T100000Z-c0ffee16:new as entry 5 \(8 runs, 29 metrics\)$'
hrun 0 history show --db "$db" --format json 3
[ "$(lab commit)" = none ] || fail "a commit label without CI: $(lab commit)"
hrun 0 history show --db "$db" 20261201T100000Z-c0ffee16:new
need_out 'init_kprobe_trace'
hrun 2 history show --db "$db" 20261201T100000Z-c0ffee16
need_err "has several variants"

# the same session twice: refused, nothing written (also beside a new one)
before=$(hist_snap "$db")
hrun 2 history add --db "$db" "$tmp/s1"
need_err 'session s1 variant default is stored already'
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "one line for a duplicate: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "a refused add printed: $(cat "$tmp/out")"
hrun 2 history add --db "$db" "$tmp/s4" "$tmp/s1"
need_err 'session s1 variant default is stored already'
hrun 2 history add --db "$db" "$ab:new"
need_err 'session 20261201T100000Z-c0ffee16 variant new is stored already'
[ "$(hist_snap "$db")" = "$before" ] || fail "a refused add changed the database"
hrun 0 history list --db "$db" --format json
jq -e '.kind == "bootlens-history-list"' "$tmp/out" >/dev/null || fail "list json kind"
[ "$(jq '[.. | objects | select(has("session_id"))] | length' "$tmp/out")" -eq 5 ] ||
	fail "list: want 5 entries (s4 of the refused add not among them): $(cat "$tmp/out")"
if jq -r '.. | objects | .session_id? // empty' "$tmp/out" | grep -qx s4; then
	fail "s4 was stored by an add that was refused"
fi

# list: table, csv, --where
hrun 0 history list --db "$db"
need_out 's1'
need_out 'c0ffee16'
hrun 0 history list --db "$db" --format csv
[ "$(wc -l <"$tmp/out")" -eq 6 ] || fail "list csv: a header and 5 rows: $(cat "$tmp/out")"
grep -q $'\r$' "$tmp/out" || fail "list csv: CRLF line ends"
hrun 0 history list --db "$db" --where kernel=6.1.0-9 --format json
[ "$(jq -r '[.. | objects | .session_id? // empty] | join(",")' "$tmp/out")" = s2 ] ||
	fail "--where kernel=6.1.0-9: $(cat "$tmp/out")"
hrun 0 history list --db "$db" --where variant=new --format json
[ "$(jq '[.. | objects | select(has("session_id"))] | length' "$tmp/out")" -eq 1 ] ||
	fail "--where variant=new: $(cat "$tmp/out")"

# trend: by collection time; by kernel in version order (6.1.0-9 < -10 < -56)
hrun 0 history trend --db "$db" --metric total --where variant=default --format json
jq -e '.kind == "bootlens-history-trend" and .schema_version == 1' "$tmp/out" >/dev/null ||
	fail "trend json kind: $(head -c 500 "$tmp/out")"
order=$(jq -r '.points | map(.session_id) | join(",")' "$tmp/out")
[ "$order" = s1,s2,s3 ] || fail "trend by collection time: $order"
hrun 0 history trend --db "$db" --metric total --by kernel --where variant=default --format json
order=$(jq -r '.points | map(.session_id) | join(",")' "$tmp/out")
[ "$order" = s2,s3,s1 ] || fail "trend --by kernel, version order: $order"
jq -e '[.points[] | .median_ns > 3e9 and .median_ns < 4e9] | all' "$tmp/out" >/dev/null ||
	fail "trend: the medians are the sessions' (3.5 s): $(cat "$tmp/out")"
hrun 0 history trend --db "$db" --metric 'phase:initcalls' --by kernel
need_out '6\.1\.0-9'
hrun 0 history trend --db "$db" --metric 'phase:early kernel' --format csv --where variant=default
[ "$(wc -l <"$tmp/out")" -eq 4 ] || fail "trend csv: a header and 3 points: $(cat "$tmp/out")"
hrun 0 history trend --db "$db" --metric fn:init_kprobe_trace --format json
[ "$(jq '.points | length' "$tmp/out")" -eq 5 ] || fail "fn:init_kprobe_trace: 5 points"

# trend --plot: svg and png, the script and data beside them
hrun 0 history trend --db "$db" --metric total --by kernel --plot "$tmp/t.svg"
head -c 400 "$tmp/t.svg" | grep -q '<svg' || fail "t.svg is not an SVG"
[ -s "$tmp/t.gp" ] && [ -s "$tmp/t.dat" ] || fail "no t.gp or t.dat beside t.svg"
grep -q '6\.1\.0-9' "$tmp/t.svg" || fail "the figure does not name the points by kernel"
hlog "$tmp/t.svg" "$tmp/t.gp" "$tmp/t.dat"
need_out 's2'
hrun 0 history trend --db "$db" --metric 'phase:initcalls' --plot "$tmp/p.png" --size 800,500 --mono
[ "$(head -c 8 "$tmp/p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "p.png is not a PNG"
echo "history_store: ok"
