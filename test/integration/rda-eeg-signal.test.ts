// sim:rda?signal=eeg (paced: speed=max repeats its first blocks) looks like EEG to the tools people analyse EEG with: numpy/scipy read a
// recording of it and find the 10-20 names, a 1/f background, an alpha peak near 10 Hz strongest
// over the back of the head, and blinks on the frontal channels only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { pythonJson } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { readSidecar, sidecarPathFor } from '../../src/core/writers/sidecar';

test(
  'the EEG-like simulator: 10-20 names, 1/f, occipital alpha near 10 Hz, frontal blinks (scipy reads the recording)',
  { timeout: 120_000 },
  async () => {
    const out = path.join(tmpDir(), 'eeg.npy');
    const r = await runCli(['record', 'sim:rda?channels=32&rate=250&signal=eeg&speed=20&seconds=40', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const names = readSidecar(sidecarPathFor(out)).channels.map((c) => c.name);
    assert.deepEqual(names.slice(0, 5), ['Fp1', 'Fp2', 'F7', 'F3', 'Fz']);
    assert.ok(names.includes('O1') && names.includes('Oz') && names.includes('Cz'));
    const report = pythonJson<{
      alphaPeak: number;
      alphaRatioO1: number;
      alphaO1overFp1: number;
      lowOverHigh: number;
      blinkFp1: number;
      blinkO1: number;
      blinks: number;
    }>(
      `
import sys, json, numpy as np
from scipy.signal import welch, find_peaks
a = np.load(sys.argv[1]).astype(float)
names = sys.argv[2].split(',')
fs = 250.0
ch = {n: a[:, i] for i, n in enumerate(names)}
f, p = welch(ch['O1'] - ch['O1'].mean(), fs=fs, nperseg=1024)
band = lambda lo, hi, pp=p: pp[(f >= lo) & (f < hi)].mean()
_, pfp = welch(ch['Fp1'] - ch['Fp1'].mean(), fs=fs, nperseg=1024)
_, pcz = welch(ch['Cz'] - ch['Cz'].mean(), fs=fs, nperseg=1024)
peaks, _ = find_peaks(ch['Fp1'], height=80, distance=int(fs))
print(json.dumps({
  'alphaPeak': float(f[(f >= 5) & (f < 20)][np.argmax(p[(f >= 5) & (f < 20)])]),
  'alphaRatioO1': float(band(8, 12) / ((band(5, 7) + band(14, 17)) / 2)),
  'alphaO1overFp1': float(band(8, 12) / band(8, 12, pfp)),
  'lowOverHigh': float(band(1, 3, pcz) / band(25, 35, pcz)),
  'blinkFp1': float(np.abs(ch['Fp1']).max()),
  'blinkO1': float(np.abs(ch['O1']).max()),
  'blinks': int(len(peaks)),
}))`,
      out,
      names.join(','),
    );
    assert.ok(report.alphaPeak >= 9 && report.alphaPeak <= 11, `alpha peak at ${report.alphaPeak} Hz`);
    assert.ok(report.alphaRatioO1 > 3, `O1's alpha band over its neighbours: ${report.alphaRatioO1}`);
    assert.ok(report.alphaO1overFp1 > 5, `alpha stronger at the back than the front: ${report.alphaO1overFp1}`);
    assert.ok(report.lowOverHigh > 5, `1/f: 1-3 Hz over 25-35 Hz at Cz: ${report.lowOverHigh}`);
    assert.ok(
      report.blinkFp1 > 120 && report.blinkO1 < report.blinkFp1 / 2,
      `blinks: Fp1 up to ${report.blinkFp1} µV, O1 ${report.blinkO1} µV`,
    );
    // One blink in every 4 s slot: 40 s hold 9 to 11 of them.
    assert.ok(report.blinks >= 9 && report.blinks <= 11, `${report.blinks} blinks found on Fp1`);
  },
);
