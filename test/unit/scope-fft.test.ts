// The spectrum view's FFT, windows and averaging against numpy's rfft and scipy's get_window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binsToMinMax, FFT_WINDOWS, Spectrum, SpectrumAverage, toDb } from '../../src/core/scope-fft';
import { pythonJson } from '../helpers/python';

const N = 1024;
const signal = (seed: number) =>
  Array.from({ length: N }, (_, i) => 0.7 * Math.sin((2 * Math.PI * 50.3 * i) / N) + 0.1 * Math.cos(seed * i * 0.37));

test('each window: single-sided amplitude² equals numpy rfft with scipy get_window', () => {
  const x = signal(1);
  const ref = pythonJson<Record<string, number[]>>(
    `import sys,json,numpy as np
from scipy.signal import get_window
x=np.array(json.loads(sys.stdin.read() if False else sys.argv[1]))
out={}
for name,w in [('hann','hann'),('hamming','hamming'),('blackmanharris','blackmanharris'),('rectangular','boxcar')]:
  win=get_window(w,len(x)); a=np.abs(np.fft.rfft(x*win))/win.sum(); a[1:-1]*=2; out[name]=(a*a).tolist()
print(json.dumps(out))`,
    JSON.stringify(x),
  );
  for (const w of FFT_WINDOWS) {
    const p = new Spectrum(N, w).power(x, new Float64Array(N / 2 + 1));
    for (let k = 0; k <= N / 2; k++) assert.ok(Math.abs(p[k] - ref[w][k]) <= 1e-9 * Math.max(1, ref[w][k]) + 1e-15, `${w} bin ${k}`);
  }
});

test('a sine of amplitude 1 on a bin reads 0 dB; averaging matches numpy means', () => {
  const tone = Array.from({ length: N }, (_, i) => Math.sin((2 * Math.PI * 64 * i) / N));
  const p = new Spectrum(N, 'hann').power(tone, new Float64Array(N / 2 + 1));
  assert.ok(Math.abs(toDb(p[64])) < 1e-9);
  const spectra = [1, 2, 3, 4, 5].map((s) => Array.from(new Spectrum(N, 'hann').power(signal(s), new Float64Array(N / 2 + 1))));
  const ref = pythonJson<{ lin: number[]; exp: number[] }>(
    `import sys,json,numpy as np
s=np.array(json.loads(sys.argv[1])); e=s[0].copy()
for x in s[1:]: e=e+(x-e)/3
print(json.dumps({'lin':s[-3:].mean(0).tolist(),'exp':e.tolist()}))`,
    JSON.stringify(spectra),
  );
  const lin = new SpectrumAverage(N / 2 + 1, 3, 'linear');
  const exp = new SpectrumAverage(N / 2 + 1, 3, 'exponential');
  let l!: Float64Array, e!: Float64Array;
  for (const s of spectra) {
    l = lin.add(Float64Array.from(s)).slice();
    e = exp.add(Float64Array.from(s)).slice();
  }
  for (let k = 0; k <= N / 2; k++) {
    assert.ok(Math.abs(l[k] - ref.lin[k]) <= 1e-9 * ref.lin[k] + 1e-15, `linear bin ${k}`);
    assert.ok(Math.abs(e[k] - ref.exp[k]) <= 1e-9 * ref.exp[k] + 1e-15, `exponential bin ${k}`);
  }
});

test('bins onto columns keep each column min and max; bad sizes are refused by name', () => {
  const out = new Float32Array(6);
  assert.equal(binsToMinMax([1, 5, 2, 2, 9, 0], 3, out), 3);
  assert.deepEqual([...out], [1, 5, 2, 2, 0, 9]);
  const wide = new Float32Array(8).fill(NaN);
  assert.equal(binsToMinMax([3, -1], 4, wide, 2), 2, 'fewer bins than columns: one column per bin');
  assert.deepEqual([...wide], [NaN, NaN, 3, 3, -1, -1, NaN, NaN]);
  assert.throws(() => new Spectrum(1000, 'hann'), /FFT size 1000 is not a power of 2/);
  assert.throws(() => new Spectrum(256, 'kaiser' as never), /FFT window kaiser/);
});
