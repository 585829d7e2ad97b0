"""Checks of a "bootlens report" directory (tests/cli/report_*.sh).

check_html(dir, figures) parses DIR/index.html and returns its text:
  - <!DOCTYPE html>, <html lang="en">, UTF-8;
  - balanced tags (html.parser; void elements and self-closed SVG tags
    aside); every inline <svg> element well-formed XML;
  - every href="#x" names an id on the page; ids are unique; every
    table and figure has an id and a link <a href="#id"> to it;
  - every other href is a relative path that exists from DIR;
  - nothing would be fetched: no src=, no http(s)://, // or data: href,
    no @import, no url(http), no <script>, no <link>;
  - <table id="aggregate"> and one <figure id="fig-KIND" class="figure">
    with a <figcaption> per KIND in figures; every figure file it links
    exists.
check_md(dir) does the same for DIR/README.md's links and images.
"""
import html
import html.parser
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

VOID = {"meta", "br", "img", "hr", "input", "col", "area", "base", "wbr", "source", "track",
        "link", "embed", "param"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.hrefs = [], [], [], []
        self.tags, self.figures, self.text = [], {}, []
        self.in_svg = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a and not self.in_svg:
            self.ids.append(a["id"])
        if "href" in a and not self.in_svg:
            self.hrefs.append(a["href"])
        if tag == "figure":
            self.figures[a.get("id")] = a.get("class")
        if tag == "svg":
            self.in_svg += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a and not self.in_svg:
            self.ids.append(a["id"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s> at %s" % (tag, self.stack[-1] if self.stack
                                                             else "nothing", self.getpos()))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "svg":
            self.in_svg -= 1

    def handle_data(self, data):
        self.text.append(data)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def local_target(d, href):
    path = urllib.parse.unquote(href.split("#")[0])
    return os.path.join(d, path)


def check_html(d, figures):
    raw_bytes = open(os.path.join(d, "index.html"), "rb").read()
    try:
        raw = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("index.html is not UTF-8: %s" % e)
    if not raw.startswith("<!DOCTYPE html>\n"):
        fail("index.html does not start with <!DOCTYPE html>")
    if '<html lang="en">' not in raw or '<meta charset="utf-8">' not in raw:
        fail("no <html lang=\"en\"> or no charset")
    p = Page()
    p.feed(raw)
    p.close()
    if p.errors:
        fail("unbalanced tags: " + "; ".join(p.errors[:5]))
    if p.stack:
        fail("unclosed tags: %s" % p.stack)
    dup = {i for i in p.ids if p.ids.count(i) > 1}
    if dup:
        fail("duplicate ids: %s" % sorted(dup))
    ids = set(p.ids)
    for h in p.hrefs:
        if h.startswith("#"):
            if h[1:] not in ids:
                fail("anchor %s has no id" % h)
            continue
        if re.match(r"^[a-z]+:|^//", h):
            fail("a link out of the directory: %s" % h)
        if not os.path.exists(local_target(d, h)):
            fail("linked file missing: %s" % h)
    linked = {h[1:] for h in p.hrefs if h.startswith("#")}
    for tag, a in p.tags:
        if tag in ("table", "figure") and a.get("id") not in linked:
            fail("<%s id=%s> has no anchor link to it" % (tag, a.get("id")))
    for tag, a in p.tags:
        if tag in ("script", "link", "iframe", "object") or "src" in a:
            fail("something to fetch or run: <%s %s>" % (tag, a))
    if re.search(r"@import|url\(\s*['\"]?(https?:|//)", raw):
        fail("CSS fetches something")
    for m in re.finditer(r"<svg\b.*?</svg>", raw, re.S):
        try:
            ET.fromstring(m.group(0))
        except ET.ParseError as e:
            fail("an inline SVG is not well-formed XML: %s" % e)
    if "aggregate" not in ids or ("table", {"id": "aggregate", "class": "aggregate"}) not in p.tags:
        fail("no <table id=\"aggregate\">")
    for k in figures:
        if p.figures.get("fig-" + k) != "figure":
            fail("no <figure id=\"fig-%s\" class=\"figure\">" % k)
    if raw.count("<figcaption>") != raw.count("<figure "):
        fail("a figure without its figcaption")
    return "".join(p.text), raw, p


def check_md(d):
    md = open(os.path.join(d, "README.md"), encoding="utf-8").read()
    for m in re.finditer(r"\]\(([^)\s]+)\)", md):
        h = m.group(1)
        if re.match(r"^[a-z]+:|^//", h):
            fail("a Markdown link out of the directory: %s" % h)
        if not h.startswith("#") and not os.path.exists(local_target(d, h)):
            fail("Markdown link to a missing file: %s" % h)
    return md


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "html":
        check_html(sys.argv[2], sys.argv[3].split(",") if len(sys.argv) > 3 else [])
    else:
        check_md(sys.argv[2])
    print("ok: %s report %s" % (kind, sys.argv[2]))
