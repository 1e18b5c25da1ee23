// The .labscope.json beside an NPY, CSV or MAT export, so the file opens in the recording editor
// (and in anyone's script) with its channel names, units, rate, start and markers, as a recording
// does: NPY and MAT hold only numbers, and a CSV header holds no rate or markers. The recording's
// own sidecar lends the device, anchors and gaps inside the rows exported, rebased onto them.
// EDF+, BDF+, BrainVision and HDF5 carry all of this in their own headers and get none.
import * as path from 'node:path';
import type { RecordingFormat } from '../reading/types';
import type { Sidecar, SidecarMarker } from '../writers/sidecar';
import { markersWithin, selectionStart } from './selection';
import type { ExportSelection, ExportSource } from './types';

/** A sidecar as the recording editor writes one: markers with their length, and where it came from. */
export type ExportSidecar = Sidecar & { markers: Array<SidecarMarker & { duration: number }>; origin: string };

export function exportSidecar(source: ExportSource, selection: ExportSelection, out: string, format: RecordingFormat): ExportSidecar {
  const from = source.reader.sidecar;
  const startFrame = (from?.startFrame ?? 0) + selection.start;
  const rows = selection.end - selection.start;
  const inRows = (frame: number) => frame >= startFrame && frame < startFrame + rows;
  return {
    labscope: 'recording',
    version: 1,
    file: path.basename(out),
    format,
    device: from?.device ?? { uri: 'unknown:', family: 'unknown' },
    channels: selection.channels.map((c) => ({ ...source.channels[c]! })),
    rate: source.rate ?? 0,
    sampleType: source.reader.sampleType,
    startTime: selectionStart(source, selection)?.toISOString() ?? source.startTime ?? '',
    startFrame,
    frames: rows,
    anchors: (from?.anchors ?? []).filter((a) => inRows(a.frame)),
    markers: markersWithin(source, selection).map((m) => ({
      frame: startFrame + m.row,
      row: m.row,
      duration: m.duration,
      type: m.type,
      text: m.text,
      channel: m.channel,
    })),
    gaps: (from?.gaps ?? [])
      .filter((g) => g.row >= selection.start && g.row < selection.end)
      .map((g) => ({ ...g, row: g.row - selection.start })),
    summary: {},
    origin: `export: rows ${selection.start}–${selection.end} of ${path.basename(source.reader.path)}`,
  };
}
