#!/usr/bin/env bash
# The collector's own floor per boot (docs/collect.md, "The collector's
# floor"): bootlens collect with a stand-in VMM (bench/standin_vmm, which
# writes a framed dump at once and exits) instead of QEMU, N boots at -j 1
# and at -j 2. Prints per boot: the collector's CPU time during the boot
# (the run files' cpu_ns.collector_user + collector_system: spawn, console
# capture, host marks, the verdict), the collector's whole CPU time
# (bootlens's user+sys less what its children used: also the run files,
# session.json, the plan), the wall time, and boots per second.
# Not a test (no ctest): numbers for a person.
#
#   bash bench/bench_collector.sh [BUILD_DIR] [N]     (default build, 500)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
n=${2:-500}
bootlens=$build/cli/bootlens
standin=$build/bench/standin_vmm
py=/usr/bin/python3
[ -x "$bootlens" ] && [ -x "$standin" ] || {
	echo "bench_collector: build first (cmake --build $build): need $bootlens and $standin" >&2
	exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 4096 /dev/urandom >"$tmp/kernel" # any file: the stand-in boots nothing

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
echo "$n boots of $standin per line"
printf '%-4s %12s %12s %12s %10s\n' "-j" "cpu/boot" "all cpu/boot" "wall/boot" "boots/s"
for j in 1 2; do
	s=$tmp/s$j
	# bootlens's CPU and its children's, from its own rusage (python reaps it)
	$py - "$bootlens" "$standin" "$tmp/kernel" "$n" "$j" "$s" >"$tmp/rusage$j" <<'EOF'
import os, resource, subprocess, sys, time
b, standin, kernel, n, j, s = sys.argv[1:]
t0 = time.monotonic()
p = subprocess.run([b, "collect", "--qemu", standin, "--accel", "tcg", "--kernel", kernel,
                    "-n", n, "-j", j, "-o", s], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
t1 = time.monotonic()
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(p.returncode, t1 - t0, r.ru_utime + r.ru_stime)
EOF
	read -r rc wall cpu_all <"$tmp/rusage$j"
	[ "$rc" -eq 0 ] || {
		echo "bench_collector: collect -j $j exited $rc" >&2
		exit 1
	}
	$py - "$s" "$wall" "$cpu_all" "$j" <<'EOF'
import glob, json, sys
s, wall, cpu_all, j = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
runs = [json.load(open(f))["attempts"][-1] for f in sorted(glob.glob(s + "/runs/*.json"))]
n = len(runs)
bad = sum(1 for a in runs if a["verdict"] != "ok")
col = sum(a["cpu_ns"]["collector_user"] + a["cpu_ns"]["collector_system"] for a in runs) / n / 1e6
qemu = sum(a["cpu_ns"]["qemu_user"] + a["cpu_ns"]["qemu_system"] for a in runs) / 1e9
own = (cpu_all - qemu) / n * 1e3
print("%-4s %9.3f ms %9.3f ms %9.3f ms %10.1f%s" % (j, col, own, wall / n * 1e3, n / wall,
      "" if not bad else "  (%d runs not ok)" % bad))
EOF
done
