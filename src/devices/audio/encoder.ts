// Float samples (±1) → stored bytes: the decoder's inverse, for the simulator's wire. Values are
// rounded to the nearest code and clipped at full scale, as a converter would.
import { linearToAlaw, linearToUlaw } from './g711';
import type { SampleFormat } from './format';

function clampRound(x: number, min: number, max: number): number {
  const v = Math.round(x);
  return v < min ? min : v > max ? max : Number.isNaN(v) ? 0 : v;
}

export function encodeSamples(samples: Float32Array | Float64Array, format: SampleFormat): Buffer {
  const { encoding, width, endian } = format;
  const out = Buffer.alloc(samples.length * width);
  const little = endian === 'little';
  if (encoding === 'FLOAT') {
    for (let i = 0; i < samples.length; i++) {
      if (width === 4) little ? out.writeFloatLE(samples[i], i * 4) : out.writeFloatBE(samples[i], i * 4);
      else little ? out.writeDoubleLE(samples[i], i * 8) : out.writeDoubleBE(samples[i], i * 8);
    }
    return out;
  }
  if (encoding === 'ULAW' || encoding === 'ALAW') {
    const compress = encoding === 'ULAW' ? linearToUlaw : linearToAlaw;
    for (let i = 0; i < samples.length; i++) out[i] = compress(clampRound(samples[i] * 32768, -32768, 32767));
    return out;
  }
  const half = 2 ** (width * 8 - 1);
  const offset = encoding === 'UPCM' ? half : 0;
  for (let i = 0; i < samples.length; i++) {
    const v = clampRound(samples[i] * half, -half, half - 1) + offset;
    // Two's complement as an unsigned field (writeUInt* takes no negatives).
    const field = v < 0 ? v + 2 * half : v;
    if (little) out.writeUIntLE(field, i * width, width);
    else out.writeUIntBE(field, i * width, width);
  }
  return out;
}
