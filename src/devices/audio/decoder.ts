// Stored samples → float32 scaled to ±1, a whole block per call. Integer PCM is divided by
// 2^(container bits - 1) (so s16 / 32768, s24 / 8388608, u8 (x - 128) / 128), G.711 is expanded to
// 16-bit linear and divided by 32768, float is kept as stored. Every divisor is a power of two,
// so the only rounding is float32's own (s32 alone has more bits than float32 holds): any decoder
// that computes in double and rounds to float32 once gets the same bits, which is what the tests
// compare against.
//
// Speed comes from loading 32 bits at a time when the stored byte order is the machine's: an
// Int32Array over the bytes (copied to an aligned scratch first if they are not aligned) yields two
// 16-bit or four-thirds of a 24-bit sample per load, each shifted to the top of an int32 and scaled
// by 2^-31; 1-byte codes (u8, s8, µ-law, A-law) are looked up four per load in a 256-entry table of
// finished floats; floats are copied byte for byte. Per-byte loads (the fallback for the other
// byte order) cost more than the arithmetic: see `npm run bench -- audio`.
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711';
import { AudioFormatError, type SampleFormat } from './format';

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 2^-(bits-1): the scale of a signed `bits`-bit integer. */
function scaleFor(bits: number): number {
  return 2 ** -(bits - 1);
}

/** Keeps the `valid` most significant of `bits` bits (as an int32 mask on the sign-extended value). */
function validMask(bits: number, valid: number): number {
  return valid >= bits ? -1 : ~((1 << (bits - valid)) - 1);
}

function byteTable(format: SampleFormat): Float32Array {
  const mask = validMask(8, format.validBits) & 0xff;
  switch (format.encoding) {
    case 'ULAW':
      return Float32Array.from(ULAW_TO_LINEAR, (v) => v / 32768);
    case 'ALAW':
      return Float32Array.from(ALAW_TO_LINEAR, (v) => v / 32768);
    case 'UPCM':
      return Float32Array.from({ length: 256 }, (_, b) => ((b & mask) - 128) / 128);
    case 'SPCM':
      return Float32Array.from({ length: 256 }, (_, b) => (((b & mask) << 24) >> 24) / 128);
    default:
      throw new AudioFormatError(`${format.encoding} samples cannot be 1 byte wide`);
  }
}

type Kernel = (bytes: Uint8Array, out: Float32Array, n: number) => void;

export class SampleDecoder {
  /** Bytes per frame: callers hand the decoder whole frames and keep any remainder. */
  readonly frameBytes: number;
  private readonly kernel: Kernel;
  private scratch = new Uint8Array(0);

  constructor(readonly format: SampleFormat) {
    const { width, channels } = format;
    if (!(channels >= 1)) throw new AudioFormatError(`channels must be at least 1, got ${channels}`);
    this.frameBytes = width * channels;
    this.kernel = this.pick();
  }

  /** Decodes the whole frames in `bytes` into `out` (or a new array); returns the samples written. */
  decode(bytes: Uint8Array, out?: Float32Array): Float32Array {
    const frames = Math.floor(bytes.length / this.frameBytes);
    const n = frames * this.format.channels;
    const target = out ? out.subarray(0, n) : new Float32Array(n);
    if (target.length < n) throw new RangeError(`decode: output holds ${out!.length} samples, ${n} needed`);
    if (n > 0) this.kernel(bytes, target, n);
    return target;
  }

  /** The first `length` of `bytes`, starting at a multiple of `alignment` (copied to scratch if they do not). */
  private aligned(bytes: Uint8Array, length: number, alignment: number): Uint8Array {
    if (bytes.byteOffset % alignment === 0) return bytes;
    if (this.scratch.length < length) this.scratch = new Uint8Array(length);
    this.scratch.set(bytes.subarray(0, length));
    return this.scratch;
  }

  /** `bytes` with every `width`-byte group reversed, in the scratch buffer (aligned by construction). */
  private swapped(bytes: Uint8Array, n: number, width: number): Uint8Array {
    const len = n * width;
    if (this.scratch.length < len) this.scratch = new Uint8Array(len);
    const s = this.scratch;
    for (let i = 0; i < len; i += width) for (let k = 0; k < width; k++) s[i + k] = bytes[i + width - 1 - k];
    return s;
  }

  private pick(): Kernel {
    const { encoding, width, validBits, endian } = this.format;
    const bits = width * 8;
    const native = (endian === 'little') === HOST_LITTLE;
    if (encoding === 'FLOAT') {
      if (width !== 4 && width !== 8) throw new AudioFormatError(`float samples must be 4 or 8 bytes wide, got ${width}`);
      if (width === 4) {
        return (bytes, out, n) => {
          const src = native ? bytes : this.swapped(bytes, n, 4);
          new Uint8Array(out.buffer, out.byteOffset, n * 4).set(src.subarray(0, n * 4));
        };
      }
      return (bytes, out, n) => {
        const src = native ? this.aligned(bytes, n * 8, 8) : this.swapped(bytes, n, 8);
        out.set(new Float64Array(src.buffer, src.byteOffset, n));
      };
    }
    if (!(validBits >= 1 && validBits <= bits)) throw new AudioFormatError(`valid bits ${validBits} do not fit a ${bits}-bit sample`);
    if ((encoding === 'ULAW' || encoding === 'ALAW') && width !== 1)
      throw new AudioFormatError(`${encoding} samples are 1 byte wide, not ${width}`);
    if (width === 1) {
      const table = byteTable(this.format);
      const byByte: Kernel = (bytes, out, n) => {
        for (let i = 0; i < n; i++) out[i] = table[bytes[i]];
      };
      if (!HOST_LITTLE) return byByte;
      // Four codes per 32-bit load: a byte load per sample costs more than the table lookup.
      return (bytes, out, n) => {
        const quads = n >> 2;
        const src = this.aligned(bytes, quads * 4, 4);
        const words = new Uint32Array(src.buffer, src.byteOffset, quads);
        for (let q = 0, i = 0; q < quads; q++, i += 4) {
          const w = words[q];
          out[i] = table[w & 0xff];
          out[i + 1] = table[(w >>> 8) & 0xff];
          out[i + 2] = table[(w >>> 16) & 0xff];
          out[i + 3] = table[w >>> 24];
        }
        const done = quads * 4;
        if (done < n) byByte(bytes.subarray(done), out.subarray(done), n - done);
      };
    }
    const scale = scaleFor(bits);
    const mask = validMask(bits, validBits);
    const unsigned = encoding === 'UPCM';
    if (encoding !== 'SPCM' && !unsigned) throw new AudioFormatError(`unknown encoding ${encoding}`);
    switch (width) {
      case 2: {
        const offset = unsigned ? 32768 : 0;
        const lo = endian === 'little' ? 0 : 1;
        const hi = 1 - lo;
        const byBytes: Kernel = (b, out, n) => {
          for (let i = 0, j = 0; i < n; i++, j += 2) {
            const raw = (b[j + hi] << 8) | b[j + lo];
            out[i] = ((unsigned ? raw & mask : ((raw << 16) >> 16) & mask) - offset) * scale;
          }
        };
        if (!(native && HOST_LITTLE)) return byBytes;
        // Two samples per 32-bit load, each left-justified into an int32 as for 24 bits.
        const flip = unsigned ? 0x80008000 | 0 : 0;
        const mask32 = mask << 16;
        const scale32 = 2 ** -31;
        if (!unsigned && mask === -1) {
          // The common case on its own: without the no-op xor and mask, V8's loop is twice as fast.
          return (bytes, out, n) => {
            const pairs = n >> 1;
            const src = this.aligned(bytes, pairs * 4, 4);
            const w = new Int32Array(src.buffer, src.byteOffset, pairs);
            for (let q = 0, i = 0; q < pairs; q++, i += 2) {
              const x = w[q];
              out[i] = (x << 16) * scale32;
              out[i + 1] = (x & -65536) * scale32;
            }
            if (pairs * 2 < n) byBytes(bytes.subarray(pairs * 4), out.subarray(pairs * 2), n - pairs * 2);
          };
        }
        return (bytes, out, n) => {
          const pairs = n >> 1;
          const src = this.aligned(bytes, pairs * 4, 4);
          const w = new Int32Array(src.buffer, src.byteOffset, pairs);
          for (let q = 0, i = 0; q < pairs; q++, i += 2) {
            const x = w[q] ^ flip;
            out[i] = ((x << 16) & mask32) * scale32;
            out[i + 1] = (x & mask32) * scale32;
          }
          if (pairs * 2 < n) byBytes(bytes.subarray(pairs * 4), out.subarray(pairs * 2), n - pairs * 2);
        };
      }
      case 3: {
        const offset = unsigned ? 1 << 23 : 0;
        const [b0, b1, b2] = endian === 'little' ? [0, 1, 2] : [2, 1, 0];
        const byBytes: Kernel = (b, out, n) => {
          for (let i = 0, j = 0; i < n; i++, j += 3) {
            const raw = b[j + b0] | (b[j + b1] << 8) | (b[j + b2] << 16);
            out[i] = ((unsigned ? raw & mask : ((raw << 8) >> 8) & mask) - offset) * scale;
          }
        };
        if (!(native && HOST_LITTLE)) return byBytes;
        // Four samples per three 32-bit loads, each left-justified into an int32 (so the sign is
        // bit 31 and the scale 2^-31); unsigned samples become signed by flipping that bit.
        const flip = unsigned ? 0x80000000 | 0 : 0;
        const mask32 = mask << 8;
        const scale32 = 2 ** -31;
        if (!unsigned && mask === -1) {
          return (bytes, out, n) => {
            const quads = n >> 2;
            const src = this.aligned(bytes, quads * 12, 4);
            const w = new Int32Array(src.buffer, src.byteOffset, quads * 3);
            for (let q = 0, i = 0, k = 0; q < quads; q++, i += 4, k += 3) {
              const w0 = w[k];
              const w1 = w[k + 1];
              const w2 = w[k + 2];
              out[i] = (w0 << 8) * scale32;
              out[i + 1] = (((w0 >>> 24) | (w1 << 8)) << 8) * scale32;
              out[i + 2] = (((w1 >>> 16) | (w2 << 16)) << 8) * scale32;
              out[i + 3] = (w2 & -256) * scale32;
            }
            const done = quads * 4;
            if (done < n) byBytes(bytes.subarray(done * 3), out.subarray(done), n - done);
          };
        }
        return (bytes, out, n) => {
          const quads = n >> 2;
          const src = this.aligned(bytes, quads * 12, 4);
          const w = new Int32Array(src.buffer, src.byteOffset, quads * 3);
          for (let q = 0, i = 0, k = 0; q < quads; q++, i += 4, k += 3) {
            const w0 = w[k];
            const w1 = w[k + 1];
            const w2 = w[k + 2];
            out[i] = (((w0 << 8) ^ flip) & mask32) * scale32;
            out[i + 1] = (((((w0 >>> 24) | (w1 << 8)) << 8) ^ flip) & mask32) * scale32;
            out[i + 2] = (((((w1 >>> 16) | (w2 << 16)) << 8) ^ flip) & mask32) * scale32;
            out[i + 3] = (((w2 & -256) ^ flip) & mask32) * scale32;
          }
          const done = quads * 4;
          if (done < n) byBytes(bytes.subarray(done * 3), out.subarray(done), n - done);
        };
      }
      case 4: {
        return (bytes, out, n) => {
          const src = native ? this.aligned(bytes, n * 4, 4) : this.swapped(bytes, n, 4);
          if (unsigned) {
            const v = new Uint32Array(src.buffer, src.byteOffset, n);
            for (let i = 0; i < n; i++) out[i] = (((v[i] & mask) >>> 0) - 2147483648) * scale;
          } else {
            const v = new Int32Array(src.buffer, src.byteOffset, n);
            for (let i = 0; i < n; i++) out[i] = (v[i] & mask) * scale;
          }
        };
      }
      default:
        throw new AudioFormatError(`${width}-byte samples are not supported (1, 2, 3 or 4 bytes; float 4 or 8)`);
    }
  }
}
