// An EEG-looking synthetic signal for demos (`sim:rda?signal=eeg`): channels named by the 10-20
// system, a 1/f background shared in part between channels, alpha near 10 Hz that waxes and wanes
// and is strongest over the back of the head, and eye blinks on the frontal channels every few
// seconds. Like SyntheticSignal, every value is a pure function of (seed, channel, frame), so
// every client, block size and restart sees the same samples. Not for tests of exact values:
// those use SyntheticSignal, whose sines are simple to check against.
import { FrameSignal, hash01, type SyntheticSignalOptions } from './synthetic';

/** BrainVision's standard 32-channel actiCAP order; further channels are Ch33, Ch34, … */
const TEN_TWENTY = [
  'Fp1', 'Fp2', 'F7', 'F3', 'Fz', 'F4', 'F8', 'FC5', 'FC1', 'FC2', 'FC6', 'T7', 'C3', 'Cz', 'C4', 'T8',
  'TP9', 'CP5', 'CP1', 'CP2', 'CP6', 'TP10', 'P7', 'P3', 'Pz', 'P4', 'P8', 'PO9', 'O1', 'Oz', 'O2', 'PO10',
]; // prettier-ignore

/** Frequencies of the background's components: 0.5 Hz up by a fifth each, to about 45 Hz. */
const BACKGROUND_HZ = Array.from({ length: 25 }, (_, k) => 0.5 * 1.2 ** k);
const BACKGROUND_UV = 6;
const ALPHA_UV = 18;
const BLINK_UV = 160;
/** One blink in each slot of this many seconds, at a place in it the seed decides. */
const BLINK_SLOT_S = 4;
const BLINK_WIDTH_S = 0.09;
const NOISE_UV = 1.5;

/** How much of the blinks (eyes are at the front) and of alpha (the back) a channel picks up. */
function weights(name: string): { blink: number; alpha: number } {
  if (/^Fp/.test(name)) return { blink: 1, alpha: 0.15 };
  if (/^F[78]$/.test(name)) return { blink: 0.45, alpha: 0.2 };
  if (/^F/.test(name)) return { blink: 0.3, alpha: 0.25 };
  if (/^O|^PO/.test(name)) return { blink: 0.01, alpha: 1 };
  if (/^P/.test(name)) return { blink: 0.03, alpha: 0.75 };
  if (/^C|^T/.test(name)) return { blink: 0.08, alpha: 0.4 };
  return { blink: 0.05, alpha: 0.3 };
}

export class EegSignal extends FrameSignal {
  private readonly weight: { blink: number; alpha: number }[];
  /** Per channel and background component: its phase, half shared by all channels (EEG is spatially smooth). */
  private readonly phases: Float64Array;
  private readonly amplitudes: Float64Array;
  private readonly alphaHz: number;
  private readonly envelopePhase: number;
  /** The frame's alpha wave and blink, each channel's share of which is its weight: made once a frame (fill asks channel by channel). */
  private termsFrame = -1;
  private alphaTerm = 0;
  private blinkTerm = 0;

  constructor(options: SyntheticSignalOptions) {
    super(options, (c) => TEN_TWENTY[c] ?? `Ch${c + 1}`);
    const { channels, rate } = this;
    this.weight = this.names.map(weights);
    const k = BACKGROUND_HZ.length;
    this.phases = new Float64Array(channels * k);
    this.amplitudes = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      // Amplitude ∝ 1/√f: power falls as 1/f. Components above the Nyquist frequency are left out.
      this.amplitudes[j] = BACKGROUND_HZ[j] < rate / 2 ? BACKGROUND_UV / Math.sqrt(BACKGROUND_HZ[j]) : 0;
      const shared = 2 * Math.PI * hash01(this.seed, 1_000_003, j);
      for (let c = 0; c < channels; c++) this.phases[c * k + j] = shared + Math.PI * hash01(this.seed, c, j);
    }
    this.alphaHz = 9.5 + hash01(this.seed, 7, 7);
    this.envelopePhase = 2 * Math.PI * hash01(this.seed, 11, 0);
  }

  /** Value in µV of `channel` at absolute frame index `frame`. */
  value(channel: number, frame: number): number {
    const t = frame / this.rate;
    const k = BACKGROUND_HZ.length;
    let v = 0;
    for (let j = 0; j < k; j++) v += this.amplitudes[j] * Math.sin(2 * Math.PI * BACKGROUND_HZ[j] * t + this.phases[channel * k + j]);
    const w = this.weight[channel];
    if (frame !== this.termsFrame) this.frameTerms(frame, t);
    v += w.alpha * this.alphaTerm + w.blink * this.blinkTerm;
    return v + NOISE_UV * (2 * hash01(this.seed ^ 0x5bd1e995, channel, frame) - 1);
  }

  private frameTerms(frame: number, t: number): void {
    this.termsFrame = frame;
    // Alpha waxes and wanes over some seconds.
    const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 0.13 * t + this.envelopePhase);
    this.alphaTerm = this.alphaHz < this.rate / 2 ? ALPHA_UV * envelope * Math.sin(2 * Math.PI * this.alphaHz * t) : 0;
    // A blink in this slot or the last (its tail), each a 0.2 s bump.
    const slot = Math.floor(t / BLINK_SLOT_S);
    let blink = 0;
    for (let s = Math.max(0, slot - 1); s <= slot; s++) {
      const at = s * BLINK_SLOT_S + 0.5 + (BLINK_SLOT_S - 1) * hash01(this.seed, 13, s);
      const x = (t - at) / BLINK_WIDTH_S;
      if (Math.abs(x) < 6) blink += BLINK_UV * Math.exp(-x * x);
    }
    this.blinkTerm = blink;
  }
}
