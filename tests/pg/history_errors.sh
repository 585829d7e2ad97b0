#!/usr/bin/env bash
# The errors of a PostgreSQL --db through the real server (issue 16,
# docs/history.md "PostgreSQL"): a wrong URI or conninfo, a refused
# connection (a socket that is not there, a TCP port that refuses), a
# missing database, a missing role, a missing and a wrong password, a
# database that is not a bootlens history: each one line naming the
# database (password masked), exit 2. Credentials the libpq way:
# PGPASSWORD, ~/.pgpass (HOME a scratch directory), PGSERVICE with
# PGSERVICEFILE. A password written in --db works, is masked in every
# output with the one warning, and reaches neither the database
# (pg_dump of it) nor the session collect writes (grep -r). collect
# --history spools for a server not there (no socket, a refused port, a
# connect timeout: a listener that never answers) and refuses every other
# error before any boot; without connect_timeout, bootlens's own 10 s.
set -euo pipefail
# the history tests' helpers (hrun, fail, $tmp), then the cluster's PG*
. "$(dirname "$0")/../cli/lib/history.sh"
. "$(dirname "$0")/lib/pg.sh"
export PGOPTIONS="-c client_min_messages=warning"
psql=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA)
role=h2err_$$
hist=h2errdb_$$
pw="Pw-$$-s3cret"
mute=
cleanup() {
	[ -z "$mute" ] || kill "$mute" 2>/dev/null || true
	"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $hist" -c "DROP DATABASE IF EXISTS ${hist}_f" \
		-c "DROP DATABASE IF EXISTS ${hist}_p" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp/home
mkdir "$HOME"
"${psql[@]}" -d postgres -v role="$role" -v pw="$pw" -v db="$hist" <<-'EOF'
	CREATE ROLE :"role" LOGIN PASSWORD :'pw' IN ROLE password_login;
	CREATE DATABASE :"db" OWNER :"role";
EOF
"${psql[@]}" -d postgres -c "CREATE DATABASE ${hist}_f"
"${psql[@]}" -d "${hist}_f" -c "CREATE TABLE t (x int)"
cp -r "$BOOTLENS_TEST_DATA/linux-session-5" "$tmp/s1"
sock="connection to server on socket \"$PGHOST/.s.PGSQL.$PGPORT\" failed"

# brun WANT-RC ARGS...: hrun, and its outputs kept in $tmp/all (grepped
# for the password at the end)
brun() {
	hrun "$@"
	cat "$tmp/out" "$tmp/err" >>"$tmp/all"
}
# refused [-w] DB MESSAGE: history list --db DB exits 2 with the one line
# "bootlens: history: MESSAGE" (-w: after the password warning)
warning="bootlens: warning: the password in the database's connection string is shown as ***: give it in PGPASSWORD, ~/.pgpass or a PGSERVICE file instead"
refused() {
	local want=
	if [ "$1" = -w ]; then # DB holds a password: the warning first
		want="$warning"$'\n'
		shift
	fi
	brun 2 history list --db "$1"
	want+="bootlens: history: $2"
	[ "$(cat "$tmp/err")" = "$want" ] || fail "--db $1:"$'\n'"want: $want"$'\n'"got:  $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "--db $1: stdout: $(cat "$tmp/out")"
}

# a wrong URI or conninfo (libpq's parse error; never taken for a file)
refused -w "postgresql://ci:$pw@[::1/hist" \
	"postgresql://***@[::1/hist (malformed): not a valid PostgreSQL connection string: end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://***@[::1/hist (malformed)\""
refused "postgresql:///$hist?host=$PGHOST&port=$PGPORT&bogus=1" \
	"postgresql:///$hist?host=$PGHOST&port=$PGPORT&bogus=1: not a valid PostgreSQL connection string: invalid URI query parameter: \"bogus\""
cd "$tmp"
refused -w "host=$PGHOST password='$pw" \
	"host=$PGHOST password=*** (malformed): not a valid PostgreSQL connection string: unterminated quoted string in connection info string"
refused -w "host=$PGHOST bogus=1 password=$pw" \
	"host=$PGHOST bogus=1 password=*** (malformed): not a valid PostgreSQL connection string: invalid connection option \"bogus\""
[ -z "$(ls -A "$tmp" | grep -v -e '^\.hist$' -e '^home$' -e '^s1$' -e '^out$' -e '^err$' -e '^all$')" ] ||
	fail "a malformed conninfo made a file: $(ls -A "$tmp")"
cd - >/dev/null

# a refused connection: no socket (the server is not there), a TCP port
# that refuses
wrong=$((PGPORT + 1))
refused "postgresql:///$hist?host=$PGHOST&port=$wrong" \
	"postgresql:///$hist?host=$PGHOST&port=$wrong: cannot connect: connection to server on socket \"$PGHOST/.s.PGSQL.$wrong\" failed: No such file or directory"
refused "host=127.0.0.1 port=1 dbname=$hist connect_timeout=10" \
	"host=127.0.0.1 port=1 dbname=$hist connect_timeout=10: cannot connect: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"

# a timeout: a TCP port that accepts and never answers (connect_timeout)
python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
__import__("time").sleep(120)' "$tmp/mute.port" &
mute=$!
waited=0
until [ -s "$tmp/mute.port" ]; do
	[ "$waited" -lt 300 ] || fail "the silent listener did not start"
	sleep 0.1
	waited=$((waited + 1))
done
mport=$(cat "$tmp/mute.port")
timeout_db="host=127.0.0.1 port=$mport dbname=$hist connect_timeout=2"
refused "$timeout_db" "$timeout_db: cannot connect: connection to server at \"127.0.0.1\", port $mport failed: timeout expired"
# without connect_timeout in --db or PGCONNECT_TIMEOUT, bootlens's own 10 s
# (libpq alone would wait for ever)
timeout_db="host=127.0.0.1 port=$mport dbname=$hist"
t0=$(date +%s)
refused "$timeout_db" "$timeout_db: cannot connect: connection to server at \"127.0.0.1\", port $mport failed: timeout expired"
[ $(($(date +%s) - t0)) -le 20 ] || fail "the default connect timeout took $(($(date +%s) - t0)) s"

# a missing database, a missing role
url="postgresql:///nodb_$$?host=$PGHOST&port=$PGPORT"
refused "$url" "$url: cannot connect: $sock: FATAL:  database \"nodb_$$\" does not exist (CREATE DATABASE it first)"
url="postgresql://norole_$$@/$hist?host=$PGHOST&port=$PGPORT"
refused "$url" "$url: cannot connect: $sock: FATAL:  role \"norole_$$\" does not exist (the server has no such role: give another user in --db or PGUSER)"

# a missing password, a wrong one (also written in --db: masked)
url="postgresql://$role@/$hist?host=$PGHOST&port=$PGPORT"
refused "$url" "$url: cannot connect: $sock: fe_sendauth: no password supplied (give the password in PGPASSWORD, ~/.pgpass or a PGSERVICE file)"
PGPASSWORD=wrong-$$ refused "$url" "$url: cannot connect: $sock: FATAL:  password authentication failed for user \"$role\" (give the password in PGPASSWORD, ~/.pgpass or a PGSERVICE file)"
refused -w "postgresql://$role:wrong-$$@/$hist?host=$PGHOST&port=$PGPORT" \
	"user='$role' password=*** dbname='$hist' host='$PGHOST' port='$PGPORT': cannot connect: $sock: FATAL:  password authentication failed for user \"$role\" (give the password in PGPASSWORD, ~/.pgpass or a PGSERVICE file)"

# not a bootlens history, left unwritten
url="postgresql:///${hist}_f?host=$PGHOST&port=$PGPORT"
refused "$url" "$url: a PostgreSQL database but not a bootlens history (application_id 0x00000000, no table bootlens_meta)"
brun 2 history add --db "$url" "$tmp/s1"
[ "$("${psql[@]}" -d "${hist}_f" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 1 ] ||
	fail "the foreign database was written to"

# credentials: PGPASSWORD (the first add sets the empty database up)
url="postgresql://$role@/$hist?host=$PGHOST&port=$PGPORT"
PGPASSWORD=$pw brun 0 history add --db "$url" "$tmp/s1"
grep -q '^stored .* as entry 1 ' "$tmp/out" || fail "PGPASSWORD: $(cat "$tmp/out" "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "PGPASSWORD: stderr: $(cat "$tmp/err")"
# ~/.pgpass (host:port:database:user:password)
printf '%s:%s:%s:%s:%s\n' "$PGHOST" "$PGPORT" "$hist" "$role" "$pw" >"$HOME/.pgpass"
chmod 0600 "$HOME/.pgpass"
brun 0 history list --db "$url" --format csv
[ "$(grep -c . "$tmp/out")" = 2 ] || fail "~/.pgpass: $(cat "$tmp/out" "$tmp/err")"
rm "$HOME/.pgpass"
# PGSERVICE with PGSERVICEFILE: --db service=NAME, and PGSERVICE with a
# --db naming the database alone
cat >"$tmp/services" <<-EOF
	[bootlens_h2]
	host=$PGHOST
	port=$PGPORT
	user=$role
	password=$pw
EOF
PGSERVICEFILE=$tmp/services brun 0 history list --db "service=bootlens_h2 dbname=$hist" --format csv
[ "$(grep -c . "$tmp/out")" = 2 ] || fail "service=: $(cat "$tmp/out" "$tmp/err")"
PGSERVICEFILE=$tmp/services PGSERVICE=bootlens_h2 brun 0 history list --db "dbname=$hist" --format csv
[ "$(grep -c . "$tmp/out")" = 2 ] || fail "PGSERVICE: $(cat "$tmp/out" "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "PGSERVICE: stderr: $(cat "$tmp/err")"

# a password in --db: works, masked, with the one warning
url="postgresql://$role:$pw@/$hist?host=$PGHOST&port=$PGPORT"
shown="user='$role' password=*** dbname='$hist' host='$PGHOST' port='$PGPORT'"
brun 0 history list --db "$url" --format json
[ "$(cat "$tmp/err")" = "$warning" ] || fail "no warning for a password in --db: $(cat "$tmp/err")"
[ "$(jq -r .db "$tmp/out")" = "$shown" ] || fail "list's db: $(jq .db "$tmp/out")"
brun 2 history show --db "$url" 99
grep -Fq "$shown" "$tmp/err" || fail "show's error does not name the database masked: $(cat "$tmp/err")"
# collect --history with it (the stand-in QEMU): stored, masked
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
head -c 514 /dev/zero >"$tmp/k"
printf 'HdrS' >>"$tmp/k"
head -c 64 /dev/zero >>"$tmp/k"
mkdir "$tmp/state"
FAKE_QEMU_STATE=$tmp/state brun 0 collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 \
	--history "$url" -o "$tmp/c1"
grep -q '^stored .* as entry 2 (2 runs, ' "$tmp/out" || fail "collect --history: $(cat "$tmp/out" "$tmp/err")"
[ "$(cat "$tmp/err")" = "$warning" ] || fail "collect: stderr: $(cat "$tmp/err")"
# a wrong password: refused before any boot
mkdir "$tmp/state2"
FAKE_QEMU_STATE=$tmp/state2 brun 2 collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 \
	--history "postgresql://$role:wrong-$$@/$hist?host=$PGHOST&port=$PGPORT" -o "$tmp/c2"
[ "$(tail -n 1 "$tmp/err")" = "bootlens: --history: user='$role' password=*** dbname='$hist' host='$PGHOST' port='$PGPORT': cannot connect: $sock: FATAL:  password authentication failed for user \"$role\" (give the password in PGPASSWORD, ~/.pgpass or a PGSERVICE file) (nothing collected)" ] ||
	fail "collect with a wrong password: $(cat "$tmp/err")"
[ ! -e "$tmp/state2/count" ] || fail "QEMU was started for a refused database"
[ ! -e "$tmp/c2" ] || fail "a session was made for a refused database"
# what collect spools (a server not there now) and what it refuses
# before any boot (every other error)
spool_db=(
	"postgresql:///$hist?host=$PGHOST&port=$wrong"
	"host=127.0.0.1 port=1 dbname=$hist"
	"$timeout_db"
)
error_db=(
	"postgresql:///nodb_$$?host=$PGHOST&port=$PGPORT"
	"postgresql://norole_$$@/$hist?host=$PGHOST&port=$PGPORT"
	"postgresql://$role@/$hist?host=$PGHOST&port=$PGPORT"
	"postgresql:///${hist}_f?host=$PGHOST&port=$PGPORT"
	"postgresql:///$hist?host=$PGHOST&port=$PGPORT&bogus=1"
	"host=nosuchhost.invalid dbname=$hist"
	"host=$PGHOST port=x dbname=$hist"
)
n=0
for d in "${spool_db[@]}"; do
	n=$((n + 1))
	mkdir "$tmp/sstate$n"
	FAKE_QEMU_STATE=$tmp/sstate$n brun 0 collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 1 \
		--history "$d" --spool "$tmp/spool$n.sqlite" -o "$tmp/sp$n"
	grep -Fq "bootlens: --history: $d: cannot connect: " "$tmp/err" && grep -Fq "collecting all the same" "$tmp/err" ||
		fail "collect --history $d: the pre-boot line: $(cat "$tmp/err")"
	grep -Fq "bootlens: --history: $d cannot be reached (cannot connect: " "$tmp/err" && grep -Fq "spooled to $tmp/spool$n.sqlite;" "$tmp/err" ||
		fail "collect --history $d: not spooled: $(cat "$tmp/err")"
	[ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "collect --history $d: more than two lines: $(cat "$tmp/err")"
done
for d in "${error_db[@]}"; do
	n=$((n + 1))
	mkdir "$tmp/sstate$n"
	FAKE_QEMU_STATE=$tmp/sstate$n brun 2 collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 1 \
		--history "$d" --spool "$tmp/spool$n.sqlite" -o "$tmp/sp$n"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Eq "^bootlens: --history: .* \(nothing collected\)$" "$tmp/err" ||
		fail "collect --history $d: not refused in one line: $(cat "$tmp/err")"
	[ ! -e "$tmp/sstate$n/count" ] && [ ! -e "$tmp/sp$n" ] && [ ! -e "$tmp/spool$n.sqlite" ] ||
		fail "collect --history $d: booted or spooled"
done
kill "$mute" 2>/dev/null || true

# a database the role may not create tables in (PostgreSQL 15: the public
# schema of a database another role owns): refused with the hint, nothing
# made
"${psql[@]}" -d postgres -c "CREATE DATABASE ${hist}_p"
PGPASSWORD=$pw brun 2 history add --db "postgresql://$role@/${hist}_p?host=$PGHOST&port=$PGPORT" "$tmp/s1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Fq "permission denied for schema public (the role must be allowed to create tables in the database's schema to set it up" "$tmp/err" ||
	fail "no create privilege: $(cat "$tmp/err")"
[ "$("${psql[@]}" -d "${hist}_p" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ] ||
	fail "no create privilege: tables were made"
"${psql[@]}" -d postgres -c "DROP DATABASE ${hist}_p"

# a mistyped URI is refused, not made a SQLite file of its name
(cd "$tmp" && brun 2 history add --db "postgresql:$role@127.0.0.1" "$tmp/s1")
grep -Fq "bootlens: history: postgresql:***@127.0.0.1 (malformed): not a valid PostgreSQL connection string: missing \"=\"" "$tmp/err" ||
	fail "a mistyped URI: $(cat "$tmp/err")"
[ ! -e "$tmp/postgresql:$role@127.0.0.1" ] || fail "a mistyped URI made a file"

# the password nowhere: not in any output above, the database, the
# session directory
! grep -rqF -- "$pw" "$tmp/all" || fail "the password shown: $(grep -F -- "$pw" "$tmp/all" | head -3)"
! grep -rqF -- "$pw" "$tmp/c1" || fail "the password in the session: $(grep -rlF -- "$pw" "$tmp/c1")"
"$pgbin/pg_dump" -d "$hist" >"$tmp/dump.sql"
grep -q 'INSERT\|COPY' "$tmp/dump.sql" || fail "pg_dump gave no data"
! grep -qF -- "$pw" "$tmp/dump.sql" || fail "the password in the database: $(grep -F -- "$pw" "$tmp/dump.sql" | head -3)"
echo "history_errors: ok ($(grep -c . "$tmp/all") lines checked, the password in none)"
