// What every recording file writer offers. Writers are synchronous: they run in the session's
// acquisition worker, where blocking on the disk stalls nobody but the recording itself.

export type RecordingFormat = 'npy' | 'csv' | 'mat';

export interface WriterOptions {
  /** Channel names, in frame order. */
  channels: string[];
  /** Frames per second. */
  rate: number;
}

export interface FrameWriter {
  readonly path: string;
  readonly format: RecordingFormat;
  /** Frames appended so far (rows in the file once flushed). */
  readonly frames: number;
  /**
   * Appends whole frames, interleaved `[frame][channel]` (length a multiple of the channel
   * count). `firstFrame` is the absolute frame index of the first one, relative to the start of
   * the recording (CSV uses it for the time column; a gap shows as a jump).
   */
  append(frames: Float32Array, firstFrame: number): void;
  /** Pushes everything appended to the file and leaves the file valid as it stands. */
  flush(): void;
  /** Flushes and closes; the file is final. Idempotent. */
  close(): void;
}
