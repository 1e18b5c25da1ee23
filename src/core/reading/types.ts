// The contract between a recorded file and everything that reads it after the fact: the recording
// editor (src/ui/recording-editor.ts and its document model), the exports and `labscope export`.
// A reader reads by pages and never holds the whole file, so a 2 GB take costs what a short one does.
import type { Sidecar, SidecarChannel } from '../writers/sidecar';
import type { RecordingFormat, SampleType, Samples } from '../writers/types';

export interface RecordingReader {
  readonly path: string;
  readonly format: RecordingFormat;
  readonly sampleType: SampleType;
  /** Complete rows the file holds (as of open or the last refresh). */
  readonly frames: number;
  readonly channelCount: number;
  /** Names and units: the sidecar's when it matches the file, else the file's own (CSV header), else ch1…chN. */
  readonly channels: readonly SidecarChannel[];
  /** Frames per second: the sidecar's, or a CSV's time column; undefined when nothing says. */
  readonly rate: number | undefined;
  /** The matching `.labscope.json`, when there is one. */
  readonly sidecar: Sidecar | undefined;
  /** Anything odd found while opening (trailing partial row, a sidecar that disagrees with the file…). */
  readonly problems: readonly string[];
  /**
   * Rows [start, end) of the given channels (all, in order, when omitted), interleaved
   * `[row][channel]`, in the file's sample type. Reads only the pages it needs; a range past the
   * end is an error naming it.
   */
  read(start: number, end: number, channels?: readonly number[]): Promise<Samples>;
  /** Re-reads the file's length (a recording still being written); resolves to the frame count. */
  refresh(): Promise<number>;
  close(): Promise<void>;
}

export interface MinMaxQuery {
  /** Rows [start, end). */
  start: number;
  end: number;
  /** Pixel columns the range is split into (equal buckets of rows). */
  columns: number;
  channels: readonly number[];
}

export interface MinMaxResult {
  /** minmax[(i * columns + column) * 2 + 0|1] for channels[i]; NaN where a column has no rows. */
  minmax: Float32Array;
  columns: number;
}

export type { RecordingFormat, SampleType, Samples, Sidecar, SidecarChannel };
