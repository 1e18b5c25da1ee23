// Messages between a Session (main thread) and its acquisition worker. Both sides import these
// types so a renamed field is a compile error, not a silent undefined.
import type { RecordingFormat } from './writers/types';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';

export interface WorkerInit {
  uri: string;
  /** Ring capacity in frames. */
  bufferSize: number;
  /** Test hook: shorter reconnect backoff. */
  backoffS?: number[];
}

export interface RecordingRequest {
  path: string;
  format: RecordingFormat;
  /** Stop after this many seconds of frames (exact: rate × seconds frames). */
  durationS?: number;
  /** Device URI written into the sidecar (the user's, not the simulator's loopback address). */
  deviceUri: string;
  family: string;
  /**
   * First session frame to record. Past frames come from the ring while it still holds them
   * (the CLI records a whole stream from frame 0); default: the next frame to arrive.
   */
  fromFrame?: number;
}

export type ToWorker =
  | { kind: 'record'; request: RecordingRequest }
  | { kind: 'stop-recording' }
  | { kind: 'save-timelog'; path: string }
  | { kind: 'close' };

export interface AcquisitionStats {
  frames: number;
  blocks: number;
  bytes: number;
  /** Frames the device lost (block-counter jumps) or that a reconnect skipped. */
  lostFrames: number;
  gaps: number;
  reconnects: number;
  /** Pieces of input rejected as bad (checksum mismatches, malformed frames) and dropped. */
  errors: number;
  /** Rate measured from host arrival times (frames/s), 0 until two anchors exist. */
  measuredRate: number;
  /** Device clock minus host clock since the first block (ms; positive = device ahead). */
  driftMs: number;
  /** The source's own summary (polled sources: the seed's AcquisitionSummary), when it has one. */
  source?: Record<string, unknown>;
}

export interface RecordingStatus {
  path: string;
  format: RecordingFormat;
  frames: number;
  bytes: number;
  gaps: number;
  lostFrames: number;
  elapsedS: number;
}

export interface RecordingSummary extends RecordingStatus {
  sidecar: string;
  startFrame: number;
  reason: string;
}

export type FromWorker =
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; text: string }
  | { kind: 'connecting'; attempt: number }
  /** Data flows again after a (re)connect. */
  | { kind: 'streaming' }
  | { kind: 'format'; ringId: number; channels: ChannelInfo[]; rate: number }
  | { kind: 'stats'; stats: AcquisitionStats; recording?: RecordingStatus }
  | { kind: 'markers'; markers: Marker[] }
  | { kind: 'gap'; gap: Gap }
  | { kind: 'anchor'; anchor: Anchor }
  | { kind: 'ended'; reason: string }
  | { kind: 'failed'; message: string }
  | { kind: 'recording-started'; path: string; format: RecordingFormat; startFrame: number }
  | { kind: 'recording-ended'; summary: RecordingSummary }
  | { kind: 'recording-failed'; message: string }
  | { kind: 'timelog-saved'; path: string; blocks: number }
  | { kind: 'closed' };
