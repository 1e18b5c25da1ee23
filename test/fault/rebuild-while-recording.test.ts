// Issue 16's crash at exit: `labscope record` running from a dist/ that `npm run build` rebuilds.
// The build used to copy serialport's addon over dist/serialport.node in place; truncating a file
// a process has mapped takes its relocated pages away too, and the recording's worker segfaulted
// (exit 139) in its teardown, at its first call into that addon since the rebuild, after the
// summary was printed. The build now installs the file with scripts/install-file.mjs (a new
// inode, renamed over the old one); this runs a recording from a private copy of dist/ and
// installs the addon into it while it records. Before the fix the run exited 139 every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { nativeAddonPath } from '../../src/core/native';
import { spawn } from 'node:child_process';

const root = path.resolve(__dirname, '..', '..');

/** dist/ and the addon where the bundle looks for it (../build/native/Release), in a folder of their own. */
function privateDist(): string {
  const dir = tmpDir();
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'build', 'native', 'Release'), { recursive: true });
  fs.copyFileSync(nativeAddonPath(), path.join(dir, 'build', 'native', 'Release', 'labscope.node'));
  return dir;
}

test('the build installing dist/serialport.node while `labscope record` runs from that dist does not crash the recording', async () => {
  const { installFile } = (await import(path.join(root, 'scripts', 'install-file.mjs'))) as {
    installFile(source: string, target: string): void;
  };
  const dir = privateDist();
  const out = path.join(tmpDir(), 'rebuilt.npy');
  const env = { ...process.env };
  delete env.LABSCOPE_NATIVE_ADDON; // the bundle loads the private copy's addon
  const child = spawn(
    process.execPath,
    [path.join(dir, 'dist', 'cli.js'), 'record', 'sim:rda?channels=8&rate=1000', '--out', out, '--duration', '3', '--json'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const done = finished(child);
  // Once the recording runs, both threads have loaded serialport's addon: then rebuild.
  const sidecar = out.replace(/\.npy$/, '.labscope.json');
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(sidecar)) {
    assert.ok(Date.now() < deadline, 'the recording did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  const target = path.join(dir, 'dist', 'serialport.node');
  const before = fs.statSync(target).ino;
  installFile(path.join(root, 'dist', 'serialport.node'), target);

  const result = await done;
  assert.equal(result.signal, null, `the recording died of ${result.signal}: ${result.stderr}`);
  assert.equal(result.code, 0, `exit ${result.code} (139: a segfault): ${result.stderr}`);
  assert.notEqual(fs.statSync(target).ino, before, 'installFile must put a new file in place, not write into the old one');
  const summary = JSON.parse(result.stdout) as { frames: number; reason: string };
  assert.equal(summary.frames, 3000);
  assert.equal(summary.reason, 'duration reached');
});
