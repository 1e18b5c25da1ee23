// Runs the extension-host test suites (test/vscode/suite/*.test.ts) in a real VS Code with the
// standard @vscode/test-electron runner.
//
//   node test/vscode/run.mjs            # VS Code = code-server + headless chromium (works offline)
//   node test/vscode/run.mjs --desktop  # VS Code desktop, downloaded by test-electron (needs internet)
//   node test/vscode/run.mjs --untrusted  # test/vscode/untrusted/ in a workspace left untrusted
//     (code-server only: test-electron always passes --disable-workspace-trust to desktop VS Code)
//
// Each run opens a fresh temp copy of test/vscode/workspace with a fresh profile, so tests may
// write into their workspace and settings freely.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from '../../scripts/vscode/setup.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const desktop = process.argv.includes('--desktop');
const untrusted = process.argv.includes('--untrusted');
if (desktop && untrusted) throw new Error('--untrusted needs code-server: desktop VS Code is always started with trust disabled');
const suiteName = untrusted ? 'untrusted' : 'suite';
const suiteDir = path.join(repo, 'test/vscode', suiteName);
const outDir = path.join(repo, 'out/test/vscode', suiteName);
// Trust is chosen by the shim (code-server's own flag), so it travels in the environment.
if (untrusted) process.env.LABSCOPE_TRUST = '1';

async function bundleSuite() {
  const tests = (await readdir(suiteDir)).filter((f) => f.endsWith('.test.ts')).sort();
  // A clean folder: index.ts loads every *.test.js it finds there, so stale ones must go.
  await rm(outDir, { recursive: true, force: true });
  await esbuild.build({
    // One entry point for every suite: it runs the *.test.js files bundled next to it.
    entryPoints: [
      { in: path.join(repo, 'test/vscode/suite/index.ts'), out: 'index' },
      ...tests.map((f) => ({ in: path.join(suiteDir, f), out: f.replace(/\.ts$/, '') })),
    ],
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // vscode is provided by the extension host. mocha stays external so index.js and every test
    // file share one mocha instance (its `suite`/`test` exports delegate to the running one); it
    // is require()d from node_modules at run time.
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return tests.length;
}

async function main() {
  const count = await bundleSuite();
  console.log(`[vscode] bundled ${count} test file(s) into ${path.relative(repo, outDir)}/`);
  const vscodeExecutablePath = desktop ? undefined : path.join(repo, 'scripts/vscode/code-shim.mjs');
  try {
    if (!desktop) await ensureCodeServer(); // installs on first use; instant afterwards
  } catch (error) {
    console.error(`[vscode] ${error.message}`);
    return 1;
  }

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'labscope-vscode-suite-'));
  const workspace = path.join(tmp, 'workspace');
  await cp(path.join(repo, 'test/vscode/workspace'), workspace, { recursive: true });
  if (untrusted) {
    // A user-settings device beside the workspace's: trust must only hold back the workspace's own.
    await mkdir(path.join(tmp, 'user-data/User'), { recursive: true });
    await writeFile(
      path.join(tmp, 'user-data/User/settings.json'),
      JSON.stringify({ 'labscope.devices': [{ name: 'My amplifier', uri: 'sim:rda?channels=2&rate=500' }] }),
    );
  }
  try {
    await runTests({
      vscodeExecutablePath,
      // Only used with --desktop: keep the downloaded VS Code out of the repository's tracked tree.
      cachePath: path.join(repo, '.code-server', 'vscode-desktop'),
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(outDir, 'index.js'),
      // Our own profile dirs: test-electron would otherwise use <repo>/.vscode-test/.
      launchArgs: [workspace, `--user-data-dir=${path.join(tmp, 'user-data')}`, `--extensions-dir=${path.join(tmp, 'extensions')}`],
    });
    return 0;
  } catch (error) {
    // runTests rejects with TestRunFailedError (exit code already printed) when the suite fails.
    console.error(`[vscode] ${error.message}`);
    return 1;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
