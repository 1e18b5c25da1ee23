// The scope's spectrum view: magnitude in dB of the newest `size` raw samples of a channel, with a
// window and averaging. A radix-2 FFT written here (about 60 lines) rather than a dependency: the
// scope needs only real power-of-2 transforms, the twiddles are cached per size, and
// `npm run bench -- scope-fft` measures it against a naive DFT in the same run.

export type FftWindow = 'hann' | 'hamming' | 'blackmanharris' | 'rectangular';
export const FFT_WINDOWS: readonly FftWindow[] = ['hann', 'hamming', 'blackmanharris', 'rectangular'];
export const FFT_MIN_SIZE = 256;
export const FFT_MAX_SIZE = 65536;
/** What a bin of exactly 0 reads, instead of -Infinity (JSON and the page's axis cannot hold it). */
export const DB_FLOOR = -300;

export function isFftSize(n: number): boolean {
  return Number.isInteger(n) && n >= FFT_MIN_SIZE && n <= FFT_MAX_SIZE && (n & (n - 1)) === 0;
}

/**
 * The window's n coefficients, periodic (DFT-even) as scipy.signal.get_window returns them by
 * default: the right choice for spectra, a symmetric window suits filter design.
 */
export function windowCoefficients(kind: FftWindow, n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    switch (kind) {
      case 'hann':
        w[i] = 0.5 - 0.5 * Math.cos(t);
        break;
      case 'hamming':
        w[i] = 0.54 - 0.46 * Math.cos(t);
        break;
      case 'blackmanharris':
        w[i] = 0.35875 - 0.48829 * Math.cos(t) + 0.14128 * Math.cos(2 * t) - 0.01168 * Math.cos(3 * t);
        break;
      case 'rectangular':
        w[i] = 1;
        break;
      default:
        throw new RangeError(`FFT window ${String(kind)} is not one of ${FFT_WINDOWS.join(', ')}`);
    }
  }
  return w;
}

interface Plan {
  cos: Float64Array;
  sin: Float64Array;
  bitrev: Uint32Array;
}
const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  const bits = Math.log2(n);
  const bitrev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  p = { cos, sin, bitrev };
  plans.set(n, p);
  return p;
}

/** In-place iterative radix-2 DIT FFT of re/im (length a power of 2): X[k] = Σ x[n]·e^(-2πikn/N). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n || (n & (n - 1)) !== 0 || n < 1) throw new RangeError(`FFT length ${n} is not a power of 2`);
  const { cos, sin, bitrev } = plan(n);
  for (let i = 0; i < n; i++) {
    const j = bitrev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/**
 * Single-sided amplitude spectrum of `samples` (length `size`, a power of 2), windowed: bins
 * 0…size/2, each |X[k]|·2/Σw (DC and Nyquist ·1/Σw), so a sine of amplitude A at a bin's
 * frequency reads A whatever the window (the coherent-gain correction). Squared: power.
 */
export class Spectrum {
  readonly bins: number;
  private readonly w: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly gain: number;

  constructor(
    readonly size: number,
    readonly window: FftWindow,
  ) {
    if (!isFftSize(size)) throw new RangeError(`FFT size ${size} is not a power of 2 from ${FFT_MIN_SIZE} to ${FFT_MAX_SIZE}`);
    this.w = windowCoefficients(window, size);
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.bins = size / 2 + 1;
    this.gain = this.w.reduce((a, b) => a + b, 0);
  }

  /**
   * Power (amplitude²) of each bin into `out` (length bins), from `samples` interleaved by
   * `stride` at `channel`: size frames from frame 0. NaN samples (a gap) count as 0.
   */
  power(samples: ArrayLike<number>, out: Float64Array, stride = 1, channel = 0): Float64Array {
    if (samples.length < this.size * stride)
      throw new RangeError(`FFT of ${this.size} frames given ${Math.floor(samples.length / stride)}`);
    for (let i = 0; i < this.size; i++) {
      const x = samples[i * stride + channel];
      this.re[i] = Number.isNaN(x) ? 0 : x * this.w[i];
      this.im[i] = 0;
    }
    fft(this.re, this.im);
    const last = this.size / 2;
    for (let k = 0; k <= last; k++) {
      const scale = (k === 0 || k === last ? 1 : 2) / this.gain;
      const a = Math.hypot(this.re[k], this.im[k]) * scale;
      out[k] = a * a;
    }
    return out;
  }
}

export type Averaging = 'linear' | 'exponential';

/**
 * Averages power spectra (never dB: the mean of logarithms under-reads noise). Linear: the mean of
 * the last `count` spectra. Exponential: p ← p + (x − p)/count, the first spectrum taken as is.
 * count = 1: no averaging.
 */
export class SpectrumAverage {
  private readonly history: Float64Array[] = [];
  private readonly sum: Float64Array;
  private readonly value: Float64Array;
  private seen = 0;

  constructor(
    readonly bins: number,
    readonly count: number,
    readonly mode: Averaging,
  ) {
    if (!Number.isInteger(count) || count < 1 || count > 1024) throw new RangeError(`FFT averaging count ${count} is not from 1 to 1024`);
    if (mode !== 'linear' && mode !== 'exponential') throw new RangeError(`FFT averaging ${String(mode)} is not linear or exponential`);
    this.sum = new Float64Array(bins);
    this.value = new Float64Array(bins);
  }

  get frames(): number {
    return this.seen;
  }

  add(power: Float64Array): Float64Array {
    this.seen++;
    if (this.mode === 'exponential') {
      const alpha = this.seen === 1 ? 1 : 1 / this.count;
      for (let k = 0; k < this.bins; k++) this.value[k] += (power[k] - this.value[k]) * alpha;
      return this.value;
    }
    const dropped = this.history.length === this.count ? this.history.shift() : undefined;
    for (let k = 0; k < this.bins; k++) this.sum[k] += power[k] - (dropped ? dropped[k] : 0);
    const kept = dropped ?? new Float64Array(this.bins);
    kept.set(power);
    this.history.push(kept);
    // Re-summed from the history once per `count` spectra: no drift from += / -= over hours.
    if (this.seen % this.count === 0) {
      this.sum.fill(0);
      for (const h of this.history) for (let k = 0; k < this.bins; k++) this.sum[k] += h[k];
    }
    const n = this.history.length;
    for (let k = 0; k < this.bins; k++) this.value[k] = this.sum[k] / n;
    return this.value;
  }
}

/** 20·log10(amplitude) = 10·log10(power): dB re an amplitude of 1 in the channel's unit. */
export function toDb(power: number): number {
  return power > 0 ? Math.max(DB_FLOOR, 10 * Math.log10(power)) : DB_FLOOR;
}

/**
 * A dB spectrum's bins onto `columns` columns (one per bin when there are fewer bins) as min/max
 * pairs (out[c·2], out[c·2+1]); column c covers bins [floor(c·bins/n), floor((c+1)·bins/n)). Drawn
 * as a scope trace, a column spans what its bins span, so the line between pixels is unbroken and
 * a peak never vanishes between pixels. Returns the columns written.
 */
export function binsToMinMax(db: ArrayLike<number>, columns: number, out: Float32Array, offset = 0): number {
  const bins = db.length;
  const n = Math.min(columns, bins);
  for (let c = 0; c < n; c++) {
    const from = Math.floor((c * bins) / n);
    const to = Math.max(from + 1, Math.floor(((c + 1) * bins) / n));
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = from; k < to; k++) {
      if (db[k] < lo) lo = db[k];
      if (db[k] > hi) hi = db[k];
    }
    out[offset + c * 2] = lo;
    out[offset + c * 2 + 1] = hi;
  }
  return n;
}
