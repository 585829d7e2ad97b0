#!/usr/bin/python3
"""Build the compare fixture sessions from one real capture (PROVENANCE.md).

    /usr/bin/python3 tests/data/compare/make_fixtures.py

Writes tests/data/compare/ab (variants base and new, 8 runs each,
interleaved) and tests/data/compare/other-qemu (2 runs of base recorded
with another QEMU version and accelerator), every run an edit of
tests/data/linux-session/runs/0001.console (a real TCG boot of Debian's
6.1 cloud kernel) and its 0001.json:

  - per run, a deterministic jitter: every initcall's "after N usecs"
    shortened by 0-4% (its timestamps stay: the analyzer takes the
    usecs when they fit inside the timestamps), and every printk stamp
    from "calling acpi_init" on (and every host mark after it) moved
    later by 0-6 ms, so the initcalls phase and the total vary;
  - new: init_kprobe_trace 40 ms slower (its returned line and all that
    follows 40 ms later, its usecs +40000);
  - base run 5 (the 3rd of base) is starved: its sched record says QEMU
    waited 900 ms of its wall time for a CPU; the others waited 30 ms.

The framing stays valid: the end line's bytes= and crc32= (zlib's crc32,
as guest/framing.h computes them) are recomputed over the edited dump,
and the run file's console offsets, byte counts and dump fields follow.
"""
import json, os, re, shutil, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "linux-session")
TSC_HZ = 2299840000

cap = open(os.path.join(SRC, "runs", "0001.console"), "rb").read().decode()
run_tmpl = json.load(open(os.path.join(SRC, "runs", "0001.json")))
sess_tmpl = json.load(open(os.path.join(SRC, "session.json")))
serial = open(os.path.join(SRC, "runs", "0001.serial"), "rb").read()

STAMP = re.compile(r"^(<\d>)\[\s*(\d+)\.(\d{6})\]")
USECS = re.compile(r"returned (-?\d+) after (\d+) usecs")


def lcg(seed):
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        yield (x >> 33) / 2**31


def edit(run, slow_us):
    """The capture of run (1-based) with jitter, slow_us added to
    init_kprobe_trace. Returns (text, shift at the end in us, shift of
    the jitter point in ns)."""
    rnd = lcg(run * 7919)
    jitter_us = int(next(rnd) * 6000)
    lines = cap.split("\n")
    out = []
    shift = 0
    in_dump = False
    for ln in lines:
        if ln.startswith("@@bootlens v1 begin"):
            out.append(ln)
            in_dump = True
            continue
        m = STAMP.match(ln)
        if in_dump and m:
            if "calling  acpi_init+" in ln:
                shift += jitter_us
            if "initcall init_kprobe_trace+" in ln and slow_us:
                shift += slow_us
                f = 1 - 0.04 * next(rnd)
                ln = USECS.sub(lambda u: "returned %s after %d usecs" %
                               (u.group(1), int(int(u.group(2)) * f) + slow_us), ln)
            elif "initcall " in ln and " returned " in ln:
                f = 1 - 0.04 * next(rnd)
                ln = USECS.sub(lambda u: "returned %s after %d usecs" %
                               (u.group(1), int(int(u.group(2)) * f)), ln)
            us = int(m.group(2)) * 1000000 + int(m.group(3))
            if us > 0:
                us += shift
            ln = "%s[%5d.%06d]%s" % (m.group(1), us // 1000000, us % 1000000, ln[m.end():])
        out.append(ln)
    return "\n".join(out), shift


def reframe(text, shift_us):
    """Recompute the end line's bytes and crc32; move the begin line's and
    the poweroff mark's guest clocks by shift_us."""
    begin_end = text.index("\n") + 1
    begin = text[:begin_end]
    def bump(m):
        k, v = m.group(1), int(m.group(2))
        add = shift_us * 1000 if k != "tsc_now" else shift_us * TSC_HZ // 1000000
        return "%s=%d" % (k, v + add)
    begin = re.sub(r"(uptime_ns|tsc_now)=(\d+)", bump, begin)
    end_at = text.index("@@bootlens end ")
    body = text[begin_end:end_at].encode()
    end_line_end = text.index("\n", end_at) + 1
    end_line = "@@bootlens end sections=4 bytes=%d crc32=%08x\n" % (len(body), zlib.crc32(body))
    rest = re.sub(r"uptime_ns=(\d+)", lambda m: "uptime_ns=%d" % (int(m.group(1)) + shift_us * 1000),
                  text[end_line_end:])
    full = (begin + text[begin_end:end_at] + end_line + rest).encode()
    return full, len(begin), len(begin) + len(body), len(body), zlib.crc32(body)


def write_session(d, variants, plan, cpu=None, qemu=None, accel=None):
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "runs"))
    s = json.loads(json.dumps(sess_tmpl))
    s["session_id"] = "20261201T100000Z-c0ffee%02d" % len(plan)
    s["created"] = "2026-12-01T10:00:00Z"
    if cpu:
        s["host"]["cpu_model"] = cpu
    if qemu:
        s["host"]["qemu_version"] = qemu
    if accel:
        s["host"]["accel"] = accel
        s["host"]["accel_requested"] = accel
    s["settings"]["runs"] = sum(1 for p in plan if p[0] == variants[0][0])
    vt = s["variants"][0]
    s["variants"] = []
    for name, cmdline in variants:
        v = json.loads(json.dumps(vt))
        v["name"] = name
        v["cmdline"] = cmdline
        v["argv"] = [cmdline if a == vt["cmdline"] else a for a in vt["argv"]]
        s["variants"].append(v)
    s["plan"] = [{"run": i + 1, "variant": p[0], "warmup": False} for i, p in enumerate(plan)]
    with open(os.path.join(d, "session.json"), "w") as f:
        json.dump(s, f, indent=2)
        f.write("\n")
    t0 = run_tmpl["attempts"][0]["host_ns"]["spawn"]
    for i, (variant, slow_us, starved) in enumerate(plan):
        run = i + 1
        text, shift_us = edit(run, slow_us)
        full, off_end, _, nbytes, crc = reframe(text, shift_us)
        r = json.loads(json.dumps(run_tmpl))
        r["run"] = run
        r["variant"] = variant
        r["started"] = "2026-12-01T10:%02d:00Z" % run
        a = r["attempts"][0]
        base = t0 + run * 10 * 10**9  # runs 10 s apart
        h = a["host_ns"]
        delta = base - t0
        for k in h:
            h[k] += delta
            if k not in ("spawn", "first_serial_byte"):
                h[k] += shift_us * 1000
        a["files"] = {"console": "%04d.console" % run, "serial": "%04d.serial" % run,
                      "qemu_log": "%04d.qemu.log" % run}
        a["console_offsets"] = {"dump_begin": 0, "dump_end": off_end}
        for mk in a["marks"]:
            mk["host_ns"] += delta + shift_us * 1000
            mk["uptime_ns"] += shift_us * 1000
            mk["offset"] = full.index(b"@@bootlens mark " + mk["name"].encode())
        a["console_bytes"] = len(full)
        a["dump"] = {"status": "ok", "bytes": nbytes, "crc32": "%08x" % crc}
        a["wall_ns"] = h["exit"] - h["spawn"]
        r["boot_ns"] = h["dump_begin"] - h["spawn"]
        a["sched"] = {"run_delay_ns": 900000000 if starved else 30000000,
                      "on_cpu_ns": 2200000000, "threads": 3, "samples": 70}
        a["loadavg_1m"] = 1.0
        a["cpus_online"] = 2
        with open(os.path.join(d, "runs", "%04d.json" % run), "w") as f:
            json.dump(r, f, indent=2)
            f.write("\n")
        with open(os.path.join(d, "runs", "%04d.console" % run), "wb") as f:
            f.write(full)
        with open(os.path.join(d, "runs", "%04d.serial" % run), "wb") as f:
            f.write(serial)


cmdline = sess_tmpl["variants"][0]["cmdline"]
plan = []
for k in range(8):
    plan.append(("base", 0, k == 2))
    plan.append(("new", 40000, False))
write_session(os.path.join(HERE, "ab"), [("base", cmdline), ("new", cmdline)], plan)
write_session(os.path.join(HERE, "other-qemu"), [("base", cmdline)],
              [("base", 0, False), ("base", 0, False)],
              qemu="QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)", accel="kvm")
