import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  readBrainVision,
  writeBrainVision,
  type BinaryFormat,
  type BrainVisionRecording,
  type Orientation,
} from '../../src/devices/rda/brainvision';

const TEST_VHDR = path.resolve(__dirname, '../../../shared/data/brainvision/test.vhdr');
import { PYTHON } from '../helpers/python';

// Writes MNE's view of a recording: the data as interleaved [frame][channel] float64 in each
// channel's own unit (MNE stores SI values, i.e. raw × resolution × range, where range is the
// unit's SI factor, so dividing by range leaves raw × resolution), plus annotations as JSON.
const MNE_DUMP = `
import json, sys, numpy as np, mne
raw = mne.io.read_raw_brainvision(sys.argv[1], preload=True, verbose='error')
ranges = np.array([ch['range'] for ch in raw.info['chs']])
(raw.get_data() / ranges[:, None]).T.astype('<f8').tofile(sys.argv[2] + '.f64')
a = raw.annotations
json.dump({
  'sfreq': raw.info['sfreq'],
  'names': raw.ch_names,
  'positions': [float(o) * raw.info['sfreq'] for o in a.onset],
  'descriptions': list(a.description),
  'measDate': raw.info['meas_date'].isoformat() if raw.info['meas_date'] else None,
}, open(sys.argv[2] + '.json', 'w'))
`;

interface MneView {
  data: Float64Array;
  sfreq: number;
  names: string[];
  positions: number[];
  descriptions: string[];
  measDate: string | null;
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-bv-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function readWithMne(vhdr: string): MneView {
  const out = path.join(tmp, `mne-${path.basename(vhdr, '.vhdr')}`);
  execFileSync(PYTHON, ['-c', MNE_DUMP, vhdr, out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const bytes = fs.readFileSync(`${out}.f64`);
  return {
    data: new Float64Array(new Uint8Array(bytes).buffer),
    ...JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')),
  };
}

function scaled(rec: BrainVisionRecording): Float64Array {
  const n = rec.channels.length;
  return Float64Array.from(rec.samples, (v, i) => v * rec.channels[i % n].resolution);
}

function assertMatchesMne(rec: BrainVisionRecording, mne: MneView): void {
  assert.equal(mne.sfreq, rec.rate);
  assert.deepEqual(
    mne.names,
    rec.channels.map((c) => c.name),
  );
  const ours = scaled(rec);
  assert.equal(mne.data.length, ours.length);
  for (let i = 0; i < ours.length; i++) {
    const tolerance = 1e-6 * Math.abs(mne.data[i]) + 1e-9;
    if (Math.abs(ours[i] - mne.data[i]) > tolerance) {
      const n = rec.channels.length;
      assert.fail(`frame ${Math.floor(i / n)} channel ${i % n}: ours ${ours[i]}, MNE ${mne.data[i]}`);
    }
  }
  // MNE names annotations "type/description" and drops nothing.
  assert.deepEqual(
    mne.descriptions,
    rec.markers.map((m) => `${m.type}/${m.description}`),
  );
  assert.deepEqual(
    mne.positions.map(Math.round),
    rec.markers.map((m) => m.position),
  );
}

test('reads the shared test file: header, channels, markers, date', () => {
  const rec = readBrainVision(TEST_VHDR);
  assert.equal(rec.channels.length, 32);
  assert.equal(rec.intervalUs, 1000);
  assert.equal(rec.rate, 1000);
  assert.equal(rec.frames, 7900);
  assert.equal(rec.binaryFormat, 'INT_16');
  assert.equal(rec.orientation, 'MULTIPLEXED');
  assert.ok(rec.samples instanceof Int16Array);
  assert.equal(rec.samples.length, 7900 * 32);
  assert.deepEqual(rec.channels[0], { name: 'FP1', resolution: 0.5, unit: 'µV' });
  assert.equal(rec.channels[1].unit, 'µV'); // empty unit defaults to µV
  assert.equal(rec.channels[27].unit, 'µS');
  assert.equal(rec.markers.length, 14);
  assert.deepEqual(rec.markers[0], { type: 'New Segment', description: '', position: 0, points: 1, channel: -1 });
  assert.deepEqual(rec.markers[1], { type: 'Stimulus', description: 'S253', position: 486, points: 0, channel: -1 });
  assert.equal(rec.newSegmentDate?.toISOString(), '2013-11-13T16:14:03.794Z');
});

test('every sample and marker onset equals MNE', () => {
  const rec = readBrainVision(TEST_VHDR);
  const mne = readWithMne(TEST_VHDR);
  assertMatchesMne(rec, mne);
  assert.equal(new Date(mne.measDate!).getTime(), rec.newSegmentDate!.getTime());
});

const variants: [BinaryFormat, Orientation][] = [
  ['INT_16', 'MULTIPLEXED'],
  ['INT_16', 'VECTORIZED'],
  ['IEEE_FLOAT_32', 'MULTIPLEXED'],
  ['IEEE_FLOAT_32', 'VECTORIZED'],
];

for (const [binaryFormat, orientation] of variants) {
  test(`write/read round trip as ${binaryFormat} ${orientation}`, () => {
    const original = readBrainVision(TEST_VHDR);
    const base = path.join(tmp, `rt-${binaryFormat}-${orientation}`);
    writeBrainVision(base, { ...original, binaryFormat, orientation });
    const back = readBrainVision(`${base}.vhdr`);
    assert.equal(back.binaryFormat, binaryFormat);
    assert.equal(back.orientation, orientation);
    assert.ok(back.samples instanceof (binaryFormat === 'INT_16' ? Int16Array : Float32Array));
    assert.deepEqual(Array.from(back.samples), Array.from(original.samples));
    const { samples: _a, binaryFormat: _b, orientation: _c, ...restBack } = back;
    const { samples: _d, binaryFormat: _e, orientation: _f, ...restOriginal } = original;
    assert.deepEqual(restBack, restOriginal);
  });
}

test('MNE reads a written IEEE_FLOAT_32 VECTORIZED file like the original', () => {
  const original = readBrainVision(TEST_VHDR);
  const base = path.join(tmp, 'mne-float-vec');
  writeBrainVision(base, { ...original, binaryFormat: 'IEEE_FLOAT_32', orientation: 'VECTORIZED' });
  assertMatchesMne(original, readWithMne(`${base}.vhdr`));
});

test('names with commas survive the \\1 escape', () => {
  const rec: BrainVisionRecording = {
    channels: [{ name: 'a,b', resolution: 1, unit: 'µV' }],
    intervalUs: 2000,
    rate: 500,
    frames: 2,
    binaryFormat: 'IEEE_FLOAT_32',
    orientation: 'MULTIPLEXED',
    samples: Float32Array.of(1.5, -2.25),
    markers: [{ type: 'Comment', description: 'x,y', position: 1, points: 1, channel: 0 }],
  };
  const base = path.join(tmp, 'comma');
  writeBrainVision(base, rec);
  assert.deepEqual(readBrainVision(`${base}.vhdr`), rec);
  assert.throws(() => writeBrainVision(base, { ...rec, binaryFormat: 'INT_16' }), /not representable as INT_16/);
});

test('unsupported or missing fields are named in the error', () => {
  const header = fs.readFileSync(TEST_VHDR, 'utf8');
  const cases: [string, string, RegExp][] = [
    ['BinaryFormat=INT_16', 'BinaryFormat=INT_32', /\[Binary Infos\] BinaryFormat is INT_32/],
    ['DataFormat=BINARY', 'DataFormat=ASCII', /\[Common Infos\] DataFormat is ASCII/],
    ['DataOrientation=MULTIPLEXED', 'DataOrientation=SIDEWAYS', /DataOrientation is SIDEWAYS/],
    ['SamplingInterval=1000', 'SamplingInterval=', /\[Common Infos\] SamplingInterval is missing/],
    ['NumberOfChannels=32', 'NumberOfChannels=33', /\[Channel Infos\] Ch33 is missing/],
    ['Ch5=C3,,0.5,µV', 'Ch5=C3,,abc,µV', /\[Channel Infos\] Ch5 has resolution "abc"/],
    ['DataFile=test.eeg', 'DataFile=', /DataFile is missing/],
  ];
  for (const [from, to, message] of cases) {
    const vhdr = path.join(tmp, 'broken.vhdr');
    fs.writeFileSync(vhdr, header.replace(from, to));
    assert.throws(() => readBrainVision(vhdr), message, `${from} → ${to}`);
  }
});
