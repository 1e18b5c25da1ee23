// `npm run package` (after `npm run build`): labscope-<version>.vsix, made by vsce offline.
// esbuild has bundled every dependency into dist/, so vsce is told not to collect node_modules
// (the --no-dependencies of its CLI) and never runs npm; .vscodeignore lists what ships.
// Usage: node scripts/package.mjs [--out FILE.vsix | --out DIR]
import { createVSIX } from '@vscode/vsce';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listVsix } from './vsix.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));

// What the installed extension cannot run without: the package is refused if one is missing.
const REQUIRED = [
  'package.json',
  'dist/extension.js',
  'dist/acquisition-worker.js',
  'dist/serialport.node',
  'dist/h5wasm/hdf5_hl.js',
  'dist/h5wasm/hdf5_util.js',
  'dist/h5wasm/package.json',
  'build/native/Release/labscope.node',
];
// What must never ship (sources, dependencies, test data, the local code-server).
const FORBIDDEN = /^(node_modules|src|native|test|bench|webview|scripts|demo|\.code-server|recordings)\//;

/**
 * The addon is built for this machine, so the .vsix is marked for this platform: VS Code then
 * refuses it, with a clear message, on any other platform instead of failing at activation.
 */
function hostTarget() {
  const arch = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[process.arch];
  if (!arch) return undefined;
  if (process.platform === 'linux') {
    // musl (Alpine) cannot load a glibc-linked addon, and VS Code treats it as its own platform.
    const glibc = process.report.getReport().header.glibcVersionRuntime;
    return glibc ? `linux-${arch}` : arch === 'armhf' ? undefined : `alpine-${arch}`;
  }
  if (process.platform === 'darwin' || process.platform === 'win32') return arch === 'armhf' ? undefined : `${process.platform}-${arch}`;
  return undefined;
}

function outPath() {
  const i = process.argv.indexOf('--out');
  const name = `labscope-${version}.vsix`;
  if (i < 0) return path.join(repo, name);
  if (!process.argv[i + 1]) fail('usage: node scripts/package.mjs [--out FILE.vsix | --out DIR]');
  const out = path.resolve(process.argv[i + 1]);
  return existsSync(out) && statSync(out).isDirectory() ? path.join(out, name) : out;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

for (const file of REQUIRED.slice(1)) {
  if (!existsSync(path.join(repo, file))) {
    fail(`${file} is missing: run ${file.startsWith('build/') ? '"npm run build:native"' : '"npm run build"'} first`);
  }
}

/**
 * vsce lists every file under its folder before it applies .vscodeignore, one minimatch per file
 * and pattern: in the repository that walks .code-server/ (tens of thousands of files, minutes).
 * So it runs on a copy of just the paths .vscodeignore lets in (the literal start of each "!"
 * pattern), and .vscodeignore, copied along, still decides file by file.
 */
function stage() {
  const rules = readFileSync(path.join(repo, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  const roots = rules.filter((l) => l.startsWith('!')).map((l) => literalPrefix(l.slice(1)));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labscope-package-'));
  for (const root of new Set(['package.json', 'README.md', '.vscodeignore', ...roots])) {
    const from = path.join(repo, root);
    if (existsSync(from)) cpSync(from, path.join(dir, root), { recursive: true });
  }
  return dir;
}

// The path up to the first glob segment: "dist/**/*.js" gives dist, "LICENSE" gives LICENSE.
function literalPrefix(pattern) {
  const parts = pattern.split('/').filter(Boolean);
  const glob = parts.findIndex((p) => /[*?[{]/.test(p));
  const prefix = (glob < 0 ? parts : parts.slice(0, glob)).join('/');
  if (!prefix) fail(`.vscodeignore: "!${pattern}" must start with a folder or file name, not a glob`);
  return prefix;
}

const packagePath = outPath();
const target = hostTarget();
const started = Date.now();
const staged = stage();
try {
  await createVSIX({ cwd: staged, packagePath, dependencies: false, target });
} finally {
  rmSync(staged, { recursive: true, force: true });
}

const entries = listVsix(packagePath);
console.log(
  `\n${packagePath}  ${(statSync(packagePath).size / 1024).toFixed(1)} KB  (${target ?? 'any platform'}, ${Date.now() - started} ms)`,
);
console.log('     bytes  file');
for (const { name, size } of entries) console.log(`${String(size).padStart(10)}  ${name}`);

// Inside the archive the extension's files sit under extension/.
const files = new Set(entries.map((e) => e.name.replace(/^extension\//, '')));
const missing = REQUIRED.filter((f) => !files.has(f));
const stray = [...files].filter((f) => FORBIDDEN.test(f));
if (missing.length || stray.length) {
  rmSync(packagePath); // nobody should ship it by mistake
  if (missing.length) fail(`the package lacked ${missing.join(', ')} (check .vscodeignore); removed it`);
  fail(`the package held files that must not ship: ${stray.join(', ')} (check .vscodeignore); removed it`);
}
