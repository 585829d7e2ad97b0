// Open a Chrome trace with speedscope's own importer, in node, without a
// browser: speedscope ships one browser bundle (dist/release/speedscope-*.js,
// an esbuild IIFE) and no importer module, so this loads that bundle in a
// vm context whose app start (the version log and the render into
// document.body) is cut off, and takes from it the two functions speedscope
// itself calls for a Trace Event Format file: the detector and the importer
// of the branch that logs "Importing as Trace Event Format profile", with
// the lazy module initialiser that follows the importer. Everything the
// importer says on console.warn/console.error is collected.
//
// usage: node speedscope_import.mjs SPEEDSCOPE_PACKAGE_DIR TRACE.json
// Prints one JSON line {ok, warnings, profiles: [{name, events, total}]}
// and exits 0 when speedscope accepted the trace, 1 when it refused it,
// 3 when the bundle does not have the shape described (a new release).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const [pkg, tracePath] = process.argv.slice(2);
const dir = path.join(pkg, 'dist', 'release');
const bundle = fs.readdirSync(dir).find((f) => /^speedscope-.*\.js$/.test(f));
if (!bundle) {
  console.error(`no speedscope-*.js bundle in ${dir}`);
  process.exit(3);
}
let src = fs.readFileSync(path.join(dir, bundle), 'utf8');
const branch = /if\((\w+)\((\w+)\)\)return console\.log\("Importing as Trace Event Format profile"\),(\w+)\(\2\)/.exec(src);
if (!branch) {
  console.error('the bundle has no "Importing as Trace Event Format profile" branch');
  process.exit(3);
}
const [, detect, , importer] = branch;
const initRe = new RegExp(`function ${importer.replace('$', '\\$')}\\(t\\)\\{[^]*?\\}var (\\w+)=\\w+\\(\\(\\)=>\\{"use strict"`);
const init = initRe.exec(src);
const start = src.lastIndexOf('console.log(`speedscope v${');
if (!init || start < 0) {
  console.error('cannot find the importer\'s module initialiser or the app start in the bundle');
  process.exit(3);
}
src = src.slice(0, start) +
  `globalThis.__bootlens = {detect: ${detect}, importer: ${importer}, init: ${init[1]}};})();`;

const warnings = [];
const noop = new Proxy(function () {}, {
  get: (t, k) => (k === Symbol.toPrimitive ? () => '' : noop),
  apply: () => noop,
  construct: () => noop,
});
const sandbox = {
  console: {
    log: () => {},
    info: () => {},
    warn: (...a) => warnings.push(a.join(' ')),
    error: (...a) => warnings.push(a.join(' ')),
  },
  window: noop, document: noop, navigator: {userAgent: 'node'}, location: {hash: '', search: '', href: ''},
  localStorage: noop, matchMedia: noop, requestAnimationFrame: () => 0,
  setTimeout, clearTimeout, URL, URLSearchParams, TextDecoder, TextEncoder, performance,
};
sandbox.globalThis = sandbox;
sandbox.self = sandbox;
vm.createContext(sandbox);
try {
  vm.runInContext(src, sandbox, {filename: bundle});
} catch (e) {
  console.error(`loading the bundle failed: ${e.message}`);
  process.exit(3);
}
const ss = sandbox.__bootlens;
const trace = JSON.parse(fs.readFileSync(tracePath, 'utf8'));
ss.init();
if (!ss.detect(trace)) {
  console.log(JSON.stringify({ok: false, why: 'not recognised as Trace Event Format', warnings}));
  process.exit(1);
}
let group;
try {
  group = ss.importer(trace);
} catch (e) {
  console.log(JSON.stringify({ok: false, why: `importer threw: ${e.message}`, warnings}));
  process.exit(1);
}
const profiles = group.profiles.map((p) => {
  let events = 0;
  p.forEachCall(() => { events++; }, () => {});
  return {name: p.getName(), events, total: p.getTotalWeight(), unit: p.getWeightUnit()};
});
console.log(JSON.stringify({ok: warnings.length === 0, warnings, profiles}));
process.exit(warnings.length === 0 ? 0 : 1);
