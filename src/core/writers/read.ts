// Reading recordings back: what a file holds (for `labscope info` and tests), and float32 NPY data.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MI, MX, pad8 } from './mat';
import { type NpyHeader, readAt, readNpyHeader, requireFloat } from './npy';
import { type Sidecar, readSidecar, sidecarPathFor } from './sidecar';
import type { RecordingFormat } from './types';

export interface RecordingInfo {
  path: string;
  format: RecordingFormat;
  /** Rows (the first dimension). */
  frames: number;
  /** Array shape as numpy / MATLAB report it (the time column of a CSV not counted). */
  shape: number[];
  /** NPY descr ('<f4', '<i2', ...), MATLAB class ('single') or 'text' for CSV. */
  dtype: string;
  channelCount: number;
  /** Channel names, when the file or its sidecar names them. */
  channels?: string[];
  /** Frames per second, when the file or its sidecar says. */
  rate?: number;
  sidecar?: Sidecar;
  /** Anything odd: trailing bytes of an interrupted recording, a partial last row... */
  problems: string[];
}

const EXTENSIONS: Record<string, RecordingFormat> = { '.npy': 'npy', '.csv': 'csv', '.mat': 'mat' };

export function formatFromPath(file: string): RecordingFormat {
  const ext = path.extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) throw new Error(`cannot record to or read '${ext || file}' files: use .npy, .csv or .mat`);
  return format;
}

export function describeRecording(file: string): RecordingInfo {
  const format = formatFromPath(file);
  const info = format === 'npy' ? describeNpy(file) : format === 'csv' ? describeCsv(file) : describeMat(file);
  const sidecar = findSidecar(file);
  if (sidecar) {
    info.sidecar = sidecar;
    info.channels ??= sidecar.channels.map((c) => c.name);
    info.rate ??= sidecar.rate;
  }
  return { path: file, format, ...info };
}

type Described = Omit<RecordingInfo, 'path' | 'format'>;

export function findSidecar(file: string): Sidecar | undefined {
  const sidecarPath = sidecarPathFor(file);
  if (!fs.existsSync(sidecarPath)) return undefined;
  const sidecar = readSidecar(sidecarPath);
  return sidecar.file === path.basename(file) ? sidecar : undefined;
}

function withFile<T>(file: string, use: (fd: number) => T): T {
  const fd = fs.openSync(file, 'r');
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes per element of a simple descr ('<f4', '|u1', '<U8'); undefined for structured ones. */
function itemSize(descr: string): number | undefined {
  const m = /^[<>|=]([a-zA-Z])(\d+)(?:\[\w+\])?$/.exec(descr);
  if (!m) return undefined;
  return Number(m[2]) * (m[1] === 'U' ? 4 : 1);
}

function describeNpy(file: string): Described {
  return withFile(file, (fd) => {
    const header: NpyHeader = readNpyHeader(fd);
    const { shape, descr } = header;
    const problems: string[] = [];
    const size = itemSize(descr);
    if (size !== undefined) {
      const expected = shape.reduce((a, b) => a * b, 1) * size;
      const actual = fs.fstatSync(fd).size - header.dataOffset;
      if (actual < expected) problems.push(`${expected - actual} bytes of data missing`);
      if (actual > expected) {
        problems.push(`${actual - expected} bytes beyond the header's rows (an interrupted recording? recover it)`);
      }
    }
    if (header.fortranOrder) problems.push('Fortran order');
    return {
      frames: shape.length ? shape[0] : 1,
      shape,
      dtype: descr,
      channelCount: shape.slice(1).reduce((a, b) => a * b, 1),
      problems,
    };
  });
}

/**
 * Parses one CSV record starting at `start` (RFC 4180 quoting); returns its fields, the offset
 * after it and whether a newline ended it (false when the text ran out first: a partial record).
 */
export function parseCsvRecord(text: string, start = 0): { fields: string[]; end: number; complete: boolean } {
  const fields: string[] = [];
  let i = start;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      for (i++; i < text.length; i++) {
        if (text[i] !== '"') field += text[i];
        else if (text[i + 1] === '"') field += text[i++];
        else break;
      }
      i++;
    }
    while (i < text.length && text[i] !== ',' && text[i] !== '\n') field += text[i++];
    fields.push(field.replace(/\r$/, ''));
    if (text[i] !== ',') return { fields, end: i + 1, complete: text[i] === '\n' };
    i++;
  }
}

function describeCsv(file: string): Described {
  return withFile(file, (fd) => {
    const chunk = Buffer.alloc(1 << 20);
    let got = fs.readSync(fd, chunk, 0, chunk.length, 0);
    const start = chunk.toString('utf8', 0, got);
    const { fields, end } = parseCsvRecord(start);
    const problems: string[] = [];
    if (fields[0] !== 'time_s') problems.push(`first column is '${fields[0]}', not time_s`);
    let rows = 0;
    let position = Buffer.byteLength(start.slice(0, end));
    let last = 0x0a;
    while ((got = fs.readSync(fd, chunk, 0, chunk.length, position)) > 0) {
      for (let i = chunk.indexOf(0x0a, 0); i !== -1 && i < got; i = chunk.indexOf(0x0a, i + 1)) rows++;
      last = chunk[got - 1];
      position += got;
    }
    if (last !== 0x0a) problems.push('the last row is incomplete');
    const channels = fields.slice(1);
    return { frames: rows, shape: [rows, channels.length], dtype: 'text', channelCount: channels.length, channels, problems };
  });
}

interface MatVariable {
  name: string;
  mxClass: number;
  dims: number[];
  value?: number | string | (number | string | undefined)[];
}

const MAT_CLASS_NAMES: Record<number, string> = { [MX.CELL]: 'cell', [MX.CHAR]: 'char', [MX.DOUBLE]: 'double', [MX.SINGLE]: 'single' };
// Variables bigger than this are described by their header only.
const MAT_READ_LIMIT = 16 << 20;

/** One data element, in either the normal or the small (4-byte tag) format. */
function subElement(buf: Buffer, offset: number): { type: number; data: Buffer; next: number } {
  const first = buf.readUInt32LE(offset);
  if (first >>> 16 !== 0) {
    return { type: first & 0xffff, data: buf.subarray(offset + 4, offset + 4 + (first >>> 16)), next: offset + 8 };
  }
  const size = buf.readUInt32LE(offset + 4);
  return { type: first, data: buf.subarray(offset + 8, offset + 8 + size), next: offset + 8 + pad8(size) };
}

/** A miMATRIX's contents (after its tag); values only when `content` holds all of them. */
function parseMatrix(content: Buffer, complete: boolean): MatVariable {
  const flags = subElement(content, 0);
  const dimsElement = subElement(content, flags.next);
  const nameElement = subElement(content, dimsElement.next);
  const mxClass = flags.data.readUInt32LE(0) & 0xff;
  const dims = Array.from({ length: dimsElement.data.length / 4 }, (_, i) => dimsElement.data.readInt32LE(4 * i));
  const variable: MatVariable = { name: nameElement.data.toString('latin1'), mxClass, dims };
  if (!complete) return variable;
  const bodyStart = nameElement.next;
  if (mxClass === MX.CELL) {
    const cells: (number | string | undefined)[] = [];
    for (let offset = bodyStart; offset < content.length;) {
      const size = content.readUInt32LE(offset + 4);
      const cell = parseMatrix(content.subarray(offset + 8, offset + 8 + size), true).value;
      cells.push(Array.isArray(cell) ? undefined : cell);
      offset += 8 + pad8(size);
    }
    variable.value = cells;
  } else if (mxClass === MX.CHAR) {
    const { type, data } = subElement(content, bodyStart);
    variable.value = data.toString(type === MI.UINT16 ? 'utf16le' : type === MI.UTF8 ? 'utf8' : 'latin1');
  } else if (mxClass === MX.DOUBLE && dims.every((d) => d === 1)) {
    const { type, data } = subElement(content, bodyStart);
    if (type === MI.DOUBLE) variable.value = data.readDoubleLE(0);
  }
  return variable;
}

function readMatVariables(fd: number): MatVariable[] {
  const fileHeader = Buffer.alloc(128);
  readAt(fd, fileHeader, 128, 0);
  if (!fileHeader.toString('latin1', 0, 10).startsWith('MATLAB 5.0')) throw new Error('not a MAT v5 file');
  if (fileHeader.toString('latin1', 126, 128) !== 'IM') throw new Error('big-endian MAT files are not supported');
  const size = fs.fstatSync(fd).size;
  const variables: MatVariable[] = [];
  const elementTag = Buffer.alloc(8);
  for (let offset = 128; offset + 8 <= size;) {
    readAt(fd, elementTag, 8, offset);
    const type = elementTag.readUInt32LE(0);
    const bytes = elementTag.readUInt32LE(4);
    if (type === MI.MATRIX) {
      const complete = bytes <= MAT_READ_LIMIT;
      const content = Buffer.alloc(complete ? bytes : 4096);
      readAt(fd, content, content.length, offset + 8);
      variables.push(parseMatrix(content, complete));
    }
    offset += 8 + pad8(bytes);
  }
  return variables;
}

function describeMat(file: string): Described {
  return withFile(file, (fd) => {
    const variables = readMatVariables(fd);
    const find = (name: string) => variables.find((v) => v.name === name);
    const data = find('data');
    if (!data) throw new Error(`${file} has no 'data' variable`);
    const names = find('channels')?.value;
    const rate = find('fs')?.value;
    return {
      frames: data.dims[0],
      shape: data.dims,
      dtype: MAT_CLASS_NAMES[data.mxClass] ?? `class ${data.mxClass}`,
      channelCount: data.dims.slice(1).reduce((a, b) => a * b, 1),
      channels: Array.isArray(names) ? names.map(String) : undefined,
      rate: typeof rate === 'number' ? rate : undefined,
      problems: [],
    };
  });
}

/** A little-endian float32, C-order NPY file of any shape, whole. */
export function readNpy(file: string): { shape: number[]; descr: string; data: Float32Array } {
  const npy = readFloatNpy(file);
  if (!(npy.data instanceof Float32Array)) throw new Error(`${file} holds float64 samples: read it with readFloatNpy`);
  return npy as { shape: number[]; descr: string; data: Float32Array };
}

/** A little-endian float32 or float64, C-order NPY file of any shape, whole, in its own type. */
export function readFloatNpy(file: string): { shape: number[]; descr: string; data: Float32Array | Float64Array } {
  return withFile(file, (fd) => {
    const header = readNpyHeader(fd);
    const count = header.shape.reduce((a, b) => a * b, 1);
    const data = requireFloat(header) === 'float64' ? new Float64Array(count) : new Float32Array(count);
    readAt(fd, Buffer.from(data.buffer), data.byteLength, header.dataOffset);
    return { shape: header.shape, descr: header.descr, data };
  });
}
