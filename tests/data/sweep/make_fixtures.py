#!/usr/bin/python3
"""Build the sweep fixture sessions from real runs (README.md).

    /usr/bin/python3 tests/data/sweep/make_fixtures.py

Copies run files (and their captures) of tests/data/compare/ab and
tests/data/linux-session-5 into two sweep sessions, renumbered in one
interleaved plan, with a session.json and a sweep.json written here:

  each/        mode each:        base, fast, noconsole (broken), instrumentation (host-timed)
  cumulative/  mode cumulative:  base, fast, tsc, noconsole (broken), after (against a broken step)

Edits, and only these: each run file's "run", "variant" and capture names
(files.console/serial/qemu_log) follow its new number; every variant has 8
runs (linux-session-5's five ok runs are used as runs 1-5, 1, 3, 5); a
broken step's runs are linux-session-5's run 6 (a real timeout's run file) turned into
verdict "crash" with linux-session-5's real run 1 serial log as capture;
a host-timed step's runs are linux-session-5's runs 1-5 without their dump
(no console capture, dump fields, marks or dump host marks) and their
exit mark 25% of their wall time earlier (a guest that powers off at
once boots shorter; no such real run exists yet).
"""
import json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..")
AB = os.path.join(DATA, "compare", "ab")
L5 = os.path.join(DATA, "linux-session-5")


def runs_of(sdir, variant=None, nums=None):
    out = []
    for f in sorted(os.listdir(os.path.join(sdir, "runs"))):
        if not f.endswith(".json"):
            continue
        d = json.load(open(os.path.join(sdir, "runs", f)))
        if variant and d["variant"] != variant:
            continue
        if nums and d["run"] not in nums:
            continue
        out.append((sdir, d))
    return out


def broken_runs(n):
    out = []
    for _ in range(n):
        d = json.load(open(os.path.join(L5, "runs", "0006.json")))
        d["verdict"] = "crash"
        d["reason"] = "QEMU exited with status 1 before a dump"
        a = d["attempts"][-1]
        a["verdict"] = d["verdict"]
        a["reason"] = d["reason"]
        a["exit"] = {"how": "exited", "code": 1, "signal_sent": 0}
        out.append(("broken", d))
    return out


L5_8 = [1, 2, 3, 4, 5, 1, 3, 5]  # every variant has 8 runs: three repeated


def l5_runs():
    by = {d["run"]: d for _, d in runs_of(L5, nums=L5_8)}
    return [(L5, json.loads(json.dumps(by[n]))) for n in L5_8]


def host_runs():
    out = []
    for src, d in l5_runs():
        a = d["attempts"][-1]
        h = a["host_ns"]
        wall = h["exit"] - h["spawn"]
        h["exit"] = h["spawn"] + wall * 3 // 4
        for k in ("first_console_byte", "dump_begin", "dump_end"):
            h[k] = 0
        a["wall_ns"] = h["exit"] - h["spawn"]
        for k in ("console_offsets", "dump"):
            a.pop(k, None)
        a["marks"] = []
        a["console_bytes"] = 0
        d["boot_ns"] = 0
        out.append(("host", d))
    return out


def build(name, mode, steps):
    """steps: [(variant, spec, about, against, host_timed, runs)]"""
    dst = os.path.join(HERE, name)
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(os.path.join(dst, "runs"))
    sess = json.load(open(os.path.join(AB, "session.json")))
    tmpl = sess["variants"][0]
    variants, plan, queues = [], [], []
    for variant, spec, about, against, host, runs in steps:
        v = json.loads(json.dumps(tmpl))
        v["name"] = variant
        v["host_timed"] = host
        variants.append(v)
        queues.append(list(runs))
    run = 0
    while any(queues):
        for i, q in enumerate(queues):
            if not q:
                continue
            src, d = q.pop(0)
            run += 1
            old = d["run"]
            d = json.loads(json.dumps(d))
            d["run"] = run
            d["variant"] = steps[i][0]
            nnnn = "%04d" % run
            for a in d["attempts"]:
                files = a["files"]
                for kind, suffix in (("console", ".console"), ("serial", ".serial"),
                                     ("qemu_log", ".qemu.log")):
                    files[kind] = nnnn + suffix
                if src == "broken":
                    shutil.copy(os.path.join(L5, "runs", "0001.serial"),
                                os.path.join(dst, "runs", nnnn + ".serial"))
                elif src == "host":
                    shutil.copy(os.path.join(L5, "runs", "%04d.serial" % old),
                                os.path.join(dst, "runs", nnnn + ".serial"))
                else:
                    for suffix in (".console", ".serial"):
                        shutil.copy(os.path.join(src, "runs", "%04d%s" % (old, suffix)),
                                    os.path.join(dst, "runs", nnnn + suffix))
            with open(os.path.join(dst, "runs", nnnn + ".json"), "w") as f:
                json.dump(d, f, indent=2)
                f.write("\n")
            plan.append({"run": run, "variant": steps[i][0], "warmup": False})
    sess["variants"] = variants
    sess["plan"] = plan
    sess["settings"]["runs"] = max(len(s[5]) for s in steps)
    sess["session_id"] = "20261201T150000Z-5eeb%04x" % len(name)
    with open(os.path.join(dst, "session.json"), "w") as f:
        json.dump(sess, f, indent=2)
        f.write("\n")
    sweep = {"kind": "bootlens-sweep", "schema_version": 1, "mode": mode, "preset": None,
             "steps": [{"variant": s[0], "knob": None if s[0] == "base" else s[0],
                        "spec": s[1], "about": s[2], "against": s[3], "host_timed": s[4]}
                       for s in steps]}
    with open(os.path.join(dst, "sweep.json"), "w") as f:
        json.dump(sweep, f, indent=2)
        f.write("\n")


SLOW = runs_of(AB, "new")   # init_kprobe_trace 40 ms slower: the baseline
FAST = runs_of(AB, "base")  # the knob that removes it
FAST_SPEC = "append+=initcall_blacklist=init_kprobe_trace"
BROKEN_SPEC = "append-=console=ttyS0"
INSTR_SPEC = "append-=initcall_debug; append-=log_buf_len=4M; initrd=/tmp/bare-initrd.gz; timing=host"

build("each", "each", [
    ("base", None, None, 0, False, SLOW),
    ("fast", FAST_SPEC, "init_kprobe_trace blacklisted", 0, False, FAST),
    ("noconsole", BROKEN_SPEC, None, 0, False, broken_runs(8)),
    ("instrumentation", INSTR_SPEC, "the cost of the instrumentation, host-timed", 0, True,
     host_runs()),
])
build("cumulative", "cumulative", [
    ("base", None, None, 0, False, SLOW),
    ("fast", FAST_SPEC, None, 0, False, FAST),
    ("tsc", "append+=tsc=reliable", None, 1, False, l5_runs()),
    ("noconsole", BROKEN_SPEC, None, 2, False, broken_runs(8)),
    ("after", "append+=quiet", None, 3, False, runs_of(AB, "base")),
])
