#!/usr/bin/env bash
# An entry of more rows than one multi-row INSERT takes (the run values go
# HISTORY_BATCH_ROWS, 512, a statement; docs/history-backends.md, "Speed"):
# a 60-run session (linux-session-5's five runs twelve times: 60 x 29 =
# 1740 run values, three whole batches and a rest of 204) added to a fresh
# PostgreSQL database and to a SQLite file, and pushed from the SQLite
# file into a second database. Every run value read back from each with
# psql and sqlite3 (all whole ns, compared as integers): the three the
# same row for row, 1740 of them, and run r's value that of run r - 5 in
# every metric; history show and trend of the entry byte for byte alike.
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
. "$(dirname "$0")/lib/runs.sh"
d=$tmp/s60
cycle_runs "$BOOTLENS_TEST_DATA/linux-session-5" "$d" 60
jq '.session_id = "s60"' "$d/session.json" >"$tmp/session.json"
mv "$tmp/session.json" "$d/session.json"

lite=$tmp/h.db
newdb hist_batches
newdb hist_batches_push
pg=$(url hist_batches)
"$BOOTLENS" history add --db "$lite" "$d" >/dev/null
"$BOOTLENS" history add --db "$pg" "$d" >/dev/null
"$BOOTLENS" history push --db "$(url hist_batches_push)" --from "$lite" >"$tmp/push.out"
grep -qx 'pushed 1, already there 0' "$tmp/push.out" || fail "push said: $(cat "$tmp/push.out")"

rows="SELECT m.name, v.run, CAST(v.value AS bigint) FROM run_values v JOIN metrics m ON m.id = v.metric ORDER BY m.name, v.run"
frac="SELECT count(*) FROM run_values WHERE value <> CAST(CAST(value AS bigint) AS DOUBLE PRECISION)"
sqlite3 -separator '|' "$lite" "$rows" >"$tmp/lite.rows"
[ "$(sqlite3 "$lite" "$frac")" = 0 ] || fail "SQLite: run values not whole ns: the integer comparison would hide a difference"
for db in hist_batches hist_batches_push; do
	"${psql[@]}" -d "$db" -AtF '|' -c "$rows" >"$tmp/$db.rows"
	[ "$("${psql[@]}" -d "$db" -Atc "$frac")" = 0 ] || fail "$db: run values not whole ns"
	cmp -s "$tmp/lite.rows" "$tmp/$db.rows" ||
		fail "$db: run values differ from SQLite's: $(diff "$tmp/lite.rows" "$tmp/$db.rows" | head -5)"
done
n=$(wc -l <"$tmp/lite.rows")
[ "$n" -eq 1740 ] || fail "$n run values, want 60 runs x 29 metrics = 1740"
# run r (r > 5) as run r - 5: each value where the rows put it
awk -F'|' '{ v[$1 "|" $2] = $3 } END {
	for (k in v) { split(k, a, "|"); if (a[2] > 5 && v[a[1] "|" a[2] - 5] != v[k]) { print k; bad++ } }
	exit bad > 0 }' "$tmp/lite.rows" || fail "a run's value is not that of the run five before"

k=0
for db in "$lite" "$pg" "$(url hist_batches_push)"; do
	k=$((k + 1))
	{
		"$BOOTLENS" history show --db "$db" s60 --format json
		"$BOOTLENS" history trend --db "$db" --metric total --format json
	} | sed -e "s|$lite|<DB>|g" -e "s|$(url hist_batches)|<DB>|g" -e "s|$(url hist_batches_push)|<DB>|g" \
		>"$tmp/out.$k"
done
cmp -s "$tmp/out.1" "$tmp/out.2" || fail "show/trend differ, SQLite and PostgreSQL: $(diff "$tmp/out.1" "$tmp/out.2" | head -5)"
cmp -s "$tmp/out.1" "$tmp/out.3" || fail "show/trend differ, SQLite and the pushed copy: $(diff "$tmp/out.1" "$tmp/out.3" | head -5)"
grep -q '"runs_used": *60' "$tmp/out.1" || fail "show does not say 60 runs used"
echo "ok: 1740 run values alike in SQLite, PostgreSQL and the pushed copy"
