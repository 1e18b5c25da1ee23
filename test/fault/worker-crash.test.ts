// Issue 16: an acquisition thread that throws. Its session goes to `error` naming the crash, its
// recording is reported as not finished and its file holds every frame it flushed, while the
// process and the other sessions, recording at the same time, go on to complete files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
// Type only: importing the program's type does not run it.
import type { Outcome } from './sessions-one-crashes';

const CHANNELS = 8;
const RATE = 5000;
const VICTIM_BUFFER = 123_457;
const CRASH_MS = 1500;
const RECORD_MS = 3000;

function run(dir: string): Promise<{ code: number | null; outcomes: Outcome[]; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      path.join(__dirname, 'throw-in-worker.cjs'),
      '--import',
      'tsx',
      path.join(__dirname, 'sessions-one-crashes.ts'),
      dir,
      `sim:rda?channels=${CHANNELS}&rate=${RATE}`,
      String(RECORD_MS),
    ],
    {
      env: { ...process.env, THROW_IN_WORKER_BUFFER: String(VICTIM_BUFFER), THROW_IN_WORKER_MS: String(CRASH_MS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      resolve({ code, stderr, outcomes: last.startsWith('[') ? (JSON.parse(last) as Outcome[]) : [] });
    }),
  );
}

function shapeAndHash(file: string): { shape: number[]; md5: string } {
  return pythonJson(
    'import sys, json, hashlib, numpy as np; a = np.ascontiguousarray(np.load(sys.argv[1]), dtype="<f4"); print(json.dumps({"shape": list(a.shape), "md5": hashlib.md5(a.tobytes()).hexdigest()}))',
    file,
  );
}

test('a thread that throws ends its own session in error; the process and the other sessions record on', async () => {
  const dir = tmpDir();
  const { code, outcomes, stderr } = await run(dir);
  assert.equal(code, 0, stderr);
  assert.equal(outcomes.length, 3, stderr);
  for (const o of outcomes) {
    const what = JSON.stringify(o);
    const seen = shapeAndHash(o.file);
    assert.equal(seen.shape[1], CHANNELS, what);
    // Recordings start at the live frame, which the sidecar keeps: the rows are the simulator's from there.
    const startFrame = readSidecar(sidecarPathFor(o.file)).startFrame;
    assert.equal(seen.md5, rowsHash(startFrame, seen.shape[0]), `${what}: rows differ from the simulator's`);
    if (o.victim) {
      assert.equal(o.state, 'error', what);
      assert.match(o.error ?? '', /acquisition thread crashed: injected fault: the acquisition thread throws/, what);
      assert.equal(o.summary, undefined, what);
      assert.match(
        o.failed ?? '',
        /recording to .*s1\.npy was not finished: the acquisition thread exited \(code 1\) before closing it/,
        what,
      );
      // Flushed four times a second: only the last quarter second before the crash may be missing
      // (measured from what the thread had delivered when it crashed, not from a wall-clock guess:
      // on a loaded machine the recording starts later and has less time before the crash).
      assert.ok(o.recordedAtError !== undefined && o.recordedAtError > 0, `${what}: the crash came while recording`);
      assert.ok(seen.shape[0] >= o.recordedAtError! - RATE / 4 - RATE / 10, `${what}: only ${seen.shape[0]} frames flushed`);
    } else {
      assert.equal(o.state, 'closed', what);
      assert.equal(o.failed, undefined, what);
      assert.ok(o.summary, what);
      assert.equal(o.summary.reason, 'stopped by the user', what);
      assert.equal(seen.shape[0], o.summary.frames, what);
      // It went on well past the other thread's crash.
      assert.ok(o.summary.frames >= ((RECORD_MS - 500) / 1000) * RATE, what);
    }
  }
});

/** md5 of frames [start, start + rows) as little-endian float32, what numpy's bytes hash to. */
function rowsHash(start: number, rows: number): string {
  const frames = new SyntheticSignal({ channels: CHANNELS, rate: RATE }).fill(start, rows);
  return createHash('md5')
    .update(Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength))
    .digest('hex');
}
