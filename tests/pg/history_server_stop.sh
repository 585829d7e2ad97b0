#!/usr/bin/env bash
# The server goes away during collect --history postgresql://... --spool
# FILE (issue 16), with the stand-in QEMU (tests/data/collect/fake-qemu),
# no VM. Three cases, each made deterministic without a sleep:
#  A. the server is stopped while the runs are under way: a wrapper QEMU
#     runs "cluster.sh halt" at the first boot (the pre-boot check had
#     the server up);
#  B. the server is stopped during the add's own transaction: a trigger
#     on entries waits in pg_sleep, and the test halts the server once
#     pg_stat_activity shows that wait (the add loses its connection:
#     57P01 / "server closed the connection unexpectedly");
#  C. the server is away before collect starts: the pre-boot check says
#     so and lets the collection go on.
# Each time: collect exits with the collection's own status (0), stderr
# has the one spool line (C: and the pre-boot line), nothing said
# stored; the session is whole (history add of it into a scratch SQLite
# file stores every run) and so is its spool entry; after "cluster.sh
# restart", history push --from SPOOL --db URI stores it once (entries,
# run values = the session's ok runs x metrics, summaries = metrics,
# counted in PostgreSQL) and a second push adds nothing. The server is
# restarted at exit, also when a check fails, so that the pg tests after
# this one still have it.
set -euo pipefail
# the history tests' helpers (hrun, fail, $tmp), then the cluster's PG*
. "$(dirname "$0")/../cli/lib/history.sh"
. "$(dirname "$0")/lib/pg.sh"
export PGOPTIONS="-c client_min_messages=warning"
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
psql=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA)
pids=()
restore() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	bash "$cluster" restart "$BOOTLENS_PG_DIR" >/dev/null || echo "history_server_stop: could not restart the server" >&2
	rm -rf "$tmp"
}
trap restore EXIT
# a stand-in bzImage ("HdrS" at 0x202), as collect_variants.sh
head -c 514 /dev/zero >"$tmp/k"
printf 'HdrS' >>"$tmp/k"
head -c 64 /dev/zero >>"$tmp/k"
# the wrapper QEMU: at the first boot of a collection whose
# $STOP_AT_BOOT is set, the server is halted before that boot goes on
cat >"$tmp/qemu" <<-EOF
	#!/usr/bin/env bash
	if [ "\${1:-}" != --version ] && [ -n "\${STOP_AT_BOOT:-}" ] && mkdir "\$FAKE_QEMU_STATE/stopped" 2>/dev/null; then
		bash "$cluster" halt "$BOOTLENS_PG_DIR" >/dev/null 2>&1 || echo "wrapper: halt failed" >&2
	fi
	exec "$fake" "\$@"
EOF
chmod +x "$tmp/qemu"
"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS hist_stop" -c "CREATE DATABASE hist_stop"
db="postgresql:///hist_stop?host=$PGHOST&port=$PGPORT"
q() { "${psql[@]}" -d hist_stop -c "$1"; }
# the database set up (an empty one is made a history at first use)
cp -r "$BOOTLENS_TEST_DATA/linux-session-5" "$tmp/first"
"$BOOTLENS" history add --db "$db" "$tmp/first" >/dev/null

# collect_spooled CASE [ENV...]: collect 2 runs with --history db and
# --spool $tmp/CASE.sqlite into $tmp/CASE (in the background when
# BG=1: its pid in $cpid); checked by spooled CASE
collect_spooled() {
	local c=$1
	shift
	mkdir "$tmp/state-$c"
	env FAKE_QEMU_STATE="$tmp/state-$c" "$@" "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$tmp/qemu" \
		--accel tcg -n 2 --history "$db" --spool "$tmp/$c.sqlite" -o "$tmp/$c" \
		>"$tmp/$c.out" 2>"$tmp/$c.err" &
	cpid=$!
	pids+=("$cpid")
}
# spooled CASE RC: collect of CASE exited RC; its output, session and spool
spooled() {
	local c=$1 rc=$2 id runs metrics
	[ "$rc" -eq 0 ] || fail "$c: collect exited $rc, want the collection's 0: $(cat "$tmp/$c.err")"
	grep -q "^session $tmp/$c: 2 of 2 runs recorded" "$tmp/$c.out" || fail "$c: no summary: $(cat "$tmp/$c.out")"
	! grep -q '^stored ' "$tmp/$c.out" || fail "$c: said stored: $(cat "$tmp/$c.out")"
	grep -Fxq "bootlens: --history: $db cannot be reached ($why): spooled to $tmp/$c.sqlite; send it later with: bootlens history push --from $tmp/$c.sqlite --db $(shw "$db")" "$tmp/$c.err" ||
		fail "$c: no spool line ($why): $(cat "$tmp/$c.err")"
	[ "$(grep -c 'spooled to' "$tmp/$c.err")" -eq 1 ] || fail "$c: not one spool line: $(cat "$tmp/$c.err")"
	# the session whole: every run stored from it, and the spool's entry
	"$BOOTLENS" history add --db "$tmp/$c-ref.db" "$tmp/$c" >"$tmp/ref" 2>&1 || fail "$c: the session is not whole: $(cat "$tmp/ref")"
	id=$(jq -r .session_id "$tmp/$c/session.json")
	read -r runs metrics < <(sed -n 's/^stored .* (\([0-9]*\) runs, \([0-9]*\) metrics)$/\1 \2/p' "$tmp/ref")
	[ "$runs" = 2 ] && [ "$metrics" -gt 0 ] || fail "$c: the session's entry: $(cat "$tmp/ref")"
	"$BOOTLENS" history show --db "$tmp/$c.sqlite" --format json "$id" >"$tmp/show" || fail "$c: the spool lacks $id"
	"$BOOTLENS" history show --db "$tmp/$c-ref.db" --format json "$id" >"$tmp/show-ref"
	diff <(jq 'del(.db) | del(.. | .added?, .id?)' "$tmp/show-ref") <(jq 'del(.db) | del(.. | .added?, .id?)' "$tmp/show") >/dev/null ||
		fail "$c: the spool's entry differs from the session's: $(diff "$tmp/show-ref" "$tmp/show" | head -20)"
	# the server back: pushed once, then nothing more
	bash "$cluster" restart "$BOOTLENS_PG_DIR" >/dev/null
	[ "$(q "SELECT count(*) FROM entries WHERE session_id = '$id'")" = 0 ] || fail "$c: $id in the database before the push"
	[ -z "${before_push:-}" ] || q "$before_push" >/dev/null
	"$BOOTLENS" history push --from "$tmp/$c.sqlite" --db "$db" >"$tmp/push" 2>&1 || fail "$c: push: $(cat "$tmp/push")"
	[ "$(cat "$tmp/push")" = "pushed 1, already there 0" ] || fail "$c: push: $(cat "$tmp/push")"
	[ "$(q "SELECT count(*) FROM entries WHERE session_id = '$id'")" = 1 ] || fail "$c: not one entry for $id"
	[ "$(q "SELECT count(*) FROM run_values v JOIN entries e ON e.id = v.entry WHERE e.session_id = '$id'")" = $((runs * metrics)) ] ||
		fail "$c: run values of $id: want $runs x $metrics"
	[ "$(q "SELECT count(*) FROM summaries s JOIN entries e ON e.id = s.entry WHERE e.session_id = '$id'")" = "$metrics" ] ||
		fail "$c: summaries of $id: want $metrics"
	"$BOOTLENS" history push --from "$tmp/$c.sqlite" --db "$db" >"$tmp/push" 2>&1 || fail "$c: second push: $(cat "$tmp/push")"
	[ "$(cat "$tmp/push")" = "pushed 0, already there 1" ] || fail "$c: second push: $(cat "$tmp/push")"
	[ "$(q "SELECT count(*) FROM entries WHERE session_id = '$id'")" = 1 ] || fail "$c: $id doubled"
}
socket_gone="cannot connect: connection to server on socket \"$PGHOST/.s.PGSQL.$PGPORT\" failed: No such file or directory"

# A. stopped while the runs are under way
collect_spooled a STOP_AT_BOOT=1
wait "$cpid" && rc=0 || rc=$?
[ -d "$tmp/state-a/stopped" ] || fail "a: the wrapper did not stop the server"
! grep -q 'cannot be reached.*collecting all the same' "$tmp/a.err" || fail "a: the server was away before the boots"
why=$socket_gone spooled a "$rc"

# B. stopped during the add's own transaction: a trigger on entries waits
q "CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(300); RETURN NEW; END \$\$;
	CREATE TRIGGER hold BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION hold()" >/dev/null
collect_spooled b
waited=0
until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = 'hist_stop' AND wait_event = 'PgSleep'")" = 1 ]; do
	kill -0 "$cpid" 2>/dev/null || fail "b: collect ended before its add waited: $(cat "$tmp/b.err")"
	[ "$waited" -lt 600 ] || fail "b: the add never reached the trigger in 60 s"
	sleep 0.1
	waited=$((waited + 1))
done
bash "$cluster" halt "$BOOTLENS_PG_DIR"
wait "$cpid" && rc=0 || rc=$?
why=$(sed -n "s|^bootlens: --history: $db cannot be reached (\(.*\)): spooled to .*|\1|p" "$tmp/b.err")
case $why in
*"terminating connection due to administrator command"* | *"server closed the connection unexpectedly"*) ;;
*) fail "b: not a lost connection: $(cat "$tmp/b.err")" ;;
esac
before_push="DROP TRIGGER hold ON entries" spooled b "$rc"

# C. away before collect: the pre-boot check passes, says so
bash "$cluster" halt "$BOOTLENS_PG_DIR"
collect_spooled c
wait "$cpid" && rc=0 || rc=$?
grep -Fxq "bootlens: --history: $db: $socket_gone; collecting all the same: the session is spooled if the database is still away at the end" "$tmp/c.err" ||
	fail "c: the pre-boot check did not say the server is away: $(cat "$tmp/c.err")"
[ "$(wc -l <"$tmp/c.err")" -eq 2 ] || fail "c: more than the two lines: $(cat "$tmp/c.err")"
why=$socket_gone spooled c "$rc"
echo "history_server_stop: ok (stopped during the runs, during the add, before collect: spooled, pushed once)"
