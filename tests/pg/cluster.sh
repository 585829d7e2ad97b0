#!/usr/bin/env bash
# The throw-away PostgreSQL cluster of the pg label (not a test of its own;
# tests/CMakeLists.txt runs "start" and "stop" as the pg_cluster fixture).
#
#   cluster.sh start DIR   initdb into DIR/data, start the server, wait
#                          until it accepts connections (pg_isready)
#   cluster.sh env DIR     print PGHOST, PGPORT, PGUSER and PGDATABASE as
#                          "export" lines to eval
#   cluster.sh stop DIR    stop the server (fast mode) and remove DIR, also
#                          when the server is already gone
#   cluster.sh halt DIR    stop the server (fast mode: open sessions are
#                          ended) and keep DIR, its data and its port; a
#                          server already stopped is fine
#   cluster.sh restart DIR halt, then start the server again on the same
#                          data and port, and wait until it accepts
#                          connections (what a test that stops the server
#                          runs at its exit, so the next pg tests have it)
#   cluster.sh bindir      print the server's bindir (psql there too), or
#                          exit 77 when PostgreSQL is not installed
#
# The server listens on a Unix socket in DIR alone (listen_addresses = '',
# unix_socket_directories = DIR), on a port number chosen at random that no
# TCP socket here listens on (the socket name, DIR/.s.PGSQL.PORT; a client
# that misses PGHOST finds no server there). fsync is off: the data is
# thrown away. Local connections are trusted, except for the members of the
# role "password_login", who must give their password (scram-sha-256): a
# test makes a role IN ROLE password_login to check PGPASSWORD, ~/.pgpass
# and the errors of a wrong password.
#
# The cluster belongs to the postgres user when this runs as root (initdb
# and the server run under "runuser -u postgres --"), to the invoking user
# otherwise; DIR's parent must be one that user can enter (/tmp). The
# binaries: $BOOTLENS_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin
# (Debian), else initdb on the PATH. Without them "start" and "env" exit 77
# (skipped), and so does "bindir". $BOOTLENS_PG_TIMEOUT: seconds "start" waits (30).
set -euo pipefail

skip_rc=${BOOTLENS_SKIP_RC:-77}
timeout=${BOOTLENS_PG_TIMEOUT:-30}
marker=bootlens-pg-cluster

die() {
	echo "cluster.sh: $*" >&2
	exit 1
}
skip() {
	echo "skipped: $*" >&2
	exit "$skip_rc"
}
usage() {
	echo "usage: cluster.sh start|stop|halt|restart|env DIR, cluster.sh bindir" >&2
	exit 2
}

verb=${1:-}
if [ "$verb" = bindir ] && [ $# -eq 1 ]; then
	dir=/
else
	[ $# -eq 2 ] || usage
	dir=$2
fi
case "$dir" in
/*) ;;
*) die "'$dir': DIR must be an absolute path" ;;
esac
dir=${dir%/}
[ -n "$dir" ] || [ "$verb" = bindir ] || die "'/' is no cluster directory"

find_bindir() {
	local d
	if [ -n "${BOOTLENS_PG_BINDIR:-}" ]; then
		[ -x "$BOOTLENS_PG_BINDIR/initdb" ] && echo "$BOOTLENS_PG_BINDIR"
		return 0
	fi
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ -x "$d/initdb" ]; then
		echo "$d"
	elif command -v initdb >/dev/null; then
		dirname "$(command -v initdb)"
	fi
}

if [ "$(id -u)" -eq 0 ]; then
	owner=postgres
else
	owner=$(id -un)
fi
# as_owner CMD...: CMD as the cluster's owner
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

need_postgres() {
	bindir=$(find_bindir)
	[ -n "$bindir" ] || skip "PostgreSQL's server binaries (initdb, pg_ctl) are not installed (scripts/setup.sh installs postgresql)"
	for t in initdb pg_ctl pg_isready postgres psql; do
		[ -x "$bindir/$t" ] || skip "no $t in $bindir (scripts/setup.sh installs postgresql)"
	done
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || skip "no postgres user to run the server as root (Debian's postgresql package makes it)"
		command -v runuser >/dev/null || skip "no runuser to start the server as postgres"
	fi
}

# A free port number: not the socket of another server in DIR (there is
# none: DIR is this cluster's own) nor a TCP port that listens here.
pick_port() {
	local p hex
	for _ in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		hex=$(printf ':%04X ' "$p")
		[ -e "$dir/.s.PGSQL.$p" ] && continue
		# state 0A: LISTEN
		if cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h="$hex" '$2 ~ h && $4 == "0A"' | grep -q .; then
			continue
		fi
		echo "$p"
		return 0
	done
	die "no free port number found after 50 tries"
}

cluster_stop() {
	local pid
	[ -e "$dir" ] || return 0
	if [ ! -e "$dir/$marker" ] && [ -n "$(ls -A "$dir")" ]; then
		die "'$dir' is not a cluster made by cluster.sh (no $marker file): not removed"
	fi
	if [ -f "$dir/data/postmaster.pid" ]; then
		bindir=$(find_bindir)
		if [ -n "$bindir" ] && ! as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t "$timeout" stop >/dev/null 2>"$dir/stop.err"; then
			# pg_ctl could not stop it: a stale pid file (the server is
			# gone), or a server that did not stop in time: its own pid
			pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
			if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
				grep -q "$dir/data" "/proc/$pid/cmdline" 2>/dev/null; then
				echo "cluster.sh: pg_ctl stop failed ($(cat "$dir/stop.err")); killing the postmaster $pid" >&2
				kill -QUIT "$pid" 2>/dev/null || true
				sleep 1
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
	fi
	rm -rf "$dir"
}

# Start the server of DIR/data (initdb'd, configured) and wait until it
# accepts connections; on failure its log on stderr, return 1.
server_start() {
	local port waited=0
	port=$(cat "$dir/port")
	if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$timeout" start >"$dir/pg_ctl.log" 2>&1; then
		echo "cluster.sh: pg_ctl start failed: $(cat "$dir/pg_ctl.log")" >&2
		tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
		echo "cluster.sh: the server in '$dir' did not start within $timeout s (its log above)" >&2
		return 1
	fi
	until "$bindir/pg_isready" -q -h "$dir" -p "$port" -d postgres -U "$owner"; do
		if [ "$waited" -ge "$timeout" ]; then
			tail -n 20 "$dir/server.log" >&2 || true
			echo "cluster.sh: the server in '$dir' (port $port) accepted no connection within $timeout s (its log above)" >&2
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
}

# Stop the server of DIR (fast mode), keeping DIR; fine when it is stopped.
cluster_halt() {
	[ -e "$dir/$marker" ] || die "no cluster made by cluster.sh in '$dir'"
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t "$timeout" stop >/dev/null 2>"$dir/stop.err" && return 0
	# a stale pid file is fine (pg_ctl status: 3, not running)
	if as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		die "cannot stop the server in '$dir': $(cat "$dir/stop.err")"
	fi
}

cluster_env() {
	local port
	[ -f "$dir/port" ] || die "no cluster in '$dir' (cluster.sh start did not run or failed)"
	port=$(cat "$dir/port")
	printf 'export PGHOST=%q\n' "$dir"
	printf 'export PGPORT=%q\n' "$port"
	printf 'export PGUSER=%q\n' "$(cat "$dir/user")"
	printf 'export PGDATABASE=postgres\n'
}

cluster_start() {
	local port parent
	parent=$(dirname "$dir")
	[ -d "$parent" ] || die "'$parent' does not exist"
	# the socket's path must fit sun_path (108 bytes with its NUL)
	[ ${#dir} -le 90 ] || die "'$dir' is too long for a Unix socket path (at most 90 characters here)"
	if [ -e "$dir/$marker" ]; then
		echo "cluster.sh: '$dir' holds a cluster left by an earlier run: stopping and removing it" >&2
		cluster_stop
	fi
	if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		die "'$dir' exists and is not empty: not a place for a new cluster"
	fi
	mkdir -p "$dir"
	: >"$dir/$marker"
	chmod 0755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$owner:" "$dir"
	as_owner test -w "$dir" -a -x "$parent" ||
		die "'$dir' is not writable by $owner (its parent must be one $owner can enter, as /tmp)"
	echo "$owner" >"$dir/user"

	if ! as_owner "$bindir/initdb" -D "$dir/data" -U "$owner" -E UTF8 --locale=C \
		--auth-local=trust --auth-host=reject --no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		die "initdb into '$dir/data' failed (its output above)"
	fi
	port=$(pick_port)
	cat >>"$dir/data/postgresql.conf" <<-EOF
		# tests/pg/cluster.sh: a throw-away cluster on a Unix socket alone
		listen_addresses = ''
		unix_socket_directories = '$dir'
		port = $port
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 100
	EOF
	cat >"$dir/data/pg_hba.conf" <<-EOF
		# tests/pg/cluster.sh: Unix socket only; members of password_login
		# give their password, everyone else is trusted
		local all +password_login scram-sha-256
		local all all trust
	EOF
	echo "$port" >"$dir/port"

	server_start || {
		cluster_stop
		exit 1
	}
	"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$owner" -d postgres \
		-c 'CREATE ROLE password_login NOLOGIN' >/dev/null ||
		die "cannot create the role password_login in '$dir'"
	echo "cluster.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') as $owner in $dir, port $port"
}

case "$verb" in
bindir)
	need_postgres
	echo "$bindir"
	;;
start)
	need_postgres
	cluster_start
	;;
env)
	cluster_env
	;;
stop)
	cluster_stop
	;;
halt)
	need_postgres
	cluster_halt
	;;
restart)
	need_postgres
	cluster_halt
	server_start || exit 1
	echo "cluster.sh: the server in $dir is back on port $(cat "$dir/port")"
	;;
*)
	usage
	;;
esac
