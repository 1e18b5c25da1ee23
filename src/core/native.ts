// The TypeScript face of the native addon (native/src/addon.cc). This file is the contract
// between the two sides: change both together.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';

/**
 * Error codes thrown by Ring calls; the message says the same in words. EBUSY: write() while
 * another thread is inside write() on the same ring (the single-writer rule was broken).
 * ETYPE (a TypeError): samples of the other type than the ring's (a Float64Array for a float32
 * ring or the reverse), naming both; samples are never converted.
 */
export type RingErrorCode = 'ENOTYET' | 'EOVERWRITTEN' | 'ERANGE' | 'EBUSY' | 'ETYPE';

/**
 * A ring's sample type, fixed when it is made. float32 (the default) is what the scope draws
 * and most families deliver; float64 keeps values exact that float32 cannot hold (int32 and
 * uint32 beyond 2^24, doubles): a float64 ring holds half the frames in the same 8 GiB limit.
 */
export type SampleType = 'float32' | 'float64';

/** The typed array of each sample type: what write() takes and read() returns. */
export interface SampleArrays {
  float32: Float32Array;
  float64: Float64Array;
}

/** Samples from a ring of either type. */
export type NativeSamples = SampleArrays[SampleType];

/**
 * One ring, typed by its sample type; `NativeRing` alone is a float32 ring, as every ring was
 * before float64 existed, so code written for those reads as before.
 */
export interface NativeRing<T extends SampleType = 'float32'> {
  /** Process-wide id: `Ring.open(id)` from any thread returns a handle on the same memory. */
  readonly id: number;
  readonly channels: number;
  /** Capacity in frames. */
  readonly capacity: number;
  /** The element type of every sample in the ring; `write`, `read` and `readInto` use its array. */
  readonly sampleType: T;
  /**
   * Appends whole frames (interleaved `[frame][channel]`, length a multiple of `channels`).
   * Single writer: only one thread may call write on a ring. Returns the new `written()`.
   * The array must be the ring's kind (Float32Array or Float64Array), else a TypeError 'ETYPE'.
   */
  write(frames: SampleArrays[T]): number;
  /** Frames written since the ring was created (the absolute index of the next frame). */
  written(): number;
  /** Smallest absolute index still held: max(0, written - capacity). */
  oldest(): number;
  /**
   * Frames [start, end) interleaved. A view on the ring's memory when the range is contiguous
   * (valid when returned; the writer may overwrite it once it laps), else a validated copy.
   * Throws an Error whose `code` is ENOTYET (end > written), EOVERWRITTEN (start < oldest,
   * or overwritten while copying) or ERANGE (start > end, negative).
   */
  read(start: number, end: number): SampleArrays[T];
  /**
   * Copies frames [start, end) into `out` (length ≥ (end-start)*channels, the ring's kind of
   * array, else 'ETYPE'); same errors as read.
   */
  readInto(start: number, end: number, out: SampleArrays[T]): void;
  /** Drops this handle's claim on the memory; the ring is freed when no handle or id remains. */
  release(): void;
}

/** A ring of either type; narrow it on `sampleType` to read or write its samples. */
export type AnyNativeRing = NativeRing<'float32'> | NativeRing<'float64'>;

export interface NativeRingConstructor {
  /** A float32 ring. */
  new (channels: number, capacityFrames: number): NativeRing;
  /**
   * A ring of `sampleType`; anything but 'float32' or 'float64' is a TypeError 'ETYPE'. With
   * `firstFrame`, its first write is that absolute frame (written() and oldest() start there):
   * a ring that takes over a stream from another, resized, keeps the stream's frame numbers.
   */
  new <T extends SampleType>(channels: number, capacityFrames: number, sampleType: T, firstFrame?: number): NativeRing<T>;
  /**
   * A handle on ring `id`, which has the ring's own `sampleType` at run time. Without a type it
   * is typed as float32, the type of every ring the core makes today (a caller that may meet a
   * float64 ring passes the type it expects, or checks `sampleType` on the result). With a type,
   * a ring of the other type is refused with an Error 'ETYPE' naming both.
   */
  open(id: number): NativeRing;
  open<T extends SampleType>(id: number, sampleType: T): NativeRing<T>;
}

export interface RdaMarker {
  /** Relative to the block's first point. */
  position: number;
  points: number;
  /** -1 = all channels. */
  channel: number;
  type: string;
  description: string;
}

export type RdaDecoded =
  | { type: 1; size: number; channels: number; intervalUs: number; resolutions: number[]; names: string[] }
  | { type: 2 | 4; size: number; block: number; points: number; markers: RdaMarker[] }
  | { type: 3; size: number }
  | { type: number; size: number; skipped: true };

export interface NativeRdaDecoder {
  /**
   * Decodes one whole RDA message (header included). A start message (1) sets the decoder's
   * channel count and resolutions; a data message (2 int16, 4 float32) writes its points,
   * scaled to µV by the resolutions, straight into `ring` (ring.channels must match; a float32
   * ring only: a float64 one is refused with 'ERDA' naming both types).
   * Unknown types are skipped. Throws an Error with code 'ERDA' and a message naming the fault.
   */
  decode(message: Uint8Array, ring?: NativeRing): RdaDecoded;
  /** True once a start message has been decoded (data can be accepted). */
  readonly started: boolean;
  readonly channels: number;
}

export interface NativeAddon {
  Ring: NativeRingConstructor;
  RdaDecoder: new () => NativeRdaDecoder;
  /**
   * Size of the RDA message whose header starts at `bytes[0]`, or -1 when fewer than 24 bytes.
   * Validates the GUID and that 24 ≤ nSize ≤ RDA_MAX_MESSAGE; throws (code 'ERDA') otherwise.
   */
  rdaMessageSize(bytes: Uint8Array): number;
  /** Largest nSize accepted (bytes). */
  RDA_MAX_MESSAGE: number;
  /**
   * Min/max of frames [start, end) in `buckets` equal buckets per channel, written to `out` as
   * out[(c * buckets + b) * 2 + 0] = min, [... + 1] = max. The range is clamped to what the ring
   * holds; buckets with no frames get NaN. Returns the [start, end) actually used. A float64
   * ring is compared in double; `out` is float32 either way (each min/max rounded for display).
   */
  decimateMinMax(ring: AnyNativeRing, start: number, end: number, buckets: number, out: Float32Array): [number, number];
  /**
   * A JSON array of numbers (`[1.5, -2e-3, nan]`, white space around it allowed, nothing else) into
   * `out[offset + k * stride]`; mokucli's words nan, NaN, -nan and null are NaN, inf and Infinity
   * (either sign) infinities. Returns the count, or -1 when the text is anything else or does not
   * fit in `out`: the caller words the error. Correctly rounded (C++ from_chars), as JSON.parse.
   */
  parseNumberArray(text: string, out: Float64Array, offset: number, stride: number): number;
  /**
   * decimateMinMax's kernel over interleaved samples in memory (a page of a recorded file): all
   * its frames in `buckets` equal buckets, out[(c * buckets + b) * 2 + 0|1] = min|max, NaN for a
   * bucket without numbers. Float64 samples are compared in double.
   */
  minMaxColumns(samples: Float32Array | Float64Array, channels: number, buckets: number, out: Float32Array): void;
}

/** What addon.cc exports: the decoder's hot call fills a Float64Array instead of making objects. */
interface RawAddon extends Omit<NativeAddon, 'RdaDecoder'> {
  RdaDecoderCore: new () => {
    readonly started: boolean;
    readonly channels: number;
    /** Writes [type, size, block, points] into head; returns the start description or markers. */
    decode(message: Uint8Array, ring: NativeRing | undefined, head: Float64Array): unknown;
  };
}

const KNOWN_TYPES = new Set([1, 2, 3, 4]);

function decoderClass(raw: RawAddon): new () => NativeRdaDecoder {
  return class RdaDecoder implements NativeRdaDecoder {
    private readonly core = new raw.RdaDecoderCore();
    private readonly head = new Float64Array(4);

    get started(): boolean {
      return this.core.started;
    }

    get channels(): number {
      return this.core.channels;
    }

    decode(message: Uint8Array, ring?: NativeRing): RdaDecoded {
      const extra = this.core.decode(message, ring, this.head);
      const type = this.head[0];
      const size = this.head[1];
      if (type === 2 || type === 4) {
        return { type, size, block: this.head[2], points: this.head[3], markers: (extra as RdaMarker[] | undefined) ?? [] };
      }
      if (type === 1) return { type: 1, size, ...(extra as Omit<Extract<RdaDecoded, { type: 1 }>, 'type' | 'size'>) };
      if (type === 3) return { type: 3, size };
      if (KNOWN_TYPES.has(type)) throw new Error(`RDA decoder returned an unexpected type ${type}`);
      return { type, size, skipped: true };
    }
  };
}

let cached: NativeAddon | undefined;

/**
 * The addon's file: LABSCOPE_NATIVE_ADDON when set (a sanitizer build such as `npm run soak -- --asan` makes,
 * which the soak and fault runs load to catch a use-after-free the release build would only
 * crash on), else the one cmake-js built. Works from src/ (tests via tsx) and from dist/ (bundle).
 */
export function nativeAddonPath(): string {
  const override = process.env.LABSCOPE_NATIVE_ADDON;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`LABSCOPE_NATIVE_ADDON names ${override}, which does not exist`);
    return path.resolve(override);
  }
  const candidates = [
    path.resolve(__dirname, '..', 'build', 'native', 'Release', 'labscope.node'),
    path.resolve(__dirname, '..', '..', 'build', 'native', 'Release', 'labscope.node'),
    path.resolve(__dirname, '..', '..', '..', 'build', 'native', 'Release', 'labscope.node'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`Labscope's native addon is not built (looked in ${candidates.join(', ')}); run "npm run build:native"`);
  }
  return found;
}

/** Loads the addon (see nativeAddonPath). */
export function native(): NativeAddon {
  if (cached) return cached;
  const raw = createRequire(__filename)(nativeAddonPath()) as RawAddon;
  cached = { ...raw, RdaDecoder: decoderClass(raw) };
  return cached;
}
