#!/usr/bin/env bash
# bootlens sweep without a boot: --help, --list-presets, and every usage
# error before a collection starts (bad knob syntax, an unknown preset or
# mode or format, no knob, a knob twice, collect's options that a sweep
# refuses, a session already there): exit 2 with one line naming what is
# wrong, and nothing created.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
touch "$tmp/kernel"

run() { # WANT-RC ARGS...
	local want=$1 rc
	shift
	set +e
	"$BOOTLENS" sweep "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: sweep $* exited $rc, want $want"
		cat "$tmp/out" "$tmp/err"
		failures=$((failures + 1))
	fi
}

expect() { # FILE TEXT
	if ! grep -qF -- "$2" "$tmp/$1"; then
		echo "FAIL: $1 lacks '$2':"
		cat "$tmp/$1"
		failures=$((failures + 1))
	fi
}

run 0 --help
expect out "usage: bootlens sweep --kernel K"
expect out "--results SESSION"
[ -s "$tmp/err" ] && { echo "FAIL: --help wrote to stderr"; failures=$((failures + 1)); }
run 0 -h
expect out "--mode cumulative"
"$BOOTLENS" help sweep | grep -q "usage: bootlens sweep" || { echo "FAIL: help sweep"; failures=$((failures + 1)); }

run 0 --list-presets
expect out "linux-microvm: "
expect out "  pvh "
expect out "kernel=@vmlinux"
expect out "timing=host"

k=(--kernel "$tmp/kernel" -o "$tmp/s")
run 2 "${k[@]}" --knob 'nouarts'
expect err "bootlens: sweep: --knob: knob 'nouarts': expected 'NAME: SPEC'"
run 2 "${k[@]}" --knob 'a: frob=1'
expect err "unknown key in 'frob=1'"
run 2 "${k[@]}" --knob 'base: append+=quiet'
expect err "the name 'base' is the baseline's"
run 2 "${k[@]}" --knob 'a:'
expect err "no SPEC"
run 2 "${k[@]}" --knob 'a: append+=x' --knob 'a: append+=y'
expect err "knob 'a' given twice"
run 2 "${k[@]}" --preset nope
expect err "unknown preset 'nope' (see bootlens sweep --list-presets)"
run 2 "${k[@]}"
expect err "no knob: give --knob 'NAME: SPEC' or --preset NAME"
run 2 "${k[@]}" --knob 'a: append+=x' --mode all
expect err "--mode wants each or cumulative, not 'all'"
run 2 "${k[@]}" --knob 'a: append+=x' --format yaml
expect err "unknown format 'yaml'"
run 2 "${k[@]}" --knob 'a: append+=x' --top many
expect err "--top wants a number"
run 2 "${k[@]}" --knob
expect err "--knob needs a value"
run 2 "${k[@]}" --knob 'a: append+=x' --exclude-starved=1
expect err "--exclude-starved takes no value"
run 2 "${k[@]}" --knob 'a: append+=x' --variant 'b: append+=y'
expect err "--variant is not a sweep option"
run 2 -o "$tmp/s" --knob 'a: append+=x' --resume
expect err "--resume is collect's"
run 2 -o "$tmp/s" --knob 'a: append+=x'
expect err "no kernel: give --kernel K"
run 2 --kernel "$tmp/kernel" --knob 'a: append+=x'
expect err "no session directory: give -o SESSION"
run 2 "${k[@]}" --knob 'a: append+=x' -n 0
expect err "-n: at least one run is needed"
[ -e "$tmp/s" ] && { echo "FAIL: a usage error created $tmp/s"; failures=$((failures + 1)); }

# a session already there is refused before anything is made
mkdir -p "$tmp/old"
echo '{}' >"$tmp/old/session.json"
run 2 --kernel "$tmp/kernel" -o "$tmp/old" --knob 'pvh: kernel=@vmlinux'
expect err "'$tmp/old' already holds a session (its table: bootlens sweep --results $tmp/old)"
[ -e "$tmp/old/vmlinux" ] && { echo "FAIL: vmlinux made in a refused session"; failures=$((failures + 1)); }

# @vmlinux of a kernel that is no bzImage: one line naming it
run 2 --kernel "$tmp/kernel" -o "$tmp/s2" --knob 'pvh: kernel=@vmlinux'
expect err "sweep: @vmlinux: cannot unwrap '$tmp/kernel'"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "sweep_usage: ok"
