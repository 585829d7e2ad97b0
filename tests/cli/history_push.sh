#!/usr/bin/env bash
# history push and collect --history's spool (docs/history.md, "The
# spool"; issue 16), from a SQLite file to the backend under test, with
# the stand-in QEMU:
#  1. push sends every entry of --from as stored (show's JSON the same
#     but for the ids), skips one the database holds already, and says
#     "pushed N, already there M"; a second push adds nothing;
#  2. a --from that is not a history is refused as every subcommand
#     refuses it, untouched; no --from is a usage error;
#  3. collect --history DB when DB cannot be reached
#     (BOOTLENS_HISTORY_UNREACHABLE, the test hook for a server that is
#     down): the session goes to the spool ($XDG_STATE_HOME/bootlens/
#     spool.sqlite, else ~/.local/state/bootlens/spool.sqlite, or
#     --spool FILE), one line says so, DB is not made, and collect exits
#     with its own status (1: a variant without an ok run); pushing the
#     spool afterwards stores it in DB.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
s5=$BOOTLENS_TEST_DATA/linux-session-5
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
for i in 1 2 3; do
	copy_session "$s5" "$tmp/s$i" "s$i" "2026-12-01T10:00:0${i}Z"
done
# the runner's history is a local file, as a spool is; the shared one
# is on the backend under test
runner=$tmp/runner.db
shared=$(hist_db shared.db)

# 1. push: s1 and s3 sent, s2 there already
hrun 0 history add --db "$runner" --label job=boot "$tmp/s1" "$tmp/s2" "$tmp/s3"
hrun 0 history add --db "$shared" "$tmp/s2"
hrun 0 history push --from "$runner" --db "$shared"
[ "$(cat "$tmp/out")" = "pushed 2, already there 1" ] || fail "push said: $(cat "$tmp/out" "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "push said on stderr: $(cat "$tmp/err")"
strip() { jq -S 'del(.db) | del(.. | objects | .id?)' "$tmp/out"; }
for s in s1 s3; do
	hrun 0 history show --db "$runner" --format json "$s"
	strip >"$tmp/want.json"
	hrun 0 history show --db "$shared" --format json "$s"
	strip >"$tmp/got.json"
	cmp -s "$tmp/want.json" "$tmp/got.json" ||
		fail "$s is not as stored: $(diff "$tmp/want.json" "$tmp/got.json" | head -20)"
done
hrun 0 history show --db "$shared" --format json s2
[ "$(jq -r '.. | objects | select(has("labels")) | .labels.job // "none"' "$tmp/out" | head -n 1)" = none ] ||
	fail "the shared s2 was replaced by the runner's"
hrun 0 history list --db "$shared" --format csv
[ "$(tail -n +2 "$tmp/out" | wc -l)" -eq 3 ] || fail "want 3 entries: $(cat "$tmp/out")"
# a second push adds nothing
hrun 0 history push --from "$runner" --db "$shared"
[ "$(cat "$tmp/out")" = "pushed 0, already there 3" ] || fail "second push: $(cat "$tmp/out")"
hrun 0 history list --db "$shared" --format csv
[ "$(tail -n +2 "$tmp/out" | wc -l)" -eq 3 ] || fail "the second push added: $(cat "$tmp/out")"
# into a database not there yet: made
hrun 0 history push --from "$runner" --db "$(hist_db new.db)"
[ "$(cat "$tmp/out")" = "pushed 3, already there 0" ] || fail "push to a new db: $(cat "$tmp/out")"

# 2. refusals
head -c 20000 < <(yes garbage) >"$tmp/garbage.db"
before=$(sha "$tmp/garbage.db")
hrun 2 history push --from "$tmp/garbage.db" --db "$shared"
need_err "^bootlens: history: $tmp/garbage.db: not a SQLite database$"
[ "$(sha "$tmp/garbage.db")" = "$before" ] || fail "the refused --from was written to"
[ ! -s "$tmp/out" ] || fail "a refused push printed: $(cat "$tmp/out")"
hrun 2 history push --from "$tmp/nosuch.db" --db "$shared"
need_err "no database '$tmp/nosuch.db'"
[ ! -e "$tmp/nosuch.db" ] || fail "push made its --from"
hrun 2 history push --db "$shared"
need_err 'want --from SPOOL'
hrun 0 history push --help
need_out '^usage: bootlens history push --from SPOOL'

# 3. the spool
head -c 514 /dev/zero >"$tmp/k"
printf 'HdrS' >>"$tmp/k"
head -c 64 /dev/zero >>"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state
mkdir "$tmp/state"
server=$(hist_db server.db)
collect() {
	set +e
	"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	hist_no_secret "collect $*" "$tmp/out" "$tmp/err"
	hist_pw_warning "collect $*"
}
export BOOTLENS_HISTORY_UNREACHABLE=$server
spool=$tmp/xdg/bootlens/spool.sqlite
XDG_STATE_HOME=$tmp/xdg collect --history "$server" -o "$tmp/c1"
[ $rc -eq 0 ] || fail "a spooled collect exited $rc: $(cat "$tmp/err")"
msg="^bootlens: --history: $(re "$(hist_shown "$server")") cannot be reached \(cannot connect: Connection refused \(BOOTLENS_HISTORY_UNREACHABLE\)\): spooled to $spool; send it later with: bootlens history push --from $spool --db $(re "$(shw "$(hist_shown "$server")")")$"
grep -Eq -- "$msg" "$tmp/err" || fail "no spool line: $(cat "$tmp/err")"
pre="^bootlens: --history: $(re "$(hist_shown "$server")"): cannot connect: Connection refused \(BOOTLENS_HISTORY_UNREACHABLE\); collecting all the same: the session is spooled if the database is still away at the end$"
[ "$(head -n 1 "$tmp/err" | grep -Ec -- "$pre")" -eq 1 ] || fail "no pre-boot line first: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "more than the pre-boot and the spool line: $(cat "$tmp/err")"
! grep -q '^stored ' "$tmp/out" || fail "a spooled session said stored: $(cat "$tmp/out")"
hist_absent "$server" || fail "the unreachable database was made"
id1=$(jq -r .session_id "$tmp/c1/session.json")
hist_alias "$id1" ID:c1
hist_log_run $rc collect --history "$server" -o "$tmp/c1"
# the stand-in QEMU's boots are timed by the host: not the same in two runs
hrun_nolog 0 history list --db "$spool" --format csv
grep -q "$id1" "$tmp/out" || fail "the spool lacks $id1: $(cat "$tmp/out")"
# no XDG_STATE_HOME: ~/.local/state; the collection's own status (1) kept
mkdir "$tmp/state2" "$tmp/home"
(unset XDG_STATE_HOME; HOME=$tmp/home FAKE_QEMU_STATE=$tmp/state2 FAKE_QEMU_SCRIPT="ok crash" \
	collect --variant 'a:' --variant 'b: append+=x=1' --history "$server" -o "$tmp/c2"
	[ $rc -eq 1 ] || fail "a spooled collect with a variant without an ok run exited $rc, want 1: $(cat "$tmp/err")")
grep -q "spooled to $tmp/home/.local/state/bootlens/spool.sqlite;" "$tmp/err" || fail "no spool in HOME: $(cat "$tmp/err")"
[ -s "$tmp/home/.local/state/bootlens/spool.sqlite" ] || fail "no spool file in HOME"
# --spool FILE (its directory made)
XDG_STATE_HOME=$tmp/xdg collect --history "$server" --spool "$tmp/mine/s.sqlite" -o "$tmp/c3"
[ $rc -eq 0 ] || fail "collect --spool exited $rc: $(cat "$tmp/err")"
grep -qF "spooled to $tmp/mine/s.sqlite; send it later with: bootlens history push --from $tmp/mine/s.sqlite --db $(shw "$(hist_shown "$server")")" "$tmp/err" ||
	fail "--spool not used: $(cat "$tmp/err")"
collect --spool "$tmp/x.sqlite" -o "$tmp/c4"
[ $rc -eq 2 ] || fail "--spool without --history exited $rc"
grep -q 'spool without --history' "$tmp/err" || fail "--spool alone: $(cat "$tmp/err")"
# the server back: push the spool, then again (nothing more)
unset BOOTLENS_HISTORY_UNREACHABLE
hrun 0 history push --from "$spool" --db "$server"
[ "$(cat "$tmp/out")" = "pushed 1, already there 0" ] || fail "pushing the spool: $(cat "$tmp/out")"
hrun_nolog 0 history show --db "$server" "$id1"
hrun 0 history push --from "$spool" --db "$server"
[ "$(cat "$tmp/out")" = "pushed 0, already there 1" ] || fail "pushing the spool twice: $(cat "$tmp/out")"
# a spool is a local file: a URI is refused before anything, and made nowhere
(cd "$tmp" && hrun 2 collect --kernel "$tmp/k" --history "$server" \
	--spool "postgresql://u:Sp00lPw@/nodb?host=/tmp" -o "$tmp/c9")
need_err '^bootlens: --spool: a local SQLite file, not a PostgreSQL database'
! grep -q Sp00lPw "$tmp/err" || fail "the --spool password shown: $(cat "$tmp/err")"
[ ! -e "$tmp/postgresql:" ] && [ ! -e "$tmp/c9" ] || fail "--spool URI: something made"
echo "history_push: ok"
