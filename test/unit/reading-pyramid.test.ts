// The min/max pyramid against brute force over the same rows: exact columns when a view is
// small, columns never missing a sample (and widened by at most the documented bound) when it
// is not, page and block edges, NaN, a file that grows, progress, Cancel and the memory budget;
// before the pyramid is built, exact small views and sampled previews marked provisional.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordingColumns } from '../../src/core/reading/columns';
import { previewColumns } from '../../src/core/reading/preview';
import { MinMaxPyramid, PYRAMID_FANOUT } from '../../src/core/reading/pyramid';
import { openRecording } from '../../src/core/reading/reader';
import type { RecordingReader } from '../../src/core/reading/types';
import { openWriter } from '../../src/core/writers';

/** A reader over an array in memory that can grow, counting what it is asked to read. */
function memoryReader(
  data: Float32Array,
  channels: number,
  format: RecordingReader['format'] = 'npy',
): RecordingReader & { grow(to: number): void; reads: number; rowsRead: number; scanGate?: Promise<void> } {
  let frames = data.length / channels;
  const r = {
    path: `memory.${format}`,
    format,
    sampleType: 'float32' as const,
    get frames() {
      return frames;
    },
    channelCount: channels,
    channels: Array.from({ length: channels }, (_, i) => ({ name: `ch${i + 1}`, unit: '' })),
    rate: 1000,
    sidecar: undefined,
    problems: [],
    reads: 0,
    rowsRead: 0,
    /** When set, whole-row reads (the pyramid's scan) wait for it: a slow disk, held by the test. */
    scanGate: undefined as Promise<void> | undefined,
    shown: data.length / channels,
    grow(to: number) {
      frames = to;
    },
    async read(start: number, end: number, chosen?: readonly number[]) {
      if (end > frames) throw new RangeError(`rows ${start}…${end} past ${frames}`);
      if (!chosen) await r.scanGate;
      r.reads++;
      r.rowsRead += end - start;
      const list = chosen ?? [...Array(channels).keys()];
      const out = new Float32Array((end - start) * list.length);
      for (let row = start; row < end; row++)
        for (let i = 0; i < list.length; i++) out[(row - start) * list.length + i] = data[row * channels + list[i]!]!;
      return out;
    },
    async refresh() {
      return frames;
    },
    async close() {},
  };
  return r;
}

/** Seeded noise with spikes and NaN stretches, so edges matter. */
function signal(frames: number, channels: number, seed = 1): Float32Array {
  const x = new Float32Array(frames * channels);
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let r = 0; r < frames; r++)
    for (let c = 0; c < channels; c++) {
      const spike = rand() < 0.001 ? (rand() - 0.5) * 1e4 : 0;
      x[r * channels + c] = Math.fround(Math.sin(r * 0.01 * (c + 1)) * 100 + rand() * 10 + spike);
    }
  // Channel 0 has no numbers over 5000 rows in the middle (a block-straddling stretch).
  for (let r = 10_007; r < 15_007 && r < frames; r++) x[r * channels] = NaN;
  return x;
}

/** min/max of channel c over rows [s, e), NaN when none is a number. */
function brute(x: Float32Array, channels: number, c: number, s: number, e: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = Math.max(0, s); r < e; r++) {
    const v = x[r * channels + c]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

const bounds = (start: number, end: number, columns: number, b: number) => [
  start + Math.floor((b * (end - start)) / columns),
  start + Math.floor(((b + 1) * (end - start)) / columns),
];

test('a small view is exact: every column is the min and max of its own rows', async () => {
  const C = 3;
  const x = signal(50_000, C);
  const reader = memoryReader(x, C);
  const p = await MinMaxPyramid.build(reader, { pageSamples: 10_000 });
  for (const [start, end, columns] of [
    [0, 50_000, 40],
    [12_345, 12_346, 7],
    [64 * 10, 64 * 30, 600],
    [9_999, 15_010, 333],
  ] as const) {
    const { minmax } = await p.query({ start, end, columns, channels: [2, 0] });
    [2, 0].forEach((c, i) => {
      for (let b = 0; b < columns; b++) {
        const [s, e] = bounds(start, end, columns, b);
        const want = brute(x, C, c, s!, e!);
        assert.deepEqual([minmax[(i * columns + b) * 2], minmax[(i * columns + b) * 2 + 1]], want, `rows ${s}…${e} ch ${c}`);
      }
    });
  }
});

test('a large view comes from the levels: nothing is missed, and a column widens by at most its bound', async () => {
  const C = 2;
  const x = signal(200_003, C, 7);
  const reader = memoryReader(x, C);
  const p = await MinMaxPyramid.build(reader, { exactSamples: 0, pageSamples: 7_000 });
  assert.equal(p.blockRows, 64);
  for (const [start, end, columns] of [
    [0, 200_003, 1200],
    [0, 200_003, 9],
    [333, 199_000, 77],
    [100_000, 100_500, 50],
  ] as const) {
    const { minmax } = await p.query({ start, end, columns, channels: [0, 1] });
    const perColumn = (end - start) / columns;
    const widen = Math.max(p.blockRows, Math.floor(perColumn / PYRAMID_FANOUT));
    for (let c = 0; c < C; c++)
      for (let b = 0; b < columns; b++) {
        const [s, e] = bounds(start, end, columns, b);
        const lo = minmax[(c * columns + b) * 2]!;
        const hi = minmax[(c * columns + b) * 2 + 1]!;
        const [innerLo, innerHi] = brute(x, C, c, s!, e!);
        const [outerLo, outerHi] = brute(x, C, c, s! - widen, e! + widen);
        if (Number.isNaN(innerLo)) {
          // No numbers in the column itself: only a neighbour's, or none at all.
          if (!Number.isNaN(lo)) assert.ok(lo >= outerLo && hi <= outerHi);
          continue;
        }
        assert.ok(lo <= innerLo && hi >= innerHi, `rows ${s}…${e} ch ${c}: ${lo}…${hi} holds ${innerLo}…${innerHi}`);
        assert.ok(lo >= outerLo && hi <= outerHi, `rows ${s}…${e} ch ${c}: ${lo}…${hi} within ${outerLo}…${outerHi}`);
      }
  }
});

test('columns on block edges are exact at every level, and a whole long take costs no file reads', async () => {
  const C = 2;
  const rows = 64 * PYRAMID_FANOUT ** 4 * 3; // three level-4 blocks: columns of level-3 blocks × 8
  const x = signal(rows, C, 3);
  const reader = memoryReader(x, C);
  const p = await MinMaxPyramid.build(reader, { exactSamples: 0 });
  const readsAfterBuild = reader.reads;
  for (const level of [0, 1, 2, 3]) {
    const size = 64 * PYRAMID_FANOUT ** level;
    const columns = Math.floor(rows / (size * PYRAMID_FANOUT));
    const { minmax } = await p.query({ start: 0, end: columns * size * PYRAMID_FANOUT, columns, channels: [1] });
    for (let b = 0; b < columns; b++) {
      const want = brute(x, C, 1, b * size * PYRAMID_FANOUT, (b + 1) * size * PYRAMID_FANOUT);
      assert.deepEqual([minmax[b * 2], minmax[b * 2 + 1]], want, `level ${level} column ${b}`);
    }
  }
  assert.equal(reader.reads, readsAfterBuild, 'answered from the levels alone');
});

test('rows read from an NPY file by small pages: block and page edges give the right samples', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyramid-'));
  const file = path.join(dir, 'take.npy');
  const C = 5;
  const frames = 64 * 40 + 17; // a partial last block
  const x = signal(frames, C, 11);
  const w = openWriter(file, 'npy', { channels: ['a', 'b', 'c', 'd', 'e'], units: ['', '', '', '', ''], rate: 100 });
  w.append(x, 0);
  w.close();
  const reader = await openRecording(file, { pageBytes: 999 });
  try {
    for (const exactSamples of [0, 1e9]) {
      const p = await MinMaxPyramid.build(reader, { pageSamples: 64 * C * 3, exactSamples });
      // A window that starts and ends on a page edge, and one a row either side of it.
      for (const [start, end] of [
        [64 * 3, 64 * 6],
        [64 * 3 - 1, 64 * 6 + 1],
        [frames - 17, frames],
        [0, frames],
      ] as const) {
        const columns = (end - start) / 64 >= 1 && exactSamples === 0 ? Math.floor((end - start) / 64 / 8) || 1 : end - start;
        const { minmax } = await p.query({ start, end, columns, channels: [4, 1] });
        [4, 1].forEach((c, i) => {
          for (let b = 0; b < columns; b++) {
            const [s, e] = bounds(start, end, columns, b);
            const [lo, hi] = brute(x, C, c, s!, e!);
            const got = [minmax[(i * columns + b) * 2]!, minmax[(i * columns + b) * 2 + 1]!];
            if (exactSamples) assert.deepEqual(got, [lo, hi], `exact rows ${s}…${e}`);
            else assert.ok(got[0]! <= lo! && got[1]! >= hi!, `rows ${s}…${e}: ${got} holds ${lo}…${hi}`);
          }
        });
      }
    }
  } finally {
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a growing file: extend() takes in the new rows, the partial block included', async () => {
  const C = 2;
  const x = signal(100_000, C, 5);
  const reader = memoryReader(x, C);
  reader.grow(1_000);
  const p = await MinMaxPyramid.build(reader, { exactSamples: 0 });
  assert.equal(p.frames, 1_000);
  await assert.rejects(p.query({ start: 0, end: 1_001, columns: 1, channels: [0] }), /not within the recording's 0…1000/);
  for (const to of [1_030, 5_000, 40_000, 100_000]) {
    reader.grow(to);
    await p.extend();
    assert.equal(p.frames, to);
    const fresh = await MinMaxPyramid.build(reader, { exactSamples: 0 });
    for (const columns of [1, 13, 700]) {
      const grown = await p.query({ start: 0, end: to, columns, channels: [0, 1] });
      const built = await fresh.query({ start: 0, end: to, columns, channels: [0, 1] });
      assert.deepEqual(grown.minmax, built.minmax, `${to} rows in ${columns} columns: as if built on the whole file`);
    }
  }
});

test('progress rises to 1, Cancel stops the scan, bad queries are named, and the budget holds', async () => {
  const C = 4;
  const x = signal(1_000_000, C, 9);
  const seen: number[] = [];
  const p = await MinMaxPyramid.build(memoryReader(x, C), {
    budgetBytes: 64 * 1024,
    pageSamples: 100_000,
    onProgress: (f) => seen.push(f),
  });
  assert.ok(seen.length > 1);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    seen,
    'rising',
  );
  assert.equal(seen.at(-1), 1);
  assert.ok(p.bytes <= 64 * 1024, `${p.bytes} bytes within 64 KiB`);
  assert.ok(p.blockRows > 64, 'the blocks grow to fit the budget');

  const stop = new AbortController();
  await assert.rejects(
    MinMaxPyramid.build(memoryReader(x, C), {
      signal: stop.signal,
      pageSamples: 10_000,
      onProgress: (f) => f > 0.2 && stop.abort(),
    }),
    { name: 'AbortError' },
  );

  await assert.rejects(p.query({ start: 5, end: 4, columns: 1, channels: [0] }), /rows 5…4 are not within/);
  await assert.rejects(p.query({ start: 0, end: 4, columns: 0, channels: [0] }), /columns must be an integer/);
  await assert.rejects(p.query({ start: 0, end: 4, columns: 2, channels: [4] }), /channel 4 is not one of the recording's 0…3/);
  const empty = await p.query({ start: 7, end: 7, columns: 3, channels: [1] });
  assert.ok(empty.minmax.every(Number.isNaN), 'no rows: no numbers');
});

test('before the pyramid is built: a small view is exact, a large one a provisional preview of its own samples, then final', async () => {
  const C = 4;
  const frames = 400_000;
  const x = signal(frames, C, 7);
  const reader = memoryReader(x, C);
  let release = () => {};
  reader.scanGate = new Promise((resolve) => (release = resolve));
  const columns = new RecordingColumns(reader, { pyramid: { exactSamples: 40_000 } });

  const small = await columns.query({ start: 1234, end: 1234 + 9_000, columns: 300, channels: [0, 2] });
  assert.equal(small.provisional, undefined, 'a small view is final at once');
  for (let b = 0; b < 300; b++)
    for (const [i, c] of [0, 2].entries()) {
      const s = 1234 + Math.floor((b * 9_000) / 300);
      const e = 1234 + Math.floor(((b + 1) * 9_000) / 300);
      assert.deepEqual([small.minmax[(i * 300 + b) * 2], small.minmax[(i * 300 + b) * 2 + 1]], brute(x, C, c, s, e), `column ${b} ch ${c}`);
    }

  assert.equal(columns.ready, false);
  const q = { start: 0, end: frames, columns: 500, channels: [0, 1, 3] };
  const preview = await columns.query(q);
  assert.equal(preview.provisional, true);
  for (let b = 0; b < 500; b++)
    for (const [i, c] of q.channels.entries()) {
      const s = Math.floor((b * frames) / 500);
      const e = Math.floor(((b + 1) * frames) / 500);
      const [lo, hi] = brute(x, C, c, s, e);
      const got = [preview.minmax[(i * 500 + b) * 2]!, preview.minmax[(i * 500 + b) * 2 + 1]!];
      if (Number.isNaN(lo)) continue; // a column of channel 0's NaN stretch
      // Sampled from the column's own rows: inside its true range, never beyond it.
      assert.ok(got[0]! >= lo && got[1]! <= hi && got[0]! <= got[1]!, `column ${b} ch ${c}: ${got} within ${lo}…${hi}`);
    }

  release();
  await columns.pyramid();
  assert.equal(columns.ready, true);
  const final = await columns.query(q);
  assert.equal(final.provisional, undefined);
  const pyramid = await MinMaxPyramid.build(memoryReader(x, C), { exactSamples: 40_000 });
  assert.deepEqual(final.minmax, (await pyramid.query(q)).minmax);
});

test('a preview reads a few hundred short runs, not the file; MAT fewer, CSV none (it waits for the pyramid)', async () => {
  const C = 8;
  const frames = 1_000_000;
  const x = signal(frames, C, 3);
  const npy = memoryReader(x, C);
  await previewColumns(npy, { start: 0, end: frames, columns: 1200, channels: [...Array(C).keys()] }, { samples: 96_000 });
  assert.equal(npy.reads, 1200, 'one run per column');
  assert.ok(npy.rowsRead <= 96_000 / C + 1200, `${npy.rowsRead} rows read of ${frames}`);

  const mat = memoryReader(x, C, 'mat');
  mat.scanGate = new Promise(() => {}); // the scan never gets its rows: every read counted is the preview's
  const fromMat = await new RecordingColumns(mat).query({ start: 0, end: frames, columns: 1200, channels: [0, 3, 5] });
  assert.equal(fromMat.provisional, true);
  assert.equal(mat.reads, 256, 'MAT: 256 runs for 1200 columns');

  const csv = memoryReader(x, C, 'csv');
  const fromCsv = await new RecordingColumns(csv).query({ start: 0, end: frames, columns: 1200, channels: [0, 5] });
  assert.equal(fromCsv.provisional, undefined, 'CSV: the pyramid’s answer');
  assert.ok(csv.rowsRead >= frames, 'the whole file was scanned');
});

test('a pyramid that fails still lets previews through, and its failure reaches whoever awaits it', async () => {
  const C = 2;
  const x = signal(300_000, C, 5);
  const reader = memoryReader(x, C);
  let release = () => {};
  reader.scanGate = new Promise((resolve) => (release = resolve));
  const failing: RecordingReader = {
    ...reader,
    frames: reader.frames,
    read: async (s, e, ch) => {
      if (!ch && s > 100_000) throw new Error('disk gone');
      return reader.read(s, e, ch);
    },
  };
  const columns = new RecordingColumns(failing, { pyramid: { pageSamples: 50_000, exactSamples: 1000 } });
  const preview = await columns.query({ start: 0, end: 300_000, columns: 200, channels: [0, 1] });
  assert.equal(preview.provisional, true);
  release();
  await assert.rejects(columns.pyramid(), /disk gone/);
  // The page keeps a preview to look at beside the error the editor shows.
  assert.equal((await columns.query({ start: 0, end: 300_000, columns: 200, channels: [0, 1] })).provisional, true);
  assert.equal(columns.ready, false);
});
