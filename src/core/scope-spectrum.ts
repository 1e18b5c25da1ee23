// A scope's spectrum view: each shown channel's newest `size` raw samples through a window and an
// FFT, averaged, in dB, cut into the page's columns. A new spectrum is taken once half a transform
// of new samples has arrived (Welch's 50 % overlap), at most ten times a second; requests in
// between get the last one, so a page asking 60 times a second costs a transform per channel only
// as often as there is news.
import type { SpectrumRequest } from '../../webview/shared/protocol';
import { binsToMinMax, Spectrum, SpectrumAverage, toDb } from './scope-fft';
import type { ReadFrames } from './scope-triggered';

export interface SpectrumAnswer {
  minmax: Float32Array<ArrayBuffer>;
  columns: number;
  start: number;
  end: number;
  info: { size: number; bins: number; binHz: number; averaged: number };
}

export class SpectrumView {
  private key = '';
  private spectrum?: Spectrum;
  private averages: SpectrumAverage[] = [];
  private power = new Float64Array(0);
  private db: Float64Array[] = [];
  /** The end frame of the newest transform taken. */
  private taken = -Infinity;
  /** The newest spectrum cut into `n` columns. */
  private columns?: { taken: number; n: number; minmax: Float32Array<ArrayBuffer> };

  /**
   * The spectrum of `rows` ending at frame `end` (the newest frame live, the pause point paused),
   * with `channels` interleaved per frame in what `read` returns.
   */
  answer(
    spec: SpectrumRequest,
    rows: number[],
    columns: number,
    rate: number,
    channels: number,
    end: number,
    read: ReadFrames,
  ): SpectrumAnswer {
    const key = `${rows.join(',')}/${spec.size}/${spec.window}/${spec.averaging}/${spec.count}/${channels}`;
    const bins = spec.size / 2 + 1;
    if (key !== this.key || end < this.taken) {
      this.key = key;
      this.spectrum = new Spectrum(spec.size, spec.window);
      const count = spec.averaging === 'off' ? 1 : spec.count;
      const mode = spec.averaging === 'exponential' ? 'exponential' : 'linear';
      this.averages = rows.map(() => new SpectrumAverage(bins, count, mode));
      this.power = new Float64Array(bins);
      this.db = rows.map(() => new Float64Array(bins).fill(NaN));
      this.taken = -Infinity;
      this.columns = undefined;
    }
    const start = end - spec.size;
    // At most ten a second whatever the size: a spectrum per half transform of 256 points at
    // 25 kHz would be 200 a second, and 64 channels of 4096 points cost 20 ms of this thread each.
    const hop = Math.max(spec.size / 2, Math.round(rate / 10));
    if (start >= 0 && end - this.taken >= hop) {
      const samples = read(start, end);
      if (samples) {
        rows.forEach((c, r) => {
          const avg = this.averages[r].add(this.spectrum!.power(samples, this.power, channels, c));
          for (let k = 0; k < bins; k++) this.db[r][k] = toDb(avg[k]);
        });
        this.taken = end;
      }
    }
    const n = Math.min(columns, bins);
    const averaged = this.averages[0]?.frames ?? 0;
    // Cut into columns once per spectrum (and plot width), not per request: most requests get the last one.
    if (this.columns?.taken !== this.taken || this.columns.n !== n) {
      const minmax = new Float32Array(rows.length * n * 2).fill(NaN);
      if (averaged > 0) rows.forEach((_, r) => binsToMinMax(this.db[r], n, minmax, r * n * 2));
      this.columns = { taken: this.taken, n, minmax };
    }
    const minmax = this.columns.minmax.slice(); // the caller transfers its buffer
    const at = Number.isFinite(this.taken) ? this.taken : end;
    return { minmax, columns: n, start: at - spec.size, end: at, info: { size: spec.size, bins, binHz: rate / spec.size, averaged } };
  }
}
