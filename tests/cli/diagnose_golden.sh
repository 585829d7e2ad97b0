#!/usr/bin/env bash
# Golden tests of `bootlens diagnose` (docs/diagnose.md) on captures of
# tests/data: the real five-run Linux session (every Linux rule but the
# timed calibration: self-tests, modules, bus enumeration, console on the
# UART, calibration from its log line, the printk lag, an outsized phase,
# and with a bzImage holding a PVH entry, bzimage-pvh), the real FreeBSD
# sample (console, outsized), the derived fixtures of tests/data/diagnose
# (README.md there: BSD calibration, bus, modules; a timed Linux
# calibration), a real Linux log without initcall_debug (calibration from
# the log) and the NetBSD capture where no rule fires; each compared byte
# for byte with tests/data/diagnose/expected/NAME (JSON without its "tool"
# line). Then --strict and --threshold, and the usage errors. With
# UPDATE=1 the expected files are rewritten instead (review the diff).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
exp=diagnose/expected
failures=0
checked=0
pvh=diagnose/pvh-bzimage.bin
nopvh=diagnose/nopvh-bzimage.bin

check() { # expected-file actual-file what
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$2" "$1"
		return
	fi
	checked=$((checked + 1))
	if [ ! -f "$1" ]; then
		echo "FAIL: $3: no expected file $1 (run with UPDATE=1 to create it)"
		failures=$((failures + 1))
	elif ! cmp -s "$1" "$2"; then
		echo "FAIL: $3 differs from $1:"
		diff -u "$1" "$2" | head -40 || true
		failures=$((failures + 1))
	fi
}

run() { # WANT-RC OUT ARGS...
	local want=$1 out=$2 rc
	shift 2
	set +e
	"$BOOTLENS" diagnose "$@" >"$out" 2>"$out.stderr"
	rc=$?
	set -e
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: diagnose $* exited $rc, want $want"
		cat "$out.stderr"
		failures=$((failures + 1))
	fi
}

golden() { # NAME WANT-RC ARGS...
	local name=$1 want=$2
	shift 2
	run "$want" "$tmp/$name" "$@"
	case $name in
	*.json)
		/usr/bin/python3 -m json.tool "$tmp/$name" >/dev/null ||
			{ echo "FAIL: $name is no JSON"; failures=$((failures + 1)); }
		grep -v '^  "tool": ' "$tmp/$name" >"$tmp/$name.cut" && mv "$tmp/$name.cut" "$tmp/$name"
		;;
	esac
	check "$exp/$name" "$tmp/$name" "diagnose $*"
}

mkdir -p "$exp"
for f in table json md; do
	golden "linux-session-5.$f" 0 --format "$f" --kernel "$pvh" linux-session-5
done
golden linux-session-5-nopvh.table 0 --kernel "$nopvh" linux-session-5
golden freebsd-head.table 0 samples/freebsd15-firecracker-tslog-head.txt
golden freebsd-sinks.table 0 diagnose/freebsd-sinks.txt
golden freebsd-sinks.json 0 --format json diagnose/freebsd-sinks.txt
golden linux-calibrate.table 0 diagnose/linux-calibrate.log
golden no-initcall-debug.table 0 dmesg/no-initcall-debug.log
golden netbsd-clean.table 0 tslog/netbsd.txt
golden netbsd-clean.json 0 --format json tslog/netbsd.txt

# every rule fires somewhere above
if [ "${UPDATE:-}" != 1 ]; then
	for rule in calibration console-uart bus-enumeration bzimage-pvh self-tests modules \
		printk-lag outsized; do
		grep -q "\] $rule:" "$exp"/*.table ||
			{ echo "FAIL: rule $rule fires in no golden table"; failures=$((failures + 1)); }
	done
	grep -q 'bzimage-pvh' "$exp/linux-session-5-nopvh.table" &&
		{ echo "FAIL: bzimage-pvh fired without a PVH note"; failures=$((failures + 1)); }
	grep -q '0 findings' "$exp/netbsd-clean.table" ||
		{ echo "FAIL: the clean capture has findings"; failures=$((failures + 1)); }
fi

# --strict: the session's self-tests (500 ms expected) pass 10 ms, not 1000 ms
run 1 "$tmp/s1" --strict --kernel "$nopvh" linux-session-5
run 0 "$tmp/s2" --strict --threshold 1000 --kernel "$nopvh" linux-session-5
run 0 "$tmp/s3" --strict tslog/netbsd.txt
# FreeBSD's console: 23.6 ms expected
run 1 "$tmp/s4" --strict samples/freebsd15-firecracker-tslog-head.txt
run 0 "$tmp/s5" --strict --threshold 30 samples/freebsd15-firecracker-tslog-head.txt

# usage and input errors: exit 2, one line naming what is wrong
err() { # WANT-TEXT ARGS...
	local want=$1
	shift
	run 2 "$tmp/e" "$@"
	grep -q -- "$want" "$tmp/e.stderr" ||
		{ echo "FAIL: diagnose $*: stderr lacks '$want':"; cat "$tmp/e.stderr"; failures=$((failures + 1)); }
}
err "no input" 
err "unknown --format 'xml'" --format xml tslog/netbsd.txt
err "threshold wants" --threshold -3 tslog/netbsd.txt
err "needs --verify-out" --verify linux-session-5
err "without --verify" --verify-out x linux-session-5
err "nosuch.txt" nosuch.txt
err "no record found" tslog/empty.txt
err "has no variant 'nope'" linux-session-5:nope
err "takes one session" --verify --verify-out "$tmp/v" tslog/netbsd.txt
err "unknown option" --frobnicate tslog/netbsd.txt
# a host-timed variant (timing=host) has no dump: skipped, or refused when named
if [ -d sweep/each ] && grep -q '"host_timed": true' sweep/each/session.json; then
	err "is host-timed" sweep/each:instrumentation
fi
run 0 "$tmp/h" --help
grep -q '^usage: bootlens diagnose' "$tmp/h" || { echo "FAIL: --help"; failures=$((failures + 1)); }

if [ "${UPDATE:-}" = 1 ]; then
	echo "expected files rewritten in $BOOTLENS_TEST_DATA/$exp"
	exit 0
fi
echo "$checked golden files checked, $failures failures"
[ "$failures" -eq 0 ]
