// Plain data shared by every family and every consumer of a session.

export interface ChannelInfo {
  name: string;
  unit: string;
}

export interface Marker {
  /** Absolute session frame index. */
  frame: number;
  type: string;
  text: string;
  /** -1 = all channels. */
  channel: number;
  /** Length in frames (RDA markers may span several points). */
  points: number;
}

/** Frames that never reached the ring or a file, and why. */
export interface Gap {
  /** Absolute session frame index where the hole begins. */
  fromFrame: number;
  /** Frames lost (for a device gap: estimated from the block size). */
  frames: number;
  /**
   * `skipped`: the frames reached the ring but a paused session was resumed past them
   * (resume(-1) or resume(date)), so its recordings never got them. `late`: a poll recorder's
   * ticks that missed their slot (a poll that overran, a dropped batch), so they were never taken.
   */
  cause: 'device' | 'overrun' | 'reconnect' | 'skipped' | 'late';
}

/** Ties a frame index to the host's clocks, so files can be aligned with other records. */
export interface Anchor {
  frame: number;
  /** Monotonic host time (process.hrtime.bigint) when the block holding `frame` arrived. */
  hostNs: bigint;
  /** Wall-clock time at the same moment (ms since epoch). */
  wallMs: number;
}

/** Tags given when a session is made (the seed's metadata); `Session.tagsMatch` compares them. */
export type Metadata = Readonly<Record<string, string | number | boolean>>;
