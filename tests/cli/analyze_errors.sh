#!/usr/bin/env bash
# `bootlens analyze` usage and input errors (exit 2), --strict (exit 1),
# a 1 MB line, phase maps given with --phase-map.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"

fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

expect() { # rc stderr-substring args...
	local want=$1 msg=$2 rc
	shift 2
	set +e
	"$BOOTLENS" analyze "$@" >out 2>err
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "analyze $* exited $rc, want $want: $(cat err)"
	[ -z "$msg" ] || grep -qF -- "$msg" err || fail "analyze $*: stderr lacks '$msg': $(cat err)"
}

printf '0xffffffff80000000 1000 ENTER hammer_time\n0xffffffff80000000 2000 EXIT hammer_time\n' >ok.txt
expect 2 "bootlens: cannot open 'nope.txt': No such file or directory" nope.txt
: >empty.txt
expect 2 "bootlens: no tslog record in 'empty.txt'" empty.txt
printf 'just a console\nwith no records\n' >noise.txt
expect 2 "no tslog record in 'noise.txt' (2 lines read)" noise.txt
expect 2 "no tslog record" ok.txt noise.txt # one bad file fails the run
grep -q '^bootlens analyze ok.txt$' out || fail "the good file was not analysed beside the bad one"
expect 2 "no FILE given"
expect 2 "--tsc-freq wants a positive number" --tsc-freq 2.4GHz ok.txt
expect 2 "--tsc-freq wants a positive number" --tsc-freq 0 ok.txt
expect 2 "unknown format 'xml'" --format xml ok.txt
expect 2 "unknown unit 's'" --unit s ok.txt
expect 2 "unknown os 'linux'" --os linux ok.txt
expect 2 "unknown or needs a value" --frobnicate ok.txt
expect 0 "" --help
grep -q '^usage: bootlens analyze' out || fail "--help printed no usage"

# no frequency: cycles, said once on stderr, exit 0
expect 0 "times are in cycles" ok.txt ok.txt
[ "$(grep -c 'times are in cycles' err)" -eq 1 ] || fail "the cycles fallback was said more than once"
grep -q '^clock    TSC, frequency unknown; times in cycles$' out || fail "table not in cycles"
expect 0 "" --format folded ok.txt
[ "$(cat out)" = "kernel;hammer_time 1000" ] || fail "folded without frequency: '$(cat out)'"

# --strict: warnings make exit 1, a clean dump exits 0
expect 0 "" --strict --tsc-freq 1000000000 ok.txt
printf '0xa 5 EXIT nothing\n' >warn.txt
expect 0 "1 warning" warn.txt
expect 1 "" --strict warn.txt

# a line of 1 MB inside a capture, and a record whose argument is 1 MB
{
	echo "X_TSLOG_META tsc_freq=1000000000"
	head -c 1048576 /dev/zero | tr '\0' 'x'
	echo
	echo "0xffffffff80000000 1000 ENTER hammer_time"
	printf '0xffffffff80000000 1500 ENTER big '
	head -c 1048576 /dev/zero | tr '\0' 'y'
	echo
	echo "0xffffffff80000000 1900 EXIT big $(head -c 1048576 /dev/zero | tr '\0' 'y')"
	echo "0xffffffff80000000 2000 EXIT hammer_time"
} >big.txt
expect 0 "" --unit ns big.txt
grep -q '^lines    6 read, 4 tslog, 2 skipped' out || fail "1 MB lines: $(grep '^lines' out)"
grep -Eq '^ +600 +1000 .* hammer_time$' out || fail "1 MB lines: hammer_time self/total wrong"
expect 0 "" --format folded --unit ns big.txt
[ "$(wc -l <out)" -eq 2 ] || fail "1 MB lines: folded has $(wc -l <out) lines"

# phase maps
cat >good.map <<'MAP'
# name: from -> to
boot: ENTER hammer_time -> EXIT hammer_time
MAP
expect 0 "" --phase-map good.map --tsc-freq 1000000000 --unit ns ok.txt
grep -Eq '^  boot +ENTER hammer_time +EXIT hammer_time +1000 ' out || fail "custom phase map: $(grep -A3 '^phases' out)"
printf 'ok: a -> b\nbroken line\n' >bad.map
expect 2 "bootlens: bad.map:2: expected 'NAME: EVENT -> EVENT'" --phase-map bad.map ok.txt
expect 2 "bootlens: cannot open 'none.map'" --phase-map none.map ok.txt
echo "analyze errors: ok"
