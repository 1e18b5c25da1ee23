// A stream of float64 samples (what Bela's int32, uint32 and double watchers need) through the
// acquisition: the source asks for a float64 ring, and a recording in each format holds every
// value bit for bit, as numpy and scipy read them. A float32 stream is untouched by all this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Acquisition } from '../../src/core/acquisition';
import { native, type NativeRing } from '../../src/core/native';
import type { Source, SourceSink } from '../../src/core/source';
import type { Event, RecordingRequest } from '../../src/core/worker-protocol';
import type { RecordingFormat } from '../../src/core/writers/types';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { PYTHON } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { FLOAT64_ONLY } from '../helpers/exact-values';

const CHANNELS = 2;
const VALUES = FLOAT64_ONLY;

class DoubleSource implements Source {
  sink!: SourceSink;
  ring?: NativeRing<'float64'>;
  start(sink: SourceSink): void {
    this.sink = sink;
    this.ring = sink.format({
      channels: [
        { name: 'i', unit: '' },
        { name: 'j', unit: '' },
      ],
      rate: 1000,
      sampleType: 'float64',
    });
  }
  stop(): void {}
  push(data: Float64Array): void {
    this.sink.frames(data, { hostNs: process.hrtime.bigint(), bytes: data.byteLength, markers: [] });
  }
}

function values(frames: number): Float64Array {
  const out = new Float64Array(frames * CHANNELS);
  for (let i = 0; i < out.length; i++) out[i] = i < VALUES.length ? VALUES[i] : (i - 500) * 4294967.296 + i / 3;
  return out;
}

for (const format of ['npy', 'csv', 'mat'] as RecordingFormat[]) {
  test(`${format}: a float64 stream is recorded bit for bit`, () => {
    const source = new DoubleSource();
    const posted: Event[] = [];
    const acquisition = new Acquisition(source, 10_000, (m) => posted.push(m));
    acquisition.start();
    try {
      assert.equal(source.ring?.sampleType, 'float64', 'the source got the float64 ring it asked for');
      const formatEvent = posted.find((m) => m.kind === 'format');
      assert.ok(formatEvent?.kind === 'format' && formatEvent.sampleType === 'float64', 'the session is told the sample type');
      const dir = tmpDir();
      const file = path.join(dir, `exact.${format}`);
      const request: RecordingRequest = { path: file, format, deviceUri: 'test:double', family: 'test', fromFrame: 0 };
      const data = values(600);
      source.push(data.subarray(0, 20));
      acquisition.startRecording(request);
      source.push(data.subarray(20, 1000));
      source.push(data.subarray(1000));
      const summary = acquisition.stopRecording();
      assert.equal(summary.frames, 600);
      assert.equal(readSidecar(sidecarPathFor(file)).sampleType, 'float64');
      const expected = path.join(dir, 'expected.bin');
      fs.writeFileSync(expected, Buffer.from(data.buffer));
      const load = {
        npy: 'np.load(f)',
        csv: "np.loadtxt(f, delimiter=',', skiprows=1, dtype='<f8')[:, 1:]",
        mat: "__import__('scipy.io', fromlist=['loadmat']).loadmat(f)['data']",
      }[format];
      const r = spawnSync(
        PYTHON,
        [
          '-c',
          `import sys, json, numpy as np\nf = sys.argv[1]\na = ${load}\nexp = np.fromfile(sys.argv[2], dtype='<u8').reshape(-1, ${CHANNELS})\nprint(json.dumps([a.dtype.str, list(a.shape), bool(np.array_equal(a.view('<u8'), exp))]))`,
          file,
          expected,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ['<f8', [600, CHANNELS], true]);
    } finally {
      acquisition.close();
    }
  });
}

test('a float64 stream refuses float32 frames (never converted), and rings stay float32 unless a source asks', () => {
  const source = new DoubleSource();
  const acquisition = new Acquisition(source, 1000, () => undefined);
  acquisition.start();
  try {
    assert.throws(() => source.sink.frames(new Float32Array(CHANNELS), { hostNs: 0n, bytes: 8, markers: [] }), /Float64Array/);
  } finally {
    acquisition.close();
  }
  const ring = new (native().Ring)(1, 8);
  assert.equal(ring.sampleType, 'float32', 'rings stay float32 unless a source asks');
  ring.release();
});

test("a family's buffer in seconds sizes the ring once the rate is known (bela's buffer=)", () => {
  let ring: { capacity: number } | undefined;
  const source: Source = {
    start(sink) {
      ring = sink.format({ channels: [{ name: 'x', unit: '' }], rate: 44100, sampleType: 'float64', ringSeconds: 2.5 });
    },
    stop() {},
  };
  const acquisition = new Acquisition(source, 1000, () => undefined);
  acquisition.start();
  try {
    assert.equal(ring?.capacity, 110250, '2.5 s at 44.1 kHz, not the session default of 1000 frames');
  } finally {
    acquisition.close();
  }
});
