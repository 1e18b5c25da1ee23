// Issue 16: `labscope record` killed with SIGKILL at random moments, 20 times per format. Nothing
// of the process runs after a SIGKILL (no handler, no close), so what is on disk is what the
// writers left at their last write: every file must open in numpy or scipy (a MAT recording after
// `labscope recover FILE.mat.part`) and hold every frame its last sidecar counted, each exactly
// the frame the simulator sent. The moments come from a seeded generator; the seed is printed
// (FAULT_SEED=… repeats a run).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished, runCli, startCli } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { SyntheticSignal } from '../../src/devices/rda/synthetic';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';

const RUNS = 20;
const CHANNELS = 8;
const RATE = 5000;
/** Kills land from the moment the recording exists up to this long after (several flushes, a sidecar rewrite). */
const LATEST_KILL_MS = 2500;

/** mulberry32: small, seedable, good enough to spread kill moments. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** md5 of frames [0, rows) as little-endian float32: what numpy's bytes must hash to. */
function expectedHash(rows: number): string {
  const frames = new SyntheticSignal({ channels: CHANNELS, rate: RATE }).fill(0, rows);
  return createHash('md5')
    .update(Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength))
    .digest('hex');
}

async function recordAndKill(out: string, delayMs: number): Promise<void> {
  const child = startCli(['record', `sim:rda?channels=${CHANNELS}&rate=${RATE}`, '--out', out]);
  const done = finished(child);
  // The recording exists once its sidecar does (written when the file is opened).
  const sidecar = sidecarPathFor(out);
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(sidecar)) {
    if (Date.now() > deadline) throw new Error(`${out}: the recording did not start`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const result = await done;
  assert.equal(result.signal, 'SIGKILL', `${out}: ${result.stderr}`);
}

// Reads every file in one interpreter: shape and md5 of the samples as float32, C order.
const READ = {
  npy: 'np.load(f)',
  // Shaped by the header's columns, so a file killed before its first rows reads as 0 × channels.
  csv: "np.loadtxt(f, delimiter=',', skiprows=1, ndmin=2).reshape(-1, len(open(f).readline().split(',')))[:, 1:]",
  mat: "__import__('scipy.io', fromlist=['loadmat']).loadmat(f)['data']",
};
function readAll(format: keyof typeof READ, files: string[]): { shape: number[]; md5: string }[] {
  const script = `
import sys, json, hashlib, numpy as np
out = []
for f in sys.argv[1:]:
    a = np.ascontiguousarray(${READ[format]}, dtype='<f4')
    out.append({"shape": list(a.shape), "md5": hashlib.md5(a.tobytes()).hexdigest()})
print(json.dumps(out))`;
  return pythonJson(script, ...files);
}

// The three formats at once: each run is mostly waiting, and the suite must stay a CI step of minutes.
describe('kill -9 at random moments', { concurrency: 3 }, () => {
  for (const format of ['npy', 'csv', 'mat'] as const) {
    test(`kill -9 of \`labscope record\` at ${RUNS} random moments leaves ${format.toUpperCase()} files that hold every flushed frame`, async (t) => {
      const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
      t.diagnostic(`FAULT_SEED=${seed}`);
      const next = random(seed + format.length);
      const dir = tmpDir();
      const files: string[] = [];
      const delays: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const out = path.join(dir, `k${i}.${format}`);
        const delay = Math.floor(next() * LATEST_KILL_MS);
        await recordAndKill(out, delay);
        files.push(out);
        delays.push(delay);
      }

      const readable: string[] = [];
      for (const out of files) {
        if (format !== 'mat') {
          readable.push(out);
          continue;
        }
        // A MAT recording that never closed is its .part; recover turns it into the .mat.
        assert.ok(!fs.existsSync(out), `${out} exists though the recording never closed`);
        const r = await runCli(['recover', `${out}.part`]);
        assert.equal(r.code, 0, `recover ${out}.part: ${r.stderr}`);
        assert.ok(!fs.existsSync(`${out}.part`), `${out}.part is still there after recover`);
        readable.push(out);
      }
      const seen = readAll(format, readable);
      assert.equal(seen.length, RUNS);
      seen.forEach((s, i) => {
        const what = `${path.basename(files[i])} (killed ${delays[i]} ms in)`;
        const rows = s.shape[0];
        assert.equal(s.shape[1], CHANNELS, what);
        // The sidecar is rewritten after a flush: the file holds at least what it counts.
        const counted = readSidecar(sidecarPathFor(files[i])).frames;
        assert.ok(rows >= counted, `${what}: ${rows} rows, the sidecar counted ${counted}`);
        assert.equal(s.md5, expectedHash(rows), `${what}: the ${rows} rows differ from what the simulator sent`);
      });
      t.diagnostic(`rows per file: ${seen.map((s) => s.shape[0]).join(' ')}`);
    });
  }
});
