// Check what tests/cli/lib/browser.mjs read from a page, for the browser-label
// tests (tests/cli/browser_*.sh). One mode a call:
//
//   node browser_check.mjs speedscope RESULT.json WANT...
//       RESULT's first --text is the sandwich table as first shown, each
//       further one the table after a search for the WANT of the same rank:
//       a row's symbol name must be WANT (a trace's names carry their args
//       as JSON, 'acpi_init {"line":546}': that suffix is not compared).
//   node browser_check.mjs report RESULT.json DIR FIGURES
//       the page DIR/index.html as docs/report.md promises it, from the
//       file (UTF-8, <!DOCTYPE html> first, no <?xml or <!DOCTYPE svg left
//       in it) and RESULT's --attr and --text, in the order
//       browser_report.sh reads them: every table[id] and figure[id] linked
//       by an <a href="#ID">, lang en, charset utf-8, table#aggregate
//       showing the total, the phase initcalls and crypto_algapi_init, the
//       phases figure naming initcalls; DIR/figures/ with FIGURES .svg or
//       more, each with its .gp beside it, and a .dat.
//   node browser_check.mjs hostile RESULT.json ANALYSIS.json [SESSION.json]
//       every function name in ANALYSIS (bootlens analyze --format json)
//       that holds a character HTML, SVG or gnuplot would interpret
//       (" ' ` < > & \ $, CR, LF, "system(") is the textContent of an
//       element in RESULT's --text lists: NAME, or "NAME ARG" for a frame
//       with an argument, or "fn:NAME" (the aggregate's metric), after a
//       trim of surrounding white space, control bytes allowed to show as
//       spaces (docs/exports.md); and no text holds an entity escaped
//       twice (&amp;lt;), unless a name holds one. With SESSION.json,
//       each of its labels is shown as "KEY=VALUE" inside the text of an
//       element (the environment's labels row), control bytes again
//       allowed to show as spaces.
//
// Prints a summary line, then one line per problem; exits 0 when there is
// none, 1 when there is one, 2 on a usage error or an unreadable RESULT.
import fs from 'node:fs';
import path from 'node:path';

const [mode, resultPath, ...rest] = process.argv.slice(2);
function usage(msg) {
  console.error(`browser_check.mjs: ${msg}`);
  console.error('usage: node browser_check.mjs speedscope RESULT.json WANT... | ' +
    'report RESULT.json DIR FIGURES | hostile RESULT.json ANALYSIS.json [SESSION.json]');
  process.exit(2);
}
function readJSON(p, what) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    console.error(`browser_check.mjs: ${what} '${p}': ${e.message}`);
    process.exit(2);
  }
}
if (!mode || !resultPath) usage('no mode or no RESULT.json');
const res = readJSON(resultPath, 'cannot read the browser result');
const texts = res.texts.map((t) => t.texts);
const bad = [];
let summary = '';

function speedscope(wants) {
  if (texts.length !== wants.length + 1) {
    bad.push(`${texts.length} tables read, want ${wants.length + 1}: the browser run stopped early`);
    return;
  }
  wants.forEach((want, i) => {
    const names = texts[i + 1].map((c) => c.replace(/ \{.*\}$/, ''));
    if (!names.includes(want)) {
      bad.push(`'${want}' not in the sandwich table when searched (rows: ${JSON.stringify(texts[i + 1].slice(0, 8))})`);
    }
  });
  summary = `${texts[0].length} rows in view, first: ${JSON.stringify(texts[0].slice(1, 6))}`;
}

function report(dir, nfig) {
  const attr = (sel, name) => res.attrs.find((a) => a.selector === sel && a.name === name)?.values;
  const ids = attr('table[id], figure[id]', 'id');
  const links = attr('a[href^="#"]', 'href');
  const lang = attr('html', 'lang');
  const charset = attr('meta[charset]', 'charset');
  if (!ids || !links || !lang || !charset || texts.length < 2) {
    bad.push('the browser run stopped before reading the page');
    return;
  }
  const bytes = fs.readFileSync(path.join(dir, 'index.html'));
  let html;
  try {
    html = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
  } catch {
    bad.push('index.html is not UTF-8');
    html = bytes.toString('utf8');
  }
  if (!/^\s*<!DOCTYPE html>/i.test(html)) bad.push('index.html does not start with <!DOCTYPE html>');
  if (html.includes('<?xml') || /<!DOCTYPE svg/i.test(html)) {
    bad.push('an inline SVG keeps its XML declaration or DOCTYPE');
  }
  if (JSON.stringify(lang) !== '["en"]') bad.push(`<html lang> is ${JSON.stringify(lang)}, want ["en"]`);
  const cs = charset.map((c) => (c ?? '').toLowerCase());
  if (JSON.stringify(cs) !== '["utf-8"]') bad.push(`<meta charset> is ${JSON.stringify(cs)}, want ["utf-8"]`);
  const missing = ids.filter((id) => !links.includes(`#${id}`));
  if (missing.length) bad.push(`no <a href="#ID"> to: ${JSON.stringify(missing)}`);
  const agg = texts[0].join('');
  for (const want of ['total', 'initcalls', 'crypto_algapi_init']) {
    if (!agg.includes(want)) bad.push(`table#aggregate does not show '${want}'`);
  }
  if (!texts[1].join('').includes('initcalls')) bad.push("the phases figure does not name the phase 'initcalls'");
  const figs = path.join(dir, 'figures');
  const files = fs.existsSync(figs) ? fs.readdirSync(figs).sort() : [];
  const svgs = files.filter((f) => f.endsWith('.svg'));
  if (svgs.length < nfig) bad.push(`${svgs.length} .svg files under figures/, want ${nfig} or more: ${JSON.stringify(files)}`);
  for (const s of svgs) {
    const gp = `${s.slice(0, -4)}.gp`;
    if (!files.includes(gp)) bad.push(`figures/${s} has no ${gp} beside it`);
  }
  if (!files.some((f) => f.endsWith('.dat'))) bad.push('no .dat file under figures/');
  summary = `${ids.length} tables and figures with an id, ${ids.length - missing.length} linked; ${svgs.length} figure files`;
}

function hostile(analysisPath, sessionPath) {
  const analysis = readJSON(analysisPath, 'bootlens analyze --format json of the capture is not JSON:');
  const risky = /["'`<>&\\$\n\r]|system\(/;
  const names = new Set();
  (function walk(o) {
    if (Array.isArray(o)) {
      o.forEach(walk);
    } else if (o && typeof o === 'object') {
      for (const [k, v] of Object.entries(o)) {
        if (k === 'nodes' && Array.isArray(v)) {
          // shown as bootlens shows a frame: "NAME ARG" (docs/analyze.md)
          for (const n of v) {
            if (typeof n.name === 'string') names.add(typeof n.arg === 'string' ? `${n.name} ${n.arg}` : n.name);
          }
        }
        walk(v);
      }
    }
  })(analysis);
  const wanted = [...names].filter((n) => risky.test(n)).sort();
  if (!wanted.length) {
    bad.push("the capture's call trees hold no hostile function name");
    return;
  }
  const leaves = texts.flat();
  const shown = new Set();
  for (const t of leaves) {
    for (const s of [t, t.trim()]) {
      shown.add(s);
      if (s.startsWith('fn:')) shown.add(s.slice(3));
    }
  }
  const ctl = /[\x00-\x1f\x7f]/g;
  for (const n of wanted) {
    if (!shown.has(n) && !shown.has(n.replace(ctl, ' '))) bad.push(`${JSON.stringify(n)} is not the text of any element`);
  }
  if (!wanted.some((n) => /&\w+;/.test(n))) {
    const twice = leaves.filter((t) => /&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-f]+);/i.test(t));
    if (twice.length) bad.push(`text escaped twice: ${JSON.stringify(twice.slice(0, 3))}`);
  }
  summary = `${wanted.length - bad.length} of ${wanted.length} hostile names shown literally`;
  if (sessionPath) {
    const labels = Object.entries(readJSON(sessionPath, 'cannot read').labels ?? {});
    const nbad = bad.length;
    for (const [k, v] of labels) {
      const kv = `${k}=${v}`;
      if (!leaves.some((t) => t.includes(kv) || t.includes(kv.replace(ctl, ' ')))) {
        bad.push(`the label ${JSON.stringify(kv)} is not in the text of any element`);
      }
    }
    summary += `, ${labels.length - (bad.length - nbad)} of ${labels.length} labels`;
  }
}

if (mode === 'speedscope') speedscope(rest);
else if (mode === 'report' && rest.length === 2 && /^[0-9]+$/.test(rest[1])) report(rest[0], Number(rest[1]));
else if (mode === 'hostile' && (rest.length === 1 || rest.length === 2)) hostile(rest[0], rest[1]);
else usage(`bad arguments for mode '${mode}'`);
console.log(summary || 'not checked');
for (const b of bad) console.log(b);
process.exit(bad.length ? 1 : 0);
