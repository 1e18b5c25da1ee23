// The RDA data path end to end, judged by independent readers: the shared BrainVision recording
// replayed by our simulator, recorded by the CLI, and compared with MNE's reading of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished, runCli, startCli, waitForOutput } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { readSidecar } from '../../src/core/writers/sidecar';

const VHDR = path.resolve(__dirname, '../../../shared/data/brainvision/test.vhdr');

/** Compares a recording with MNE: every sample in µV, and markers on the frames of MNE's annotations. */
const COMPARE_WITH_MNE = `
import sys, json, numpy as np, mne, scipy.io
vhdr, rec, sidecar = sys.argv[1], sys.argv[2], sys.argv[3]
raw = mne.io.read_raw_brainvision(vhdr, preload=True, verbose='error')
# MNE holds SI values (raw × resolution × the unit's SI factor, its 'range'); RDA carries
# raw × resolution in the channel's own unit (µV for EEG), so divide the factor back out.
ranges = np.array([ch['range'] for ch in raw.info['chs']])
want = (raw.get_data() / ranges[:, None]).T
if rec.endswith('.npy'):
    got = np.load(rec)
elif rec.endswith('.csv'):
    got = np.loadtxt(rec, delimiter=',', skiprows=1, dtype=np.float64)[:, 1:]
else:
    got = scipy.io.loadmat(rec)['data']
side = json.load(open(sidecar))
ann = [[int(round(a['onset'] * raw.info['sfreq'])), a['description']] for a in raw.annotations]
print(json.dumps({
  'shape': list(got.shape), 'dtype': str(got.dtype), 'want_shape': list(want.shape),
  'max_abs_err': float(np.max(np.abs(got.astype(np.float64) - want))) if got.shape == want.shape else None,
  'max_abs': float(np.max(np.abs(want))),
  'names': raw.ch_names, 'annotations': ann,
  'markers': [[m['row'], m['type'] + '/' + m['text']] for m in side['markers']],
}))
`;

interface Comparison {
  shape: number[];
  dtype: string;
  want_shape: number[];
  max_abs_err: number | null;
  max_abs: number;
  names: string[];
  annotations: [number, string][];
  markers: [number, string][];
}

async function replayAndRecord(format: 'int16' | 'float32', speed: string, out: string) {
  const sim = startCli(['simulate', 'rda', '--file', VHDR, '--port', '0', '--speed', speed, '--format', format]);
  try {
    const [, port] = await waitForOutput(sim, /connect with rda:\/\/127\.0\.0\.1:(\d+)/);
    const result = await runCli(['record', `rda://127.0.0.1:${port}`, '--out', out, '--json']);
    assert.equal(result.code, 0, `record failed: ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as { frames: number; reason: string; gaps: number; markers: number };
  } finally {
    sim.kill('SIGTERM');
    await finished(sim).catch(() => undefined);
  }
}

function checkAgainstMne(rec: string, expectedDtype: string): void {
  const sidecarPath = rec.replace(/\.[a-z]+$/, '.labscope.json');
  const c = pythonJson<Comparison>(COMPARE_WITH_MNE, VHDR, rec, sidecarPath);
  assert.deepEqual(c.shape, c.want_shape, 'recording shape differs from MNE');
  assert.equal(c.dtype, expectedDtype);
  // float32 holds µV to ~7 significant digits; anything beyond that is a decoding error.
  assert.ok(c.max_abs_err !== null && c.max_abs_err <= c.max_abs * 1e-6, `max |ours − MNE| = ${c.max_abs_err} µV`);
  assert.deepEqual(c.markers, c.annotations, 'markers do not land on the frames of MNE’s annotations');
  const sidecar = readSidecar(sidecarPath);
  assert.deepEqual(
    sidecar.channels.map((ch) => ch.name),
    c.names,
  );
  assert.equal(sidecar.rate, 1000);
  assert.equal(sidecar.frames, c.want_shape[0]);
  assert.equal(sidecar.gaps.length, 0);
  assert.ok(!Number.isNaN(Date.parse(sidecar.startTime)));
  assert.ok(sidecar.anchors.length >= 1, 'no frame → host-time anchor in the sidecar');
}

test('int16 RDA replay recorded to NPY equals MNE, sample for sample, markers on their frames', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'int16.npy');
  const summary = await replayAndRecord('int16', '20', out);
  assert.match(summary.reason, /stop message/);
  assert.equal(summary.frames, 7900);
  assert.equal(summary.markers, 14);
  checkAgainstMne(out, 'float32');
});

test('float32 RDA replay at full speed recorded to CSV equals MNE', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'float.csv');
  const summary = await replayAndRecord('float32', 'max', out);
  assert.equal(summary.frames, 7900);
  checkAgainstMne(out, 'float64');
  const header = fs.readFileSync(out, 'utf8').split('\n', 1)[0];
  assert.match(header, /^time_s,FP1 \[µV\],FP2 \[µV\],F3 \[µV\],/);
});

test('RDA replay recorded to MAT is read by scipy and equals MNE', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'eeg.mat');
  await replayAndRecord('int16', 'max', out);
  checkAgainstMne(out, 'float32');
});
