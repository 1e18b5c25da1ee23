// The text halves of the BrainVision Core Data Format, shared by the RDA family's file writer (the
// simulator's replays, src/devices/rda/brainvision.ts) and the recording export
// (src/core/export/brainvision.ts): the .vhdr header and the .vmrk marker file, UTF-8, CRLF.

export interface VhdrInfo {
  /** The file name without extension: DataFile and MarkerFile are `<base>.eeg` / `<base>.vmrk`. */
  base: string;
  orientation: 'MULTIPLEXED' | 'VECTORIZED';
  binaryFormat: 'INT_16' | 'IEEE_FLOAT_32';
  /** Microseconds per sample. */
  intervalUs: number;
  channels: readonly { name: string; resolution: number; unit: string }[];
}

export interface VmrkMarker {
  type: string;
  description: string;
  /** 0-based sample index. */
  position: number;
  points: number;
  /** -1 = all channels, else 0-based. */
  channel: number;
}

export const NEW_SEGMENT = 'New Segment';

/** A field may not hold a comma: BrainVision writes it as \1. */
export const escapeField = (s: string): string => s.replace(/,/g, '\\1');
export const unescapeField = (s: string): string => s.replace(/\\1/g, ',');

/** "YYYYMMDDhhmmssuuuuuu" (UTC, microseconds). */
export function formatSegmentDate(date: Date): string {
  const p = (n: number, width: number): string => String(n).padStart(width, '0');
  return (
    p(date.getUTCFullYear(), 4) +
    p(date.getUTCMonth() + 1, 2) +
    p(date.getUTCDate(), 2) +
    p(date.getUTCHours(), 2) +
    p(date.getUTCMinutes(), 2) +
    p(date.getUTCSeconds(), 2) +
    p(date.getUTCMilliseconds() * 1000, 6)
  );
}

export function vhdrText(info: VhdrInfo): string {
  return [
    'Brain Vision Data Exchange Header File Version 1.0',
    '',
    '[Common Infos]',
    'Codepage=UTF-8',
    `DataFile=${info.base}.eeg`,
    `MarkerFile=${info.base}.vmrk`,
    'DataFormat=BINARY',
    `DataOrientation=${info.orientation}`,
    `NumberOfChannels=${info.channels.length}`,
    `SamplingInterval=${info.intervalUs}`,
    '',
    '[Binary Infos]',
    `BinaryFormat=${info.binaryFormat}`,
    '',
    '[Channel Infos]',
    ...info.channels.map((ch, i) => `Ch${i + 1}=${escapeField(ch.name)},,${ch.resolution},${ch.unit}`),
    '',
  ].join('\r\n');
}

/** The marker file; the first New Segment marker carries `segmentDate` when given. */
export function vmrkText(base: string, markers: readonly VmrkMarker[], segmentDate?: Date): string {
  let dated = false;
  return [
    'Brain Vision Data Exchange Marker File, Version 1.0',
    '',
    '[Common Infos]',
    'Codepage=UTF-8',
    `DataFile=${base}.eeg`,
    '',
    '[Marker Infos]',
    ...markers.map((m, i) => {
      const fields = [escapeField(m.type), escapeField(m.description), m.position + 1, m.points, m.channel + 1];
      if (m.type === NEW_SEGMENT && segmentDate && !dated) {
        dated = true;
        fields.push(formatSegmentDate(segmentDate));
      }
      return `Mk${i + 1}=${fields.join(',')}`;
    }),
    '',
  ].join('\r\n');
}
