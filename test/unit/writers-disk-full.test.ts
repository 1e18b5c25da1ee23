// A disk that fills up in the middle of a write (issue 16): the write that hits the end stores
// part of its bytes, then the next one fails with ENOSPC. The writers must leave the file as it
// was at its last whole row (no cut-off CSV line, no half frame), stop counting the rows that
// never arrived (the sidecar counts `frames`), and say where a MAT recording's frames are.
// test/fault/disk-full.test.ts does the same on a real full filesystem, through the CLI.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { CsvWriter } from '../../src/core/writers/csv';
import { MatWriter } from '../../src/core/writers/mat';
import { NpyWriter } from '../../src/core/writers/npy';
import { readNpy } from '../../src/core/writers/read';
import type { FrameWriter } from '../../src/core/writers/types';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

const CHANNELS = 3;
// The module object itself: the writers' `fs` namespaces read their functions from it at each call.
const nodeFs = createRequire(__filename)('node:fs') as { writeSync: typeof fs.writeSync };
const realWriteSync = nodeFs.writeSync;

/** Every file may grow to `limit` bytes: a write past it stores what fits, the next fails. */
function diskOf(limit: number): void {
  const full = new Set<number>();
  nodeFs.writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
    if (full.has(fd) || position >= limit) {
      full.add(fd);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    const fits = Math.min(length, limit - position);
    if (fits < length) full.add(fd);
    return realWriteSync(fd, buffer, offset, fits, position);
  }) as typeof fs.writeSync;
}

afterEach(() => {
  nodeFs.writeSync = realWriteSync;
});

/** Frame f holds f + c / 8 (exact in float32 and in CSV's shortest decimals). */
function frames(first: number, count: number): Float32Array {
  const out = new Float32Array(count * CHANNELS);
  for (let i = 0; i < count; i++) for (let c = 0; c < CHANNELS; c++) out[i * CHANNELS + c] = first + i + c / 8;
  return out;
}

/** Appends blocks of 100 frames, flushing after each, until the disk refuses one; then closes. */
function recordUntilFull(writer: FrameWriter): { error: Error; closeError?: Error } {
  for (let next = 0; ; next += 100) {
    try {
      writer.append(frames(next, 100), next);
      writer.flush();
    } catch (error) {
      let closeError: Error | undefined;
      try {
        writer.close();
      } catch (e) {
        closeError = e as Error;
      }
      return { error: error as Error, closeError };
    }
  }
}

test('NPY: a write cut short by a full disk leaves whole rows only, and frames counts what the file holds', () => {
  const file = path.join(tmpDir(), 'full.npy');
  const writer = new NpyWriter(file, CHANNELS, { bufferBytes: 4096 });
  diskOf(10_000);
  const { error } = recordUntilFull(writer);
  assert.match(error.message, /ENOSPC/);
  const got = readNpy(file);
  assert.ok(got.shape[0] > 100, `only ${got.shape[0]} rows: the disk filled at the first write`);
  assert.equal(writer.frames, got.shape[0], 'frames must count the rows on disk');
  assert.deepEqual(got.data, frames(0, got.shape[0]));
  assert.equal(fs.statSync(file).size, 128 + got.shape[0] * CHANNELS * 4, 'bytes of a cut-off row are left after the last one');
});

test('CSV: a full disk leaves no cut-off line, so numpy still reads the file, every row exact', () => {
  const file = path.join(tmpDir(), 'full.csv');
  const writer = new CsvWriter(file, ['a', 'b', 'c'], 100);
  diskOf(10_000);
  const { error } = recordUntilFull(writer);
  assert.match(error.message, /ENOSPC/);
  assert.ok(fs.readFileSync(file, 'utf8').endsWith('\n'), 'the file ends inside a row');
  const got = pythonJson<number[][]>(
    "import sys, json, numpy as np; print(json.dumps(np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, ndmin=2).tolist()))",
    file,
  );
  assert.ok(got.length > 100, `only ${got.length} rows`);
  assert.equal(writer.frames, got.length, 'frames must count the rows on disk');
  const want = frames(0, got.length);
  got.forEach((row, f) => assert.deepEqual(row, [f / 100, ...want.subarray(f * CHANNELS, (f + 1) * CHANNELS)], `row ${f}`));
});

test('MAT: a full disk during the recording says the frames are in the .part, which stays a valid NPY', () => {
  const file = path.join(tmpDir(), 'full.mat');
  const writer = new MatWriter(file, ['a', 'b', 'c'], 100);
  diskOf(10_000);
  const { error, closeError } = recordUntilFull(writer);
  assert.match(
    error.message,
    /ENOSPC.*the frames recorded so far are in .*full\.mat\.part \(labscope recover .*full\.mat\.part writes the \.mat from it\)/,
  );
  assert.ok(closeError, 'close must not claim a .mat was written');
  assert.ok(!fs.existsSync(file) || fs.statSync(file).size === 0 || closeError, 'no .mat should pass for complete');
  const part = readNpy(`${file}.part`);
  assert.equal(writer.frames, part.shape[0]);
  assert.deepEqual(part.data, frames(0, part.shape[0]));
});
