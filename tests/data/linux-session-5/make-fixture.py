#!/usr/bin/python3
"""Build tests/data/linux-session-5 from two real captures (PROVENANCE.md).

Run from this directory: ./make-fixture.py. Deterministic: the same
inputs give the same files, byte for byte.
"""
import json
import re
import shutil
import zlib

SRC = "../linux-session"
USERINIT = "../linux-session-userinit"
# run: (source dir, factor on "after N usecs", ns added to host exit, run delay)
RUNS = {
    1: (SRC, None, 0, None),
    2: (USERINIT, None, 0, None),
    3: (SRC, 1.10, 180_000_000, None),
    4: (SRC, 0.93, 20_000_000, 400_000_000),  # starved: 400 ms of ~3.4 s
    5: (SRC, 1.04, 60_000_000, None),
}
FAILED = 6  # a timed-out run: listed, never averaged in


def scale_usecs(text, factor, run):
    """Scale each initcall's "after N usecs" by factor, with a per-line
    jitter of +-3%, keeping N's digit count (so every byte offset stays)."""
    count = [0]

    def one(m):
        count[0] += 1
        n = int(m.group(1))
        jitter = 1 + 0.03 * (((count[0] * 7919 + run * 104729) % 201) - 100) / 100
        v = int(round(n * factor * jitter))
        if len(str(v)) != len(str(n)):
            return m.group(0)
        return "after %d usecs" % v

    return re.sub(r"after (\d+) usecs", one, text)


def refresh_end_line(text):
    """Recompute the end line's crc32 over the bytes after the begin line's
    newline up to the end line (docs/framing.md)."""
    begin = text.index("\n", text.index("@@bootlens v1 begin")) + 1
    end = text.index("@@bootlens end ")
    body = text[begin:end].encode()
    line_end = text.index("\n", end)
    old = text[end:line_end]
    new = re.sub(r"crc32=[0-9a-f]{8}", "crc32=%08x" % zlib.crc32(body), old)
    new = re.sub(r"bytes=\d+", "bytes=%d" % len(body), new)
    assert len(new) == len(old)
    return text[:end] + new + text[line_end:], "%08x" % zlib.crc32(body)


def main():
    session = json.load(open(SRC + "/session.json"))
    session["settings"]["runs"] = len(RUNS) + 1
    session["plan"] = [{"run": r, "variant": "default", "warmup": False}
                       for r in range(1, len(RUNS) + 2)]
    json.dump(session, open("session.json", "w"), indent=2)
    open("session.json", "a").write("\n")
    for run, (src, factor, exit_add, delay) in RUNS.items():
        meta = json.load(open(src + "/runs/0001.json"))
        text = open(src + "/runs/0001.console", newline="").read()
        a = meta["attempts"][0]
        if factor is not None:
            text, crc = refresh_end_line(scale_usecs(text, factor, run))
            a["dump"]["crc32"] = crc
        a["host_ns"]["exit"] += exit_add
        a["wall_ns"] += exit_add
        if delay is not None:
            a["sched"] = {"run_delay_ns": delay, "on_cpu_ns": 2_100_000_000,
                          "threads": 3, "samples": 68}
        meta["run"] = run
        for k, v in a["files"].items():
            a["files"][k] = "%04d.%s" % (run, v.split(".", 1)[1])
        json.dump(meta, open("runs/%04d.json" % run, "w"), indent=2)
        open("runs/%04d.json" % run, "a").write("\n")
        open("runs/%04d.console" % run, "w", newline="").write(text)
        shutil.copy(src + "/runs/0001.serial", "runs/%04d.serial" % run)
    meta = json.load(open(SRC + "/runs/0001.json"))
    meta["run"] = FAILED
    meta["verdict"] = "timeout"
    meta["reason"] = "no dump within 30 s"
    meta["boot_ns"] = 0
    a = meta["attempts"][0]
    a["verdict"] = "timeout"
    a["reason"] = "no dump within 30 s"
    a["files"] = {k: "%04d.%s" % (FAILED, v.split(".", 1)[1]) for k, v in a["files"].items()}
    json.dump(meta, open("runs/%04d.json" % FAILED, "w"), indent=2)
    open("runs/%04d.json" % FAILED, "a").write("\n")


main()
