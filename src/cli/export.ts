// `labscope export REC --format F --out FILE [--start S] [--end S] [--channels a,b]`: a crop or a
// subset of a recording, in another format, streamed with progress on stderr; Ctrl+C cancels and
// leaves nothing under the output's name.
import * as path from 'node:path';
import {
  EXPORT_FORMATS,
  MAT_VERSIONS,
  channelIndexes,
  exportRecording,
  openExportSource,
  type ExportFormat,
  type MatVersion,
} from '../core/export';
import { args, UsageError } from './args';

export const exportUsage = () =>
  `usage: labscope export REC --format ${EXPORT_FORMATS.join('|')} --out FILE [--start S] [--end S] [--channels a,b]
  REC          a recording (NPY, CSV or MAT; its .labscope.json names channels and markers)
  --format     what to write (edf and bdf: EDF+/BDF+ with the markers as annotations;
               brainvision: .vhdr/.vmrk/.eeg; hdf5: data, names, units, rate and markers)
  --out FILE   the file to write, ending as the format does (.npy .csv .mat .edf .bdf .vhdr .h5)
  --start S, --end S   seconds from the recording's start (default: all of it)
  --channels a,b       channel names or 1-based numbers, in the order to write them
  --mat-version ${MAT_VERSIONS.join('|')}   MAT v5, or v7.3 (HDF5); auto (the default) writes v7.3 only
               past v5's 4 GiB per variable`;

const help = { name: 'export', usage: exportUsage };

/** Seconds to a row, checked against the recording's length. */
function row(value: string | undefined, rate: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value);
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`export: ${name} must be a number of seconds ≥ 0, got "${value}"`);
  if (!rate) throw new UsageError(`export: ${name} needs the recording's rate, and it has none (no sidecar, no time column)`);
  return Math.round(s * rate);
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = args(
    argv,
    {
      format: { type: 'string' },
      out: { type: 'string', short: 'o' },
      start: { type: 'string' },
      end: { type: 'string' },
      channels: { type: 'string' },
      'mat-version': { type: 'string' },
    },
    help,
  );
  if (positionals.length !== 1) throw new UsageError(`export: name one recording (labscope export --help)`);
  const format = values.format as ExportFormat | undefined;
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`export: --format must be one of ${EXPORT_FORMATS.join(', ')}${format ? `, got "${format}"` : ''}`);
  if (!values.out) throw new UsageError('export: --out FILE is needed');
  const matVersion = values['mat-version'] as MatVersion | undefined;
  if (matVersion !== undefined && !(MAT_VERSIONS as readonly string[]).includes(matVersion))
    throw new UsageError(`export: --mat-version must be one of ${MAT_VERSIONS.join(', ')}, got "${matVersion}"`);
  if (matVersion !== undefined && format !== 'mat') throw new UsageError(`export: --mat-version is for --format mat, not ${format}`);
  const source = await openExportSource(positionals[0]!);
  const stop = new AbortController();
  const cancel = () => stop.abort();
  process.once('SIGINT', cancel);
  try {
    const rate = source.rate;
    const start = row(values.start, rate, '--start');
    const end = row(values.end, rate, '--end');
    const channels =
      values.channels === undefined
        ? undefined
        : channelIndexes(
            source,
            values.channels.split(',').map((s) => s.trim()),
          );
    let shown = -1;
    const files = await exportRecording(
      source,
      format,
      values.out,
      { start, end, channels },
      {
        signal: stop.signal,
        matVersion,
        onProgress: (done, total) => {
          const percent = Math.floor((100 * done) / total / 10) * 10;
          if (percent !== shown) process.stderr.write(`exporting ${path.basename(values.out!)}: ${(shown = percent)} %\n`);
        },
      },
    );
    const rows = (end ?? source.reader.frames) - (start ?? 0);
    const n = channels?.length ?? source.channels.length;
    console.log(`wrote ${files.join(', ')}: ${rows} ${rows === 1 ? 'row' : 'rows'} × ${n} ${n === 1 ? 'channel' : 'channels'}`);
    return 0;
  } catch (error) {
    if (stop.signal.aborted) {
      console.error('labscope: export cancelled; nothing was written');
      return 130;
    }
    if (error instanceof RangeError) throw new UsageError(`export: ${error.message}`);
    throw error;
  } finally {
    process.off('SIGINT', cancel);
    await source.reader.close();
  }
}
