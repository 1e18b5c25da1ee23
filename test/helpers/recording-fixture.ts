// A recording as the recorder leaves it (an NPY and its sidecar), for the recording editor's tests
// in the extension host and in the browser: same shape, each with its own signal.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWriter } from '../../src/core/writers/index';
import { sidecarPathFor, writeSidecar } from '../../src/core/writers/sidecar';
import type { SidecarMarker } from '../../src/core/writers/sidecar';

export interface RecordingFixture {
  channels: string[];
  rate: number;
  frames: number;
  /** The value of channel `c` at row `row`. */
  sample: (row: number, c: number) => number;
  markers: SidecarMarker[];
}

export const START_TIME = '2026-12-03T08:00:00.000Z';

/** Writes `target` (float32 NPY, µV) and its `.labscope.json`; returns the data file's SHA-256. */
export function writeRecordingFixture(target: string, f: RecordingFixture): string {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const w = openWriter(target, 'npy', { channels: f.channels, units: f.channels.map(() => 'µV'), rate: f.rate });
  const C = f.channels.length;
  const data = new Float32Array(f.frames * C);
  for (let i = 0; i < f.frames; i++) for (let c = 0; c < C; c++) data[i * C + c] = f.sample(i, c);
  w.append(data, 0);
  w.close();
  writeSidecar(sidecarPathFor(target), {
    labscope: 'recording',
    version: 1,
    file: path.basename(target),
    format: 'npy',
    device: { name: 'EEG sim', uri: 'sim:rda', family: 'rda' },
    channels: f.channels.map((name) => ({ name, unit: 'µV' })),
    rate: f.rate,
    startTime: START_TIME,
    startFrame: 0,
    frames: f.frames,
    anchors: [{ frame: 0, time: START_TIME, hostNs: '0' }],
    markers: f.markers,
    gaps: [],
    summary: {},
  });
  return sha256(target);
}

export const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
