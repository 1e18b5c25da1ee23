// `npm test`: every suite, in an order that fails fast on the cheap ones. Each suite is a child
// process so a crash in one (a native fault, say) is reported, not fatal to the rest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

// Node 20's runner does not find .ts files in a folder by itself.
const files = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `${dir}/${f}`);

const suites = [
  // House rules first: they take seconds and catch an import cycle or a layer breach before anything runs.
  ['lint (eslint: import cycles, layers, typescript-eslint)', 'npx', ['eslint', '.']],
  ['format (prettier for TS/JS/JSON/CSS, clang-format for native/)', 'npm', ['run', '--silent', 'format:check']],
  ['unit', 'node', ['--import', 'tsx', '--test', '--test-reporter=spec', ...files('test/unit')]],
  ['integration', 'node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files('test/integration')]],
  // Issue 16's faults (about a minute): kill -9 per format, a disk filling up, a slow close, a thread that throws.
  ['fault', 'node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files('test/fault')]],
  // npm run soak's short variant (about 90 s): every family's simulator recorded in one process, one process each, and through the DeviceManager.
  ['soak (short: 1 × every family, 20 s, three ways)', 'node', ['scripts/soak.mjs', '--short']],
  // A real VS Code (code-server + headless chromium); installs it into .code-server/ on first use.
  ['vscode (extension host in code-server)', 'node', ['test/vscode/run.mjs']],
  ['vscode untrusted (extension host, workspace not trusted)', 'node', ['test/vscode/run.mjs', '--untrusted']],
  [
    'e2e (a person using real VS Code in chromium; the packaged .vsix)',
    'node',
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files('test/e2e')],
  ],
  ['native (C++ unit, ThreadSanitizer stress, libFuzzer)', 'bash', ['native/test/run.sh']],
];

// Bela's own board code (../shared/peers/bela-board), the real peer the Bela tests talk to: built
// once into .test-tmp/ (shared/ is read-only in CI), about 20 s, then reused.
const belaBuild = process.env.BELA_BOARD_BUILD ?? path.resolve('.test-tmp/bela-board');
process.env.BELA_BOARD_BUILD = belaBuild;
function buildBelaBoard() {
  if (existsSync(path.join(belaBuild, 'bin', 'bela-board-all-types'))) return true;
  mkdirSync(path.dirname(belaBuild), { recursive: true });
  console.log(`\n=== building bela-board (Bela's Gui/WSServer/watcher code) into ${belaBuild} ===`);
  return spawnSync('sh', ['../shared/peers/bela-board/build.sh'], { stdio: 'inherit', env: process.env }).status === 0;
}

const only = process.argv.slice(2);
const failed = [];
for (const [name, command, args] of suites) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  if ((name.startsWith('unit') || name.startsWith('integration')) && !buildBelaBoard()) {
    failed.push(`${name} (bela-board did not build)`);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) failed.push(name);
  console.log(`=== ${name}: ${result.status === 0 ? 'passed' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s ===`);
}
if (failed.length) {
  console.error(`\nfailed suites: ${failed.join(', ')}`);
  process.exit(1);
}
