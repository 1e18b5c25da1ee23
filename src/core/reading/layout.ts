// What each format's reader module gives reader.ts: the file's own shape and a paged read.
import type { SidecarChannel } from '../writers/sidecar';
import type { RecordingFormat, SampleType, Samples } from '../writers/types';

export interface FileLayout {
  readonly format: RecordingFormat;
  readonly sampleType: SampleType;
  readonly frames: number;
  readonly channelCount: number;
  /** What the file itself names (a CSV header, a MAT 'channels' cell). */
  readonly channels?: readonly SidecarChannel[];
  /** What the file itself says (a CSV time column, a MAT 'fs'). */
  readonly rate?: number;
  /** Problems found at open or at the last refresh. */
  readonly problems: readonly string[];
  /** Rows [start, end) of `channels` into `out`, interleaved; the range is already checked. */
  readInto(start: number, end: number, channels: readonly number[], out: Samples): Promise<void>;
  /** Re-reads the file's length (and header) after it grew. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}
