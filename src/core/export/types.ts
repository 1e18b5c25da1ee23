// The contract between the exports (one module per format in this folder) and what calls them:
// `exportRecording` (index.ts), the editor's export commands and `labscope export`. A writer
// streams rows page by page from the reader, so a 2 GB take costs what a short one does, and
// writes only to the temporary paths `target.file()` hands it: index.ts renames them onto the
// final names when every file is complete and removes them when the export fails or is cancelled.
import type { RecordingMarkerInfo } from '../../../webview/shared/recording-protocol';
import type { RecordingReader } from '../reading/types';

export const EXPORT_FORMATS = ['npy', 'csv', 'mat', 'edf', 'bdf', 'brainvision', 'hdf5'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * What an export reads rows from: a recording on disk (RecordingReader), or a live session's ring
 * (src/core/scope-snapshot.ts). `sidecar` lends the device, anchors and gaps to an export's sidecar.
 */
export type ExportReader = Pick<RecordingReader, 'path' | 'sampleType' | 'frames' | 'sidecar' | 'read'>;

/** What is exported: the file's rows, named as the document names them now (edits included). */
export interface ExportSource<R extends ExportReader = ExportReader> {
  reader: R;
  /** One per file channel, in file order: the edited names and units. */
  channels: readonly { name: string; unit: string }[];
  /** Markers in file rows (the document's, edits included). */
  markers: readonly RecordingMarkerInfo[];
  /** Frames per second (formats that need one refuse an undefined rate, saying so). */
  rate: number | undefined;
  /** ISO 8601 wall-clock time of file row 0, when known (EDF's start date and time, BrainVision's). */
  startTime: string | undefined;
}

/** Rows [start, end) of the listed channels (file indexes, in the order they are written). */
export interface ExportSelection {
  start: number;
  end: number;
  channels: readonly number[];
}

export interface ExportTarget {
  /** The final path the user asked for (`.vhdr` for BrainVision: its .eeg and .vmrk sit beside it). */
  readonly out: string;
  /**
   * The temporary path to write `finalPath`'s bytes to (same folder, hidden name). Call once per
   * file the export makes; headers that name a sibling file name its final basename.
   */
  file(finalPath: string): string;
}

export interface ExportOptions {
  signal?: AbortSignal;
  /** Rows written so far out of the selection's; called at least once per page. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
  /** Rows read per page (tests make it small to put page edges where they want). */
  pageRows?: number;
  /**
   * MAT's version: 'auto' (the default) writes v5, which every reader opens, and v7.3 (HDF5)
   * only when the data is past v5's 4 GiB per variable.
   */
  matVersion?: MatVersion;
}

export const MAT_VERSIONS = ['auto', '5', '7.3'] as const;
export type MatVersion = (typeof MAT_VERSIONS)[number];

/** One format's writer: streams `selection` of `source` to `target`'s temporary files. */
export type FormatWriter = (
  source: ExportSource,
  selection: ExportSelection,
  target: ExportTarget,
  options: ExportOptions,
) => Promise<void>;
