// The contract between an instrument family's transport and the session that owns it. A source
// runs inside the session's acquisition worker; everything it learns goes through its sink.
import type { AnyNativeRing, NativeRing, NativeSamples, SampleType } from './native';
import type { Sample } from './sample';
import type { ChannelInfo, Gap, Marker } from './types';

/** How a stream ended (SourceSink.ended); a session that is streaming says 'started'. */
export type StreamOutcome = 'finished' | 'stopped' | 'interrupted';

export interface StreamFormat {
  channels: ChannelInfo[];
  /** Frames per second. */
  rate: number;
  /** What the device itself said about its format (kept in the sidecar). */
  source?: Record<string, unknown>;
  /**
   * float32 (the default) or float64 for a family whose values float32 cannot hold exactly
   * (int32, uint32, double): the ring, the recordings and getData() then carry doubles.
   */
  sampleType?: SampleType;
  /**
   * The ring should hold this many seconds (a family's own buffer setting, e.g. bela's `buffer=`);
   * left out, the session's bufferSize in frames applies.
   */
  ringSeconds?: number;
}

export interface BlockInfo {
  /** Frames just written into the ring. */
  frames: number;
  /** Monotonic host time of arrival. */
  hostNs: bigint;
  /** The device's own block counter, when it has one. */
  deviceBlock?: number;
  /** Bytes received on the wire for this block. */
  bytes: number;
  /** Markers with absolute frame indices. */
  markers: Marker[];
}

export interface SourceSink {
  /**
   * The device announced its format. Returns the ring to write frames into (direct writers like
   * the native RDA decoder use it; others call `frames`). Called again after a reconnect: the same
   * format keeps the same ring, a different one is an error.
   */
  format<T extends SampleType = 'float32'>(format: StreamFormat & { sampleType?: T }): NativeRing<T>;
  /** Frames were written into the ring by the source itself. */
  written(block: BlockInfo): void;
  /**
   * Frames decoded in JS (the stream's sample type): the sink writes them into the ring before it
   * returns and keeps no reference, so a source may hand it a view on a buffer it reuses.
   */
  frames(frames: NativeSamples, block: Omit<BlockInfo, 'frames'>): void;
  /** Frames that never arrived; `fromFrame` defaults to the ring's next index. */
  gap(gap: Omit<Gap, 'fromFrame'> & { fromFrame?: number }): void;
  log(level: 'info' | 'warn' | 'error', text: string): void;
  /**
   * A piece of input was bad (a checksum mismatch, a malformed frame) and was dropped: it is
   * counted in the stats' `errors`, and logged, but the stream goes on.
   */
  rejected(what: string): void;
  /** Long-format readings (seed 001's Samples) beside the ring frames, for sources that have them. */
  samples(batch: Sample[]): void;
  /** Connection state as the source sees it. */
  connecting(attempt: number): void;
  /**
   * The device says the stream is over (RDA stop, end of file). `outcome` says how, in the
   * seed's Streamer words: finished (its end came: a file's end, a scheduled window's last
   * frame; the default), stopped (the user asked: Source.stopStream), interrupted (the device's
   * program went away mid-stream).
   */
  ended(reason: string, outcome?: StreamOutcome): void;
  /** Unrecoverable: bad data, refused connection. The session goes to `error`. */
  failed(error: Error): void;
}

export interface Source {
  start(sink: SourceSink): void;
  /** Stops receiving; no sink calls after this returns. */
  stop(): void;
  /**
   * Ends the stream at the user's request (Session.stopStream), keeping what has arrived: the
   * source writes what it still holds, tells the device to stop sending where the device has
   * such a thing (Bela: unwatch, the board's program runs on), and calls sink.ended(…, 'stopped').
   * Left out, the acquisition stops the source and ends the stream itself.
   */
  stopStream?(): void;
  /**
   * Holds the input while the session is paused, for sources that can without losing anything
   * (a file played at real time stops reading, and its clock stops with it). A live instrument
   * cannot be held, so it leaves these out: it keeps writing the ring and only the session's
   * consumers stop. Frames already under way may still arrive after pause() returns.
   */
  pause?(): void;
  /**
   * The session's ring was replaced by a resized one (Session.setBufferSeconds). A source that
   * writes the ring itself (format()'s return, e.g. the native RDA decoder) writes this one from
   * now on; one that hands its frames to the sink needs nothing.
   */
  ringChanged?(ring: AnyNativeRing): void;
  /** Takes the input up again where pause() held it. */
  resume?(): void;
  /**
   * A family's own live summary (the poll recorder's AcquisitionSummary), sent with the stats
   * and written into a recording's sidecar.
   */
  summary?(): Record<string, unknown> | undefined;
}

/** Backoff used by every reconnecting source; it lives with the one reconnect helper. */
export { RECONNECT_BACKOFF_S } from '../transports/reconnect';
