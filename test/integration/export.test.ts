// Exports read back by independent readers: numpy (NPY, CSV crops: exactly the chosen rows and
// channels), scipy (MAT), MNE (EDF+ and BDF+ with the markers as annotations); page edges placed
// inside the crop; Cancel and failures leave nothing under the final name; bad requests are named.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { channelIndexes, exportRecording, type ExportSource } from '../../src/core/export';
import { openRecording } from '../../src/core/reading/reader';
import type { RecordingReader } from '../../src/core/reading/types';
import { openWriter } from '../../src/core/writers';
import { pythonJson } from '../helpers/python';
import { runCli } from '../helpers/cli';
import { writeRecordingFixture } from '../helpers/recording-fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-'));
const RATE = 200;
const FRAMES = 2_345; // not a whole number of 1 s records
const NAMES = ['Fp1', 'Fp2', 'Cz', 'Pz'];
const value = (row: number, c: number) => Math.fround(Math.sin((row * (c + 1)) / 40) * 80 + c * 10 - 20 + (row % 13) * 0.1);

async function source(): Promise<{ src: ExportSource; reader: RecordingReader }> {
  const file = path.join(dir, 'take.npy');
  if (!fs.existsSync(file)) {
    const w = openWriter(file, 'npy', { channels: NAMES, units: NAMES.map(() => 'µV'), rate: RATE });
    const x = new Float32Array(FRAMES * NAMES.length);
    for (let r = 0; r < FRAMES; r++) for (let c = 0; c < NAMES.length; c++) x[r * NAMES.length + c] = value(r, c);
    w.append(x, 0);
    w.close();
  }
  const reader = await openRecording(file, { pageBytes: 1000 });
  return {
    reader,
    src: {
      reader,
      channels: NAMES.map((name) => ({ name, unit: 'µV' })),
      markers: [
        { id: 'm1', row: 300, duration: 0, channel: null, type: 'Stimulus', text: 'S  1' },
        { id: 'm2', row: 1500, duration: 100, channel: 'Cz', type: 'Comment', text: 'eyes closed' },
        { id: 'm3', row: 2300, duration: 0, channel: null, type: 'Stimulus', text: 'outside the crop' },
      ],
      rate: RATE,
      startTime: '2026-12-03T08:30:15.000Z',
    },
  };
}

const CROP = { start: 250, end: 2_251, channels: [2, 0] };
const expected = () => Array.from({ length: CROP.end - CROP.start }, (_, i) => CROP.channels.map((c) => value(CROP.start + i, c)));

test('NPY, CSV and MAT crops hold exactly the chosen rows and channels (numpy, scipy)', async () => {
  const { src, reader } = await source();
  try {
    const readers = {
      npy: 'import numpy as np,sys,json; print(json.dumps(np.load(sys.argv[1]).astype(float).tolist()))',
      csv: 'import numpy as np,sys,json; d=np.loadtxt(sys.argv[1],delimiter=",",skiprows=1,ndmin=2); print(json.dumps(d[:,1:].tolist()))',
      mat: 'import scipy.io as s,sys,json; print(json.dumps(s.loadmat(sys.argv[1])["data"].astype(float).tolist()))',
    };
    for (const format of ['npy', 'csv', 'mat'] as const) {
      const out = path.join(dir, `crop.${format}`);
      const progress: number[] = [];
      const files = await exportRecording(src, format, out, CROP, { pageRows: 333, onProgress: (done) => progress.push(done) });
      assert.deepEqual(files, [out]);
      assert.equal(progress.at(-1), CROP.end - CROP.start);
      assert.ok(progress.length >= 6, 'progress by page');
      const got = pythonJson<number[][]>(readers[format], out);
      const want = expected();
      assert.equal(got.length, want.length, `${format}: rows`);
      for (let r = 0; r < want.length; r++)
        for (let c = 0; c < 2; c++) {
          const tolerance = format === 'csv' ? Math.abs(want[r]![c]!) * 1e-6 + 1e-6 : 0;
          assert.ok(Math.abs(got[r]![c]! - want[r]![c]!) <= tolerance, `${format} row ${r} ch ${c}: ${got[r]![c]} vs ${want[r]![c]}`);
        }
      if (format === 'csv') assert.match(fs.readFileSync(out, 'utf8').split('\n')[0]!, /Cz \[µV\].*Fp1 \[µV\]/);
    }
  } finally {
    await reader.close();
  }
});

for (const format of ['edf', 'bdf'] as const) {
  test(`${format.toUpperCase()}+: MNE reads the channels, rate, start, samples within one step, and the markers`, async () => {
    const { src, reader } = await source();
    try {
      const out = path.join(dir, `crop.${format}`);
      await exportRecording(src, format, out, CROP, { pageRows: 450 });
      const got = pythonJson<{
        names: string[];
        sfreq: number;
        n: number;
        meas: string;
        data: number[][];
        ann: [number, number, string][];
      }>(
        `import mne,sys,json
raw = (mne.io.read_raw_edf if sys.argv[1].endswith('.edf') else mne.io.read_raw_bdf)(sys.argv[1], preload=True, verbose='error')
d = raw.get_data() * 1e6  # MNE gives volts; the file says uV
print(json.dumps({'names': raw.ch_names, 'sfreq': float(raw.info['sfreq']), 'n': int(raw.n_times),
  'meas': raw.info['meas_date'].isoformat(), 'data': d.T.tolist(),
  'ann': [[float(a['onset']), float(a['duration']), a['description']] for a in raw.annotations]}))`,
        out,
      );
      assert.deepEqual(got.names, ['Cz', 'Fp1']);
      assert.equal(got.sfreq, RATE);
      // The crop starts 1.25 s in, at 08:30:16.25: the header holds whole seconds, the first
      // record's time-keeping TAL the quarter second, and MNE counts onsets from the first sample.
      assert.equal(got.meas, '2026-12-03T08:30:16+00:00');
      const want = expected();
      // The last 1 s record is padded: 2001 rows make 11 records of 200.
      assert.equal(got.n, Math.ceil(want.length / RATE) * RATE);
      const steps = format === 'edf' ? 65535 : 16777215;
      for (let c = 0; c < 2; c++) {
        const column = want.map((row) => row[c]!);
        const step = (Math.max(...column) - Math.min(...column)) / steps;
        for (let r = 0; r < want.length; r++)
          assert.ok(
            Math.abs(got.data[r]![c]! - want[r]![c]!) <= step * 1.01 + 1e-9,
            `row ${r} ch ${c}: ${got.data[r]![c]} vs ${want[r]![c]}`,
          );
      }
      assert.deepEqual(got.ann, [
        [(300 - CROP.start) / RATE, 0, 'Stimulus/S  1'],
        [(1500 - CROP.start) / RATE, 0.5, 'eyes closed (Cz)'],
      ]);
    } finally {
      await reader.close();
    }
  });
}

test('BrainVision: MNE reads the three files, the samples exactly, the markers and the start of the crop', async () => {
  const { src, reader } = await source();
  try {
    const out = path.join(dir, 'crop.vhdr');
    const files = await exportRecording(src, 'brainvision', out, CROP, { pageRows: 450 });
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), ['crop.eeg', 'crop.vhdr', 'crop.vmrk']);
    const got = pythonJson<{ names: string[]; sfreq: number; meas: string; data: number[][]; ann: [number, number, string][] }>(
      `import mne,sys,json
raw = mne.io.read_raw_brainvision(sys.argv[1], preload=True, verbose='error')
print(json.dumps({'names': raw.ch_names, 'sfreq': float(raw.info['sfreq']), 'meas': raw.info['meas_date'].isoformat(),
  'data': (raw.get_data() * 1e6).T.tolist(),
  'ann': [[float(a['onset']), float(a['duration']), a['description']] for a in raw.annotations]}))`,
      out,
    );
    assert.deepEqual(got.names, ['Cz', 'Fp1']);
    assert.equal(got.sfreq, RATE);
    // The crop starts 250 rows (1.25 s) after the recording.
    assert.equal(got.meas, '2026-12-03T08:30:16.250000+00:00');
    const want = expected();
    assert.equal(got.data.length, want.length);
    for (let r = 0; r < want.length; r++)
      for (let c = 0; c < 2; c++) assert.ok(Math.abs(got.data[r]![c]! - want[r]![c]!) < 1e-4, `row ${r} ch ${c}`);
    assert.deepEqual(got.ann, [
      [0, 0.005, 'New Segment/'],
      [(300 - CROP.start) / RATE, 0.005, 'Stimulus/S  1'],
      [(1500 - CROP.start) / RATE, 0.5, 'Comment/eyes closed'],
    ]);
  } finally {
    await reader.close();
  }
});

test('Cancel and a failing read leave nothing under the final name, nor a temporary file', async () => {
  const { src, reader } = await source();
  try {
    const sub = fs.mkdtempSync(path.join(dir, 'cancel-'));
    for (const format of ['npy', 'mat', 'edf', 'brainvision'] as const) {
      const out = path.join(sub, `take.${format === 'brainvision' ? 'vhdr' : format}`);
      const stop = new AbortController();
      await assert.rejects(
        exportRecording(src, format, out, {}, { pageRows: 100, signal: stop.signal, onProgress: (done) => done >= 500 && stop.abort() }),
        { name: 'AbortError' },
      );
      const broken: ExportSource = {
        ...src,
        reader: Object.assign(Object.create(reader) as RecordingReader, {
          read: async (s: number, e: number, ch?: readonly number[]) => {
            if (s >= 1000) throw new Error('disk gone');
            return reader.read(s, e, ch);
          },
        }),
      };
      await assert.rejects(exportRecording(broken, format, out, {}, { pageRows: 100 }), /disk gone/);
      assert.deepEqual(fs.readdirSync(sub), [], `${format}: nothing left behind`);
    }
  } finally {
    await reader.close();
  }
});

test('bad requests are refused, naming what is wrong', async () => {
  const { src, reader } = await source();
  try {
    const out = path.join(dir, 'bad.npy');
    await assert.rejects(exportRecording(src, 'npy', path.join(dir, 'bad.csv')), /a npy export is a \.npy file, not bad\.csv/);
    await assert.rejects(
      exportRecording(src, 'npy', out, { start: 10, end: 5 }),
      /rows 10…5 are not a range within the recording's 0…2345/,
    );
    await assert.rejects(exportRecording(src, 'npy', out, { end: 9999 }), /rows 0…9999/);
    await assert.rejects(exportRecording(src, 'npy', out, { channels: [0, 0] }), /channel Fp1 is chosen twice/);
    await assert.rejects(exportRecording(src, 'npy', out, { channels: [] }), /no channels chosen/);
    await assert.rejects(exportRecording(src, 'npy', reader.path), /is the recording itself/);
    await assert.rejects(
      exportRecording({ ...src, rate: undefined }, 'edf', path.join(dir, 'norate.edf')),
      /need the recording’s sample rate/,
    );
    await assert.rejects(exportRecording(src, 'npy', path.join(dir, 'missing', 'x.npy')), /folder .*missing does not exist/);
    assert.deepEqual(channelIndexes(src, ['Pz', '1']), [3, 0]);
    assert.throws(() => channelIndexes(src, ['Oz']), /no channel "Oz"; the recording has Fp1, Fp2, Cz, Pz/);
    assert.equal(fs.existsSync(out), false);
  } finally {
    await reader.close();
  }
});

test('labscope export: seconds and channel names from the command line, a sidecar-named recording, errors in its own voice', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'cli-'));
  const rec = path.join(sub, 'take.npy');
  writeRecordingFixture(rec, {
    channels: ['Fp1', 'Fp2', 'Cz'],
    rate: 250,
    frames: 2500,
    sample: (i, c) => i * 3 + c,
    markers: [{ frame: 1000, row: 1000, type: 'Stimulus', text: 'S  7', channel: null }],
  });
  const out = path.join(sub, 'part.edf');
  const ok = await runCli(['export', rec, '--format', 'edf', '--out', out, '--start', '2', '--end', '6', '--channels', 'Cz,Fp1']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /wrote .*part\.edf: 1000 rows × 2 channels/);
  assert.match(ok.stderr, /exporting part\.edf: 100 %/);
  const got = pythonJson<{ names: string[]; first: number[]; ann: [number, string][]; meas: string }>(
    `import mne,sys,json
raw = mne.io.read_raw_edf(sys.argv[1], preload=True, verbose='error')
d = raw.get_data() * 1e6
print(json.dumps({'names': raw.ch_names, 'first': [float(d[0,0]), float(d[1,0])], 'meas': raw.info['meas_date'].isoformat(),
  'ann': [[float(a['onset']), a['description']] for a in raw.annotations]}))`,
    out,
  );
  assert.deepEqual(got.names, ['Cz', 'Fp1']);
  // Row 500 (2 s at 250 Hz): Cz = 500 × 3 + 2, Fp1 = 1500, within one step of a 16-bit range.
  assert.ok(Math.abs(got.first[0]! - 1502) < 0.2 && Math.abs(got.first[1]! - 1500) < 0.2, String(got.first));
  assert.deepEqual(got.ann, [[2, 'Stimulus/S  7']]);
  assert.equal(got.meas, '2026-12-03T08:00:02+00:00', 'the file starts where the crop does');

  const bad = await runCli(['export', rec, '--format', 'edf', '--out', out, '--channels', 'Oz']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^labscope: export: no channel "Oz"; the recording has Fp1, Fp2, Cz\n$/);
  const format = await runCli(['export', rec, '--format', 'xls', '--out', out]);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format must be one of npy, csv, mat, edf, bdf, brainvision, hdf5, got "xls"/);
  const help = await runCli(['export', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: labscope export REC --format/);
});
