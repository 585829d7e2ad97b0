#!/usr/bin/env bash
# Measure candidate knobs for the linux-microvm sweep preset (issue 13):
# Debian's cloud kernel under TCG on -M microvm, every candidate a variant of
# one interleaved session, compared against "base" by three clocks: the
# host's (compare), QEMU's CPU time (stats), and the guest's instruction
# count under -icount (icount, vstats). The results are written up by hand
# in docs/knobs-measured.md; this script is how they were made.
#
#   scripts/measure-knobs.sh prepare            kernel, initrd.gz, vmlinux in $DIR
#   scripts/measure-knobs.sh screen  [N]        session $DIR/s1: every candidate, N (5) runs each
#   scripts/measure-knobs.sh confirm [N]        session $DIR/s2: the promising and the null ones, N (12)
#   scripts/measure-knobs.sh instr   [N]        session $DIR/instr: the instrumentation's cost alone, N (20)
#   scripts/measure-knobs.sh stats SESSION [BASE [VARIANT...]]
#                                              wall and CPU time savings from the run files (ok runs);
#                                              MD=1: as a markdown table
#   scripts/measure-knobs.sh hosttime SESSION [BASE [VARIANT...]]
#                                              the same over every run whose guest powered off (no dump needed)
#   scripts/measure-knobs.sh icount [N [VARIANT...]]  session $DIR/ic1 (IC=DIR: another): the knobs under -icount (N: 4)
#   scripts/measure-knobs.sh vstats SESSION [BASE [VARIANT...]]
#                                              the guest's virtual time to the dump, per variant
#   scripts/measure-knobs.sh table SESSION [VARIANT...]
#                                              the total's median/saving/CI of each variant against base
#
# OUT=DIR: confirm writes that session instead of $DIR/s2.
# EXCL= (empty) makes table compare every ok run (default: --exclude-starved).
# Environment: BOOTLENS (default ./build/cli/bootlens), DIR (default
# /tmp/knob), KHZ (tsc_early_khz for the append= variants; default: the one
# collect chose for $DIR/s0, a one-boot session prepare makes).
# Nothing downloaded or collected here is committed: the kernel comes from
# `bootlens guest fetch-kernel` (Debian's archive, cached).
set -euo pipefail
B=${BOOTLENS:-./build/cli/bootlens}
DIR=${DIR:-/tmp/knob}
PY=/usr/bin/python3

# The statistics both stats and vstats print (Python, prepended to theirs)
PYLIB='
import glob, json
import numpy as np
from scipy.stats import mannwhitneyu
RNG = np.random.default_rng(1)
def diffstat(b, x):
    """median(b), median(x), their difference, its 95% percentile bootstrap
    CI (10000 resamples), the two-sided Mann-Whitney p; None under 2 a side"""
    if len(b) < 2 or len(x) < 2:
        return None
    b, x = np.array(b), np.array(x)
    bs = [np.median(RNG.choice(b, len(b))) - np.median(RNG.choice(x, len(x))) for _ in range(10000)]
    lo, hi = np.percentile(bs, [2.5, 97.5])
    p = mannwhitneyu(b, x, alternative="two-sided").pvalue
    return np.median(b), np.median(x), np.median(b) - np.median(x), lo, hi, p
def session_runs(s, order):
    """(path, run) of the session s run files in order, warm-ups left out;
    each variant seen is appended to order"""
    for f in sorted(glob.glob(s + "/runs/[0-9][0-9][0-9][0-9].json")):
        r = json.load(open(f))
        if r.get("warmup"):
            continue
        if r["variant"] not in order:
            order.append(r["variant"])
        yield f, r
'

paths() {
	# shellcheck disable=SC2046 # "kernel PATH modules PATH": split on purpose
	set -- $("$B" guest fetch-kernel)
	K=$2
	M=$4
}

khz() {
	[ -n "${KHZ:-}" ] || KHZ=$(sed -n 's/.*tsc_early_khz=\([0-9]*\).*/\1/p' "$DIR/s0/session.json" | head -n 1)
	[ -n "$KHZ" ] || {
		echo "measure-knobs: no tsc_early_khz in $DIR/s0 (run prepare)" >&2
		exit 2
	}
}

# The default Linux line (docs/collect.md) with the TCG words, for append=.
default_line() {
	khz
	echo "console=ttyS0 quiet initcall_debug log_buf_len=4M panic=-1 reboot=t tsc=reliable tsc_early_khz=$KHZ"
}

collect() { # SESSION N VARIANT...
	local s=$1 n=$2
	shift 2
	paths
	local args=()
	for v in "$@"; do args+=(--variant "$v"); done
	"$B" collect --accel tcg --kernel "$K" --initrd "$DIR/initrd.gz" -n "$n" --timeout 60 \
		--label campaign=knobs "${args[@]}" -o "$s"
}

# Every candidate: NAME: SPEC (the variant syntax of docs/collect.md)
screen_variants() {
	local d
	d=$(default_line)
	cat <<V
base
pvh: kernel=$DIR/vmlinux
noacpi: qemu+=-M microvm,acpi=off
nopit: qemu+=-M microvm,pit=off
nopic: qemu+=-M microvm,pic=off
nortc: qemu+=-M microvm,rtc=off
noisaserial: qemu+=-M microvm,isa-serial=off
nouarts: append+=8250.nr_uarts=1
nomitig: append+=mitigations=off
notests: append+=cryptomgr.notests
noinitalloc: append+=init_on_alloc=0
mem128: qemu+=-m 128M
nokaslr: append+=nokaslr
noaudit: append+=audit=0
nosecurity: append+=security=none
noapparmor: append+=apparmor=0
nowatchdog: append+=nowatchdog
pcioff: append+=pci=off
notimercheck: append+=no_timer_check
trustcpu: append+=random.trust_cpu=on
nocerts: append+=initcall_blacklist=load_system_certificate_list
loud: append=${d/quiet /}
noinstr: append=${d/initcall_debug /}
V
}

# The instrumentation's cost (see instr below): an initramfs whose /init
# powers off at once instead of the dumper
instr_variants() {
	local d
	d=$(default_line)
	cat <<V
off: initrd=$DIR/initrd-off.gz
bare: initrd=$DIR/initrd-off.gz; append=${d/initcall_debug /}
V
}

build_off_initrd() {
	[ -f "$DIR/initrd-off.gz" ] && return 0
	paths
	cat >"$DIR/off.c" <<'C'
#include <sys/reboot.h>
#include <unistd.h>
int main(void)
{
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
C
	gcc -static -O2 -o "$DIR/off" "$DIR/off.c"
	"$B" guest initrd --modules-from "$M" --dumper "$DIR/off" -o "$DIR/initrd-off.gz"
}

cmd=${1:-}
shift || true
case "$cmd" in
prepare)
	mkdir -p "$DIR"
	paths
	"$B" guest initrd --modules-from "$M" -o "$DIR/initrd.gz"
	"$B" guest vmlinux "$K" -o "$DIR/vmlinux"
	[ -d "$DIR/s0" ] || collect "$DIR/s0" 1 default
	;;
screen)
	mapfile -t vs < <(screen_variants)
	collect "$DIR/s1" "${1:-5}" "${vs[@]}"
	;;
confirm)
	# the promising knobs, a few that seemed to do nothing, and the
	# instrumentation's cost, in one session (CONFIRM: the names)
	build_off_initrd
	mapfile -t all < <(screen_variants; instr_variants)
	keep=" ${CONFIRM:-base pvh notests nomitig nokaslr nouarts noaudit nopit noinstr off bare} "
	vs=()
	for v in "${all[@]}"; do
		case "$keep" in *" ${v%%:*} "*) vs+=("$v") ;; esac
	done
	collect "${OUT:-$DIR/s2}" "${1:-12}" "${vs[@]}"
	;;
instr)
	# The instrumentation's cost alone, by the host's clock (spawn to
	# QEMU's exit): "off" boots an initramfs whose /init powers off at once
	# (a static reboot(RB_POWER_OFF), built here) instead of the dumper,
	# with the same modules in the image (not loaded: the dumper loads
	# them); "bare" also drops initcall_debug. Such runs have no dump
	# (verdict crash, "exited before a dump"), so compare cannot take
	# them: hosttime computes their statistics.
	build_off_initrd
	mapfile -t vs < <(instr_variants)
	collect "$DIR/instr" "${1:-20}" base "$(screen_variants | grep '^noinstr:')" "${vs[@]}"
	;;
icount)
	# icount [N] [VARIANT...]: session $DIR/ic1 (IC=DIR: another), the
	# knobs under QEMU's -icount shift=0,sleep=off: the guest's clock (and
	# TSC, 1 GHz) advances by one ns per instruction executed and jumps over
	# idle time to the next timer, so guest times count the emulated work,
	# whatever the host's load. The TSC then runs at 1 GHz:
	# tsc_early_khz=1000000 on every line. Measure with vstats.
	n=${1:-4}
	shift || true
	keep=" ${*:-base pvh notests nocerts nomitig nouarts nokaslr nopit noinstr} "
	KHZ=1000000
	line=$(default_line)
	vs=()
	while IFS= read -r v; do
		case "$keep" in *" ${v%%:*} "*) ;; *) continue ;; esac
		case "$v" in
		*:*) vs+=("$v; qemu+=-icount shift=0,sleep=off") ;;
		*) vs+=("$v: qemu+=-icount shift=0,sleep=off") ;;
		esac
	done < <(screen_variants)
	paths
	args=()
	for v in "${vs[@]}"; do args+=(--variant "$v"); done
	"$B" collect --accel tcg --kernel "$K" --initrd "$DIR/initrd.gz" -n "$n" --timeout 120 \
		--bare-append "$line" --label campaign=knobs-icount "${args[@]}" -o "${IC:-$DIR/ic1}"
	;;
vstats)
	# vstats SESSION [BASE] [VARIANT...]: per variant of an icount session,
	# the guest's virtual time from reset to the dump (the begin line's
	# tsc_now / tsc_freq: every instruction of firmware, decompressor,
	# kernel and dumper up to the dump), and the kernel's part (uptime_ns);
	# savings against BASE as stats computes them
	"$PY" -c "$PYLIB$(
		cat <<'PY'
import re, sys
s = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else "base"
only = sys.argv[3:]
t, u, order, bad = {}, {}, [], {}
for f, r in session_runs(s, order):
    v = r["variant"]
    if r["verdict"] != "ok":
        bad[v] = bad.get(v, 0) + 1
        continue
    with open(f[:-5] + ".console", "rb") as c:
        head = c.readline().decode("ascii", "replace")
    m = dict(re.findall(r"(\w+)=(\S+)", head))
    t.setdefault(v, []).append(int(m["tsc_now"]) / int(m["tsc_freq"]) * 1e3)
    u.setdefault(v, []).append(int(m["uptime_ns"]) / 1e6)
def sav(b, x):
    d = diffstat(b, x)
    return "%.1f → %.1f | **%+.1f** [%+.1f, %+.1f] | %.2g" % d if d else "- | - | -"
print("| knob | ok / failed | reset→dump ms: base → knob | saving ms [95% CI] | p | kernel (uptime) ms: base → knob | saving ms [95% CI] | p |")
print("|---|---|---|---|---|---|---|---|")
for v in (only or order):
    if v == base:
        print("| %s | %d / %d | %.1f (IQR %.1f) | | | %.1f (IQR %.1f) | | |" % (v, len(t.get(v, [])), bad.get(v, 0),
              np.median(t[v]), np.subtract(*np.percentile(t[v], [75, 25])),
              np.median(u[v]), np.subtract(*np.percentile(u[v], [75, 25]))))
        continue
    print("| %s | %d / %d | %s | %s |" % (v, len(t.get(v, [])), bad.get(v, 0), sav(t.get(base, []), t.get(v, [])),
          sav(u.get(base, []), u.get(v, []))))
PY
	)" "$@"
	;;
hosttime | stats)
	# stats SESSION [BASE] [VARIANT...]: per variant, from the run files
	# alone (host clock and QEMU's CPU time), against BASE (default base):
	#   wall: spawn -> QEMU exit of the ok runs (hosttime: of every run
	#         whose QEMU exited by itself, status 0: a guest that powers off
	#         without a dump), all of them and those not starved
	#         (docs/contention.md: run delay > 5% of wall and > 10 ms)
	#   cpu:  QEMU's user+system CPU time (cpu_ns): the emulation's work,
	#         which a host that keeps QEMU waiting for a CPU does not inflate
	# saving = median(BASE) - median(VARIANT), its 95% CI a percentile
	# bootstrap (10000 resamples, seed 1), p two-sided Mann-Whitney U.
	"$PY" -c "$PYLIB$(
		cat <<'PY'
import sys
mode, s = sys.argv[1], sys.argv[2]
base = sys.argv[3] if len(sys.argv) > 3 else "base"
only = sys.argv[4:]
rows, fails, order = {}, {}, []
for f, r in session_runs(s, order):
    v = r["variant"]
    a = r["attempts"][-1]
    h, sc, w = a.get("host_ns", {}), a.get("sched") or {}, a.get("wall_ns")
    ok = r["verdict"] == "ok"
    if mode == "hosttime":
        ok = (a.get("exit") or {}).get("how") == "exited" and a["exit"].get("code") == 0
    if not ok or "spawn" not in h or "exit" not in h:
        fails[v] = fails.get(v, 0) + 1
        continue
    d = sc.get("run_delay_ns")
    st = d is not None and w and d * 100 > 5 * w and d > 10e6
    c = a.get("cpu_ns") or {}
    rows.setdefault(v, []).append(((h["exit"] - h["spawn"]) / 1e6, st,
                                   (c.get("qemu_user", 0) + c.get("qemu_system", 0)) / 1e6))
def saving(b, x):
    d = diffstat(b, x)
    return "%+8.1f [%+8.1f, %+8.1f] %7.2g" % d[2:] if d else "%8s %20s %7s" % ("-", "-", "-")
def med(x):
    return "%8.1f" % np.median(x) if len(x) else "%8s" % "-"
B = rows.get(base, [])
bw = [r[0] for r in B]; bq = [r[0] for r in B if not r[1]]; bc = [r[2] for r in B]
import os
if os.environ.get("MD"):
    # markdown: knob | ok/failed (starved) | CPU base -> knob, saving [CI] p | wall the same
    def ms(b, x):
        d = diffstat(b, x)
        return "%.0f → %.0f | **%+.0f** [%+.0f, %+.0f] | %.2g" % d if d else "- | - | -"
    print("| knob | ok / failed (starved) | CPU ms: base → knob | CPU saving ms [95% CI] | p | wall ms: base → knob | wall saving ms [95% CI] | p |")
    print("|---|---|---|---|---|---|---|---|")
    for v in (only or order):
        if v == base:
            continue
        R = rows.get(v, [])
        w = [r[0] for r in R]; c = [r[2] for r in R]
        print("| %s | %d / %d (%d) | %s | %s |" % (v, len(R), fails.get(v, 0), sum(r[1] for r in R),
              ms(bc, c), ms(bw, w)))
    sys.exit(0)
print("%-12s %3s %3s %3s | %8s %38s | %8s %38s | %8s %38s" % ("variant", "ok", "bad", "stv",
      "wall", "saving (ms), 95% CI, p", "wall!stv", "saving (ms), 95% CI, p", "cpu", "saving (ms), 95% CI, p"))
for v in (only or order):
    R = rows.get(v, [])
    w = [r[0] for r in R]; q = [r[0] for r in R if not r[1]]; c = [r[2] for r in R]
    sw = saving(bw, w) if v != base else ""
    sq = saving(bq, q) if v != base else ""
    sc = saving(bc, c) if v != base else ""
    print("%-12s %3d %3d %3d | %s %38s | %s %38s | %s %38s" % (v, len(R), fails.get(v, 0),
          sum(r[1] for r in R), med(w), sw, med(q), sq, med(c), sc))
PY
	)" "$cmd" "$@"
	;;
table)
	s=$1
	shift
	[ $# -gt 0 ] || mapfile -t vs < <("$PY" -c 'import json,sys; print("\n".join(v["name"] for v in json.load(open(sys.argv[1]))["variants"]))' "$s/session.json")
	[ $# -eq 0 ] || vs=("$@")
	printf '%-14s %5s %5s %10s %10s %10s %22s %-12s\n' knob ok fail base_ms knob_ms saving_ms "95% CI (ms)" verdict
	for v in "${vs[@]}"; do
		[ "$v" = base ] && continue
		# shellcheck disable=SC2086 # EXCL empty: no option at all
		"$B" compare ${EXCL---exclude-starved} --format json "$s:base" "$s:$v" 2>/dev/null >"$DIR/cmp.json" || true
		"$PY" - "$DIR/cmp.json" "$s" "$v" <<'PY'
import json, sys, glob
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = None
s, v = sys.argv[2], sys.argv[3]
ok = fail = 0
for f in glob.glob(s + "/runs/[0-9][0-9][0-9][0-9].json"):
    r = json.load(open(f))
    if r.get("variant") != v or r.get("verdict") == "warmup":
        continue
    if r.get("verdict") == "ok":
        ok += 1
    else:
        fail += 1
if not d:
    print("%-14s %5d %5d %s" % (v, ok, fail, "compare failed"))
    sys.exit(0)
m = {(x["kind"], x["name"]): x for x in d["metrics"]}
t = m.get(("total", "total")) or next(x for x in d["metrics"] if x["kind"] == "total")
b, k = t["base"]["median_ns"] / 1e6, t["new"]["median_ns"] / 1e6
print("%-14s %5d %5d %10.1f %10.1f %10.1f   [%8.1f, %8.1f] %-12s n=%d/%d" % (
    v, ok, fail, b, k, -t["diff_ns"] / 1e6, -t["ci_hi_ns"] / 1e6, -t["ci_lo_ns"] / 1e6,
    t["verdict"], t["base"]["n"], t["new"]["n"]))
moved = [x for x in d["metrics"] if x["kind"] != "total" and x["verdict"] in ("faster", "slower")]
for x in moved[:6]:
    print("%14s   %s %s %+.1f ms [%+.1f, %+.1f] %s" % ("", x["kind"], x["name"], x["diff_ns"] / 1e6,
          x["ci_lo_ns"] / 1e6, x["ci_hi_ns"] / 1e6, x["verdict"]))
PY
	done
	;;
*)
	sed -n '2,/^set -euo/p' "$0" | grep '^#'
	exit 2
	;;
esac
