#!/usr/bin/python3
"""Build tests/data/host-timed from real runs (PROVENANCE.md).

Run from this directory: ./make-fixture.py. Deterministic: the same
inputs give the same files, byte for byte.
"""
import copy
import json
import os
import shutil

SRC = "../linux-session-5"
# The plan, interleaved: base runs are linux-session-5's runs 1, 3, 5 (real
# captures, renumbered); bare runs are host-timed: an empty console, the
# serial bytes of a real bare boot (bare.serial), host marks spawn, first
# serial byte and exit only, verdict ok, no dump.
BASE = {1: 1, 3: 3, 5: 5}  # run here: run of linux-session-5
# run here: (linux-session-5 run whose spawn it starts at, spawn to exit ns,
# spawn to first serial byte ns)
BARE = {2: (1, 2_912_345_678, 1_650_000_000),
        4: (3, 2_987_654_321, 1_700_000_000),
        6: (5, 2_950_000_000, 1_680_000_000)}
BARE_CMDLINE = ("console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=2299840 "
                "tsc=reliable")


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    with open(os.path.join(SRC, "session.json")) as f:
        meta = json.load(f)
    base = meta["variants"][0]
    base["name"] = "base"
    bare = copy.deepcopy(base)
    bare["name"] = "bare"
    bare["cmdline"] = BARE_CMDLINE
    bare["initrd"] = {"path": "/tmp/bare.gz", "size": 42952,
                      "sha256": "0" * 64}
    bare.pop("argv", None)
    bare["host_timed"] = True
    meta["variants"] = [base, bare]
    meta["session_id"] = "20261201T153000Z-00c0ffee"
    meta["settings"]["runs"] = 3
    meta["plan"] = [{"run": i, "variant": "base" if i % 2 else "bare",
                     "warmup": False} for i in range(1, 7)]
    shutil.rmtree("runs", ignore_errors=True)
    os.mkdir("runs")
    dump("session.json", meta)
    for run, src in BASE.items():
        with open(os.path.join(SRC, "runs", "%04d.json" % src)) as f:
            r = json.load(f)
        r["run"] = run
        r["variant"] = "base"
        for a in r["attempts"]:
            for k, v in a["files"].items():
                a["files"][k] = v.replace("%04d" % src, "%04d" % run)
        dump("runs/%04d.json" % run, r)
        for ext in ("console", "serial"):
            shutil.copyfile(os.path.join(SRC, "runs", "%04d.%s" % (src, ext)),
                            "runs/%04d.%s" % (run, ext))
    for run, (src, total, serial) in BARE.items():
        with open(os.path.join(SRC, "runs", "%04d.json" % src)) as f:
            r = json.load(f)
        a = r["attempts"][0]
        spawn = a["host_ns"]["spawn"]
        r["run"] = run
        r["variant"] = "bare"
        r["boot_ns"] = None
        a["files"] = {k: "%04d.%s" % (run, k.replace("qemu_log", "qemu.log"))
                      for k in ("console", "serial", "qemu_log")}
        a["host_ns"] = {"spawn": spawn, "first_serial_byte": spawn + serial,
                        "exit": spawn + total}
        a["console_offsets"] = {}
        a["marks"] = []
        a["console_bytes"] = 0
        a["serial_bytes"] = os.path.getsize("bare.serial")
        a["dump"] = None
        a["wall_ns"] = total
        a.pop("sched", None)
        dump("runs/%04d.json" % run, r)
        open("runs/%04d.console" % run, "w").close()
        shutil.copyfile("bare.serial", "runs/%04d.serial" % run)


main()
