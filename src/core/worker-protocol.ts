// Messages between a Session (main thread) and its acquisition worker. Both sides import these
// types so a renamed field is a compile error, not a silent undefined. The session asks with
// requests (request-reply.ts: each Command is answered by one Reply carrying Replies[kind]); the
// worker tells what happens as Events, which arrive in the order they happened, and always before
// the reply to a request that caused them.
import type { MessagePort } from 'node:worker_threads';
import type { RecordingFormat, SampleType } from './writers/types';
import type { Sample } from './sample';
import type { StreamOutcome } from './source';
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
  /** The device's display name, when it has one (the Devices tree's). */
  deviceName?: string;
  family: string;
  /**
   * First session frame to record. Past frames come from the ring while it still holds them
   * (the CLI records a whole stream from frame 0); default: the next frame to arrive.
   */
  fromFrame?: number;
}

/**
 * Where a paused session's consumers pick up again: at the pause point, at the newest frame
 * (`live`), or at the frame that arrived at a wall-clock time (ms since epoch).
 */
export type ResumeFrom = { kind: 'pause' } | { kind: 'live' } | { kind: 'time'; wallMs: number };

export type Command =
  | { kind: 'record'; request: RecordingRequest }
  | { kind: 'stop-recording' }
  | { kind: 'save-timelog'; path: string }
  | { kind: 'pause' }
  | { kind: 'resume'; from: ResumeFrom }
  /** Answered once the worker has posted its stats as they are now. */
  | { kind: 'refresh' }
  /** A ring of `seconds` in place of the current one, holding its newest frames (Acquisition.resizeRing). */
  | { kind: 'resize-ring'; seconds: number }
  /** Ends the stream, keeping the ring and ending any recording (Source.stopStream). */
  | { kind: 'stop-stream' }
  | { kind: 'close' };

/** What each command's reply carries. */
export interface Replies {
  record: { path: string; format: RecordingFormat; startFrame: number };
  'stop-recording': RecordingSummary;
  'save-timelog': { path: string; blocks: number };
  pause: { frame: number; wallMs: number; held: boolean };
  resume: { frame: number; skipped: number };
  refresh: null;
  'stop-stream': null;
  'resize-ring': { capacity: number; seconds: number };
  close: null;
}

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
  /**
   * Frames handed on to the session's consumers (recordings, scopes). It stops advancing while
   * the session is paused, and frames a resume skipped are never counted; `frames` counts what
   * reached the ring either way.
   */
  delivered: number;
  /** Rate measured from host arrival times (frames/s), 0 until two anchors exist. */
  measuredRate: number;
  /** Device clock minus host clock since the first block (ms; positive = device ahead). */
  driftMs: number;
  /** The source's own summary (polled sources: the seed's AcquisitionSummary), when it has one. */
  source?: Record<string, unknown>;
  /**
   * Seconds since a live source last sent anything, once that is longer than max(2 s, 3 of its
   * periods) (a silent device); 0 while data flows.
   */
  silentS: number;
}

/** Stats before anything has arrived. */
export function emptyStats(): AcquisitionStats {
  return {
    frames: 0,
    blocks: 0,
    bytes: 0,
    lostFrames: 0,
    gaps: 0,
    reconnects: 0,
    errors: 0,
    delivered: 0,
    measuredRate: 0,
    driftMs: 0,
    silentS: 0,
  };
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
  /** Set when a timed recording ended before its frames were all in: why (a silent device). */
  endedShort?: string;
}

export type Event =
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; text: string }
  /** A serial port for the main thread to open and serve (see serial-bridge.ts). */
  | { kind: 'serial-bridge'; port: MessagePort }
  | { kind: 'connecting'; attempt: number }
  /** Data flows again after a (re)connect. */
  | { kind: 'streaming' }
  /** The ring was replaced by a resized one (open this id, release the old): frame numbers go on. */
  | { kind: 'ring'; ringId: number; capacity: number }
  | { kind: 'format'; ringId: number; channels: ChannelInfo[]; rate: number; source?: Record<string, unknown>; sampleType: SampleType }
  | { kind: 'stats'; stats: AcquisitionStats; recording?: RecordingStatus }
  | { kind: 'markers'; markers: Marker[] }
  | { kind: 'samples'; samples: Sample[] }
  | { kind: 'gap'; gap: Gap }
  | { kind: 'anchor'; anchor: Anchor }
  | { kind: 'ended'; reason: string; outcome: StreamOutcome }
  /** Consumers stopped at `frame` (the pause point); `held`: the source stopped reading too. */
  | { kind: 'paused'; frame: number; wallMs: number; held: boolean }
  /** Consumers go on from `frame`; `skipped` frames after the pause point were passed over. */
  | { kind: 'resumed'; frame: number; skipped: number }
  | { kind: 'failed'; message: string }
  | { kind: 'recording-started'; path: string; format: RecordingFormat; startFrame: number }
  | { kind: 'recording-ended'; summary: RecordingSummary }
  | { kind: 'recording-failed'; message: string }
  | { kind: 'timelog-saved'; path: string; blocks: number };
