// A scope's "export the visible range": frames from the ring as an export source, written by the
// recordings' own export and read back by numpy, with a sidecar whose markers, gaps and anchors
// are rebased onto its rows; a range the ring no longer holds fails, naming it, and leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRecording } from '../../src/core/export';
import { liveExportSource, type SnapshotSession } from '../../src/core/scope-snapshot';
import { readSidecar } from '../../src/core/writers/sidecar';
import { native } from '../../src/core/native';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

function ringSource(frames: number, capacity: number): SnapshotSession & { release(): void } {
  const ring = new (native().Ring)(3, capacity);
  const data = new Float32Array(frames * 3);
  for (let f = 0; f < frames; f++) for (let c = 0; c < 3; c++) data[f * 3 + c] = f + c / 10;
  ring.write(data);
  return {
    uri: 'sim:rda?channels=3',
    family: 'rda',
    channels: [
      { name: 'Fp1', unit: 'µV' },
      { name: 'Fp2', unit: 'µV' },
      { name: 'Trig', unit: '' },
    ],
    rate: 500,
    sampleType: 'float32',
    markers: [
      { frame: 90, type: 'Stimulus', text: 'before', channel: -1, points: 1 },
      { frame: 150, type: 'Stimulus', text: 'S 1', channel: 1, points: 1 },
    ],
    gaps: [{ fromFrame: 180, frames: 4, cause: 'device' }],
    anchors: [
      { frame: 0, hostNs: 1n, wallMs: Date.UTC(2026, 11, 4, 10, 0, 0) },
      { frame: 200, hostNs: 2n, wallMs: Date.UTC(2026, 11, 4, 10, 0, 0, 400) },
    ],
    getData: (a: number, b: number) => {
      try {
        return ring.read(a, b);
      } catch {
        return null;
      }
    },
    release: () => ring.release(),
  };
}

test('the visible range of two channels, as NPY and CSV, with a rebased sidecar', async () => {
  const dir = tmpDir();
  const src = ringSource(300, 1024);
  try {
    const npy = path.join(dir, 'view.npy');
    const view = liveExportSource(src, 100, 250, 'Amp');
    assert.deepEqual(await exportRecording(view, 'npy', npy, { channels: [2, 0] }), [npy, path.join(dir, 'view.labscope.json')]);
    const csv = path.join(dir, 'view2.csv');
    await exportRecording(view, 'csv', csv, { channels: [2, 0] });
    const got = pythonJson<{ npy: number[][]; csv: number[][]; header: string }>(
      `import sys,json,numpy as np
n=np.load(sys.argv[1]); c=np.loadtxt(sys.argv[2],delimiter=',',skiprows=1)
print(json.dumps({'npy':n.tolist(),'csv':c.tolist(),'header':open(sys.argv[2]).readline().strip()}))`,
      npy,
      csv,
    );
    assert.equal(got.npy.length, 150);
    got.npy.forEach((row, i) => assert.deepEqual(row, [Math.fround(100 + i + 0.2), 100 + i]));
    assert.equal(got.header, 'time_s,Trig,Fp1 [µV]');
    got.csv.forEach((row, i) => {
      assert.ok(Math.abs(row[0] - i / 500) < 1e-9, 'time from the first row');
      assert.ok(Math.abs(row[1] - (100 + i + 0.2)) < 1e-4 && row[2] === 100 + i);
    });
    const side = readSidecar(path.join(dir, 'view.labscope.json'));
    assert.deepEqual(side.device, { name: 'Amp', uri: 'sim:rda?channels=3', family: 'rda' });
    assert.deepEqual(side.channels, [
      { name: 'Trig', unit: '' },
      { name: 'Fp1', unit: 'µV' },
    ]);
    assert.equal(side.startFrame, 100);
    assert.equal(side.frames, 150);
    assert.equal(side.startTime, '2026-12-04T10:00:00.200Z', 'dated from the nearest anchor at the nominal rate');
    assert.deepEqual(side.markers, [{ frame: 150, row: 50, duration: 0, type: 'Stimulus', text: 'S 1', channel: 'Fp2' }]);
    assert.deepEqual(side.gaps, [{ row: 80, fromFrame: 180, frames: 4, cause: 'device' }]);
    assert.deepEqual(side.anchors, [{ frame: 200, time: '2026-12-04T10:00:00.400Z', hostNs: '2' }]);
  } finally {
    src.release();
  }
});

test('a range the ring no longer holds fails naming the frames, and leaves no file', async () => {
  const dir = tmpDir();
  const src = ringSource(3000, 1024); // frames before 1976 are overwritten
  try {
    const out = path.join(dir, 'old.npy');
    await assert.rejects(
      exportRecording(liveExportSource(src, 1000, 2500), 'npy', out, { channels: [0] }),
      /frames 1000–\d+ are no longer in the session's buffer/,
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    src.release();
  }
});
