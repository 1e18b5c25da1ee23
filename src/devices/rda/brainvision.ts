// BrainVision Core Data Format (vhdr/vmrk/eeg triple): reader and writer for the binary
// INT_16 / IEEE_FLOAT_32 time-domain files the RDA simulator replays.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeCp1252 } from './protocol';
import { NEW_SEGMENT, unescapeField, vhdrText, vmrkText } from '../../core/formats/brainvision-text';

export type BinaryFormat = 'INT_16' | 'IEEE_FLOAT_32';
export type Orientation = 'MULTIPLEXED' | 'VECTORIZED';

export interface BrainVisionChannel {
  name: string;
  /** Physical units per raw unit (µV for EEG channels). */
  resolution: number;
  unit: string;
}

export interface BrainVisionMarker {
  type: string;
  description: string;
  /** 0-based sample index. */
  position: number;
  points: number;
  /** -1 = all channels, else 0-based. */
  channel: number;
}

export interface BrainVisionRecording {
  channels: BrainVisionChannel[];
  intervalUs: number;
  rate: number;
  frames: number;
  binaryFormat: BinaryFormat;
  /** Layout of the file read (or to write); `samples` are always interleaved. */
  orientation: Orientation;
  /** Raw, unscaled values, interleaved [frame][channel]. */
  samples: Int16Array | Float32Array;
  markers: BrainVisionMarker[];
  /** Date of the first "New Segment" marker, when the file records one. */
  newSegmentDate?: Date;
}

const BYTES: Record<BinaryFormat, number> = { INT_16: 2, IEEE_FLOAT_32: 4 };

// ---- text helpers ---------------------------------------------------------------------------

type Ini = Map<string, Map<string, string>>;

/** Files declare their code page in [Common Infos]; files without one are ANSI (cp1252). */
function readText(file: string): string {
  const bytes = fs.readFileSync(file);
  const codepage = /^\s*Codepage\s*=\s*(\S+)/im.exec(bytes.toString('latin1'))?.[1];
  return codepage?.toUpperCase() === 'UTF-8' ? bytes.toString('utf8').replace(/^\uFEFF/, '') : decodeCp1252(bytes);
}

function parseIni(text: string): Ini {
  const sections: Ini = new Map();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      // [Comment] is free text that may contain '=' lines; nothing after it is key=value.
      if (section[1] === 'Comment') break;
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    if (!current || line === '' || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

class FieldReader {
  constructor(
    private readonly ini: Ini,
    private readonly file: string,
  ) {}

  optional(section: string, key: string): string | undefined {
    return this.ini.get(section)?.get(key);
  }

  required(section: string, key: string): string {
    const value = this.optional(section, key);
    if (value === undefined || value === '') this.fail(section, key, 'is missing');
    return value;
  }

  oneOf<T extends string>(section: string, key: string, allowed: readonly T[], fallback?: T): T {
    const value = this.optional(section, key) ?? fallback;
    if (value === undefined) this.fail(section, key, 'is missing');
    const upper = value.toUpperCase() as T;
    if (!allowed.includes(upper)) this.fail(section, key, `is ${value}; supported: ${allowed.join(', ')}`);
    return upper;
  }

  positive(section: string, key: string, integer: boolean): number {
    const value = Number(this.required(section, key));
    if (!(value > 0) || (integer && !Number.isInteger(value))) {
      this.fail(section, key, `must be a positive ${integer ? 'integer' : 'number'}, got ${this.optional(section, key)}`);
    }
    return value;
  }

  fail(section: string, key: string, problem: string): never {
    throw new Error(`${this.file}: [${section}] ${key} ${problem}`);
  }
}

// ---- reading --------------------------------------------------------------------------------

function readChannels(fields: FieldReader, count: number): BrainVisionChannel[] {
  const channels: BrainVisionChannel[] = [];
  for (let n = 1; n <= count; n++) {
    const key = `Ch${n}`;
    const [name = '', , resolutionText = '', unit = ''] = fields.required('Channel Infos', key).split(',');
    const resolution = resolutionText.trim() === '' ? 1 : Number(resolutionText);
    if (!Number.isFinite(resolution) || resolution === 0) {
      fields.fail('Channel Infos', key, `has resolution "${resolutionText}", not a non-zero number`);
    }
    // The spec makes µV the unit when none is given.
    channels.push({ name: unescapeField(name), resolution, unit: unit.trim() || 'µV' });
  }
  return channels;
}

function readSamples(
  file: string,
  format: BinaryFormat,
  orientation: Orientation,
  channels: number,
): { samples: Int16Array | Float32Array; frames: number } {
  const bytes = fs.readFileSync(file);
  const frameBytes = BYTES[format] * channels;
  if (bytes.length % frameBytes !== 0) {
    throw new Error(`${file}: ${bytes.length} bytes is not a whole number of ${channels}-channel ${format} frames`);
  }
  const frames = bytes.length / frameBytes;
  // Copy to an aligned buffer: readFileSync may hand back a slice of a pooled ArrayBuffer.
  const aligned = new Uint8Array(bytes).buffer;
  const stored = format === 'INT_16' ? new Int16Array(aligned) : new Float32Array(aligned);
  return { samples: orientation === 'VECTORIZED' ? transpose(stored, channels, frames) : stored, frames };
}

/** [channel][frame] → [frame][channel]. */
function transpose<T extends Int16Array | Float32Array>(vectorized: T, channels: number, frames: number): T {
  const out = new (vectorized.constructor as new (n: number) => T)(vectorized.length);
  for (let c = 0; c < channels; c++) {
    for (let f = 0; f < frames; f++) out[f * channels + c] = vectorized[c * frames + f];
  }
  return out;
}

/** [frame][channel] → [channel][frame]. */
function vectorize<T extends Int16Array | Float32Array>(interleaved: T, channels: number, frames: number): T {
  const out = new (interleaved.constructor as new (n: number) => T)(interleaved.length);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) out[c * frames + f] = interleaved[f * channels + c];
  }
  return out;
}

/** "YYYYMMDDhhmmssuuuuuu" (UTC, microseconds); all zeros means unknown. */
function parseSegmentDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{6})$/.exec(text?.trim() ?? '');
  if (!m || /^0+$/.test(m[0])) return undefined;
  const [y, mo, d, h, mi, s, us] = m.slice(1).map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(us / 1000)));
}

function readMarkers(file: string, channels: number): { markers: BrainVisionMarker[]; newSegmentDate?: Date } {
  const fields = new FieldReader(parseIni(readText(file)), file);
  const markers: BrainVisionMarker[] = [];
  let newSegmentDate: Date | undefined;
  for (const key of markerKeys(fields)) {
    const [type = '', description = '', positionText, pointsText = '1', channelText = '0', date] = fields
      .required('Marker Infos', key)
      .split(',');
    const position = Number(positionText);
    const points = pointsText.trim() === '' ? 1 : Number(pointsText);
    const channel = channelText.trim() === '' ? 0 : Number(channelText);
    if (!Number.isInteger(position) || position < 1)
      fields.fail('Marker Infos', key, `has position "${positionText}", not a 1-based sample`);
    if (!Number.isInteger(points) || points < 0) fields.fail('Marker Infos', key, `has size "${pointsText}"`);
    if (!Number.isInteger(channel) || channel < 0 || channel > channels) fields.fail('Marker Infos', key, `has channel "${channelText}"`);
    const marker = {
      type: unescapeField(type),
      description: unescapeField(description),
      position: position - 1,
      points,
      channel: channel - 1,
    };
    if (marker.type === NEW_SEGMENT && !newSegmentDate) newSegmentDate = parseSegmentDate(date);
    markers.push(marker);
  }
  return { markers, newSegmentDate };
}

function* markerKeys(fields: FieldReader): Generator<string> {
  for (let n = 1; fields.optional('Marker Infos', `Mk${n}`) !== undefined; n++) yield `Mk${n}`;
}

const IDENTIFIER = /^Brain ?Vision (Data Exchange|Core Data Format).*Header File/i;

export function readBrainVision(vhdrPath: string): BrainVisionRecording {
  const text = readText(vhdrPath);
  if (!IDENTIFIER.test(text.trimStart())) throw new Error(`${vhdrPath}: not a BrainVision header file (first line)`);
  const fields = new FieldReader(parseIni(text), vhdrPath);
  const C = 'Common Infos';
  fields.oneOf(C, 'DataFormat', ['BINARY'] as const);
  fields.oneOf(C, 'DataType', ['TIMEDOMAIN'] as const, 'TIMEDOMAIN');
  const orientation = fields.oneOf(C, 'DataOrientation', ['MULTIPLEXED', 'VECTORIZED'] as const);
  const binaryFormat = fields.oneOf('Binary Infos', 'BinaryFormat', ['INT_16', 'IEEE_FLOAT_32'] as const);
  fields.oneOf('Binary Infos', 'UseBigEndianOrder', ['NO'] as const, 'NO');
  const channelCount = fields.positive(C, 'NumberOfChannels', true);
  const intervalUs = fields.positive(C, 'SamplingInterval', false);
  const channels = readChannels(fields, channelCount);

  const dir = path.dirname(vhdrPath);
  const { samples, frames } = readSamples(path.resolve(dir, fields.required(C, 'DataFile')), binaryFormat, orientation, channelCount);
  const markerFile = fields.optional(C, 'MarkerFile');
  const { markers, newSegmentDate } = markerFile ? readMarkers(path.resolve(dir, markerFile), channelCount) : { markers: [] };

  return {
    channels,
    intervalUs,
    rate: 1e6 / intervalUs,
    frames,
    binaryFormat,
    orientation,
    samples,
    markers,
    ...(newSegmentDate ? { newSegmentDate } : {}),
  };
}

// ---- writing --------------------------------------------------------------------------------

/** Samples in the recording's binaryFormat; float → int16 only when that loses nothing. */
function samplesAs(format: BinaryFormat, samples: Int16Array | Float32Array): Int16Array | Float32Array {
  if (format === 'IEEE_FLOAT_32') return samples instanceof Float32Array ? samples : Float32Array.from(samples);
  if (samples instanceof Int16Array) return samples;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = samples[i];
    if (out[i] !== samples[i]) {
      throw new Error(`writeBrainVision: sample ${i} (${samples[i]}) is not representable as INT_16; rescale first`);
    }
  }
  return out;
}

/**
 * Writes `<basePath>.vhdr/.vmrk/.eeg` in the recording's binaryFormat and orientation.
 * The New Segment marker carries `newSegmentDate` (millisecond precision).
 */
export function writeBrainVision(basePath: string, recording: BrainVisionRecording): void {
  const { channels, frames, binaryFormat, orientation, intervalUs } = recording;
  const n = channels.length;
  if (recording.samples.length !== frames * n) {
    throw new Error(`writeBrainVision: ${recording.samples.length} samples for ${frames} frames × ${n} channels`);
  }
  const base = path.basename(basePath);
  const typed = samplesAs(binaryFormat, recording.samples);
  const stored = orientation === 'VECTORIZED' ? vectorize(typed, n, frames) : typed;

  const vhdr = vhdrText({ base, orientation, binaryFormat, intervalUs, channels });
  const vmrk = vmrkText(base, recording.markers, recording.newSegmentDate);

  fs.writeFileSync(`${basePath}.vhdr`, vhdr, 'utf8');
  fs.writeFileSync(`${basePath}.vmrk`, vmrk, 'utf8');
  fs.writeFileSync(`${basePath}.eeg`, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
}
