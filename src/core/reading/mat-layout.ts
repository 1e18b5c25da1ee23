// MAT v5 files by pages: the uncompressed numeric 2-D matrix our MatWriter writes ('data',
// frames × channels, column-major, single or double), or the first such matrix of another v5
// file. Its 'channels' cell and 'fs' are taken when present. Compressed (miCOMPRESSED) and v7.3
// (HDF5) files are refused by name: their samples cannot be read at an offset.
import * as fs from 'node:fs/promises';
import { MI, MX, pad8 } from '../writers/mat';
import { describeRecording } from '../writers/read';
import type { SidecarChannel } from '../writers/sidecar';
import type { SampleType, Samples } from '../writers/types';
import { readFully, readUpTo } from './file-pages';
import type { FileLayout } from './layout';

const MI_COMPRESSED = 15;
/** Bytes per element of the numeric data types a v5 matrix may store its values in. */
const MI_TYPES: Record<number, { bytes: number; get: (v: DataView, o: number) => number }> = {
  1: { bytes: 1, get: (v, o) => v.getInt8(o) },
  2: { bytes: 1, get: (v, o) => v.getUint8(o) },
  3: { bytes: 2, get: (v, o) => v.getInt16(o, true) },
  [MI.UINT16]: { bytes: 2, get: (v, o) => v.getUint16(o, true) },
  [MI.INT32]: { bytes: 4, get: (v, o) => v.getInt32(o, true) },
  [MI.UINT32]: { bytes: 4, get: (v, o) => v.getUint32(o, true) },
  [MI.SINGLE]: { bytes: 4, get: (v, o) => v.getFloat32(o, true) },
  [MI.DOUBLE]: { bytes: 8, get: (v, o) => v.getFloat64(o, true) },
};
const NUMERIC_CLASSES = new Set([MX.DOUBLE, MX.SINGLE, 8, 9, 10, 11, 12, 13]); // double, single, int8…uint32

interface Matrix {
  name: string;
  mxClass: number;
  complex: boolean;
  dims: number[];
  dataType: number;
  dataOffset: number;
}

export async function openMat(file: string, pageBytes: number): Promise<FileLayout> {
  const handle = await fs.open(file, 'r');
  try {
    const data = await findData(file, handle);
    let channels: SidecarChannel[] | undefined;
    let rate: number | undefined;
    // Names and rate are small variables: the describer reads them (and only headers of big ones).
    try {
      const info = describeRecording(file);
      channels = info.channels?.length === data.dims[1] ? info.channels.map((name) => ({ name, unit: '' })) : undefined;
      rate = info.rate;
    } catch {
      // A file without our 'channels'/'fs' still reads; ch1…chN and no rate.
    }
    return new MatLayout(file, handle, data, pageBytes, channels, rate);
  } catch (e) {
    await handle.close();
    throw e;
  }
}

async function findData(file: string, handle: fs.FileHandle): Promise<Matrix> {
  const header = await readUpTo(handle, 128, 0);
  const text = header.toString('latin1', 0, Math.min(header.length, 116));
  if (text.startsWith('MATLAB 7.3')) {
    throw new Error(
      `${file} is a MAT v7.3 file (HDF5): open it with an HDF5 reader, or save it with -v7 -nocompression / -v6 to read it here`,
    );
  }
  if (header.length < 128 || !text.startsWith('MATLAB 5.0')) throw new Error(`${file} is not a MAT v5 file (no 'MATLAB 5.0' header)`);
  if (header.toString('latin1', 126, 128) !== 'IM') throw new Error(`${file} is a big-endian MAT file, which is not supported`);
  const size = (await handle.stat()).size;
  const found: Matrix[] = [];
  let compressed = false;
  for (let offset = 128; offset + 8 <= size;) {
    const tag = await readUpTo(handle, 8, offset);
    const type = tag.readUInt32LE(0);
    const bytes = tag.readUInt32LE(4);
    if (type === MI_COMPRESSED) compressed = true;
    if (type === MI.MATRIX && bytes > 0) {
      const m = parsePreamble(await readUpTo(handle, Math.min(bytes, 4096), offset + 8), offset + 8);
      if (m) found.push(m);
    }
    offset += 8 + pad8(bytes);
  }
  const numeric = found.filter((m) => NUMERIC_CLASSES.has(m.mxClass) && m.dims.length === 2 && !m.complex);
  const data = numeric.find((m) => m.name === 'data') ?? numeric[0];
  if (!data) {
    if (compressed) {
      throw new Error(
        `${file} is a compressed MAT file (miCOMPRESSED, MATLAB's default -v7): save it with -v6 or scipy's savemat(do_compression=False) to read it here`,
      );
    }
    throw new Error(`${file} holds no uncompressed real 2-D numeric matrix`);
  }
  if (!MI_TYPES[data.dataType])
    throw new Error(`${file}: '${data.name}' stores its values as MAT type ${data.dataType}, which is not supported`);
  return data;
}

/** Flags, dimensions, name and the data element's tag of a miMATRIX whose contents start at `base`. */
function parsePreamble(content: Buffer, base: number): Matrix | undefined {
  let at = 0;
  const sub = (): { type: number; data: Buffer; start: number } | undefined => {
    if (at + 8 > content.length) return undefined;
    const first = content.readUInt32LE(at);
    if (first >>> 16 !== 0) {
      const r = { type: first & 0xffff, data: content.subarray(at + 4, at + 4 + (first >>> 16)), start: at + 4 };
      at += 8;
      return r;
    }
    const len = content.readUInt32LE(at + 4);
    const r = { type: first, data: content.subarray(at + 8, at + 8 + len), start: at + 8 };
    at += 8 + pad8(len);
    return r;
  };
  const flags = sub();
  const dims = sub();
  const name = sub();
  if (!flags || !dims || !name || flags.data.length < 4) return undefined;
  const mxClass = flags.data.readUInt32LE(0) & 0xff;
  const complex = (flags.data.readUInt32LE(0) & 0x800) !== 0;
  const shape = Array.from({ length: dims.data.length >> 2 }, (_, i) => dims.data.readInt32LE(4 * i));
  const real = sub();
  if (!real) return { name: name.data.toString('latin1'), mxClass, complex, dims: shape, dataType: -1, dataOffset: -1 };
  return { name: name.data.toString('latin1'), mxClass, complex, dims: shape, dataType: real.type, dataOffset: base + real.start };
}

class MatLayout implements FileLayout {
  readonly format = 'mat' as const;
  readonly sampleType: SampleType;
  readonly frames: number;
  readonly channelCount: number;
  readonly problems: string[] = [];

  constructor(
    private readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly data: Matrix,
    private readonly pageBytes: number,
    readonly channels: SidecarChannel[] | undefined,
    readonly rate: number | undefined,
  ) {
    [this.frames, this.channelCount] = data.dims;
    this.sampleType = data.mxClass === MX.SINGLE ? 'float32' : 'float64';
    if (data.name !== 'data') this.problems.push(`no 'data' variable: showing '${data.name}'`);
  }

  // Column-major: each channel's rows are contiguous, so a channel is read a page at a time.
  async readInto(start: number, end: number, channels: readonly number[], out: Samples): Promise<void> {
    const { bytes, get } = MI_TYPES[this.data.dataType];
    const native =
      (this.data.dataType === MI.SINGLE && this.sampleType === 'float32') ||
      (this.data.dataType === MI.DOUBLE && this.sampleType === 'float64');
    const pageRows = Math.max(1, Math.floor(this.pageBytes / bytes));
    const page = new ArrayBuffer(Math.min(pageRows, end - start) * bytes);
    const n = channels.length;
    for (let i = 0; i < n; i++) {
      const columnStart = this.data.dataOffset + channels[i] * this.frames * bytes;
      for (let first = start; first < end; first += pageRows) {
        const count = Math.min(pageRows, end - first);
        await readFully(this.handle, new Uint8Array(page, 0, count * bytes), columnStart + first * bytes, this.file);
        let k = (first - start) * n + i;
        if (native) {
          const values = this.sampleType === 'float32' ? new Float32Array(page, 0, count) : new Float64Array(page, 0, count);
          for (let r = 0; r < count; r++, k += n) out[k] = values[r];
        } else {
          const view = new DataView(page);
          for (let r = 0; r < count; r++, k += n) out[k] = get(view, r * bytes);
        }
      }
    }
  }

  /** A MAT file is written whole at the end of a recording: it never grows. */
  async refresh(): Promise<void> {}

  close(): Promise<void> {
    return this.handle.close();
  }
}
