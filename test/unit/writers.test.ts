// Recording writers, checked against numpy and scipy as the reference readers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CsvWriter,
  MatWriter,
  NpyWriter,
  type Sidecar,
  checkMatSize,
  describeRecording,
  formatFloat32,
  formatFloat64,
  formatFromPath,
  openWriter,
  readFloatNpy,
  readNpy,
  readSidecar,
  recoverNpy,
  sidecarPathFor,
  writeSidecar,
} from '../../src/core/writers';

import { FLOAT64_ONLY } from '../helpers/exact-values';

const PYTHON = '/usr/bin/python3';
const SHARED_NPY = path.resolve(__dirname, '../../../shared/data/npy');
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-writers-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const tmp = (name: string) => path.join(dir, name);

/** Runs a Python snippet that prints one JSON value; argv[1:] are `args`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each caller knows the JSON shape its snippet prints
function py(script: string, ...args: string[]): any {
  const r = spawnSync(PYTHON, ['-c', `import json, sys\nimport numpy as np\n${script}`, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Deterministic float32 frames, with the values that break naive writers mixed in. */
function makeFrames(frames: number, channels: number, seed = 1): Float32Array {
  const out = new Float32Array(frames * channels);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 40) - 20);
  }
  const specials = [NaN, Infinity, -Infinity, -0, 1e-45, 3.4028234663852886e38, 0.1, -1.5];
  specials.forEach((v, i) => (out[(i * 7) % out.length] = v));
  return out;
}

/** Writes the expected values raw, so Python compares bit for bit without our reader. */
function rawFile(name: string, data: Float32Array): string {
  const file = tmp(name);
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return file;
}

// np.load the file; report shape, dtype, and whether its bits equal the raw expected values.
const NPY_MATCHES_RAW = `
a = np.load(sys.argv[1])
raw = np.fromfile(sys.argv[2], dtype='<u4')
rows = int(sys.argv[3])
exp = raw[: rows * a.shape[1]].reshape(rows, a.shape[1]) if a.ndim == 2 else raw
print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str,
                  'equal': bool(a.dtype.str == '<f4' and np.array_equal(a.view('<u4'), exp))}))
`;

function appendInChunks(w: { append(f: Float32Array, first: number): void }, data: Float32Array, channels: number, sizes: number[]): void {
  let frame = 0;
  for (let k = 0; frame * channels < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length], data.length / channels - frame);
    w.append(data.subarray(frame * channels, (frame + n) * channels), frame);
    frame += n;
  }
}

describe('NPY', () => {
  test('numpy reads exactly the frames written, across buffer boundaries', () => {
    const channels = 5;
    const data = makeFrames(3001, channels);
    const file = tmp('round.npy');
    // A small buffer makes appends straddle it, overflow it and bypass it.
    const w = new NpyWriter(file, channels, { bufferBytes: 4096 });
    appendInChunks(w, data, channels, [1, 100, 7, 300, 2, 51]);
    assert.equal(w.frames, 3001);
    w.close();
    w.close();
    assert.equal(w.headerLength % 64, 0);
    assert.equal(fs.statSync(file).size, w.headerLength + data.byteLength);
    assert.deepEqual(py(NPY_MATCHES_RAW, file, rawFile('round.raw', data), '3001'), {
      shape: [3001, channels],
      dtype: '<f4',
      equal: true,
    });
    const back = readNpy(file);
    assert.deepEqual(back.shape, [3001, channels]);
    assert.deepEqual(Buffer.from(back.data.buffer), Buffer.from(data.buffer));
  });

  test('the file is valid after every flush, with the flushed row count', () => {
    const channels = 3;
    const data = makeFrames(900, channels, 7);
    const raw = rawFile('flush.raw', data);
    const file = tmp('flush.npy');
    const w = openWriter(file, 'npy', { channels: ['a', 'b', 'c'], rate: 100 });
    for (const rows of [0, 10, 11, 500, 900]) {
      w.append(data.subarray(w.frames * channels, rows * channels), w.frames);
      w.flush();
      assert.deepEqual(py(NPY_MATCHES_RAW, file, raw, String(rows)), { shape: [rows, channels], dtype: '<f4', equal: true });
    }
    w.close();
  });

  test('appending after close fails, as does a partial frame', () => {
    const w = new NpyWriter(tmp('closed.npy'), 2);
    assert.throws(() => w.append(new Float32Array(3), 0), /whole number of 2-channel frames/);
    w.close();
    assert.throws(() => w.append(new Float32Array(2), 0), /closed/);
  });
});

describe('recoverNpy', () => {
  const channels = 4;
  const rowBytes = channels * 4;
  const data = makeFrames(50, channels, 3);
  let complete = '';
  let raw = '';
  let headerLength = 0;

  before(() => {
    complete = tmp('complete.npy');
    const w = new NpyWriter(complete, channels);
    w.append(data, 0);
    w.close();
    headerLength = w.headerLength;
    raw = rawFile('recover.raw', data);
  });

  for (const [rows, extra] of [
    [0, 0],
    [0, 9],
    [17, 0],
    [17, 5],
    [49, 15],
    [50, 0],
  ]) {
    test(`cut after ${rows} rows + ${extra} bytes`, () => {
      const file = tmp(`cut-${rows}-${extra}.npy`);
      fs.copyFileSync(complete, file);
      fs.truncateSync(file, headerLength + rows * rowBytes + extra);
      assert.deepEqual(recoverNpy(file), { frames: rows, channels, droppedBytes: extra, headerFrames: 50 });
      assert.deepEqual(py(NPY_MATCHES_RAW, file, raw, String(rows)), { shape: [rows, channels], dtype: '<f4', equal: true });
    });
  }

  test('a header that claims fewer rows than reached the disk (crash before its rewrite)', () => {
    const file = tmp('stale-header.npy');
    const w = new NpyWriter(file, channels);
    w.append(data.subarray(0, 20 * channels), 0);
    w.flush();
    const stale = fs.readFileSync(file).subarray(0, headerLength);
    w.append(data.subarray(20 * channels), 20);
    w.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, stale, 0, stale.length, 0);
    fs.appendFileSync(file, Buffer.alloc(3)); // and a torn last write
    fs.closeSync(fd);
    assert.deepEqual(recoverNpy(file), { frames: 50, channels, droppedBytes: 3, headerFrames: 20 });
    assert.deepEqual(py(NPY_MATCHES_RAW, file, raw, '50'), { shape: [50, channels], dtype: '<f4', equal: true });
  });

  test('errors name what is wrong', () => {
    const text = tmp('text.npy');
    fs.writeFileSync(text, 'time_s,a\n0,1\n');
    assert.throws(() => recoverNpy(text), /not an NPY file/);

    const i2 = tmp('i2.npy');
    const fortran = tmp('fortran.npy');
    py(
      `np.save(sys.argv[1], np.ones((3, 2), '<i2')); np.save(sys.argv[2], np.asfortranarray(np.ones((3, 2), '<f4'))); print(1)`,
      i2,
      fortran,
    );
    assert.throws(() => recoverNpy(i2), /dtype is <i2, expected <f4 or <f8/);
    assert.throws(() => recoverNpy(fortran), /Fortran order/);

    const garbled = tmp('garbled.npy');
    const bytes = fs.readFileSync(complete);
    bytes.write("{'descr'; '<f4'", 10, 'latin1');
    fs.writeFileSync(garbled, bytes);
    assert.throws(() => recoverNpy(garbled), /unparsable NPY header/);

    const oneD = tmp('oned.npy');
    py(`np.save(sys.argv[1], np.ones(3, '<f4')); print(1)`, oneD);
    assert.throws(() => recoverNpy(oneD), /expected \(frames, channels\)/);
  });
});

describe('describeRecording on numpy-written files', () => {
  const files = fs.existsSync(SHARED_NPY) ? fs.readdirSync(SHARED_NPY).filter((f) => f.endsWith('.npy')) : [];

  test('the shared sample files are there', () => assert.equal(files.length, 4));

  for (const name of files) {
    test(name, () => {
      const file = path.join(SHARED_NPY, name);
      const expected = py(
        `import hashlib; a = np.load(sys.argv[1])
print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str, 'sha256': hashlib.sha256(a.tobytes()).hexdigest()}))`,
        file,
      );
      const info = describeRecording(file);
      assert.equal(info.format, 'npy');
      assert.deepEqual(info.shape, expected.shape);
      assert.equal(info.dtype, expected.dtype);
      assert.deepEqual(info.problems, []);
      if (expected.dtype === '<f4' || expected.dtype === '<f8') {
        const { data } = readFloatNpy(file);
        assert.equal(data instanceof Float64Array ? '<f8' : '<f4', expected.dtype);
        assert.equal(createHash('sha256').update(Buffer.from(data.buffer)).digest('hex'), expected.sha256);
        if (expected.dtype === '<f8') assert.throws(() => readNpy(file), /holds float64 samples/);
      } else {
        assert.throws(() => readFloatNpy(file), new RegExp(`dtype is ${expected.dtype}`));
      }
    });
  }
});

describe('CSV', () => {
  test('formatFloat32 is short and reads back as the same float32', () => {
    const bits = new Uint32Array(1);
    const value = new Float32Array(bits.buffer);
    for (let i = 0; i < 20000; i++) {
      bits[0] = Math.imul(i, 2654435761) >>> 0;
      const x = value[0];
      if (Number.isNaN(x)) continue;
      const s = formatFloat32(x);
      assert.ok(Object.is(Math.fround(Number(s.replace('inf', 'Infinity'))), x), `${x} printed as ${s}`);
      assert.ok(s.replace(/e.*|[-.]/g, '').replace(/^0+|0+$/g, '').length <= 9, s);
    }
    assert.deepEqual(
      [0.1, 0.3, -0, 1e-45, 16777216, NaN, -Infinity].map((x) => formatFloat32(Math.fround(x))),
      ['0.1', '0.3', '-0', '1e-45', '16777216', 'nan', '-inf'],
    );
  });

  test('numpy.loadtxt reads the values as the same float32, and the time column', () => {
    const names = ['plain', 'has,comma', 'say "hi"', 'µV'];
    const channels = names.length;
    const data = makeFrames(1200, channels, 11);
    const file = tmp('rec.csv');
    const w = openWriter(file, 'csv', { channels: names, rate: 3 });
    // A jump of 100 frames after row 600: the time column shows the gap.
    w.append(data.subarray(0, 600 * channels), 0);
    w.flush();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 602);
    assert.equal(lines.at(-1), '');
    appendInChunks({ append: (f, first) => w.append(f, 600 + 100 + first) }, data.subarray(600 * channels), channels, [33]);
    w.close();

    const result = py(
      `
import csv
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    header = next(csv.reader(f))
a = np.loadtxt(sys.argv[1], skiprows=1, delimiter=',', encoding='utf-8')
exp = np.fromfile(sys.argv[2], dtype='<f4').reshape(a.shape[0], a.shape[1] - 1)
t = (np.arange(a.shape[0]) + np.where(np.arange(a.shape[0]) >= 600, 100, 0)) / 3
print(json.dumps({'header': header, 'shape': list(a.shape),
                  'values': bool(np.array_equal(a[:, 1:].astype('<f4'), exp, equal_nan=True)),
                  'signs': bool(np.array_equal(np.signbit(a[:, 1:]), np.signbit(exp))),
                  'time': bool(np.array_equal(a[:, 0], t))}))`,
      file,
      rawFile('rec-csv.raw', data),
    );
    assert.deepEqual(result, {
      header: ['time_s', ...names],
      shape: [1200, channels + 1],
      values: true,
      signs: true,
      time: true,
    });
    const info = describeRecording(file);
    assert.deepEqual([info.frames, info.channels, info.problems], [1200, names, []]);
  });
});

describe('MAT', () => {
  const names = ['Fz', 'Cz, ref', 'ΔT', ''];
  const channels = names.length;

  test('scipy.io.loadmat reads data, channels and fs', () => {
    const data = makeFrames(5003, channels, 5);
    const file = tmp('rec.mat');
    // Small blocks: the transpose runs over several, the last one partial.
    const w = new MatWriter(file, names, 250.5, { blockBytes: 1000 * channels * 4 });
    appendInChunks(w, data, channels, [64, 1, 999]);
    w.flush();
    assert.ok(fs.existsSync(`${file}.part`));
    w.close();
    w.close();
    assert.ok(!fs.existsSync(`${file}.part`));

    const result = py(
      `
import scipy.io
m = scipy.io.loadmat(sys.argv[1])
d = m['data']
exp = np.fromfile(sys.argv[2], dtype='<u4').reshape(d.shape)
print(json.dumps({'shape': list(d.shape), 'dtype': d.dtype.name, 'equal': bool(np.array_equal(d.view('<u4'), exp)),
                  'channels': [str(c[0]) if c.size else '' for c in m['channels'].ravel()],
                  'channelsShape': list(m['channels'].shape),
                  'fs': float(m['fs'][0, 0]), 'header': m['__header__'].decode()[:19]}))`,
      file,
      rawFile('rec-mat.raw', data),
    );
    assert.deepEqual(result, {
      shape: [5003, channels],
      dtype: 'float32',
      equal: true,
      channels: names,
      channelsShape: [1, channels],
      fs: 250.5,
      header: 'MATLAB 5.0 MAT-file',
    });
    const info = describeRecording(file);
    assert.deepEqual([info.shape, info.dtype, info.channels, info.rate], [[5003, channels], 'single', names, 250.5]);
  });

  test('an empty recording is still a loadable file', () => {
    const file = tmp('empty.mat');
    openWriter(file, 'mat', { channels: ['a'], rate: 1 }).close();
    assert.deepEqual(py(`import scipy.io; print(json.dumps(list(scipy.io.loadmat(sys.argv[1])['data'].shape)))`, file), [0, 1]);
  });

  test('refuses what MAT v5 cannot hold', () => {
    assert.doesNotThrow(() => checkMatSize(2 ** 20, 64));
    assert.throws(() => checkMatSize(2 ** 24, 64), /use NPY for recordings larger than 4 GiB/);
  });
});

describe('sidecar', () => {
  const sidecar: Sidecar = {
    labscope: 'recording',
    version: 1,
    file: 'run1.npy',
    format: 'npy',
    device: { uri: 'sim://sine?channels=2', family: 'sim' },
    channels: [
      { name: 'a', unit: 'V' },
      { name: 'b', unit: 'µV' },
    ],
    rate: 1000,
    startTime: '2024-05-01T10:00:00.000Z',
    startFrame: 12000,
    frames: 500,
    anchors: [{ frame: 12000, time: '2024-05-01T10:00:00.000Z', hostNs: '123456789012345678901' }],
    markers: [{ frame: 12100, row: 100, type: 'note', text: 'stim', channel: null }],
    gaps: [{ row: 200, fromFrame: 12200, frames: 30 }],
    summary: { dropped: 30 },
  };

  test('paths, round trip and atomic replace', () => {
    assert.equal(sidecarPathFor('/a/b/run1.npy'), '/a/b/run1.labscope.json');
    assert.equal(sidecarPathFor('/a/b.c/x.tar.csv'), '/a/b.c/x.tar.labscope.json');

    const file = tmp('run1.labscope.json');
    writeSidecar(file, sidecar);
    assert.deepEqual(readSidecar(file), sidecar);
    const updated = { ...sidecar, frames: 900, source: { app: 'test' } };
    writeSidecar(file, updated);
    assert.deepEqual(readSidecar(file), updated);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('run1.labscope.json') && f.endsWith('.tmp')),
      [],
    );

    fs.writeFileSync(tmp('other.json'), JSON.stringify({ labscope: 'session' }));
    assert.throws(() => readSidecar(tmp('other.json')), /not a Labscope recording sidecar/);
  });

  test('describeRecording takes names and rate from the sidecar of an NPY file', () => {
    const file = tmp('run1.npy');
    const w = openWriter(file, 'npy', { channels: ['a', 'b'], rate: 1000 });
    w.append(new Float32Array(10), 0);
    w.close();
    writeSidecar(sidecarPathFor(file), { ...sidecar, frames: 5 });
    const info = describeRecording(file);
    assert.deepEqual([info.frames, info.channels, info.rate, info.sidecar?.frames], [5, ['a', 'b'], 1000, 5]);
  });
});

describe('formats', () => {
  test('by extension', () => {
    assert.deepEqual(['x.npy', 'X.CSV', 'a.b/c.mat'].map(formatFromPath), ['npy', 'csv', 'mat']);
    assert.throws(() => formatFromPath('x.h5'), /'\.h5'.*use \.npy, \.csv or \.mat/);
    assert.throws(() => formatFromPath('noext'), /use \.npy/);
  });

  test('openWriter builds the writer for the format', () => {
    const opts = { channels: ['a'], rate: 10 };
    const writers = [openWriter(tmp('o.npy'), 'npy', opts), openWriter(tmp('o.csv'), 'csv', opts), openWriter(tmp('o.mat'), 'mat', opts)];
    assert.deepEqual(
      writers.map((w) => w.format),
      ['npy', 'csv', 'mat'],
    );
    assert.ok(writers[1] instanceof CsvWriter);
    writers.forEach((w) => w.close());
    assert.throws(() => openWriter(tmp('p.npy'), 'npy', { channels: [], rate: 10 }), /at least one channel/);
    assert.throws(() => openWriter(tmp('p.npy'), 'npy', { channels: ['a'], rate: 0 }), /invalid frame rate/);
  });
});

describe('float64 samples (families whose values must stay exact)', () => {
  // Each value once, and 5e-324 (the smallest subnormal, also MIN_VALUE) spelt out for the CSV.
  const specials = [...FLOAT64_ONLY, 5e-324];
  const channels = 3;
  const frames = 1000;
  const data = new Float64Array(frames * channels);
  for (let i = 0; i < data.length; i++) data[i] = i < specials.length ? specials[i] : (i - 1500) * 1e6 + i / 7;
  const raw = () => {
    const file = tmp('expected-f64.bin');
    fs.writeFileSync(file, Buffer.from(data.buffer));
    return file;
  };
  const BITS_EQUAL = `
a = {load}
exp = np.fromfile(sys.argv[2], dtype='<u8').reshape(-1, ${channels})
print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str, 'equal': bool(a.dtype.str == '<f8' and np.array_equal(a.view('<u8'), exp))}))
`;

  for (const format of ['npy', 'csv', 'mat'] as const) {
    test(`${format}: every float64 sample reaches the file bit for bit, in chunks of any size`, () => {
      const file = tmp(`exact.${format}`);
      const w = openWriter(file, format, { channels: ['a', 'b', 'c'], rate: 1000, sampleType: 'float64' });
      assert.equal(w.sampleType, 'float64');
      let frame = 0;
      for (const n of [1, 7, 250, 3, 739]) {
        w.append(data.subarray(frame * channels, (frame + n) * channels), frame);
        frame += n;
        if (n === 250) w.flush();
      }
      w.close();
      const load = {
        npy: 'np.load(sys.argv[1])',
        // Our CSV starts with the time column; numpy parses nan/inf/-inf and the shortest decimals exactly.
        csv: "np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, dtype='<f8')[:, 1:]",
        mat: "__import__('scipy.io', fromlist=['loadmat']).loadmat(sys.argv[1])['data']",
      }[format];
      assert.deepEqual(py(BITS_EQUAL.replace('{load}', load), file, raw()), { shape: [frames, channels], dtype: '<f8', equal: true });
    });
  }

  test('the NPY header says <f8, our reader returns a Float64Array, and recover keeps 8-byte rows', () => {
    const file = tmp('exact-recover.npy');
    const w = new NpyWriter(file, channels, { sampleType: 'float64' });
    w.append(data.subarray(0, 30), 0);
    w.flush();
    w.close();
    // A writer cut off mid-row: half a row of garbage after the last whole one.
    fs.appendFileSync(file, Buffer.alloc(12, 0xab));
    const result = recoverNpy(file);
    assert.deepEqual([result.frames, result.channels, result.droppedBytes], [10, channels, 12]);
    const read = readFloatNpy(file);
    assert.equal(read.descr, '<f8');
    assert.ok(read.data instanceof Float64Array);
    assert.deepEqual(Array.from(read.data), Array.from(data.subarray(0, 30)));
    assert.throws(() => readNpy(file), /holds float64 samples/);
    assert.equal(describeRecording(file).dtype, '<f8');
  });

  test('a writer refuses samples of the other type instead of converting them', () => {
    const f64 = openWriter(tmp('typed.npy'), 'npy', { channels: ['a'], rate: 1, sampleType: 'float64' });
    assert.throws(() => f64.append(new Float32Array(1), 0), /holds float64 samples, was handed float32/);
    f64.close();
    const f32 = openWriter(tmp('typed.csv'), 'csv', { channels: ['a'], rate: 1 });
    assert.equal(f32.sampleType, 'float32');
    assert.throws(() => f32.append(new Float64Array(1), 0), /holds float32 samples, was handed float64/);
    f32.close();
  });

  test('formatFloat64 writes the shortest decimal that reads back as the same double', () => {
    for (const x of specials) {
      const text = formatFloat64(x);
      if (Number.isNaN(x)) assert.equal(text, 'nan');
      else if (!Number.isFinite(x)) assert.equal(text, x > 0 ? 'inf' : '-inf');
      else assert.ok(Object.is(Number(text), x), `${x} → ${text}`);
    }
  });

  test('MAT refuses a float64 recording past 4 GiB a variable at half the frames of a float32 one', () => {
    // 2^28 frames × 2 channels: 2 GiB as single, 4 GiB as double (over v5's 32-bit sizes).
    assert.doesNotThrow(() => checkMatSize(2 ** 28, 2, 'float32'));
    assert.throws(() => checkMatSize(2 ** 28, 2, 'float64'), /4 GiB/);
    assert.doesNotThrow(() => checkMatSize(2 ** 27, 2, 'float64'));
  });
});
