// Exports read back by independent readers: numpy (NPY, CSV crops: exactly the chosen rows and
// channels), scipy (MAT v5), h5py (HDF5), hdf5storage (MAT v7.3), MNE (EDF+ and BDF+ with the markers as annotations); page edges placed
// inside the crop; Cancel and failures leave nothing under the final name; bad requests are named.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  channelIndexes,
  exportRecording,
  matVersionFor,
  openExportSource,
  type ExportFormat,
  type ExportOptions,
  type ExportSource,
} from '../../src/core/export';
import { openRecording } from '../../src/core/reading/reader';
import type { RecordingReader } from '../../src/core/reading/types';
import { openWriter } from '../../src/core/writers';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';
import { pythonJson } from '../helpers/python';
import { runCli } from '../helpers/cli';
import { writeRecordingFixture } from '../helpers/recording-fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-'));
const RATE = 200;
const FRAMES = 2_345; // not a whole number of 1 s records
const NAMES = ['Fp1', 'Fp2', 'Cz', 'Pz'];
const value = (row: number, c: number) => Math.fround(Math.sin((row * (c + 1)) / 40) * 80 + c * 10 - 20 + (row % 13) * 0.1);

/** Runs `fn` on the test recording as an export source, closing its reader after. */
async function withSource(fn: (take: { src: ExportSource; reader: RecordingReader }) => Promise<void>): Promise<void> {
  const take = await source();
  try {
    await fn(take);
  } finally {
    await take.reader.close();
  }
}

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

/** Exports CROP in pages of 333 rows; checks it wrote `out` (and its sidecar) with progress that ends at every row. */
async function exportCrop(src: ExportSource, format: ExportFormat, out: string, options: ExportOptions = {}): Promise<number[]> {
  const progress: number[] = [];
  const files = await exportRecording(src, format, out, CROP, { pageRows: 333, ...options, onProgress: (done) => progress.push(done) });
  // NPY, CSV and MAT hold only samples: their sidecar comes with them.
  assert.deepEqual(files, ['npy', 'csv', 'mat'].includes(format) ? [out, sidecarPathFor(out)] : [out]);
  assert.equal(progress.at(-1), CROP.end - CROP.start);
  assert.ok(progress.length >= 6, 'progress by page');
  assert.ok(
    progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
    'progress never goes back',
  );
  return progress;
}
const expected = () => Array.from({ length: CROP.end - CROP.start }, (_, i) => CROP.channels.map((c) => value(CROP.start + i, c)));

test('NPY, CSV and MAT crops hold exactly the chosen rows and channels (numpy, scipy)', async () => {
  await withSource(async ({ src }) => {
    const readers = {
      npy: 'import numpy as np,sys,json; print(json.dumps(np.load(sys.argv[1]).astype(float).tolist()))',
      csv: 'import numpy as np,sys,json; d=np.loadtxt(sys.argv[1],delimiter=",",skiprows=1,ndmin=2); print(json.dumps(d[:,1:].tolist()))',
      mat: 'import scipy.io as s,sys,json; print(json.dumps(s.loadmat(sys.argv[1])["data"].astype(float).tolist()))',
    };
    for (const format of ['npy', 'csv', 'mat'] as const) {
      const out = path.join(dir, `crop.${format}`);
      await exportCrop(src, format, out);
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
  });
});

for (const format of ['edf', 'bdf'] as const) {
  test(`${format.toUpperCase()}+: MNE reads the channels, rate, start, samples within one step, and the markers`, async () => {
    await withSource(async ({ src }) => {
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
    });
  });
}

test('BrainVision: MNE reads the three files, the samples exactly, the markers and the start of the crop', async () => {
  await withSource(async ({ src }) => {
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
  });
});

test('NPY, CSV and MAT exports get a sidecar: they reopen with the names, units, rate, start and markers of the crop', async () => {
  await withSource(async ({ src }) => {
    for (const format of ['npy', 'csv', 'mat'] as const) {
      const out = path.join(dir, `again.${format}`);
      await exportCrop(src, format, out);
      const sidecar = readSidecar(sidecarPathFor(out)) as ReturnType<typeof readSidecar> & { origin: string };
      assert.equal(sidecar.file, `again.${format}`);
      assert.equal(sidecar.format, format);
      assert.equal(sidecar.frames, CROP.end - CROP.start);
      assert.equal(sidecar.startFrame, CROP.start);
      assert.match(sidecar.origin, /^export: rows 250–2251 of take\.npy$/);
      const again = await openExportSource(out);
      try {
        assert.deepEqual(again.channels, [
          { name: 'Cz', unit: 'µV' },
          { name: 'Fp1', unit: 'µV' },
        ]);
        assert.equal(again.rate, RATE);
        assert.equal(again.startTime, '2026-12-03T08:30:16.250Z');
        assert.deepEqual(
          again.markers.map((m) => [m.row, m.duration, m.channel, m.type, m.text]),
          [
            [300 - CROP.start, 0, null, 'Stimulus', 'S  1'],
            [1500 - CROP.start, 100, 'Cz', 'Comment', 'eyes closed'],
          ],
        );
        assert.deepEqual(again.reader.problems, [], `${format}: the sidecar matches its file`);
      } finally {
        await again.reader.close();
      }
    }
    // take.csv beside take.npy would overwrite the recording's own take.labscope.json.
    await assert.rejects(
      exportRecording(src, 'csv', path.join(dir, 'take.csv')),
      /take\.csv would share take\.labscope\.json with the recording itself: choose another name/,
    );
  });
});

test('HDF5: h5py reads the samples exactly, the names, units, rate, the start of the crop and its markers', async () => {
  await withSource(async ({ src }) => {
    const out = path.join(dir, 'crop.h5');
    await exportCrop(src, 'hdf5', out);
    const got = pythonJson<{
      data: number[][];
      dtype: string;
      chunked: boolean;
      names: string[];
      units: string[];
      attrs: Record<string, string | number>;
      markers: Record<string, (string | number)[]>;
    }>(
      `import h5py,sys,json
f = h5py.File(sys.argv[1], 'r')
m = f['markers']
print(json.dumps({'data': f['data'][:].astype(float).tolist(), 'dtype': str(f['data'].dtype), 'chunked': f['data'].chunks is not None,
  'names': list(f['channels/names'].asstr()[:]), 'units': list(f['channels/units'].asstr()[:]),
  'attrs': {k: (v.item() if hasattr(v, 'item') else v) for k, v in f.attrs.items()},
  'markers': {'row': m['row'][:].tolist(), 'time': m['time'][:].tolist(), 'duration': m['duration'][:].tolist(),
    'channel': list(m['channel'].asstr()[:]), 'type': list(m['type'].asstr()[:]), 'text': list(m['text'].asstr()[:])}}))`,
      out,
    );
    assert.equal(got.dtype, 'float32');
    assert.ok(got.chunked);
    assert.deepEqual(got.data, expected());
    assert.deepEqual(got.names, ['Cz', 'Fp1']);
    assert.deepEqual(got.units, ['µV', 'µV']);
    assert.deepEqual(got.attrs, {
      sampling_rate: RATE,
      start_time: '2026-12-03T08:30:16.250Z',
      source_file: 'take.npy',
      source_first_row: 250,
    });
    assert.deepEqual(got.markers, {
      row: [300 - CROP.start, 1500 - CROP.start],
      time: [(300 - CROP.start) / RATE, (1500 - CROP.start) / RATE],
      duration: [0, 100],
      channel: ['', 'Cz'],
      type: ['Stimulus', 'Comment'],
      text: ['S  1', 'eyes closed'],
    });
  });
});

test('MAT v7.3: hdf5storage reads data, channels and fs as MATLAB has them; scipy and h5py see a v7.3 file', async () => {
  await withSource(async ({ src }) => {
    const out = path.join(dir, 'crop73.mat');
    await exportCrop(src, 'mat', out, { matVersion: '7.3' });
    const got = pythonJson<{
      data: number[][];
      channels: string[];
      fs: number;
      version: number[];
      userblock: number;
      cls: string;
      scipy: string;
    }>(
      `import hdf5storage,h5py,scipy.io as sio,sys,json
m = hdf5storage.loadmat(sys.argv[1])
f = h5py.File(sys.argv[1], 'r')
try:
  sio.loadmat(sys.argv[1]); refused = ''
except NotImplementedError as e:
  refused = str(e)
print(json.dumps({'data': m['data'].astype(float).tolist(), 'channels': [str(c[0][0]) for c in m['channels'][0]],
  'fs': float(m['fs'][0][0]), 'version': list(sio.matlab.matfile_version(sys.argv[1])), 'userblock': f.userblock_size,
  'cls': f['data'].attrs['MATLAB_class'].decode(), 'scipy': refused}))`,
      out,
    );
    assert.deepEqual(got.data, expected());
    assert.deepEqual(got.channels, ['Cz', 'Fp1']);
    assert.equal(got.fs, RATE);
    assert.deepEqual(got.version, [2, 0]);
    assert.equal(got.userblock, 512);
    assert.equal(got.cls, 'single');
    assert.match(got.scipy, /v7\.3/);
  });
});

test('MAT: v5 while the data fits its 4 GiB per variable, v7.3 past it, a v5 asked for past it refused', () => {
  const fits = Math.floor((2 ** 32 - 1 - 256) / 4 / 64);
  assert.equal(matVersionFor(fits, 64, 'float32'), '5');
  assert.equal(matVersionFor(fits + 1, 64, 'float32'), '7.3');
  assert.equal(matVersionFor(fits, 64, 'float64'), '7.3');
  assert.equal(matVersionFor(10, 2, 'float32', '7.3'), '7.3');
  assert.throws(() => matVersionFor(fits + 1, 64, 'float32', '5'), /MAT v5 holds at most 4 GiB per variable: MAT v7\.3 holds it/);
});

test('Cancel and a failing read leave nothing under the final name, nor a temporary file', async () => {
  await withSource(async ({ src, reader }) => {
    const sub = fs.mkdtempSync(path.join(dir, 'cancel-'));
    const cases = [['npy'], ['mat'], ['mat', { matVersion: '7.3' }], ['edf'], ['brainvision'], ['hdf5']] as const;
    for (const [format, more] of cases) {
      const ending = { brainvision: 'vhdr', hdf5: 'h5' }[format as string] ?? format;
      const out = path.join(sub, `take.${ending}`);
      const stop = new AbortController();
      const options: ExportOptions = { ...more, pageRows: 100 };
      await assert.rejects(
        exportRecording(src, format, out, {}, { ...options, signal: stop.signal, onProgress: (done) => done >= 500 && stop.abort() }),
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
      await assert.rejects(exportRecording(broken, format, out, {}, options), /disk gone/);
      assert.deepEqual(fs.readdirSync(sub), [], `${format}: nothing left behind`);
    }
  });
});

test('bad requests are refused, naming what is wrong', async () => {
  await withSource(async ({ src, reader }) => {
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
  });
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

  // HDF5 and MAT v7.3 from the bundle: h5wasm loaded from beside dist/cli.js.
  const h5 = path.join(sub, 'part.h5');
  const mat = path.join(sub, 'part.mat');
  for (const argv of [
    ['--format', 'hdf5', '--out', h5, '--start', '1', '--end', '2'],
    ['--format', 'mat', '--mat-version', '7.3', '--out', mat, '--channels', 'Fp2'],
  ]) {
    const run = await runCli(['export', rec, ...argv]);
    assert.equal(run.code, 0, run.stderr);
  }
  const read = pythonJson<{ h5: number[]; names: string[]; mat: number[][] }>(
    `import h5py,hdf5storage,sys,json
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'h5': list(f['data'].shape), 'names': list(f['channels/names'].asstr()[:]),
  'mat': hdf5storage.loadmat(sys.argv[2])['data'][[0, -1]].astype(float).tolist()}))`,
    h5,
    mat,
  );
  assert.deepEqual(read, { h5: [250, 3], names: ['Fp1', 'Fp2', 'Cz'], mat: [[1], [2499 * 3 + 1]] });
  const version = await runCli(['export', rec, '--format', 'mat', '--mat-version', '6', '--out', mat]);
  assert.equal(version.code, 2);
  assert.match(version.stderr, /--mat-version must be one of auto, 5, 7\.3, got "6"/);
});
