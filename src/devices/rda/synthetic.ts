// Deterministic EEG-like test signal: one sine per channel plus seeded pseudo-noise.
// Every value is a pure function of (seed, channel, frame), so all clients, block sizes and
// restarts see exactly the same samples.

export interface SyntheticSignalOptions {
  channels: number;
  rate: number;
  seed?: number;
}

/** Sine amplitude and noise amplitude in µV: EEG-sized, and well inside int16 at 0.1 µV. */
const SINE_UV = 50;
const NOISE_UV = 5;

/** 32-bit integer hash (Chris Wellons' lowbias32) of three integers → uniform in [0, 1). */
export function hash01(seed: number, a: number, b: number): number {
  let x = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77) ^ seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 0x100000000;
}

/**
 * A signal that is a pure function of (seed, channel, frame): what the options checks, the frame
 * loop and the names have in common between the test signal below and eeg-signal.ts.
 */
export abstract class FrameSignal {
  readonly channels: number;
  readonly rate: number;
  readonly names: string[];
  protected readonly seed: number;

  constructor({ channels, rate, seed = 1 }: SyntheticSignalOptions, name: (channel: number) => string) {
    if (!(Number.isInteger(channels) && channels > 0)) throw new Error(`synthetic: channels must be a positive integer, got ${channels}`);
    if (!(rate > 0)) throw new Error(`synthetic: rate must be positive, got ${rate}`);
    this.channels = channels;
    this.rate = rate;
    this.seed = seed >>> 0;
    this.names = Array.from({ length: channels }, (_, c) => name(c));
  }

  /** Value in µV of `channel` at absolute frame index `frame`. */
  abstract value(channel: number, frame: number): number;

  /** Frames [start, start + frames) in µV, interleaved [frame][channel]. */
  fill(start: number, frames: number, out: Float32Array = new Float32Array(frames * this.channels)): Float32Array {
    let i = 0;
    for (let f = start; f < start + frames; f++) {
      for (let c = 0; c < this.channels; c++) out[i++] = this.value(c, f);
    }
    return out;
  }
}

export class SyntheticSignal extends FrameSignal {
  /** Hz per channel; distinct so channels are told apart on a scope. */
  readonly frequencies: number[];

  constructor(options: SyntheticSignalOptions) {
    super(options, (c) => `Ch${c + 1}`);
    // 2, 3.5, 5 … Hz, wrapping before it nears Nyquist at low rates.
    const steps = Math.max(1, Math.floor((options.rate / 4 - 2) / 1.5));
    this.frequencies = this.names.map((_, c) => 2 + (c % steps) * 1.5);
  }

  value(channel: number, frame: number): number {
    const t = frame / this.rate;
    // Uniform noise in [-1, 1): 2 × [0, 1) - 1 is exact, so the values are those of before.
    return SINE_UV * Math.sin(2 * Math.PI * this.frequencies[channel] * t) + NOISE_UV * (2 * hash01(this.seed, frame, channel) - 1);
  }
}
