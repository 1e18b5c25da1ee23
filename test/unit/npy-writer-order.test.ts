// The NPY writer gathers small appends in a buffer and writes big ones (≥ 1 MiB) directly. A big
// append that came while small ones were still buffered used to reach the file first: the rows
// were out of order (found while writing the issue 16 fault tests). A recording appends big
// chunks whenever its thread was held up long enough for 1 MiB of frames to pile up in the ring,
// which a busy machine or a slow flush makes common, so this holds every mix of sizes to order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { NpyWriter } from '../../src/core/writers/npy';
import { readNpy } from '../../src/core/writers/read';
import { MatWriter } from '../../src/core/writers/mat';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

const CHANNELS = 4;
/** Frames per append, small and big ones mixed (a big one is ≥ 1 MiB of float32 frames). */
const SIZES = [10, 70_000, 3, 5, 90_000, 1, 65_536, 65_537, 2, 200_000, 7];

/** Frame f holds f + c / 10 in channel c: any reordering or loss shows. */
function frames(first: number, count: number): Float32Array {
  const out = new Float32Array(count * CHANNELS);
  for (let i = 0; i < count; i++) for (let c = 0; c < CHANNELS; c++) out[i * CHANNELS + c] = first + i + c / 10;
  return out;
}

function appendAll(writer: { append(f: Float32Array, first: number): void }): number {
  let next = 0;
  for (const n of SIZES) {
    writer.append(frames(next, n), next);
    next += n;
  }
  return next;
}

test('NPY rows stay in the order they were appended, whatever the mix of small (buffered) and big (direct) appends', () => {
  const file = path.join(tmpDir(), 'order.npy');
  const writer = new NpyWriter(file, CHANNELS);
  const total = appendAll(writer);
  writer.close();
  const got = readNpy(file);
  assert.deepEqual(got.shape, [total, CHANNELS]);
  assert.deepEqual(got.data, frames(0, total));
});

test('a MAT recording (its .part is an NPY) keeps the order too, as scipy reads it', () => {
  const file = path.join(tmpDir(), 'order.mat');
  const writer = new MatWriter(file, ['a', 'b', 'c', 'd'], 1000);
  const total = appendAll(writer);
  writer.close();
  const firstColumnOk = pythonJson<boolean>(
    `import sys, json, numpy as np, scipy.io
d = scipy.io.loadmat(sys.argv[1])["data"]
n = int(sys.argv[2])
print(json.dumps(bool(d.shape == (n, 4) and np.array_equal(d[:, 0], np.arange(n, dtype=np.float32)))))`,
    file,
    String(total),
  );
  assert.equal(firstColumnOk, true);
});
