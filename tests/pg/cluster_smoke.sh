#!/usr/bin/env bash
# labels: pg
# timeout: 60
# The pg label's test cluster (tests/pg/cluster.sh) does what the history
# tests of issue 16 will need: it listens on its Unix socket alone, with
# fsync off; a database and a role with a password are made; the role
# connects with psql through PGPASSWORD and through a ~/.pgpass in a
# temporary HOME, and is refused without a password, with a wrong one and
# with a ~/.pgpass others can read; a wrong port, a missing database and a
# missing role give libpq's and the server's own errors.
set -euo pipefail
. "$(dirname "$0")/lib/pg.sh"

role=smoke_$$
db=smokedb_$$
pw="s3cret-$$-'quoted'"
psql=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -tA)
# prun WANT-RC ARGS...: psql ARGS, stdout in $tmp/out, stderr in $tmp/err
prun() {
	local want=$1 rc
	shift
	set +e
	"${psql[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "psql $* exited $rc, want $want; stdout: $(cat "$tmp/out"); stderr: $(cat "$tmp/err")"
}
need_err() { grep -Fq -- "$1" "$tmp/err" || fail "stderr lacks '$1': $(cat "$tmp/err")"; }
need_out() { [ "$(cat "$tmp/out")" = "$1" ] || fail "stdout: want '$1', got '$(cat "$tmp/out")'"; }
cleanup() {
	env -u PGPASSWORD HOME="$tmp" "$pgbin/psql" -X -q -c "DROP DATABASE IF EXISTS $db" \
		-c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
# no ~/.pgpass but the ones made here
export HOME=$tmp/home
mkdir "$HOME"

# the server as cluster.sh configured it
prun 0 -c "SELECT current_setting('listen_addresses') || '|' ||
	current_setting('unix_socket_directories') || '|' || current_setting('port') || '|' ||
	current_setting('fsync')"
need_out "|$PGHOST|$PGPORT|off"
[ -S "$PGHOST/.s.PGSQL.$PGPORT" ] || fail "no socket $PGHOST/.s.PGSQL.$PGPORT"

# a role with a password (a member of password_login: scram-sha-256) and
# its database
prun 0 -v role="$role" -v pw="$pw" -v db="$db" <<-'EOF'
	CREATE ROLE :"role" LOGIN PASSWORD :'pw' IN ROLE password_login;
	CREATE DATABASE :"db" OWNER :"role";
EOF
prun 0 -d "$db" -c "SELECT datname FROM pg_database WHERE datname = '$db'"
need_out "$db"

# no password, then a wrong one: refused (the role's password is checked)
prun 2 -U "$role" -d "$db" -c 'SELECT 1'
need_err 'fe_sendauth: no password supplied'
PGPASSWORD=wrong prun 2 -U "$role" -d "$db" -c 'SELECT 1'
need_err "password authentication failed for user \"$role\""

# PGPASSWORD: a table made, written and read as the role
PGPASSWORD=$pw prun 0 -U "$role" -d "$db" \
	-c 'CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY, v double precision)' \
	-c 'INSERT INTO t (v) VALUES (1.5), (2.5)' \
	-c "SELECT current_user || '|' || current_database() || '|' || count(*) || '|' || sum(v) FROM t"
need_out "$role|$db|2|4"

# ~/.pgpass (host:port:database:user:password; a socket's host is its
# directory; \ and : escaped in the password)
esc=${pw//\\/\\\\}
esc=${esc//:/\\:}
printf '%s:%s:%s:%s:%s\n' "$PGHOST" "$PGPORT" "$db" "$role" "$esc" >"$HOME/.pgpass"
chmod 0600 "$HOME/.pgpass"
prun 0 -U "$role" -d "$db" -c 'SELECT count(*) FROM t'
need_out 2
# one that others can read is ignored, with libpq's warning
chmod 0644 "$HOME/.pgpass"
prun 2 -U "$role" -d "$db" -c 'SELECT 1'
need_err 'has group or world access'
need_err 'fe_sendauth: no password supplied'
rm "$HOME/.pgpass"

# a port where nothing listens: libpq's refusal names the socket
wrong=$((PGPORT + 1))
PGPORT=$wrong prun 2 -c 'SELECT 1'
need_err "connection to server on socket \"$PGHOST/.s.PGSQL.$wrong\" failed: No such file or directory"
need_err 'Is the server running locally and accepting connections on that socket?'

# a missing database, a missing role
prun 2 -d "nodb_$$" -c 'SELECT 1'
need_err "FATAL:  database \"nodb_$$\" does not exist"
prun 2 -U "norole_$$" -c 'SELECT 1'
need_err "FATAL:  role \"norole_$$\" does not exist"

echo "cluster_smoke: PostgreSQL on $PGHOST/.s.PGSQL.$PGPORT: password, .pgpass and the refusals as expected"
