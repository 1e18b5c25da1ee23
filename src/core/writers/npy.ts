// NPY v1.0 recordings, float32 ('<f4') or float64 ('<f8'). The header is rewritten in place at every flush with the true row
// count, so the file on disk is a valid array at all times; its length is reserved up front
// for a 20-digit row count so the rewrite never has to move the data.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { requireSampleType, type FrameWriter, type Samples, type SampleType } from './types';
import { closeDurably, cutBack } from './fileio';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const V1_PREFIX = 10; // magic, version (2), uint16 header length
/** The dtype of each sample type, little-endian as the typed arrays are on every host we run on. */
export const NPY_DESCR: Readonly<Record<SampleType, string>> = { float32: '<f4', float64: '<f8' };
const FLOAT32_DESCR = NPY_DESCR.float32;
const SAMPLE_BYTES: Readonly<Record<SampleType, number>> = { float32: 4, float64: 8 };
// 2^64 - 1: a header sized for this never needs to grow.
const WIDEST_ROW_COUNT = 18446744073709551615n;
const DEFAULT_BUFFER_BYTES = 8 << 20;

export interface NpyHeader {
  version: [number, number];
  /** dtype descr: the string itself ('<f4'), or the structured descr in JSON. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

/**
 * A v1.0 header of exactly `totalLength` bytes (magic included), padded with spaces and ending
 * in '\n' as numpy writes it. Throws when the dictionary does not fit.
 */
export function formatNpyHeader(descr: string, shape: readonly (number | bigint)[], totalLength: number): Buffer {
  const dict = headerDict(descr, shape);
  const textLength = totalLength - V1_PREFIX;
  if (dict.length + 1 > textLength || textLength > 0xffff) {
    throw new Error(`NPY header ${dict} does not fit in ${totalLength} bytes`);
  }
  const header = Buffer.alloc(totalLength, 0x20);
  MAGIC.copy(header, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(textLength, 8);
  header.write(dict, V1_PREFIX, 'latin1');
  header[totalLength - 1] = 0x0a;
  return header;
}

function headerDict(descr: string, shape: readonly (number | bigint)[]): string {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
}

/** Header length (a multiple of 64, as numpy aligns data) that holds any row count. */
function reservedHeaderLength(channels: number): number {
  // '<f4' and '<f8' are as long: one reservation serves both sample types.
  const longest = V1_PREFIX + headerDict(FLOAT32_DESCR, [WIDEST_ROW_COUNT, channels]).length + 1;
  return Math.ceil(longest / 64) * 64;
}

/** Parses the header at the start of `prefix`; errors say what is wrong with the file. */
export function parseNpyHeader(prefix: Buffer): NpyHeader {
  if (prefix.length < V1_PREFIX || !prefix.subarray(0, 6).equals(MAGIC)) {
    throw new Error('not an NPY file (no \\x93NUMPY magic at the start)');
  }
  const major = prefix[6];
  const minor = prefix[7];
  if (major < 1 || major > 3) throw new Error(`unsupported NPY format version ${major}.${minor}`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) throw new Error('NPY file truncated inside its header');
  const textLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
  const textStart = 8 + lengthBytes;
  const dataOffset = textStart + textLength;
  if (prefix.length < dataOffset) throw new Error('NPY file truncated inside its header');
  const text = prefix.toString(major === 3 ? 'utf8' : 'latin1', textStart, dataOffset);

  let dict: unknown;
  try {
    dict = parsePythonLiteral(text);
  } catch (e) {
    throw new Error(`unparsable NPY header ${JSON.stringify(text.trim())}: ${(e as Error).message}`);
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
    throw new Error(`unparsable NPY header ${JSON.stringify(text.trim())}: not a dictionary`);
  }
  const { descr, fortran_order: fortranOrder, shape } = dict as Record<string, unknown>;
  if (descr === undefined) throw new Error("NPY header has no 'descr'");
  if (typeof fortranOrder !== 'boolean') throw new Error("NPY header has no boolean 'fortran_order'");
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new Error(`NPY header has an invalid 'shape': ${JSON.stringify(shape)}`);
  }
  return {
    version: [major, minor],
    descr: typeof descr === 'string' ? descr : JSON.stringify(descr),
    fortranOrder,
    shape: shape as number[],
    dataOffset,
  };
}

/** Reads and parses the header of an open NPY file. */
export function readNpyHeader(fd: number): NpyHeader {
  const head = Buffer.alloc(12);
  const got = fs.readSync(fd, head, 0, head.length, 0);
  const needed = parseHeaderLength(head.subarray(0, got));
  const prefix = Buffer.alloc(needed);
  return parseNpyHeader(prefix.subarray(0, fs.readSync(fd, prefix, 0, needed, 0)));
}

/** Bytes the whole header occupies, from its first 12 bytes (or fewer: parse reports why). */
function parseHeaderLength(head: Buffer): number {
  if (head.length < 12 || !head.subarray(0, 6).equals(MAGIC)) return head.length;
  return head[6] === 1 ? V1_PREFIX + head.readUInt16LE(8) : 12 + head.readUInt32LE(8);
}

/**
 * The sample type of a little-endian float32 or float64 array in C order, or an error naming
 * what differs.
 */
export function requireFloat(header: NpyHeader): SampleType {
  const type = (Object.keys(NPY_DESCR) as SampleType[]).find((t) => NPY_DESCR[t] === header.descr);
  if (!type) throw new Error(`NPY dtype is ${header.descr}, expected <f4 or <f8 (little-endian float32 or float64)`);
  if (header.fortranOrder) throw new Error('NPY data is in Fortran order, expected C order');
  return type;
}

/** The header of a float, C-order, 2-D array (frames × channels) or an error naming why not. */
export function requireFloatFrames(header: NpyHeader): { frames: number; channels: number; sampleType: SampleType } {
  const sampleType = requireFloat(header);
  if (header.shape.length !== 2) {
    throw new Error(`NPY shape is (${header.shape.join(', ')}), expected (frames, channels)`);
  }
  const [frames, channels] = header.shape;
  if (channels < 1) throw new Error('NPY shape has no channels');
  return { frames, channels, sampleType };
}

/** The subset of Python literals an NPY header dictionary is written in. */
function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const token = /\s*(?:(-?\d+)|(True|False|None)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([{}()[\]:,]))/y;
  const next = (): { int?: string; word?: string; str?: string; punct?: string } => {
    token.lastIndex = i;
    const m = token.exec(text);
    if (!m) throw new Error(`unexpected text at character ${i}`);
    i = token.lastIndex;
    return { int: m[1], word: m[2], str: m[3], punct: m[4] };
  };
  const peekPunct = (): string | undefined => {
    const save = i;
    const t = next();
    i = save;
    return t.punct;
  };
  const sequence = (close: string, item: () => void): void => {
    for (;;) {
      if (peekPunct() === close) {
        next();
        return;
      }
      item();
      const sep = next().punct;
      if (sep === close) return;
      if (sep !== ',') throw new Error(`expected ',' or '${close}' at character ${i}`);
    }
  };
  const value = (): unknown => {
    const t = next();
    if (t.int !== undefined) return Number(t.int);
    if (t.word !== undefined) return t.word === 'True' ? true : t.word === 'False' ? false : null;
    if (t.str !== undefined) return t.str.slice(1, -1).replace(/\\(.)/g, '$1');
    if (t.punct === '{') {
      const dict: Record<string, unknown> = {};
      sequence('}', () => {
        const key = value();
        if (typeof key !== 'string') throw new Error(`expected a string key at character ${i}`);
        if (next().punct !== ':') throw new Error(`expected ':' at character ${i}`);
        dict[key] = value();
      });
      return dict;
    }
    if (t.punct === '(' || t.punct === '[') {
      const items: unknown[] = [];
      sequence(t.punct === '(' ? ')' : ']', () => items.push(value()));
      return items;
    }
    throw new Error(`unexpected '${t.punct}' at character ${i}`);
  };
  const result = value();
  if (text.slice(i).trim() !== '') throw new Error(`unexpected text at character ${i}`);
  return result;
}

/** Writes all of `length` bytes at `position` (writeSync may write less than asked). */
export function writeAt(fd: number, buf: Buffer, length: number, position: number): void {
  for (let done = 0; done < length;) {
    done += fs.writeSync(fd, buf, done, length - done, position + done);
  }
}

/** Reads exactly `length` bytes at `position`; a short file is an error. */
export function readAt(fd: number, buf: Buffer, length: number, position: number): void {
  for (let done = 0; done < length;) {
    const got = fs.readSync(fd, buf, done, length - done, position + done);
    if (got === 0) throw new Error(`file ends at byte ${position + done}, expected ${position + length}`);
    done += got;
  }
}

/** Appends at least this large are written as they are instead of being gathered. */
const DIRECT_BYTES = 1 << 20;

export interface NpyWriterOptions {
  /** Appends are gathered into a buffer this large before they reach the disk. */
  bufferBytes?: number;
  /** Default float32. */
  sampleType?: SampleType;
}

export class NpyWriter implements FrameWriter {
  readonly format = 'npy' as const;
  readonly sampleType: SampleType;
  readonly headerLength: number;
  private fd: number | undefined;
  private readonly buffer: Buffer;
  private buffered = 0;
  private position: number;
  private rows = 0;
  private headerRows = -1;

  constructor(
    readonly path: string,
    readonly channels: number,
    options: NpyWriterOptions = {},
  ) {
    // The typed array's bytes go to disk as they are; '<f4'/'<f8' is only true on a little-endian host.
    if (os.endianness() !== 'LE') throw new Error('the NPY writer needs a little-endian host');
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`invalid channel count ${channels}`);
    this.sampleType = options.sampleType ?? 'float32';
    this.buffer = Buffer.allocUnsafe(options.bufferBytes ?? DEFAULT_BUFFER_BYTES);
    this.headerLength = reservedHeaderLength(channels);
    this.position = this.headerLength;
    this.fd = fs.openSync(path, 'w');
    this.writeHeader();
  }

  get frames(): number {
    return this.rows;
  }

  append(frames: Samples, _firstFrame: number): void {
    this.open();
    requireSampleType(frames, this.sampleType, this.path);
    if (frames.length % this.channels !== 0) {
      throw new Error(`${frames.length} samples is not a whole number of ${this.channels}-channel frames`);
    }
    const bytes = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
    if (this.buffered + bytes.length > this.buffer.length) this.writeBuffered();
    if (bytes.length >= Math.min(this.buffer.length, DIRECT_BYTES)) {
      // Big appends skip the copy: one syscall per MiB costs less than copying it. What is
      // buffered goes first, or the file would hold the frames out of order.
      this.writeBuffered();
      this.writeData(bytes, bytes.length);
    } else {
      bytes.copy(this.buffer, this.buffered);
      this.buffered += bytes.length;
    }
    this.rows += frames.length / this.channels;
  }

  flush(): void {
    this.open();
    this.writeBuffered();
    // Data before header: a crash in between leaves a header that claims fewer rows, still valid.
    if (this.headerRows !== this.rows) this.writeHeader();
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    try {
      closeDurably(fd, () => this.flush());
    } finally {
      this.fd = undefined;
    }
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  private writeBuffered(): void {
    if (this.buffered === 0) return;
    const length = this.buffered;
    // Emptied first: after a failed write these rows are gone, not retried at the next flush.
    this.buffered = 0;
    this.writeData(this.buffer, length);
  }

  /**
   * Writes whole rows at the end of the data. When that fails (a full disk), the file is cut back
   * to its last whole row and the rows that never reached it are no longer counted: the header
   * then claims what the file holds, and so does the sidecar, which counts `frames`.
   */
  private writeData(bytes: Buffer, length: number): void {
    const fd = this.open();
    try {
      writeAt(fd, bytes, length, this.position);
    } catch (error) {
      cutBack(fd, this.position, error as Error);
      this.rows = (this.position - this.headerLength) / (this.channels * SAMPLE_BYTES[this.sampleType]);
      throw error;
    }
    this.position += length;
  }

  private writeHeader(): void {
    const header = formatNpyHeader(NPY_DESCR[this.sampleType], [this.rows, this.channels], this.headerLength);
    writeAt(this.open(), header, header.length, 0);
    this.headerRows = this.rows;
  }
}
