#!/usr/bin/python3
"""Build the hostile-name fixtures (README.md here).

    /usr/bin/python3 tests/data/inject/make_fixtures.py

Writes, deterministically:

  - hostile-tslog.txt: a FreeBSD-style tslog(4) capture whose function
    names (a record's name and argument) hold quotes, backquotes,
    system("touch CANARY"), <script>, &, @macros, $(...), LaTeX specials
    and an underscore that enhanced text would turn into a subscript;
    hammer_time, mi_startup and start_init are there so that the
    firmware, early, sysinit and rootfs+init phases exist.
  - session/: runs 1-4 of tests/data/compare/ab (variants base and new,
    interleaved; real TCG boots of Debian's 6.1 cloud kernel, edited as
    tests/data/compare/PROVENANCE.md says) with five initcalls renamed to
    hostile names in every "calling"/"initcall" line, and hostile labels
    in session.json (quotes, backquotes, <script>, &, newlines). The
    framing stays valid: the end line's bytes= and crc32= are recomputed
    over the edited dump, and the run file's console fields follow.
"""
import json, os, re, shutil, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "compare", "ab")

# Linux symbols end at '+' or a space: no spaces in these.
RENAME = {
    "crypto_algapi_init": "it's\"dq\"",
    "load_system_certificate_list": "`touch${IFS}CANARY`",
    "cubictcp_register": "system(\"touch_CANARY\")",
    "init_kprobe_trace": "<script>alert(1)</script>&amp;",
    "inet_init": "@macro\\textbf{x}_y%z",
}

LABELS = {
    "commit": "abc'def\"`touch CANARY`",
    "note": "line one\nline two <script>alert(1)</script> & system(\"touch CANARY\")",
    "branch": "@macro $(touch CANARY) hammer_time",
}

TSLOG_NAMES = [
    ("it's", ""),
    ("\"double\"", "quoted"),
    ("`touch", "CANARY`"),
    ("system(\"touch", "CANARY\")"),
    ("<script>alert(1)</script>", ""),
    ("a&b", "&amp;"),
    ("@macro", ""),
    ("$(touch", "CANARY)"),
    ("\\textbf{x}_%y", "50%"),
]


def write_tslog():
    thr, init = "0xffffffff8251db00", "0xfffff80003a2c000"
    t = 1000000
    lines = ["SMOLFIRE_TSLOG_META tsc_freq=1000000000 ncpu=1 ident=BOOTLENS-INJECT",
             "SMOLFIRE_TSLOG_BEGIN"]

    def rec(tid, kind, name, arg=""):
        lines.append("%s %d %s %s%s" % (tid, t, kind, name, " " + arg if arg else ""))

    rec(thr, "ENTER", "hammer_time")
    for i, (name, arg) in enumerate(TSLOG_NAMES[:4]):
        t += 200000
        rec(thr, "ENTER", name, arg)
        t += 300000 + 100000 * i
        rec(thr, "EXIT", name, arg)
    t += 100000
    rec(thr, "EXIT", "hammer_time")
    t += 50000
    rec(thr, "ENTER", "mi_startup")
    for i, (name, arg) in enumerate(TSLOG_NAMES[4:]):
        t += 100000
        rec(thr, "ENTER", "SYSINIT", name + (" " + arg if arg else ""))
        t += 700000 + 150000 * i
        rec(thr, "EXIT", "SYSINIT", name + (" " + arg if arg else ""))
    t += 100000
    rec(init, "ENTER", "start_init")
    t += 2000000
    rec(init, "EXIT", "start_init")
    rec(thr, "EXIT", "mi_startup")
    lines.append("SMOLFIRE_TSLOG_END")
    with open(os.path.join(HERE, "hostile-tslog.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def rename(text):
    for old, new in RENAME.items():
        text = re.sub(r"(calling  |initcall )%s\+" % re.escape(old),
                      lambda m: m.group(1) + new + "+", text)
    return text


def reframe(text):
    begin_end = text.index("\n") + 1
    end_at = text.index("@@bootlens end ")
    body = text[begin_end:end_at].encode()
    end_line_end = text.index("\n", end_at) + 1
    m = re.match(r"@@bootlens end sections=(\d+) ", text[end_at:])
    end_line = "@@bootlens end sections=%s bytes=%d crc32=%08x\n" % (
        m.group(1), len(body), zlib.crc32(body))
    full = (text[:end_at] + end_line + text[end_line_end:]).encode()
    return full, begin_end, begin_end + len(body), len(body), zlib.crc32(body)


def write_session():
    d = os.path.join(HERE, "session")
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "runs"))
    s = json.load(open(os.path.join(SRC, "session.json")))
    s["labels"] = LABELS
    s["plan"] = s["plan"][:4]
    s["settings"]["runs"] = 2
    with open(os.path.join(d, "session.json"), "w") as f:
        json.dump(s, f, indent=2)
        f.write("\n")
    for run in range(1, 5):
        src = os.path.join(SRC, "runs", "%04d" % run)
        text = rename(open(src + ".console", "rb").read().decode())
        full, off_begin, off_end, nbytes, crc = reframe(text)
        r = json.load(open(src + ".json"))
        a = r["attempts"][-1]
        a["console_bytes"] = len(full)
        a["dump"]["bytes"] = nbytes
        a["dump"]["crc32"] = "%08x" % crc
        if "console_offsets" in a:
            a["console_offsets"]["dump_end"] = off_end
        for mk in a.get("marks", []):
            mk["offset"] = full.index(b"@@bootlens mark " + mk["name"].encode())
        dst = os.path.join(d, "runs", "%04d" % run)
        with open(dst + ".json", "w") as f:
            json.dump(r, f, indent=2)
            f.write("\n")
        with open(dst + ".console", "wb") as f:
            f.write(full)
        shutil.copyfile(src + ".serial", dst + ".serial")


write_tslog()
write_session()
