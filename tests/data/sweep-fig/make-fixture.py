#!/usr/bin/python3
"""Build the sweep figure fixtures from real runs (README.md).

    /usr/bin/python3 tests/data/sweep-fig/make-fixture.py

Writes tests/data/sweep-fig/cumulative and tests/data/sweep-fig/each: one
session each, the same variants and runs (interleaved), with a sweep.json
in the format of docs/sweep.md; only the mode and each step's "against"
differ. Every run is a copy of a run of tests/data/compare/ab or of
tests/data/linux-session-5 (real TCG boots of Debian's 6.1 cloud kernel
and edits of one, see their PROVENANCE.md), relabelled:

  base                 ab:new runs 1-5 (init_kprobe_trace 40 ms slower)
  no-kprobe-delay      ab:base runs 1-5 (without those 40 ms)
  userinit-boots       linux-session-5 runs 1-5 (other real boots)
  noacpi               5 runs of verdict crash ("qemu exited with status 1
                       before a dump"): linux-session-5 run 6's run file
                       with that verdict, no capture, a serial log saying
                       so: a broken step
  kprobe-delay-back    ab:new runs 6-8, 1, 2 (the 40 ms back; cumulative: after
                       a broken step, so not compared)

The knob names and specs are labels of the fixture, not knobs that were
measured: the runs are what the sources recorded. The captures are
copied byte for byte; only the run files' run, variant and file names
change.
"""
import copy, json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..")
AB = os.path.join(DATA, "compare", "ab")
L5 = os.path.join(DATA, "linux-session-5")

sess_tmpl = json.load(open(os.path.join(AB, "session.json")))
BASE_CMDLINE = sess_tmpl["variants"][0]["cmdline"]

# name, spec, source runs [(session dir, run)], or None: crash runs
KNOBS = [
    ("base", None, [(AB, r) for r in (2, 4, 6, 8, 10)]),
    ("no-kprobe-delay", "append+=fixture.a=1", [(AB, r) for r in (1, 3, 5, 7, 9)]),
    ("userinit-boots", "append+=fixture.b=1", [(L5, r) for r in (1, 2, 3, 4, 5)]),
    ("noacpi", "append+=acpi=off", None),
    ("kprobe-delay-back", "append+=fixture.c=1", [(AB, r) for r in (12, 14, 16, 2, 4)]),
]
ABOUT = {"noacpi": "no ACPI tables: the fixture's broken step (every run crashed)"}
NCRASH = 5
CRASH_REASON = "qemu exited with status 1 before a dump"


def words(k):
    return [s.split("+=", 1)[1] for _, s, _ in KNOBS[1:k + 1]]


def write(d, mode):
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "runs"))
    s = copy.deepcopy(sess_tmpl)
    s["session_id"] = "20261201T120000Z-5ee9f1%s" % ("0c" if mode == "cumulative" else "0e")
    s["created"] = "2026-12-01T12:00:00Z"
    vt = s["variants"][0]
    s["variants"] = []
    for k, (name, spec, _) in enumerate(KNOBS):
        v = copy.deepcopy(vt)
        v["name"] = name
        extra = words(k) if mode == "cumulative" else ([spec.split("+=", 1)[1]] if spec else [])
        v["cmdline"] = " ".join([BASE_CMDLINE] + extra)
        v["argv"] = [v["cmdline"] if a == vt["cmdline"] else a for a in vt["argv"]]
        s["variants"].append(v)
    # interleaved: one run of each variant in turn, as collect does
    queues = [list(src) if src else [None] * NCRASH for _, _, src in KNOBS]
    plan = []
    while any(queues):
        for k, q in enumerate(queues):
            if q:
                plan.append((KNOBS[k][0], q.pop(0)))
    s["settings"]["runs"] = 5
    s["plan"] = [{"run": i + 1, "variant": v, "warmup": False} for i, (v, _) in enumerate(plan)]
    with open(os.path.join(d, "session.json"), "w") as f:
        json.dump(s, f, indent=2)
        f.write("\n")
    for i, (variant, src) in enumerate(plan):
        run = i + 1
        if src is None:
            r = json.load(open(os.path.join(L5, "runs", "0006.json")))
            r["verdict"] = r["attempts"][0]["verdict"] = "crash"
            r["reason"] = r["attempts"][0]["reason"] = CRASH_REASON
            a = r["attempts"][0]
            a["exit"] = {"how": "exited", "code": 1, "signal_sent": 0}
            a["dump"] = {"status": "none", "bytes": 0, "crc32": "00000000"}
            for k in ("dump_begin", "dump_end"):
                a["host_ns"].pop(k, None)
            a["console_offsets"] = {}
            a["marks"] = []
            a["console_bytes"] = 0
            serial = b"[    0.000000] fixture: acpi=off: no ACPI tables, the guest stops here\n"
            a["serial_bytes"] = len(serial)
        else:
            sdir, srun = src
            r = json.load(open(os.path.join(sdir, "runs", "%04d.json" % srun)))
            a = r["attempts"][-1]
            shutil.copyfile(os.path.join(sdir, "runs", "%04d.console" % srun),
                            os.path.join(d, "runs", "%04d.console" % run))
            serial = open(os.path.join(sdir, "runs", "%04d.serial" % srun), "rb").read()
        r["run"] = run
        r["variant"] = variant
        for at in r["attempts"]:
            at["files"] = {"console": "%04d.console" % run, "serial": "%04d.serial" % run,
                           "qemu_log": "%04d.qemu.log" % run}
        with open(os.path.join(d, "runs", "%04d.serial" % run), "wb") as f:
            f.write(serial)
        with open(os.path.join(d, "runs", "%04d.json" % run), "w") as f:
            json.dump(r, f, indent=2)
            f.write("\n")
    steps = []
    for k, (name, spec, _) in enumerate(KNOBS):
        against = 0 if k == 0 or mode == "each" else k - 1
        if mode == "cumulative" and k:
            spec = spec  # the knob's own spec; the variant carries the merged line
        steps.append({"variant": name, "knob": None if k == 0 else name, "spec": spec,
                      "about": ABOUT.get(name), "against": against, "host_timed": False})
    sweep = {"kind": "bootlens-sweep", "schema_version": 1, "mode": mode, "preset": None,
             "steps": steps}
    with open(os.path.join(d, "sweep.json"), "w") as f:
        json.dump(sweep, f, indent=2)
        f.write("\n")


write(os.path.join(HERE, "cumulative"), "cumulative")
write(os.path.join(HERE, "each"), "each")
