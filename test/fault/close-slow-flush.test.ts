// Issue 16: a session closed while it records must finish the file, however long the disk takes.
// The close's fsync is made slower than the acquisition client's exit grace (5 s) by a preloaded
// shim (slow-disk.cc): a blocking C call, as the kernel's writeback wait is, which
// worker.terminate() cannot interrupt. Before the fix the worker was terminated in the middle of
// it: the session went to `error`, no summary came, and a MAT recording stayed a `.part`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { readNpy } from '../../src/core/writers/read';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import type { RecordingSummary } from '../../src/core/worker-protocol';

/** Longer than the 5 s the client gives a thread that has finished its work to leave. */
const SLOW_FSYNC_MS = 6500;
const CHANNELS = 8;
const RATE = 5000;

interface Outcome {
  state: string;
  error?: string;
  summary?: RecordingSummary;
  failed?: string;
  log: string[];
  closeMs: number;
}

/** Builds the shim once per run (g++ is in the package list for the native addon). */
function slowDisk(): string {
  const so = path.join(tmpDir(), 'slow-disk.so');
  execFileSync('g++', ['-shared', '-fPIC', '-O2', '-o', so, path.join(__dirname, 'slow-disk.cc')]);
  return so;
}

function closeWhileRecording(shim: string, out: string): Promise<Outcome> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'close-recording.ts'), `sim:rda?channels=${CHANNELS}&rate=${RATE}`, out, '1200'],
    { env: { ...process.env, LD_PRELOAD: shim, SLOW_FSYNC_MS: String(SLOW_FSYNC_MS) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`close-recording exited with ${code ?? signal}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Outcome);
    });
  });
}

test('a close whose fsync outlasts the grace still finishes the recording: file complete, summary given, session closed', async () => {
  const shim = slowDisk();
  const dir = tmpDir();
  const npy = path.join(dir, 'slow-n.npy'); // each its own sidecar (x.labscope.json)
  const mat = path.join(dir, 'slow-m.mat');
  // Both at once: the run takes one slow close, not two.
  const [n, m] = await Promise.all([closeWhileRecording(shim, npy), closeWhileRecording(shim, mat)]);

  for (const [file, o] of [
    [npy, n],
    [mat, m],
  ] as const) {
    const what = `${path.basename(file)}: ${JSON.stringify(o)}`;
    assert.equal(o.state, 'closed', what);
    assert.equal(o.failed, undefined, what);
    assert.ok(o.summary, `no summary for ${what}`);
    assert.equal(o.summary.reason, 'session closed', what);
    // The close really waited on the slow disk: the fault was in place.
    assert.ok(o.closeMs >= SLOW_FSYNC_MS, what);
    assert.ok(o.summary.frames >= RATE, `${what}: fewer frames than a second`);
    const sidecar = readSidecar(sidecarPathFor(file));
    assert.equal(sidecar.frames, o.summary.frames, what);
    assert.equal(sidecar.summary.ended, 'session closed', what);
  }
  assert.ok(!fs.existsSync(`${mat}.part`), 'the MAT recording was left as a .part');

  // numpy and scipy read every frame the summary counts, and they are the frames the simulator sent.
  // A recording starts at the live frame: the file's rows are the simulator's from there.
  const sent = new SyntheticSignal({ channels: CHANNELS, rate: RATE }).fill(n.summary!.startFrame, n.summary!.frames);
  const expected = Array.from(sent.subarray(0, 4 * CHANNELS));
  const fromNpy = pythonJson<{ shape: number[]; head: number[] }>(
    'import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({"shape": list(a.shape), "head": a[:4].ravel().tolist()}))',
    npy,
  );
  assert.deepEqual(fromNpy.shape, [n.summary!.frames, CHANNELS]);
  assert.deepEqual(fromNpy.head, expected);
  assert.deepEqual(readNpy(npy).data, sent);
  const fromMat = pythonJson<{ shape: number[] }>(
    'import sys, json, scipy.io; d = scipy.io.loadmat(sys.argv[1])["data"]; print(json.dumps({"shape": list(d.shape)}))',
    mat,
  );
  assert.deepEqual(fromMat.shape, [m.summary!.frames, CHANNELS]);
});
