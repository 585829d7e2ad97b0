// Drive Debian's chromium headless through the DevTools protocol
// (puppeteer-core, installed into the build tree by tests/cli/lib/browser.sh:
// never committed) for the browser-label tests: open one local page, run
// the steps given, in order, and fail on anything the page did wrong.
//
// usage: node browser.mjs [--puppeteer DIR] [--timeout S] [--step-timeout S]
//                         [--viewport WxH] --url URL STEP...
//   --puppeteer DIR     where puppeteer-core is installed (DIR/node_modules);
//                       default $BOOTLENS_BROWSER_MODULES
//   --timeout S         the whole run, browser start to exit (default 60):
//                       past it chromium is killed and the run fails
//   --step-timeout S    one step, e.g. a --wait (default 20)
//   --viewport WxH      CSS pixels (default 1280x900)
//   --url URL           a file: or data: URL, opened first
// steps, run in the order given (SEL: a CSS selector, or puppeteer's
// ::-p-text(TEXT), the smallest elements holding TEXT):
//   --wait SEL          until an element matches the CSS selector SEL
//   --wait-text TEXT    until the body's text contains TEXT
//   --upload SEL FILE   give FILE to the <input type=file> SEL
//   --click SEL         click the first element matching SEL
//   --open SEL TARGET   click SEL until TARGET is visible (up to 10 times)
//   --key KEY           press KEY (a puppeteer key name: "3", "Enter", ...;
//                       "Control+a" holds Control while it presses a)
//   --type TEXT         type TEXT into the focused element
//   --expect SEL[OPN]   count the elements matching SEL: SEL alone wants at
//                       least one, SEL=N exactly N, SEL>=N at least N
//   --text SEL          record the textContent of every element matching SEL
//   --attr SEL NAME     record attribute NAME of every element matching SEL
//   --screenshot PNG    save a full-page screenshot
//
// chromium runs as /usr/bin/chromium with exactly the flags of issue 12
// (--headless --no-sandbox --disable-gpu --no-first-run
// --disable-background-networking --disable-component-update) and a fresh
// --user-data-dir in a temporary directory removed at exit; puppeteer adds
// --remote-debugging-pipe, nothing else (Debian's /usr/bin/chromium wrapper
// adds its own /etc/chromium.d flags). A problem is any console message of
// type error, an uncaught page error, a dialog (alert, confirm, prompt:
// dismissed), a failed request, a request for anything but a file: or
// data: URL (it is aborted: the page must need no network), a step that
// times out (the steps after it are not run), or a failed --expect.
//
// Prints one JSON object on stdout: {url, flags, checks: [{selector, want,
// count, ok}], texts: [{selector, texts: [...]}], attrs: [{selector, name,
// values: [...]}] (one entry per --text or --attr, in order), screenshots:
// [...], requests: N, problems: [...]}, each problem also on stderr as
// "browser: PROBLEM". Exit 0 when there is no problem, 1 when there is
// one, 2 on a usage error or when puppeteer-core is not found.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update'];
const CHROMIUM = '/usr/bin/chromium';

function usage(msg) {
  console.error(`browser.mjs: ${msg}`);
  console.error('usage: node browser.mjs [--puppeteer DIR] [--timeout S] [--step-timeout S] ' +
    '[--viewport WxH] --url URL [--wait SEL | --wait-text TEXT | --upload SEL FILE | ' +
    '--click SEL | --open SEL TARGET | --key KEY | --type TEXT | --expect SEL[=N|>=N] | --text SEL | ' +
    '--attr SEL NAME | --screenshot PNG]...');
  process.exit(2);
}

// Options and steps, in the order given.
const opt = {modules: process.env.BOOTLENS_BROWSER_MODULES, timeout: 60, stepTimeout: 20,
  width: 1280, height: 900, url: null};
const steps = [];
const arity = {'--wait': 1, '--wait-text': 1, '--upload': 2, '--click': 1, '--open': 2, '--key': 1,
  '--type': 1, '--expect': 1, '--text': 1, '--attr': 2, '--screenshot': 1};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const need = (n) => {
    if (i + n >= argv.length) usage(`${a} needs ${n} argument${n > 1 ? 's' : ''}`);
    const v = argv.slice(i + 1, i + 1 + n);
    i += n;
    return v;
  };
  const seconds = (v) => {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || Number(v) <= 0) usage(`${a}: '${v}' is not a number of seconds`);
    return Number(v);
  };
  if (a === '--help' || a === '-h') {
    const lines = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    const head = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
    process.stdout.write(head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    process.exit(0);
  } else if (a === '--puppeteer') [opt.modules] = need(1);
  else if (a === '--timeout') opt.timeout = seconds(need(1)[0]);
  else if (a === '--step-timeout') opt.stepTimeout = seconds(need(1)[0]);
  else if (a === '--viewport') {
    const [v] = need(1);
    const m = /^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$/.exec(v);
    if (!m) usage(`--viewport: '${v}' is not WIDTHxHEIGHT`);
    opt.width = Number(m[1]);
    opt.height = Number(m[2]);
  } else if (a === '--url') [opt.url] = need(1);
  else if (a in arity) steps.push([a, ...need(arity[a])]);
  else usage(`unknown argument '${a}'`);
}
if (!opt.url) usage('no --url');
if (!/^(file|data):/.test(opt.url)) usage(`--url: '${opt.url}' is not a file: or data: URL`);
if (!opt.modules) usage('no --puppeteer DIR (or BOOTLENS_BROWSER_MODULES)');

let puppeteer;
try {
  puppeteer = createRequire(path.join(path.resolve(opt.modules), 'package.json'))('puppeteer-core');
} catch (e) {
  console.error(`browser.mjs: cannot load puppeteer-core from ${opt.modules}: ${e.message}`);
  process.exit(2);
}

const out = {url: opt.url, flags: null, checks: [], texts: [], attrs: [], screenshots: [],
  requests: 0, problems: []};
const problem = (p) => {
  out.problems.push(p);
  console.error(`browser: ${p}`);
};

// Whatever happens, chromium dies and the profile goes with this process.
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bootlens-chromium-'));
let browser = null;
function cleanup() {
  const proc = browser && browser.process();
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    try {
      process.kill(-proc.pid, 'SIGKILL'); // puppeteer starts it as a group leader
    } catch {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  fs.rmSync(profile, {recursive: true, force: true});
}
function finish(code) {
  cleanup();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(code);
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    problem(`killed by ${sig}`);
    finish(1);
  });
}
const watchdog = setTimeout(() => {
  problem(`timed out after ${opt.timeout} s (chromium killed)`);
  finish(1);
}, opt.timeout * 1000);
watchdog.unref();

const local = (u) => /^(file|data):/.test(u);

async function step(page, [what, a, b]) {
  switch (what) {
    case '--wait':
      await page.waitForSelector(a);
      break;
    case '--wait-text':
      await page.waitForFunction((t) => document.body && document.body.textContent.includes(t), {}, a);
      break;
    case '--upload': {
      const input = await page.waitForSelector(a);
      if (!fs.existsSync(b)) throw new Error(`no file '${b}'`);
      await input.uploadFile(path.resolve(b));
      break;
    }
    case '--click': {
      // Visible first; an element that is still being laid out (a menu
      // opening under load) is not clickable yet: try again, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await (await page.waitForSelector(a, {visible: true})).click();
          break;
        } catch (e) {
          if (attempt >= 10 || !/not clickable|detached|not an Element/.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      break;
    }
    case '--open': {
      // Click SEL until TARGET is visible (a menu whose first click can
      // come before the app listens, under load): up to 10 clicks, 2 s each.
      for (let attempt = 1; ; attempt++) {
        await (await page.waitForSelector(a, {visible: true})).click().catch(() => {});
        try {
          await page.waitForSelector(b, {visible: true, timeout: 2000});
          break;
        } catch (e) {
          if (attempt >= 10) throw new Error(`'${b}' not shown after ${attempt} clicks on '${a}'`);
        }
      }
      break;
    }
    case '--key': {
      // "Control+f": hold the modifiers, press the last key
      const keys = a.length > 1 && a.includes('+') ? a.split('+') : [a];
      const key = keys.pop();
      for (const k of keys) await page.keyboard.down(k);
      await page.keyboard.press(key);
      for (const k of keys.reverse()) await page.keyboard.up(k);
      break;
    }
    case '--type':
      await page.keyboard.type(a);
      break;
    case '--expect': {
      const m = /^(.*?)(=|>=)([0-9]+)$/.exec(a);
      const [sel, op, n] = m ? [m[1], m[2], Number(m[3])] : [a, '>=', 1];
      const count = (await page.$$(sel)).length;
      const ok = op === '=' ? count === n : count >= n;
      out.checks.push({selector: sel, want: `${op === '=' ? '' : op}${n}`, count, ok});
      if (!ok) problem(`expected ${op === '=' ? '' : 'at least '}${n} of '${sel}', found ${count}`);
      break;
    }
    case '--text':
      out.texts.push({selector: a, texts: await page.$$eval(a, (els) => els.map((e) => e.textContent))});
      break;
    case '--attr':
      out.attrs.push({selector: a, name: b,
        values: await page.$$eval(a, (els, n) => els.map((e) => e.getAttribute(n)), b)});
      break;
    case '--screenshot':
      fs.mkdirSync(path.dirname(path.resolve(a)), {recursive: true});
      await page.screenshot({path: a, fullPage: true, type: 'png'});
      out.screenshots.push(path.resolve(a));
      break;
  }
}

try {
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true, // exactly FLAGS, not puppeteer's own list
    args: [...FLAGS, `--user-data-dir=${profile}`],
    pipe: true,
    timeout: Math.min(opt.timeout, 30) * 1000,
    protocolTimeout: opt.timeout * 1000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  out.flags = browser.process().spawnargs.slice(1);
  const page = await browser.newPage();
  page.setDefaultTimeout(opt.stepTimeout * 1000);
  await page.setViewport({width: opt.width, height: opt.height});
  page.on('console', (m) => {
    if (m.type() === 'error') {
      const loc = m.location();
      problem(`console error: ${m.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber ?? '?'})` : ''}`);
    }
  });
  page.on('pageerror', (e) => problem(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problem(`the page opened a dialog (${d.type()}): ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('requestfailed', (r) => {
    if (local(r.url())) problem(`request failed: ${r.url()}: ${r.failure()?.errorText ?? '?'}`);
  });
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    out.requests++;
    if (local(r.url())) {
      r.continue();
    } else {
      problem(`network request refused: ${r.url()}`);
      r.abort('blockedbyclient');
    }
  });
  await page.goto(opt.url, {waitUntil: 'load'});
  for (const s of steps) {
    try {
      await step(page, s);
    } catch (e) {
      problem(`${s.join(' ')}: ${e.message.split('\n')[0]}`);
      break;
    }
  }
  await browser.close();
} catch (e) {
  problem(`${browser ? '' : 'cannot start chromium: '}${e.message.split('\n')[0]}`);
}
clearTimeout(watchdog);
finish(out.problems.length ? 1 : 0);
