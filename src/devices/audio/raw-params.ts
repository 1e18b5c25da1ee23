// The declared format of a headerless source (a raw PCM file or socket), as the seed's Stream
// metadata defines it: rate 8000–48000 Hz (`16000` or `16k`), encoding SPCM / UPCM / ULAW / ALAW,
// width in bytes (1 for µ-law and A-law), channels (default 1), endian (default little). Every
// refusal names the parameter, because that is what the user has to change.
import { AudioFormatError, MAX_CHANNELS, type Encoding, type Endian, type SampleFormat } from './format';

export const RAW_KEYS = ['rate', 'encoding', 'width', 'channels', 'endian'] as const;
export type RawKey = (typeof RAW_KEYS)[number];

/** What a URI or a caller declared; absent fields are undefined. */
export type RawParams = Partial<Record<RawKey, string>>;

export const MIN_RATE = 8000;
export const MAX_RATE = 48000;
const RAW_ENCODINGS: readonly Encoding[] = ['SPCM', 'UPCM', 'ULAW', 'ALAW'];

/** `16000`, `16k`, `44.1k`, `11.025k` → Hz; refuses anything that is not a whole number of Hz in range. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kK])?\s*$/.exec(text);
  const hz = m ? Math.round(Number(m[1]) * (m[2] ? 1000 : 1) * 1e6) / 1e6 : NaN;
  if (!m || !Number.isInteger(hz)) throw new AudioFormatError(`rate="${text}" is not a sample rate in Hz (e.g. 16000 or 16k)`);
  if (hz < MIN_RATE || hz > MAX_RATE) throw new AudioFormatError(`rate=${text} is outside ${MIN_RATE}–${MAX_RATE} Hz`);
  return hz;
}

export function parseEncoding(text: string): Encoding {
  const upper = text.trim().toUpperCase();
  if (!(RAW_ENCODINGS as readonly string[]).includes(upper)) {
    throw new AudioFormatError(`encoding="${text}" is not one of ${RAW_ENCODINGS.join(', ')}`);
  }
  return upper as Encoding;
}

export function parseEndian(text: string): Endian {
  const lower = text.trim().toLowerCase();
  if (lower !== 'little' && lower !== 'big') throw new AudioFormatError(`endian="${text}" is not little or big`);
  return lower;
}

function parseWhole(key: RawKey, text: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new AudioFormatError(`${key}="${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

/**
 * Checks every declared value (so a typo is caught as it is typed) and, with `complete`, that
 * nothing a headerless source needs is missing or contradictory. Returns the format when complete.
 */
export function checkRawParams(params: RawParams, complete: true): SampleFormat;
export function checkRawParams(params: RawParams, complete: false): Partial<SampleFormat>;
export function checkRawParams(params: RawParams, complete: boolean): Partial<SampleFormat> {
  const out: Partial<SampleFormat> = {};
  if (params.rate !== undefined) out.rate = parseRate(params.rate);
  if (params.encoding !== undefined) out.encoding = parseEncoding(params.encoding);
  if (params.width !== undefined) out.width = parseWhole('width', params.width, 1, 4);
  if (params.channels !== undefined) out.channels = parseWhole('channels', params.channels, 1, MAX_CHANNELS);
  if (params.endian !== undefined) out.endian = parseEndian(params.endian);
  const g711 = out.encoding === 'ULAW' || out.encoding === 'ALAW';
  if (g711 && out.width !== undefined && out.width !== 1) {
    throw new AudioFormatError(
      `width=${out.width} contradicts encoding=${out.encoding}: ${out.encoding === 'ULAW' ? 'µ-law' : 'A-law'} samples are 1 byte (width=1)`,
    );
  }
  if (!complete) return out;
  if (out.rate === undefined)
    throw new AudioFormatError(`rate is required for a headerless source (e.g. rate=16k; ${MIN_RATE}–${MAX_RATE} Hz)`);
  if (out.encoding === undefined)
    throw new AudioFormatError(`encoding is required for a headerless source (one of ${RAW_ENCODINGS.join(', ')})`);
  if (out.width === undefined && !g711)
    throw new AudioFormatError(`width is required for ${out.encoding} (bytes per sample: 1, 2, 3 or 4)`);
  const width = out.width ?? 1;
  return {
    encoding: out.encoding,
    width,
    validBits: width * 8,
    rate: out.rate,
    channels: out.channels ?? 1,
    endian: out.endian ?? 'little',
  };
}

/** The parameters a raw source of `format` would be declared with (a simulator's URI). */
export function rawParamsOf(format: SampleFormat): Record<RawKey, string> {
  return {
    rate: String(format.rate),
    encoding: format.encoding,
    width: String(format.width),
    channels: String(format.channels),
    endian: format.endian,
  };
}
