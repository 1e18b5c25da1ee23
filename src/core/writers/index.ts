// Recording file writers: pick one by format, plus everything to read, repair and describe them.
import { CsvWriter } from './csv';
import { MatWriter } from './mat';
import { NpyWriter } from './npy';
import type { FrameWriter, RecordingFormat, WriterOptions } from './types';

export * from './types';
export { CsvWriter, csvField, formatFloat32, formatFloat64 } from './csv';
export { MatWriter, checkMatSize, writeMatFromNpy } from './mat';
export { NpyWriter, type NpyHeader } from './npy';
export { describeRecording, formatFromPath, readFloatNpy, readNpy, type RecordingInfo } from './read';
export { recoverNpy, type NpyRecovery } from './recover';
export * from './sidecar';

export function openWriter(path: string, format: RecordingFormat, options: WriterOptions): FrameWriter {
  const { channels, units, rate, sampleType = 'float32' } = options;
  if (channels.length === 0) throw new Error('a recording needs at least one channel');
  if (!(rate > 0 && Number.isFinite(rate))) throw new Error(`invalid frame rate ${rate}`);
  switch (format) {
    case 'npy':
      return new NpyWriter(path, channels.length, { sampleType });
    case 'csv':
      // The header is what a spreadsheet shows: each column's unit beside its name.
      return new CsvWriter(
        path,
        channels.map((name, i) => (units?.[i] ? `${name} [${units[i]}]` : name)),
        rate,
        sampleType,
      );
    case 'mat':
      return new MatWriter(path, channels, rate, { sampleType });
    default:
      throw new Error(`unknown recording format '${String(format)}'`);
  }
}
