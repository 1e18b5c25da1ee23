// Issue 16: the disk fills up *during* a recording. `labscope record` writes onto a 3 MiB tmpfs
// mounted in a private mount namespace (unshare, util-linux), so the fill comes after several
// flushes, not at the first write as with /dev/full. The run must end saying so (exit 1, ENOSPC
// named), and the file must stay what it was at its last good flush: numpy or scipy read it, and
// every row is the frame the simulator sent. The tmpfs vanishes with its namespace, so the
// script copies what is on it out before it leaves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { readSidecar } from '../../src/core/writers/sidecar';

const CHANNELS = 64;
const RATE = 5000;
const DISK = '3m';

interface Run {
  code: number | null;
  stderr: string;
  /** Where the tmpfs's files were copied. */
  copy: string;
}

function recordOntoSmallDisk(format: string): Promise<Run> {
  const mount = tmpDir();
  const copy = tmpDir();
  const script = [
    'set -u',
    `mount -t tmpfs -o size=${DISK} tmpfs "$MNT" || exit 90`,
    `"$NODE" "$CLI" record "sim:rda?channels=${CHANNELS}&rate=${RATE}" --out "$MNT/full.${format}" --duration 60`,
    'code=$?',
    'cp -a "$MNT"/. "$COPY"/',
    'exit $code',
  ].join('\n');
  // Root mounts in a plain mount namespace; anyone else needs a user namespace to be root in.
  const args = [...(process.getuid?.() === 0 ? [] : ['--map-root-user']), '--mount', '--', 'sh', '-c', script];
  const child = spawn('unshare', args, {
    env: { ...process.env, MNT: mount, COPY: copy, NODE: process.execPath, CLI },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, copy })));
}

function expectedHash(rows: number): string {
  const frames = new SyntheticSignal({ channels: CHANNELS, rate: RATE }).fill(0, rows);
  return createHash('md5')
    .update(Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength))
    .digest('hex');
}

const READ: Record<string, string> = {
  npy: 'np.load(f)',
  csv: "np.loadtxt(f, delimiter=',', skiprows=1, ndmin=2).reshape(-1, len(open(f).readline().split(',')))[:, 1:]",
  // The .mat could not be written: the frames are in its .part, an NPY.
  mat: 'np.load(f)',
};

function shapeAndHash(format: string, file: string): { shape: number[]; md5: string } {
  return pythonJson(
    `import sys, json, hashlib, numpy as np
f = sys.argv[1]
a = np.ascontiguousarray(${READ[format]}, dtype='<f4')
print(json.dumps({"shape": list(a.shape), "md5": hashlib.md5(a.tobytes()).hexdigest()}))`,
    file,
  );
}

describe('the disk fills up during a recording', { concurrency: 3 }, () => {
  for (const format of ['npy', 'csv', 'mat']) {
    test(`${format.toUpperCase()}: the run says so and the file keeps every frame of its last good flush`, async (t) => {
      const run = await recordOntoSmallDisk(format);
      assert.notEqual(run.code, 90, `could not mount a tmpfs (unshare --mount needs root or user namespaces): ${run.stderr}`);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /ENOSPC|no space left/i, run.stderr);
      const file = path.join(run.copy, format === 'mat' ? 'full.mat.part' : `full.${format}`);
      assert.ok(fs.existsSync(file), `${file} is missing: ${fs.readdirSync(run.copy).join(', ')}`);
      if (format === 'mat') assert.match(run.stderr, /full\.mat\.part/, 'the error must say where the frames are');
      const seen = shapeAndHash(format, file);
      t.diagnostic(`${format}: ${seen.shape[0]} frames kept on a ${DISK} disk; said: ${run.stderr.trim().split('\n').pop()}`);
      assert.equal(seen.shape[1], CHANNELS);
      // Several flushes made it before the disk was full: a fill *during* the recording.
      assert.ok(seen.shape[0] >= RATE / 4, `only ${seen.shape[0]} frames reached the disk`);
      assert.equal(seen.md5, expectedHash(seen.shape[0]), 'the rows kept differ from what the simulator sent');
      // The sidecar never claims more than the file holds (the writers stop counting rows a
      // failed write did not store); when its last rewrite made it, it says how the recording ended.
      const sidecar = readSidecar(path.join(run.copy, 'full.labscope.json'));
      t.diagnostic(`${format}: sidecar counts ${sidecar.frames}, ended: ${String(sidecar.summary.ended)}`);
      assert.ok(sidecar.frames <= seen.shape[0], `the sidecar counts ${sidecar.frames} frames, the file holds ${seen.shape[0]}`);
      if (sidecar.summary.ended !== undefined) {
        assert.match(String(sidecar.summary.ended), /^failed: .*ENOSPC/);
        assert.equal(sidecar.frames, seen.shape[0]);
      }
    });
  }
});
