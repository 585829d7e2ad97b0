#!/usr/bin/env bash
# bootlens history's command line (docs/history.md): --help of the command
# and of every subcommand (exit 0, on stdout), and the usage and input
# errors, each one line naming what is wrong, exit 2, nothing written:
# no database (neither --db nor BOOTLENS_HISTORY), a database that is not
# there for a reading subcommand (not created), a session that is not
# there (the database not created either), a bad label, a bad --metric, a
# bad --format, an unknown option or subcommand, an entry that is not
# there. BOOTLENS_HISTORY names the database when --db does not.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
s5=$BOOTLENS_TEST_DATA/linux-session-5
db=$(hist_db h.db)
absent=$(hist_db absent.db)
other=$(hist_db other.db)

# --help
hrun 0 history --help
need_out '^usage: bootlens history add '
need_out '^       bootlens history dashboard '
need_out "^       bootlens history push "
hrun 0 help history
need_out '^usage: bootlens history add '
for sub in add list show trend check dashboard push; do
	hrun 0 history "$sub" --help
	head -n 1 "$tmp/out" | grep -q "^usage: bootlens history $sub " ||
		fail "history $sub --help: first line $(head -n 1 "$tmp/out")"
	grep -q -- '--db DB' "$tmp/out" || fail "history $sub --help does not describe --db"
	[ ! -s "$tmp/err" ] || fail "history $sub --help wrote to stderr: $(cat "$tmp/err")"
	hrun 0 history "$sub" -h
done
hrun 2 history
need_err '^bootlens: history: want a subcommand'
hrun 2 history frob
need_err "^bootlens: history: unknown subcommand 'frob' \(add, list, show, trend, check, dashboard or push\)$"

# no database
nodb="bootlens: history: no database: --db DB or BOOTLENS_HISTORY"
for args in "add $s5" "list" "show 1" "trend --metric total" "check" "dashboard -o $tmp/d"; do
	# shellcheck disable=SC2086
	hrun 2 history $args
	[ "$(cat "$tmp/err")" = "$nodb" ] || fail "history $args without a database: $(cat "$tmp/err")"
done
[ ! -e "$tmp/d" ] || fail "dashboard without a database made its directory"

# a reading subcommand does not create the database
for args in "list" "show 1" "trend --metric total" "check" "dashboard -o $tmp/d"; do
	# shellcheck disable=SC2086
	hrun 2 history $args --db "$absent"
	need_err "^bootlens: history: no database '$(re "$(hist_shown "$absent")")' \(history add creates one\)$"
	hist_absent "$absent" || fail "history $args created the database"
done

# a session that is not there: nothing created
hrun 2 history add --db "$db" "$tmp/nosuch"
need_err "^bootlens: history: .*$tmp/nosuch"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line for a missing session: $(cat "$tmp/err")"
hist_absent "$db" || fail "add of a missing session created the database"
hrun 2 history add --db "$db" "$s5:nosuch"
need_err "nosuch"
hist_absent "$db" || fail "add of a missing variant created the database"
hrun 2 history add --db "$db"
need_err '^bootlens: history add: want at least one SESSION\[:VARIANT\]$'

# bad labels
for l in 'novalue' '=x' 'bad key=1' "$(printf 'k=a\nb')" "$(head -c 65 /dev/zero | tr '\0' k)=v"; do
	hrun 2 history add --db "$db" --label "$l" "$s5"
	need_err "^bootlens: history: --label: '.*' is not KEY=VALUE"
	hist_absent "$db" || fail "a bad label '$l' created the database"
done
GITHUB_SHA=$(printf 'a\033[2Jb') hrun 2 history add --db "$db" "$s5"
need_err "^bootlens: history: \\\$GITHUB_SHA: 'commit=a\\\\x1b\[2Jb' is not KEY=VALUE"
hist_absent "$db" || fail "a bad CI label created the database"

# BOOTLENS_HISTORY names the database; then the errors that need one
BOOTLENS_HISTORY=$db hrun 0 history add "$s5"
need_out '^stored 20261125T015804Z-a5973311:default as entry 1 \(5 runs, [0-9]+ metrics\)$'
! hist_absent "$db" || fail "BOOTLENS_HISTORY: no database written"
export BOOTLENS_HISTORY=$db
hrun 0 history list
need_out '20261125T015804Z-a5973311'
# --db wins over BOOTLENS_HISTORY
hrun 2 history list --db "$other"
need_err "no database '$(re "$(hist_shown "$other")")'"

for m in foo phase: fn: total:x 'phase'; do
	hrun 2 history trend --metric "$m"
	need_err "^bootlens: history trend: --metric wants total, phase:NAME, fn:NAME, kernel:loaded or kernel:file, not '$m'$"
done
hrun 2 history trend --metric phase:nosuch
need_err "^bootlens: history trend: no entry of '$(re "$(hist_shown "$db")")' has the metric 'phase:nosuch'"
hrun 2 history trend --metric fn:nosuch_init
need_err "has the metric 'fn:nosuch_init'"
hrun 2 history trend
need_err '^bootlens: history trend: want --metric total|phase:NAME|fn:NAME|kernel:loaded|kernel:file$'
# the synopsis names both kernel sizes
hrun 0 history trend --help
grep -q '^ *|kernel:file$' "$tmp/out" || fail "trend --help: no kernel:file: $(head -3 "$tmp/out")"
grep -q 'fn:NAME|kernel:loaded$' "$tmp/out" || fail "trend --help: no kernel:loaded: $(head -3 "$tmp/out")"
hrun 2 history trend --metric total --by kernel
need_err "^bootlens: history trend: no entry of '$(re "$(hist_shown "$db")")' that has total has the label 'kernel' \(--by\)$"
hrun 2 history trend --metric total --by 'a b'
need_err "^bootlens: history trend: --by wants a label key"
hrun 2 history trend --metric total --where kernel=none
need_err "^bootlens: history trend: no entry of '$(re "$(hist_shown "$db")")' matches$"
hrun 2 history trend --metric total --size 10,10
need_err '^bootlens: history trend: --size, --font and --mono are for --plot FILE$'
hrun 2 history trend --metric total --plot "$tmp/x.doc"
need_err "^bootlens: history trend: cannot tell the terminal from '$tmp/x.doc'"
hrun 2 history trend --metric total --penalty -1
need_err "^bootlens: history trend: --penalty wants a positive number, not '-1'$"
hrun 2 history trend --metric total --window 0
need_err "^bootlens: history trend: --window wants a number from 1 to 100000, not '0'$"
hrun 2 history trend --metric total --min-effect 5
need_err "^bootlens: history trend: --min-effect wants a time with its unit"

hrun 2 history list --format md
need_err "^bootlens: history list: unknown format 'md' \(table, json, csv\)$"
hrun 2 history show --format csv 1
need_err "^bootlens: history show: unknown format 'csv' \(table, json\)$"
hrun 2 history trend --metric total --format md
need_err "^bootlens: history trend: unknown format 'md' \(table, json, csv\)$"
hrun 2 history check --format csv
need_err "^bootlens: history check: unknown format 'csv' \(table, json, md\)$"
hrun 2 history check --alpha 2
need_err "^bootlens: history check: --alpha wants a number between 0 and 1, not '2'$"
hrun 2 history check --latest nokey
need_err "^bootlens: history: --latest: 'nokey' is not KEY=VALUE"
hrun 2 history check --latest kernel=none
need_err "^bootlens: history check: "
hrun 2 history list --frob
need_err "^bootlens: history list: option '--frob' is unknown or needs a value$"
hrun 2 history list --where
need_err "^bootlens: history list: option '--where' is unknown or needs a value$"
hrun 2 history list extra
need_err "^bootlens: history list: unexpected argument 'extra'"

hrun 2 history show 99
need_err "^bootlens: history show: '$(re "$(hist_shown "$db")")' holds no entry '99' \(history list shows them\)$"
hrun 2 history show nosuch:default
need_err "holds no entry 'nosuch:default'"
hrun 2 history show
need_err '^bootlens: history show: want one ID or SESSION_ID\[:VARIANT\]$'
hrun 2 history dashboard
need_err '^bootlens: history dashboard: want -o DIR'
echo "history_usage: ok"
