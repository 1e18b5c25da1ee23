// The TypeScript face of the native addon (native/src/addon.cc). This file is the contract
// between the two sides: change both together.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';

/**
 * Error codes thrown by Ring calls; the message says the same in words. EBUSY: write() while
 * another thread is inside write() on the same ring (the single-writer rule was broken).
 */
export type RingErrorCode = 'ENOTYET' | 'EOVERWRITTEN' | 'ERANGE' | 'EBUSY';

export interface NativeRing {
  /** Process-wide id: `Ring.open(id)` from any thread returns a handle on the same memory. */
  readonly id: number;
  readonly channels: number;
  /** Capacity in frames. */
  readonly capacity: number;
  /**
   * Appends whole frames (interleaved `[frame][channel]`, length a multiple of `channels`).
   * Single writer: only one thread may call write on a ring. Returns the new `written()`.
   */
  write(frames: Float32Array): number;
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
  read(start: number, end: number): Float32Array;
  /** Copies frames [start, end) into `out` (length ≥ (end-start)*channels); same errors as read. */
  readInto(start: number, end: number, out: Float32Array): void;
  /** Drops this handle's claim on the memory; the ring is freed when no handle or id remains. */
  release(): void;
}

export interface NativeRingConstructor {
  new (channels: number, capacityFrames: number): NativeRing;
  open(id: number): NativeRing;
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
   * scaled to µV by the resolutions, straight into `ring` (ring.channels must match).
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
   * holds; buckets with no frames get NaN. Returns the [start, end) actually used.
   */
  decimateMinMax(ring: NativeRing, start: number, end: number, buckets: number, out: Float32Array): [number, number];
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

/** Loads the addon built by cmake-js. Works from src/ (tests via tsx) and from dist/ (bundle). */
export function native(): NativeAddon {
  if (cached) return cached;
  const req = createRequire(__filename);
  const candidates = [
    path.resolve(__dirname, '..', 'build', 'native', 'Release', 'labscope.node'),
    path.resolve(__dirname, '..', '..', 'build', 'native', 'Release', 'labscope.node'),
    path.resolve(__dirname, '..', '..', '..', 'build', 'native', 'Release', 'labscope.node'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`Labscope's native addon is not built (looked in ${candidates.join(', ')}); run "npm run build:native"`);
  }
  const raw = req(found) as RawAddon;
  cached = { ...raw, RdaDecoder: decoderClass(raw) };
  return cached;
}
