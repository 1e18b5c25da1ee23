// WAV headers: RIFF (little-endian) and RIFX (big-endian) chunk walking. `fmt ` and `data` are
// found wherever they are; LIST, bext, fact, JUNK and anything else are skipped, odd-sized chunks
// are followed by a pad byte. Only headers are read (through a ByteSource), so a file of any size
// is parsed without loading its samples.
import { AudioFormatError, MAX_CHANNELS, type Encoding, type SampleFormat } from './format';

/** Random access to a file's or a buffer's bytes; `read` returns fewer bytes only at the end. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

export interface WavChunk {
  id: string;
  offset: number;
  size: number;
}

export interface WavInfo {
  container: 'RIFF' | 'RIFX';
  format: SampleFormat;
  /** The fmt chunk's format tag; for WAVE_FORMAT_EXTENSIBLE, the sub-format's. */
  formatTag: number;
  extensible: boolean;
  /** Where the samples start, and how many bytes of whole frames follow. */
  dataOffset: number;
  dataBytes: number;
  frames: number;
  /** Bytes at the end of the data chunk that do not make a whole frame (ignored). */
  trailingBytes: number;
  chunks: WavChunk[];
}

const TAG_PCM = 1;
const TAG_FLOAT = 3;
const TAG_ALAW = 6;
const TAG_ULAW = 7;
const TAG_EXTENSIBLE = 0xfffe;
const KNOWN_TAGS: Record<number, string> = {
  2: 'Microsoft ADPCM',
  0x11: 'IMA ADPCM',
  0x31: 'GSM 6.10',
  0x50: 'MPEG',
  0x55: 'MPEG layer 3',
  0x161: 'WMA',
  0xf1ac: 'FLAC',
};
/** KSDATAFORMAT_SUBTYPE_* GUIDs are the format tag followed by this (Data2, Data3, Data4). */
const GUID_TAIL = [0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** A sample rate above this is a corrupt header, not an instrument. */
const MAX_RATE = 10_000_000;
/** A walk through this many chunks without finding the data is a corrupt file, not a real one. */
const MAX_CHUNKS = 10_000;

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function shown(id: string): string {
  return JSON.stringify(id);
}

function hex(n: number, digits = 4): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** A view that reads integers in the file's byte order. */
class Fields {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    private readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.little);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.little);
  }
}

interface ParsedFmt {
  format: SampleFormat;
  formatTag: number;
  extensible: boolean;
  blockAlign: number;
}

function parseFmt(body: Uint8Array, little: boolean, at: number): ParsedFmt {
  const where = `fmt chunk (offset ${at})`;
  if (body.length < 16) throw new AudioFormatError(`${where} is ${body.length} bytes; at least 16 are needed`);
  const f = new Fields(body, little);
  let tag = f.u16(0);
  const channels = f.u16(2);
  const rate = f.u32(4);
  const blockAlign = f.u16(12);
  const bits = f.u16(14);
  let validBits = bits;
  let extensible = false;
  if (tag === TAG_EXTENSIBLE) {
    extensible = true;
    if (body.length < 40)
      throw new AudioFormatError(`${where}: WAVE_FORMAT_EXTENSIBLE needs a 40-byte fmt chunk, this one is ${body.length}`);
    const cbSize = f.u16(16);
    if (cbSize < 22) throw new AudioFormatError(`${where}: WAVE_FORMAT_EXTENSIBLE cbSize is ${cbSize}; at least 22 are needed`);
    validBits = f.u16(18) || bits;
    const data1 = f.u32(24);
    const tail = [f.u16(28), f.u16(30), ...body.subarray(32, 40)];
    const expected = [0, 0x10, ...GUID_TAIL];
    if (data1 > 0xffff || tail.some((b, i) => b !== expected[i])) {
      throw new AudioFormatError(
        `${where}: unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID ${Buffer.from(body.subarray(24, 40)).toString('hex')} (only PCM, IEEE float, A-law and µ-law sub-formats are decoded)`,
      );
    }
    tag = data1;
  }
  if (channels === 0) throw new AudioFormatError(`${where}: channels is 0`);
  if (channels > MAX_CHANNELS) throw new AudioFormatError(`${where}: ${channels} channels; Labscope handles up to ${MAX_CHANNELS}`);
  if (rate === 0 || rate > MAX_RATE)
    throw new AudioFormatError(`${where}: sample rate ${rate} Hz is not a real rate (1 Hz to ${MAX_RATE / 1e6} MHz)`);
  if (bits === 0) throw new AudioFormatError(`${where}: bits per sample is 0`);
  if (validBits > bits) throw new AudioFormatError(`${where}: ${validBits} valid bits do not fit the ${bits}-bit container`);

  let encoding: Encoding;
  let width: number;
  switch (tag) {
    case TAG_PCM:
      if (bits > 32) throw new AudioFormatError(`${where}: ${bits}-bit integer PCM is not supported (up to 32 bits)`);
      width = Math.ceil(bits / 8);
      // Bits that are not a whole number of bytes (12-bit PCM) are left-justified in the container.
      validBits = Math.min(validBits, bits);
      encoding = width === 1 ? 'UPCM' : 'SPCM';
      break;
    case TAG_FLOAT:
      if (bits !== 32 && bits !== 64) throw new AudioFormatError(`${where}: IEEE float samples must be 32 or 64 bits, not ${bits}`);
      width = bits / 8;
      validBits = bits;
      encoding = 'FLOAT';
      break;
    case TAG_ALAW:
    case TAG_ULAW:
      if (bits !== 8) throw new AudioFormatError(`${where}: ${tag === TAG_ALAW ? 'A-law' : 'µ-law'} samples must be 8 bits, not ${bits}`);
      width = 1;
      validBits = 8;
      encoding = tag === TAG_ALAW ? 'ALAW' : 'ULAW';
      break;
    default:
      throw new AudioFormatError(
        `${where}: format tag ${hex(tag)}${KNOWN_TAGS[tag] ? ` (${KNOWN_TAGS[tag]})` : ''} is not supported (PCM, IEEE float, A-law, µ-law and WAVE_FORMAT_EXTENSIBLE are)`,
      );
  }
  if (blockAlign !== channels * width) {
    throw new AudioFormatError(
      `${where}: blockAlign is ${blockAlign}, but ${channels} channel${channels === 1 ? '' : 's'} of ${width}-byte samples make ${channels * width}`,
    );
  }
  return {
    format: { encoding, width, validBits, channels, rate, endian: little ? 'little' : 'big' },
    formatTag: tag,
    extensible,
    blockAlign,
  };
}

/** Reads a WAV header; throws an AudioFormatError naming the chunk or field at fault. */
export function parseWav(src: ByteSource): WavInfo {
  if (src.size < 12) throw new AudioFormatError(`not a WAV file: ${src.size} bytes is too short for a RIFF header (12)`);
  const head = src.read(0, 12);
  const magic = ascii(head.subarray(0, 4));
  if (magic !== 'RIFF' && magic !== 'RIFX')
    throw new AudioFormatError(`not a WAV file: it starts with ${shown(magic)}, not "RIFF" or "RIFX"`);
  const little = magic === 'RIFF';
  const form = ascii(head.subarray(8, 12));
  if (form !== 'WAVE') throw new AudioFormatError(`not a WAV file: the ${magic} form type is ${shown(form)}, not "WAVE"`);
  // The RIFF size field is not trusted: writers get it wrong (one of the shared test files
  // understates it by 16 bytes) or leave 0 while streaming. Each chunk is checked against the
  // file instead, which is what decides whether its bytes are there.
  const end = src.size;

  const chunks: WavChunk[] = [];
  let fmt: ParsedFmt | undefined;
  let data: WavChunk | undefined;
  let offset = 12;
  while (offset + 8 <= end) {
    const header = src.read(offset, 8);
    const id = ascii(header.subarray(0, 4));
    const size = new Fields(header, little).u32(4);
    const body = offset + 8;
    const remaining = end - body;
    if (data) {
      // After the samples, only a misplaced format matters: anything else there (metadata,
      // a recorder's trailing garbage) cannot change what is decoded.
      if (id === 'fmt ')
        throw new AudioFormatError(
          `the fmt chunk (offset ${offset}) comes after the data chunk (offset ${data.offset}); the format must come before the samples`,
        );
      if (size > remaining) break;
    } else if (size > remaining) {
      if (id === 'data')
        throw new AudioFormatError(
          `truncated data chunk: it says ${size} bytes at offset ${body}, but only ${remaining} follow in the file`,
        );
      throw new AudioFormatError(
        `chunk ${shown(id)} at offset ${offset} says it is ${size} bytes, but only ${remaining} follow in the file (truncated, or a corrupt size)`,
      );
    }
    const chunk = { id, offset, size };
    chunks.push(chunk);
    if (id === 'fmt ') {
      if (fmt) throw new AudioFormatError(`a second fmt chunk at offset ${offset}`);
      fmt = parseFmt(src.read(body, Math.min(size, 64)), little, offset);
    } else if (id === 'data' && !data) {
      data = chunk;
    }
    if (chunks.length > MAX_CHUNKS) {
      // Past the data, the rest cannot change the samples; before it, this is not a real file.
      if (data) break;
      throw new AudioFormatError(`more than ${MAX_CHUNKS} chunks before any data chunk: not a WAV file Labscope can read`);
    }
    offset = body + size + (size & 1);
  }
  if (!fmt)
    throw new AudioFormatError(
      data
        ? `the data chunk (offset ${data.offset}) has no fmt chunk before it`
        : 'no fmt chunk: the file does not say how its samples are coded',
    );
  if (!data) throw new AudioFormatError('no data chunk: the file holds no samples');
  const frames = Math.floor(data.size / fmt.blockAlign);
  return {
    container: magic,
    format: fmt.format,
    formatTag: fmt.formatTag,
    extensible: fmt.extensible,
    dataOffset: data.offset + 8,
    dataBytes: frames * fmt.blockAlign,
    frames,
    trailingBytes: data.size - frames * fmt.blockAlign,
    chunks,
  };
}

/** A WAV header's facts for the sidecar. */
export function describeWav(info: WavInfo): Record<string, unknown> {
  return {
    container: info.container === 'RIFF' ? 'WAV' : 'WAV (RIFX, big-endian)',
    formatTag: hex(info.formatTag),
    ...(info.extensible ? { extensible: true } : {}),
    dataOffset: info.dataOffset,
    dataBytes: info.dataBytes,
    frames: info.frames,
    ...(info.trailingBytes ? { trailingBytes: info.trailingBytes } : {}),
    chunks: info.chunks.map((c) => c.id),
  };
}
