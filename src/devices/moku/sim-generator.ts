// What the simulated Moku measures: integer ADC codes (a sawtooth plus a little LCG noise) times
// a calibrated gain per input, so the volts are doubles in full precision (17 digits when printed,
// as a real device's are) yet every value can be computed again exactly, in any language with
// IEEE doubles: test/integration/moku-*.test.ts recompute them in Python (numpy) from the same
// formula, and compare what Labscope recorded sample by sample.

/** ADC code of input `channel` (0-based) at device frame `frame`. */
export function mokuCode(channel: number, frame: number): number {
  const saw = ((frame * (7 + 2 * channel) + 1000 * channel) % 4096) - 2048;
  // (frame * 1103515245 + 12345 (channel + 1)) mod 2^32, bits 16-19.
  const noise = ((Math.imul(frame, 1103515245) + 12345 * (channel + 1)) >>> 0) >>> 16;
  return saw + (noise & 15);
}

/** Volts per code of input `channel`: a 16-bit converter over 10 (ch1) or 20 Vpp with a calibration factor. */
export function mokuGain(channel: number): number {
  return ((channel === 0 ? 10 : 20) / 65536) * (1 + 0.000123 * (channel + 1));
}

/** The value of input `channel` at `frame`; NaN where `nanEvery` (> 0) marks an over-range sample of ch1. */
export function mokuValue(channel: number, frame: number, nanEvery = 0): number {
  if (nanEvery > 0 && channel === 0 && frame % nanEvery === nanEvery - 1) return NaN;
  return mokuCode(channel, frame) * mokuGain(channel);
}

/** The same formula in Python, for the tests' independent checks (numpy reads the recordings). */
export const PYTHON_GENERATOR = `
def moku_code(channel, frame):
    saw = ((frame * (7 + 2 * channel) + 1000 * channel) % 4096) - 2048
    noise = ((frame * 1103515245 + 12345 * (channel + 1)) % 2**32) >> 16
    return saw + (noise & 15)

def moku_gain(channel):
    return ((10.0 if channel == 0 else 20.0) / 65536) * (1 + 0.000123 * (channel + 1))

def moku_value(channel, frame, nan_every=0):
    if nan_every > 0 and channel == 0 and frame % nan_every == nan_every - 1:
        return float('nan')
    return moku_code(channel, frame) * moku_gain(channel)
`;
