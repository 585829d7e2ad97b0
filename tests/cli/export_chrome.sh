#!/usr/bin/env bash
# `bootlens analyze --format chrome` against the Trace Event Format rules
# (tests/cli/lib/chrome_validate.py: fields and types per phase type, units,
# dur >= 0, strict nesting per (pid, tid), metadata), on a tslog FILE, a
# Linux FILE, a session and several inputs in one document; the validator
# is seen to refuse planted faults; a cycle trace with no frequency is
# refused with a message naming the file.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"

py=/usr/bin/python3
validate="$BOOTLENS_SRC/tests/cli/lib/chrome_validate.py"
[ -x "$py" ] || { echo "SKIP: no $py"; exit "${BOOTLENS_SKIP_RC:-77}"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
failures=0
checks=0

ok() { # what validator-args... (the trace is $tmp/t.json)
	local what=$1
	shift
	checks=$((checks + 1))
	if ! "$py" "$validate" "$tmp/t.json" "$@" >"$tmp/v" 2>&1; then
		echo "FAIL: $what:"
		cat "$tmp/v"
		failures=$((failures + 1))
	fi
}

refused() { # what expected-message (the trace is $tmp/bad.json)
	checks=$((checks + 1))
	if "$py" "$validate" "$tmp/bad.json" >"$tmp/v" 2>&1 || ! grep -q "$2" "$tmp/v"; then
		echo "FAIL: the validator accepts $1 (or says something else):"
		cat "$tmp/v"
		failures=$((failures + 1))
	fi
}

# tslog FILEs: the boot ends at 2.5 us (2 GHz), 30 us (1 GHz)
"$BOOTLENS" analyze --format chrome tslog/two_threads.txt >"$tmp/t.json" 2>"$tmp/err"
ok "tslog two_threads" --processes 1 --max-end-us 2.5 2.5
"$BOOTLENS" analyze --format chrome --tsc-freq 1000000000 tslog/recursion.txt >"$tmp/t.json" 2>"$tmp/err"
ok "tslog recursion" --processes 1 --max-end-us 31 31
"$BOOTLENS" analyze --format chrome --tsc-freq 1000000000 tslog/unclosed.txt >"$tmp/t.json" 2>"$tmp/err"
ok "tslog unclosed (frames open at dump time)" --processes 1
grep -q '"open_at_dump": true' "$tmp/t.json" || {
	echo "FAIL: unclosed.txt: no frame open at dump time in the trace"
	failures=$((failures + 1))
}
# a phase map whose phases cross: the second is clipped to end with the first
printf 'outer: ENTER hammer_time -> ENTER start_init\ncross: ENTER mi_startup -> EXIT mi_startup\n' \
	>"$tmp/cross.map"
"$BOOTLENS" analyze --format chrome --tsc-freq 1000000000 --phase-map "$tmp/cross.map" \
	tslog/recursion.txt >"$tmp/t.json" 2>"$tmp/err"
ok "crossing phases" --processes 1
checks=$((checks + 1))
if ! "$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
(c,) = [e for e in d["traceEvents"] if e["name"] == "cross"]
assert (c["ts"], c["dur"], c["args"]["clipped"], c["args"]["end_us"]) == (3, 17, True, 31), c' \
	"$tmp/t.json"; then
	echo "FAIL: the crossing phase is not clipped to 3..20 us with its end (31 us) in args"
	failures=$((failures + 1))
fi
# Linux FILEs: async initcalls on their own PID's track
"$BOOTLENS" analyze --format chrome dmesg/async-pids.log >"$tmp/t.json" 2>"$tmp/err"
ok "linux async-pids" --processes 1 --max-end-us 405000 405000
for track in '"kernel (pid 1)"' '"pid 152"' '"pid 153"'; do
	grep -q "\"name\": $track" "$tmp/t.json" || {
		echo "FAIL: async-pids: no track $track"
		failures=$((failures + 1))
	}
done
"$BOOTLENS" analyze --format chrome dmesg/real-console.log >"$tmp/t.json" 2>"$tmp/err"
ok "linux real console" --processes 1
# a session: host time since spawn; QEMU exited 3538.603 ms after it
"$BOOTLENS" analyze --format chrome linux-session >"$tmp/t.json" 2>"$tmp/err"
ok "linux session" --processes 1 --max-end-us 3538603 3538604
grep -q '"labels": "time since QEMU spawn (host)"' "$tmp/t.json" || {
	echo "FAIL: session: the axis is not said to be host time since spawn"
	failures=$((failures + 1))
}
# a session of three runs, two ok: one process per ok run, "run N (VARIANT)"
cp -r linux-session "$tmp/s3"
for n in 0002 0003; do
	cp linux-session/runs/0001.console "$tmp/s3/runs/$n.console"
	cp linux-session/runs/0001.serial "$tmp/s3/runs/$n.serial"
done
sed 's/"run": 1,/"run": 2,/' linux-session/runs/0001.json >"$tmp/s3/runs/0002.json"
sed '0,/"verdict": "ok"/s//"verdict": "timeout"/; s/"run": 1,/"run": 3,/' \
	linux-session/runs/0001.json >"$tmp/s3/runs/0003.json"
"$BOOTLENS" analyze --format chrome "$tmp/s3" >"$tmp/t.json" 2>"$tmp/err"
ok "a session of two ok runs and a timeout" --processes 2
checks=$((checks + 1))
names=$("$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(",".join(e["args"]["name"] for e in d["traceEvents"] if e["name"] == "process_name"))' \
	"$tmp/t.json")
if [ "$names" != "run 1 (default),run 2 (default)" ]; then
	echo "FAIL: the session's processes are named '$names'"
	failures=$((failures + 1))
fi
"$BOOTLENS" analyze --format chrome linux-session dmesg/async-pids.log tslog/two_threads.txt \
	>"$tmp/t.json" 2>"$tmp/err"
ok "three inputs in one trace" --processes 3

# the validator refuses what breaks the rules
printf '{"displayTimeUnit":"ms","traceEvents":[%s]}\n' \
	'{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"p"}},
	 {"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"t"}},
	 {"name":"a","cat":"c","ph":"X","ts":0,"dur":10,"pid":1,"tid":1,"args":{}},
	 {"name":"b","cat":"c","ph":"X","ts":5,"dur":10,"pid":1,"tid":1,"args":{}}' >"$tmp/bad.json"
refused "a partial overlap" "crosses the end of"
printf '{"displayTimeUnit":"ms","traceEvents":[%s]}\n' \
	'{"name":"a","cat":"c","ph":"X","ts":0,"dur":1,"pid":1,"tid":1,"args":{}}' >"$tmp/bad.json"
refused "events without metadata" "has no process_name"
printf '{"displayTimeUnit":"ms","traceEvents":[%s]}\n' \
	'{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"p"}},
	 {"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"t"}},
	 {"name":"a","cat":"c","ph":"X","ts":0.1,"dur":-1,"pid":1,"tid":1,"args":{}}' >"$tmp/bad.json"
refused "a negative dur" "dur -1 is negative"
refused "a ts that is no multiple of 2^-10 us" "not a multiple of 2^-10 us"
printf '{"displayTimeUnit":"s","traceEvents":[%s]}\n' \
	'{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"p"}},
	 {"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"t"}},
	 {"name":"i","ph":"i","ts":"1","pid":1,"tid":1,"s":"t"}' >"$tmp/bad.json"
refused "a ts given as a string" "ts is not a number"
refused "displayTimeUnit s" "displayTimeUnit"

# a cycle trace with no frequency has no times to give
checks=$((checks + 1))
if "$BOOTLENS" analyze --format chrome exports/hostile.txt >"$tmp/t.json" 2>"$tmp/err" ||
	! grep -q "^bootlens: 'exports/hostile.txt': no TSC frequency" "$tmp/err"; then
	echo "FAIL: a trace in cycles with no frequency is not refused with its name:"
	cat "$tmp/err"
	failures=$((failures + 1))
fi

echo "export chrome: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
