// Export a recording (or a crop of it, or some of its channels) to another file, streamed page by
// page. Every file is written under a hidden temporary name beside its final one and renamed only
// when all of them are complete; a failed or cancelled export removes them, so nothing partial
// ever sits under the name the user asked for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordingState } from '../../../webview/shared/recording-protocol';
import { openRecording } from '../reading/reader';
import type { RecordingReader } from '../reading/types';
import { RecordingDocumentModel } from '../recording-document';
import { openWriter } from '../writers';
import { checkMatSize } from '../writers/mat';
import { sidecarPathFor } from '../writers/sidecar';
import { writeBrainVisionExport } from './brainvision';
import { writeBdf, writeEdf } from './edf';
import { writeHdf5Export } from './hdf5';
import { writeMat73Export } from './mat73';
import { exportSidecar } from './sidecar';
import { pages } from './pages';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  type ExportSelection,
  type ExportSource,
  type ExportTarget,
  type FormatWriter,
  type MatVersion,
} from './types';
import type { SampleType } from '../writers/types';

export * from './types';

/** The file name endings each format writes. */
export const EXPORT_EXTENSIONS: Record<ExportFormat, readonly string[]> = {
  npy: ['.npy'],
  csv: ['.csv'],
  mat: ['.mat'],
  edf: ['.edf'],
  bdf: ['.bdf'],
  brainvision: ['.vhdr'],
  hdf5: ['.h5', '.hdf5'],
};

/** The formats that hold only samples (and CSV's names): a .labscope.json goes beside them. */
const SIDECAR_FORMATS: ReadonlySet<ExportFormat> = new Set(['npy', 'csv', 'mat']);

/** NPY, CSV and MAT: the recorder's own writers, fed page by page. */
const frames =
  (format: 'npy' | 'csv' | 'mat'): FormatWriter =>
  async (source, selection, target, options) => {
    const { channels } = selection;
    const writer = openWriter(target.file(target.out), format, {
      channels: channels.map((c) => source.channels[c]!.name),
      units: channels.map((c) => source.channels[c]!.unit),
      rate: source.rate ?? 1,
      sampleType: source.reader.sampleType,
    });
    try {
      for await (const page of pages(source, selection, options)) writer.append(page.data, page.offset);
    } finally {
      writer.close();
    }
  };

/**
 * The MAT version an export of `rows` × `channels` writes: v5 (which every reader opens) while
 * its data fits v5's 4 GiB per variable, v7.3 past it; a v5 asked for past it is refused.
 */
export function matVersionFor(rows: number, channels: number, sampleType: SampleType, asked: MatVersion = 'auto'): '5' | '7.3' {
  if (asked === '7.3') return '7.3';
  try {
    checkMatSize(rows, channels, sampleType);
    return '5';
  } catch (error) {
    if (asked === 'auto') return '7.3';
    throw new Error(`${(error as Error).message.split(':')[0]}: MAT v7.3 holds it (choose 7.3 or auto)`);
  }
}

const mat: FormatWriter = (source, selection, target, options) =>
  matVersionFor(selection.end - selection.start, selection.channels.length, source.reader.sampleType, options.matVersion) === '7.3'
    ? writeMat73Export(source, selection, target, options)
    : frames('mat')(source, selection, target, options);

const WRITERS: Record<ExportFormat, FormatWriter> = {
  npy: frames('npy'),
  csv: frames('csv'),
  mat,
  edf: writeEdf,
  bdf: writeBdf,
  brainvision: writeBrainVisionExport,
  hdf5: writeHdf5Export,
};

/** Checks a selection against the recording, naming what is wrong; returns it whole when omitted. */
export function checkSelection(source: ExportSource, selection: Partial<ExportSelection> = {}): ExportSelection {
  const frames = source.reader.frames;
  const start = selection.start ?? 0;
  const end = selection.end ?? frames;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > frames || start >= end)
    throw new RangeError(`rows ${start}…${end} are not a range within the recording's 0…${frames}`);
  const channels = selection.channels ?? source.channels.map((_, i) => i);
  if (channels.length === 0) throw new RangeError('no channels chosen');
  const seen = new Set<number>();
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 0 || c >= source.channels.length)
      throw new RangeError(`channel ${c} is not one of the recording's 0…${source.channels.length - 1}`);
    if (seen.has(c)) throw new RangeError(`channel ${source.channels[c]!.name} is chosen twice`);
    seen.add(c);
  }
  return { start, end, channels };
}

/** Channel names (or 1-based numbers) to file indexes, naming the first that is not there. */
export function channelIndexes(source: ExportSource, names: readonly string[]): number[] {
  return names.map((name) => {
    const i = source.channels.findIndex((c) => c.name === name);
    if (i >= 0) return i;
    if (/^\d+$/.test(name) && Number(name) >= 1 && Number(name) <= source.channels.length) return Number(name) - 1;
    throw new RangeError(`no channel "${name}"; the recording has ${source.channels.map((c) => c.name).join(', ')}`);
  });
}

/**
 * Writes `selection` of `source` as `format` to `out` (the same name ending as the format's).
 * Resolves with the files written; rejects (leaving nothing under their names) on any failure or
 * when `options.signal` aborts.
 */
export async function exportRecording(
  source: ExportSource,
  format: ExportFormat,
  out: string,
  selection: Partial<ExportSelection> = {},
  options: ExportOptions = {},
): Promise<string[]> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new Error(`unknown export format "${format}"; formats: ${EXPORT_FORMATS.join(', ')}`);
  const writer = WRITERS[format];
  const endings = EXPORT_EXTENSIONS[format];
  out = path.resolve(out);
  if (!endings.some((e) => out.toLowerCase().endsWith(e)))
    throw new Error(`a ${format} export is a ${endings.join(' or ')} file, not ${path.basename(out)}`);
  if (path.resolve(out) === path.resolve(source.reader.path))
    throw new Error(`${path.basename(out)} is the recording itself: choose another name`);
  if (!fs.existsSync(path.dirname(out))) throw new Error(`folder ${path.dirname(out)} does not exist`);
  const chosen = checkSelection(source, selection);
  const sidecar = SIDECAR_FORMATS.has(format) ? sidecarPathFor(out) : undefined;
  if (sidecar && sidecar === sidecarPathFor(path.resolve(source.reader.path)))
    throw new Error(
      `${path.basename(out)} would share ${path.basename(sidecar)} with the recording itself: choose another name (or folder)`,
    );

  const temps = new Map<string, string>();
  const target: ExportTarget = {
    out,
    file(finalPath: string): string {
      const temp = path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}.export-part`);
      temps.set(finalPath, temp);
      return temp;
    },
  };
  try {
    await writer(source, chosen, target, options);
    options.signal?.throwIfAborted();
    if (sidecar)
      fs.writeFileSync(
        target.file(sidecar),
        `${JSON.stringify(exportSidecar(source, chosen, out, format as 'npy' | 'csv' | 'mat'), null, 2)}\n`,
      );
    for (const [finalPath, temp] of temps) fs.renameSync(temp, finalPath);
    return [...temps.keys()];
  } catch (error) {
    for (const temp of temps.values()) {
      fs.rmSync(temp, { force: true });
      fs.rmSync(`${temp}.part`, { force: true }); // the MAT writer's own staging file
    }
    throw error;
  }
}

/** An open recording and its document's state (edits included, saved or not) as an export source. */
export function exportSourceOf(
  reader: RecordingReader,
  state: Pick<RecordingState, 'channels' | 'markers'>,
): ExportSource<RecordingReader> {
  return {
    reader,
    channels: state.channels.map((c) => ({ name: c.name, unit: c.unit })),
    markers: state.markers,
    rate: reader.rate,
    startTime: reader.sidecar?.startTime,
  };
}

/**
 * A recording on disk as an export source: its rows through the paged reader, its names, units
 * and markers as its sidecar has them (the recording editor's saved edits included).
 */
export async function openExportSource(file: string): Promise<ExportSource<RecordingReader>> {
  const reader = await openRecording(file);
  try {
    const model = RecordingDocumentModel.open(file, {
      format: reader.format,
      channelCount: reader.channelCount,
      frames: reader.frames,
      rate: reader.rate,
      channels: reader.channels,
    });
    return exportSourceOf(reader, model.state());
  } catch (error) {
    await reader.close();
    throw error;
  }
}
