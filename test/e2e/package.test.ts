// The .vsix as a user gets it: packaged by `npm run package`'s script, installed into a real VS
// Code (code-server) the way `code --install-extension` does, and then run from where VS Code
// unpacked it, outside the repository: the shipped addon must load and the shipped bundles must
// find it and their worker. Run: node --import tsx --test test/e2e/package.test.ts
// (LABSCOPE_VSIX=path reuses a .vsix made earlier in the same run instead of packaging again.)
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tmpDir } from '../helpers/tmp';

const repo = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  version: string;
};

/** What scripts/vscode/server.mjs's startCodeServer() returns (the part used here). */
interface CodeServer {
  port: number;
  extensionsDir: string;
  installExtension(vsixPath: string): Promise<unknown>;
  stop(): Promise<void>;
  logFile: string;
}
type VsixEntry = { name: string; size: number };

// The scripts are plain ESM without type declarations: import them by URL, typed here.
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(repo, file)).href) as Promise<T>;

let vsix: string;
let server: CodeServer | undefined;
let extensionsDir: string;

function node(args: string[], cwd = repo): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

before(async () => {
  vsix = process.env.LABSCOPE_VSIX ?? '';
  if (!vsix) {
    const out = path.join(tmpDir('labscope-vsix-'), `labscope-${manifest.version}.vsix`);
    for (const args of [['scripts/build.mjs'], ['scripts/package.mjs', '--out', out]]) {
      const r = node(args);
      assert.equal(r.status, 0, `node ${args.join(' ')} failed:\n${r.output}`);
    }
    vsix = out;
  }
  assert.ok(fs.existsSync(vsix), `no .vsix at ${vsix}`);
});

after(async () => {
  await server?.stop();
});

test('the .vsix holds the bundles, the addon and the docs, and nothing else', async () => {
  const { listVsix } = await load<{ listVsix(file: string): VsixEntry[] }>('scripts/vsix.mjs');
  const names = listVsix(vsix).map((e) => e.name);
  for (const required of [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/acquisition-worker.js',
    'extension/dist/serialport.node',
    'extension/dist/h5wasm/hdf5_hl.js',
    'extension/dist/h5wasm/hdf5_util.js',
    'extension/dist/h5wasm/package.json',
    'extension/build/native/Release/labscope.node',
  ]) {
    assert.ok(names.includes(required), `${required} is missing from the .vsix: ${names.join(', ')}`);
  }
  // Exactly what runs: bundles (no source maps), the addon, media and the package's own documents.
  const shipped =
    /^(extension\.vsixmanifest|\[Content_Types\]\.xml|extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/.+\.(js|css)|dist\/serialport\.node|dist\/h5wasm\/package\.json|build\/native\/Release\/labscope\.node|media\/.+))$/;
  assert.deepEqual(
    names.filter((n) => !shipped.test(n)),
    [],
    'files that should not ship',
  );
  assert.ok(!names.some((n) => /node_modules|\/src\/|\.ts$|\.map$/.test(n)));
});

test('installed into code-server, the extension is unpacked with its manifest and addon', async () => {
  // startCodeServer() installs code-server into .code-server/ first if needed (about a minute).
  const { startCodeServer } = await load<{ startCodeServer(o?: object): Promise<CodeServer> }>('scripts/vscode/server.mjs');
  server = await startCodeServer();
  await server.installExtension(vsix);
  extensionsDir = server.extensionsDir;
  const dir = installedExtension();
  const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.equal(`${installed.publisher}.${installed.name}`, `${manifest.publisher}.${manifest.name}`);
  assert.equal(installed.version, manifest.version);
  assert.ok(fs.existsSync(path.join(dir, 'build', 'native', 'Release', 'labscope.node')));
});

test('the installed addon loads in Node and its Ring works', () => {
  const addon = path.join(installedExtension(), 'build', 'native', 'Release', 'labscope.node');
  // A child process: a faulty addon may crash, and a loaded one cannot be unloaded.
  const script = `
    const { Ring, RDA_MAX_MESSAGE } = require(process.argv[1]);
    const ring = new Ring(2, 8);
    ring.write(new Float32Array([1, 2, 3, 4, 5, 6]));
    const result = { written: ring.written(), frames: Array.from(ring.read(1, 3)), RDA_MAX_MESSAGE };
    ring.release();
    console.log(JSON.stringify(result));`;
  const r = node(['-e', script, addon]);
  assert.equal(r.status, 0, r.output);
  const result = JSON.parse(r.output);
  assert.equal(result.written, 3);
  assert.deepEqual(result.frames, [3, 4, 5, 6]);
  assert.ok(result.RDA_MAX_MESSAGE > 0);
});

test('the installed bundles find the addon and the worker: the CLI records from a simulator', () => {
  // dist/cli.js runs the same Session, worker and native loader as dist/extension.js, from the
  // unpacked extension's own folder (the repository's build/ is not on any of its paths).
  const dir = installedExtension();
  const out = path.join(tmpDir(), 'demo.npy');
  const r = node([path.join(dir, 'dist', 'cli.js'), 'record', 'sim:rda?channels=4&rate=1000', '--out', out, '--duration', '0.5'], dir);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /recorded 500 frames × 4 channels/);
  assert.ok(fs.statSync(out).size > 500 * 4 * 4);
  // HDF5 goes through h5wasm, imported at run time from the extension's own dist/h5wasm/.
  const h5 = path.join(path.dirname(out), 'demo.h5');
  const e = node([path.join(dir, 'dist', 'cli.js'), 'export', out, '--format', 'hdf5', '--out', h5], dir);
  assert.equal(e.status, 0, e.output);
  assert.match(e.output, /wrote .*demo\.h5: 500 rows × 4 channels/);
  assert.equal(fs.readFileSync(h5).subarray(0, 8).toString('latin1'), '\x89HDF\r\n\x1a\n', 'an HDF5 signature');
});

test("the installed bundles load serialport's addon: the CLI records Modbus RTU over a pty", () => {
  // The serial bytes pass through the main thread's serialport (dist/serialport.node) to the worker.
  const dir = installedExtension();
  const out = path.join(tmpDir(), 'gas.csv');
  const r = node(
    [path.join(dir, 'dist', 'cli.js'), 'record', 'sim:servomex?mode=modbus-rtu&rate=5&baud=115200', '--out', out, '--duration', '1'],
    dir,
  );
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /recorded 5 frames × 7 channels/);
  assert.match(fs.readFileSync(out, 'utf8'), /^time_s,I1 Oxygen \[%\],I2 CO \[%\],I3 CO₂ \[%\],E1 \[mA\],E2 \[mA\],fault,maintenance\n/);
});

/** VS Code unpacks to <extensions-dir>/<publisher>.<name>-<version>[-<target platform>]. */
function installedExtension(): string {
  assert.ok(extensionsDir, 'the extension was not installed (see the previous test)');
  const prefix = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
  const found = fs.readdirSync(extensionsDir).filter((d) => d === prefix || d.startsWith(`${prefix}-`));
  assert.equal(found.length, 1, `expected one ${prefix}* in ${extensionsDir}: ${fs.readdirSync(extensionsDir).join(', ')}`);
  return path.join(extensionsDir, found[0]);
}
