#!/usr/bin/env bash
# history_both.sh SCRIPT: a tests/cli/history_*.sh against both backends
# (issue 16: "every history test, run against both backends, giving equal
# results"; docs/history-backends.md, "Both backends in the tests").
# SCRIPT runs once with BOOTLENS_HISTORY_BACKEND=sqlite and once with pg
# (a database of the pg_cluster fixture's server per history it asks
# for), each with BOOTLENS_HISTORY_LOG set to its own log; the test fails
# unless both pass, both logged at least one command and the two logs are
# equal (the diff printed). Both run with one SOURCE_DATE_EPOCH (the
# entries' "added" time). A skip of either run (exit 77) is a skip.
# Not a test of its own: tests/CMakeLists.txt registers it as
# pg_history_NAME for each tests/cli/history_NAME.sh. BOOTLENS_PG_KEEP=DIR
# keeps the two logs there.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: history_both.sh SCRIPT" >&2; exit 2; }
script=$1
[ -f "$script" ] || { echo "FAIL: no script '$script'" >&2; exit 1; }
skip_rc=${BOOTLENS_SKIP_RC:-77}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# one clock for both runs: an entry's "added" time is SOURCE_DATE_EPOCH
export SOURCE_DATE_EPOCH=1796000000
rcs=()
for backend in sqlite pg; do
	echo "== $(basename "$script") on $backend"
	set +e
	BOOTLENS_HISTORY_BACKEND=$backend BOOTLENS_HISTORY_LOG=$logs/$backend.log bash "$script"
	rc=$?
	set -e
	echo "== $(basename "$script") on $backend: exit $rc"
	rcs+=("$rc")
	[ "$rc" -eq 0 ] || [ "$rc" -eq "$skip_rc" ] || fail "$(basename "$script") failed on $backend (exit $rc)"
done
if [ "${rcs[0]}" -eq "$skip_rc" ] || [ "${rcs[1]}" -eq "$skip_rc" ]; then
	echo "skipped: $(basename "$script") skipped on $([ "${rcs[0]}" -eq "$skip_rc" ] && echo sqlite || echo pg)" >&2
	exit "$skip_rc"
fi
[ -z "${BOOTLENS_PG_KEEP:-}" ] || cp "$logs/sqlite.log" "$logs/pg.log" "$BOOTLENS_PG_KEEP/"
for backend in sqlite pg; do
	[ -s "$logs/$backend.log" ] || fail "the $backend run logged no command (BOOTLENS_HISTORY_LOG not honoured?)"
done
if ! diff -u --label sqlite --label pg "$logs/sqlite.log" "$logs/pg.log" >"$logs/diff"; then
	head -c 20000 "$logs/diff" >&2
	fail "$(basename "$script"): SQLite and PostgreSQL differ (the diff above)"
fi
echo "ok: $(basename "$script"): SQLite and PostgreSQL give the same $(grep -c '^== ' "$logs/pg.log") outputs"
