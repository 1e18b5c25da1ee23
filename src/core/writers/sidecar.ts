// The JSON file beside every recording: what was recorded, from where, and how file rows map to
// session frames and wall-clock time (anchors), plus markers and gaps (frames lost in transit).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordingFormat } from './types';

export interface SidecarChannel {
  name: string;
  unit: string;
}

/** Ties a session frame to wall-clock time and the host's monotonic clock. */
export interface SidecarAnchor {
  /** Session frame index. */
  frame: number;
  /** ISO 8601. */
  time: string;
  /** Monotonic host time in nanoseconds, a bigint as a decimal string. */
  hostNs: string;
}

export interface SidecarMarker {
  /** Session frame index. */
  frame: number;
  /** File row. */
  row: number;
  type: string;
  text: string;
  /** Channel name the marker is about; null when it concerns all of them. */
  channel: string | null;
}

export interface SidecarGap {
  /** File row where the missing frames would have been. */
  row: number;
  /** Session frame index of the first lost frame. */
  fromFrame: number;
  /** Frames lost. */
  frames: number;
  /**
   * `device`: the instrument's block counter jumped; `overrun`: the recording fell a ring behind;
   * `skipped`: the session was paused and resumed at a later frame than where it paused;
   * `late`: polls that missed their slot; `reconnect`: polls missed while reconnecting.
   */
  cause?: 'device' | 'overrun' | 'reconnect' | 'skipped' | 'late';
}

export interface Sidecar {
  labscope: 'recording';
  version: 1;
  /** Basename of the recording file. */
  file: string;
  format: RecordingFormat;
  /** `name`: the device's display name, when the recording was started from one (the Devices tree). */
  device: { name?: string; uri: string; family: string };
  channels: SidecarChannel[];
  /** Frames per second. */
  rate: number;
  /** How the file stores samples: float32, or float64 for values float32 cannot hold exactly. */
  sampleType?: 'float32' | 'float64';
  /** ISO 8601. */
  startTime: string;
  /** Session frame index of row 0. */
  startFrame: number;
  /** Rows written. */
  frames: number;
  anchors: SidecarAnchor[];
  markers: SidecarMarker[];
  gaps: SidecarGap[];
  /**
   * The recording's own figures (frames, bytes, gaps, lostFrames, elapsedS, the errors and
   * reconnects while it recorded, nominalRate, and measuredRate/driftMs over its anchors), `ended`, the family's live `source` summary, and the
   * session's totals since it connected under `session`.
   */
  summary: Record<string, unknown>;
  source?: Record<string, unknown>;
  /** A timed recording that got fewer frames than its duration asked for, and why (a silent device). */
  endedShort?: { expectedFrames: number; frames: number; reason: string };
}

/** `<dir>/<name without extension>.labscope.json`. */
export function sidecarPathFor(recordingPath: string): string {
  const { dir, name } = path.parse(recordingPath);
  return path.join(dir, `${name}.labscope.json`);
}

/** Readers see the old sidecar or the new one, never half of one: rename replaces atomically. */
export function writeSidecar(sidecarPath: string, sidecar: Sidecar): void {
  const tmp = path.join(path.dirname(sidecarPath), `.${path.basename(sidecarPath)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(sidecar, null, 2) + '\n');
    fs.renameSync(tmp, sidecarPath);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function readSidecar(sidecarPath: string): Sidecar {
  const value: unknown = JSON.parse(fs.readFileSync(sidecarPath, 'utf8'));
  const s = value as Partial<Sidecar> | null;
  if (typeof s !== 'object' || s === null || s.labscope !== 'recording') {
    throw new Error(`${sidecarPath} is not a Labscope recording sidecar`);
  }
  if (s.version !== 1) throw new Error(`${sidecarPath} has unsupported sidecar version ${String(s.version)}`);
  if (!Array.isArray(s.channels) || typeof s.rate !== 'number' || typeof s.file !== 'string') {
    throw new Error(`${sidecarPath} lacks file, channels or rate`);
  }
  return s as Sidecar;
}
