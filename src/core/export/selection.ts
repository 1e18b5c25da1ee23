// What every export derives from its selection besides the samples: the markers inside it, counted
// from its first row, and the wall-clock time of that row (where the exported file starts).
import type { ExportSelection, ExportSource } from './types';

/** Markers inside the selection, their rows counted from its first. */
export function markersWithin(source: ExportSource, selection: ExportSelection) {
  return source.markers
    .filter((m) => m.row >= selection.start && m.row < selection.end)
    .map((m) => ({ ...m, row: m.row - selection.start }));
}

/** The wall-clock time of the selection's first row, when the recording's start and rate are known. */
export function selectionStart(source: ExportSource, selection: ExportSelection): Date | undefined {
  if (!source.startTime || !source.rate) return undefined;
  const when = new Date(new Date(source.startTime).getTime() + (selection.start / source.rate) * 1000);
  return Number.isNaN(when.getTime()) ? undefined : when;
}
