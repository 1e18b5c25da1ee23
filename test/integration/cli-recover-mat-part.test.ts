// `labscope recover FILE.mat.part`: the .mat of a MAT recording that never closed, rebuilt from
// its .part (an NPY) and its sidecar; and the ways it refuses, each naming what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { NpyWriter } from '../../src/core/writers/npy';
import { sidecarPathFor, writeSidecar, type Sidecar } from '../../src/core/writers/sidecar';

function sidecarFor(mat: string, frames: number): Sidecar {
  return {
    labscope: 'recording',
    version: 1,
    file: path.basename(mat),
    format: 'mat',
    device: { uri: 'sim:rda', family: 'rda' },
    sampleType: 'float32',
    channels: [
      { name: 'Fp1', unit: 'µV' },
      { name: 'Fp2', unit: 'µV' },
    ],
    rate: 500,
    startTime: new Date(0).toISOString(),
    startFrame: 0,
    frames,
    anchors: [],
    markers: [],
    gaps: [],
    summary: {},
  };
}

/** A .part as a killed recording leaves it: 3 whole frames flushed, half a frame after them. */
function killedPart(dir: string): { mat: string; part: string } {
  const mat = path.join(dir, 'r.mat');
  const part = `${mat}.part`;
  const w = new NpyWriter(part, 2);
  w.append(new Float32Array([1, 2, 3, 4, 5, 6]), 0);
  w.flush();
  fs.appendFileSync(part, Buffer.from(new Float32Array([7]).buffer));
  return { mat, part };
}

test('recover FILE.mat.part writes the .mat scipy reads, with the sidecar names and rate, and removes the .part', async () => {
  const { mat, part } = killedPart(tmpDir());
  writeSidecar(sidecarPathFor(mat), sidecarFor(mat, 2));
  const r = await runCli(['recover', part]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /repaired: 3 frames × 2 channels .*dropped 4 bytes/);
  assert.match(r.stdout, /wrote .*r\.mat: 3 frames × 2 channels at 500 Hz/);
  assert.ok(!fs.existsSync(part));
  const got = pythonJson<{ data: number[][]; channels: string[]; fs: number }>(
    `import sys, json, scipy.io
m = scipy.io.loadmat(sys.argv[1])
print(json.dumps({"data": m["data"].tolist(), "channels": [str(c[0]) for c in m["channels"][0]], "fs": float(m["fs"][0][0])}))`,
    mat,
  );
  assert.deepEqual(got, {
    data: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    channels: ['Fp1', 'Fp2'],
    fs: 500,
  });
});

test('recover refuses, naming why: not an .npy or .mat.part, no sidecar, a .mat already there', async () => {
  const dir = tmpDir();
  const other = path.join(dir, 'x.csv');
  fs.writeFileSync(other, 'time_s,a\n');
  const wrong = await runCli(['recover', other]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /recover repairs \.npy files and a MAT recording's \.mat\.part; .*x\.csv is neither/);

  const { mat, part } = killedPart(dir);
  const lonely = await runCli(['recover', part]);
  assert.equal(lonely.code, 1);
  assert.match(lonely.stderr, /cannot rebuild .*r\.mat: its sidecar gives the channel names and rate, and .*r\.labscope\.json/);
  assert.ok(fs.existsSync(part), 'the .part must stay when nothing was rebuilt');

  fs.writeFileSync(mat, 'not mine');
  const taken = await runCli(['recover', part]);
  assert.equal(taken.code, 2);
  assert.match(taken.stderr, /r\.mat already exists; move it away to rebuild it from/);
  assert.equal(fs.readFileSync(mat, 'utf8'), 'not mine');
});
