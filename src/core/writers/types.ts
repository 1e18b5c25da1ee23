// What every recording file writer offers. Writers are synchronous: they run in the session's
// acquisition worker, where blocking on the disk stalls nobody but the recording itself.

export type RecordingFormat = 'npy' | 'csv' | 'mat';

/**
 * How samples are stored: float32 by default (a float holds any 24-bit ADC's value exactly), or
 * float64 for a family whose values must stay exact beyond that (int32, uint32, double).
 */
export type SampleType = 'float32' | 'float64';

/** Interleaved frames of either sample type. */
export type Samples = Float32Array | Float64Array;

/** The sample type a typed array holds. */
export function sampleTypeOf(samples: Samples): SampleType {
  return samples instanceof Float64Array ? 'float64' : 'float32';
}

/** Refuses frames of the other sample type, naming both (a writer never converts silently). */
export function requireSampleType(samples: Samples, expected: SampleType, what: string): void {
  const got = sampleTypeOf(samples);
  if (got !== expected) throw new Error(`${what} holds ${expected} samples, was handed ${got}`);
}

export interface WriterOptions {
  /** Channel names, in frame order. */
  channels: string[];
  /** Their units ('' for none), where the format has a place for them (a CSV header: `O2 [%]`). */
  units?: string[];
  /** Frames per second. */
  rate: number;
  /** Default float32. */
  sampleType?: SampleType;
}

export interface FrameWriter {
  readonly path: string;
  readonly format: RecordingFormat;
  readonly sampleType: SampleType;
  /** Frames appended so far (rows in the file once flushed). */
  readonly frames: number;
  /**
   * Appends whole frames, interleaved `[frame][channel]` (length a multiple of the channel
   * count). `firstFrame` is the absolute frame index of the first one, relative to the start of
   * the recording (CSV uses it for the time column; a gap shows as a jump).
   */
  append(frames: Samples, firstFrame: number): void;
  /** Pushes everything appended to the file and leaves the file valid as it stands. */
  flush(): void;
  /** Flushes and closes; the file is final. Idempotent. */
  close(): void;
}
