// MAT v5 recordings (uncompressed; scipy.io.loadmat and MATLAB read them). MAT stores matrices
// column-major and needs every size up front, so frames are recorded into an NPY file next to the
// target (`<path>.part`, recoverable with recoverNpy after a crash) and transposed into the .mat
// in blocks at close: memory stays bounded whatever the length of the recording.
import * as fs from 'node:fs';
import { NpyWriter, readAt, readNpyHeader, requireFloatFrames, writeAt } from './npy';
import type { FrameWriter, Samples, SampleType } from './types';

export const MI = { INT8: 1, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, MATRIX: 14, UTF8: 16 } as const;
export const MX = { CELL: 1, CHAR: 4, DOUBLE: 6, SINGLE: 7 } as const;

/** Bytes per sample, and the MAT class and data type that store it. */
const STORAGE: Readonly<Record<SampleType, { bytes: number; mx: number; mi: number }>> = {
  float32: { bytes: 4, mx: MX.SINGLE, mi: MI.SINGLE },
  float64: { bytes: 8, mx: MX.DOUBLE, mi: MI.DOUBLE },
};
const FILE_HEADER_BYTES = 128;
const MAX_ELEMENT_BYTES = 0xffffffff;
const DEFAULT_BLOCK_BYTES = 8 << 20;

export const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

function tag(type: number, size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(size, 4);
  return b;
}

/** A tagged data element, padded to 8 bytes. */
function element(type: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(type, payload.length), payload, Buffer.alloc(pad8(payload.length) - payload.length)]);
}

/** Flags, dimensions and name: what every miMATRIX holds before its data. */
function matrixPreamble(mxClass: number, dims: number[], name: string): Buffer {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(mxClass, 0);
  const dimensions = Buffer.alloc(4 * dims.length);
  dims.forEach((d, i) => dimensions.writeInt32LE(d, 4 * i));
  return Buffer.concat([element(MI.UINT32, flags), element(MI.INT32, dimensions), element(MI.INT8, Buffer.from(name, 'latin1'))]);
}

function matrix(mxClass: number, dims: number[], name: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat([matrixPreamble(mxClass, dims, name), ...body]);
  return Buffer.concat([tag(MI.MATRIX, content.length), content]);
}

// UTF-8, not UTF-16 code units: scipy decodes miUINT16 chars with the system codec by default,
// which mangles anything past ASCII. The dimension counts code points, as decoded.
function charRow(text: string, name = ''): Buffer {
  return matrix(MX.CHAR, [1, [...text].length], name, element(MI.UTF8, Buffer.from(text, 'utf8')));
}

function fileHeader(): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES, 0x20);
  const text = `MATLAB 5.0 MAT-file, Platform: ${process.platform}, Created on: ${new Date().toUTCString()}`;
  header.write(text.slice(0, 116), 0, 'latin1');
  header.fill(0, 116, 124); // no subsystem data
  header.writeUInt16LE(0x0100, 124);
  header.writeUInt16LE(0x4d49, 126); // 'MI' as a native uint16 reads 'IM' on a little-endian host
  return header;
}

/** Throws unless a frames × channels matrix fits MAT v5's 32-bit element sizes. */
export function checkMatSize(frames: number, channels: number, sampleType: SampleType = 'float32'): void {
  const bytes = frames * channels * STORAGE[sampleType].bytes;
  // The data element and the preamble around it all count towards the miMATRIX size.
  if (bytes + 256 > MAX_ELEMENT_BYTES) {
    throw new Error(
      `${frames} frames × ${channels} channels is ${bytes} bytes of data; MAT v5 holds at most 4 GiB ` +
        'per variable: use NPY for recordings larger than 4 GiB',
    );
  }
}

export interface MatConversionOptions {
  /** Bytes of frames transposed at a time. */
  blockBytes?: number;
}

/**
 * Writes `data` (frames × channels, single or double as the NPY holds), `channels` (1 × channels
 * cell of char rows) and `fs` (double) to `matPath` from a float (frames, channels) NPY file.
 */
export function writeMatFromNpy(
  npyPath: string,
  matPath: string,
  channels: readonly string[],
  rate: number,
  options: MatConversionOptions = {},
): void {
  const src = fs.openSync(npyPath, 'r');
  try {
    const header = readNpyHeader(src);
    const { frames, channels: width, sampleType } = requireFloatFrames(header);
    const storage = STORAGE[sampleType];
    if (width !== channels.length) {
      throw new Error(`${npyPath} has ${width} channels, ${channels.length} names given`);
    }
    checkMatSize(frames, width, sampleType);
    const dataBytes = frames * width * storage.bytes;
    const dataPreamble = matrixPreamble(storage.mx, [frames, width], 'data');
    const dataHead = Buffer.concat([
      fileHeader(),
      tag(MI.MATRIX, dataPreamble.length + 8 + pad8(dataBytes)),
      dataPreamble,
      tag(storage.mi, dataBytes),
    ]);
    const tail = Buffer.concat([
      Buffer.alloc(pad8(dataBytes) - dataBytes),
      matrix(MX.CELL, [1, width], 'channels', ...channels.map((c) => charRow(c))),
      matrix(MX.DOUBLE, [1, 1], 'fs', element(MI.DOUBLE, Buffer.from(new Float64Array([rate]).buffer))),
    ]);

    const out = fs.openSync(matPath, 'w');
    try {
      writeAt(out, dataHead, dataHead.length, 0);
      transpose(src, header.dataOffset, out, dataHead.length, frames, width, sampleType, options.blockBytes ?? DEFAULT_BLOCK_BYTES);
      writeAt(out, tail, tail.length, dataHead.length + dataBytes);
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
  } finally {
    fs.closeSync(src);
  }
}

/** Row-major frames at `srcOffset` to column-major at `dstOffset`, one block of rows at a time. */
function transpose(
  src: number,
  srcOffset: number,
  dst: number,
  dstOffset: number,
  frames: number,
  width: number,
  sampleType: SampleType,
  blockBytes: number,
): void {
  const size = STORAGE[sampleType].bytes;
  const Typed = sampleType === 'float64' ? Float64Array : Float32Array;
  const blockFrames = Math.max(1, Math.min(frames, Math.floor(blockBytes / (width * size))));
  const rows = new Typed(blockFrames * width);
  const rowBytes = Buffer.from(rows.buffer);
  const column = new Typed(blockFrames);
  const columnBytes = Buffer.from(column.buffer);
  for (let first = 0; first < frames; first += blockFrames) {
    const count = Math.min(blockFrames, frames - first);
    readAt(src, rowBytes, count * width * size, srcOffset + first * width * size);
    for (let c = 0; c < width; c++) {
      for (let i = 0, k = c; i < count; i++, k += width) column[i] = rows[k];
      writeAt(dst, columnBytes, count * size, dstOffset + (c * frames + first) * size);
    }
  }
}

export class MatWriter implements FrameWriter {
  readonly format = 'mat' as const;
  readonly partPath: string;
  readonly sampleType: SampleType;
  private readonly part: NpyWriter;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly channels: readonly string[],
    private readonly rate: number,
    private readonly options: MatConversionOptions & { sampleType?: SampleType } = {},
  ) {
    this.partPath = `${path}.part`;
    this.sampleType = options.sampleType ?? 'float32';
    this.part = new NpyWriter(this.partPath, channels.length, { sampleType: this.sampleType });
  }

  get frames(): number {
    return this.part.frames;
  }

  append(frames: Samples, firstFrame: number): void {
    // Refuse now rather than after hours of recording that could never be written.
    checkMatSize(this.part.frames + frames.length / this.channels.length, this.channels.length, this.sampleType);
    this.onPart(() => this.part.append(frames, firstFrame));
  }

  flush(): void {
    this.onPart(() => this.part.flush());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onPart(() => this.part.close());
    try {
      writeMatFromNpy(this.partPath, this.path, this.channels, this.rate, this.options);
    } catch (e) {
      throw new Error(`could not write ${this.path}: ${(e as Error).message}; the frames are kept in ${this.partPath}`);
    }
    fs.unlinkSync(this.partPath);
  }

  /**
   * A failed write to the .part (a full disk) leaves it valid up to its last good flush, and
   * that is where the frames are: the error says so, and how to get the .mat from it.
   */
  private onPart(write: () => void): void {
    try {
      write();
    } catch (e) {
      throw new Error(
        `${(e as Error).message}; the frames recorded so far are in ${this.partPath} (labscope recover ${this.partPath} writes the .mat from it)`,
      );
    }
  }
}
