// MAT v7.3, for exports past MAT v5's 4 GiB per variable: an HDF5 file behind a 512-byte user
// block whose first 128 bytes are the MAT header MATLAB looks for. It holds the same variables
// as our v5 files (data: rows × channels, channels: a 1 × N cell of names, fs), laid out as
// MATLAB writes them: column-major (an HDF5 channels × rows dataset), a MATLAB_class attribute
// on each, the cell's names as UTF-16 char arrays under #refs# pointed at by object references.
// h5wasm cannot reserve a user block, so the HDF5 file is written beside the target and copied
// in behind the header; the HDF5 library finds a superblock at 512 and takes addresses from
// there (h5py, hdf5storage and MATLAB open such files).
import * as fs from 'node:fs';
import type { File as H5File } from 'h5wasm';
import { h5wasm } from './h5wasm';
import { writeSamples } from './hdf5';
import type { FormatWriter } from './types';

const USER_BLOCK = 512;
const COPY_BYTES = 8 << 20;
/** Share of the progress the sample pass takes; the copy behind the header takes the rest. */
const SAMPLE_SHARE = 0.8;

export function mat73Header(now = new Date()): Buffer {
  const block = Buffer.alloc(USER_BLOCK, 0);
  const text = `MATLAB 7.3 MAT-file, Platform: ${process.platform}, Created on: ${now.toUTCString()} HDF5 schema 1.00 .`;
  block.fill(0x20, 0, 116);
  block.write(text.slice(0, 116), 0, 'latin1');
  block.writeUInt16LE(0x0200, 124);
  block.writeUInt16LE(0x4d49, 126); // 'IM' on disk: little-endian
  return block;
}

function matlabClass(file: H5File, name: string, cls: string): void {
  const entity = file.get(name);
  if (!entity || !('create_attribute' in entity)) throw new Error(`${name} was not written`);
  entity.create_attribute('MATLAB_class', cls, null, `A${cls.length}`);
}

/** A 1 × N cell of char rows, as MATLAB stores one. */
function cellOfStrings(file: H5File, name: string, texts: readonly string[]): void {
  const refs = file.get('#refs#') ?? file.create_group('#refs#');
  if (!('create_dataset' in refs)) throw new Error('#refs# is not a group');
  const pointers = texts.map((text, i) => {
    const units = Uint16Array.from(text, (_, k) => text.charCodeAt(k));
    const item =
      units.length === 0
        ? // MATLAB's empty char: its dimensions as data, flagged MATLAB_empty.
          refs.create_dataset({ name: `${name}_${i}`, data: new BigUint64Array([1n, 0n]) })
        : refs.create_dataset({ name: `${name}_${i}`, data: units, shape: [units.length, 1] });
    item.create_attribute('MATLAB_class', 'char', null, 'A4');
    item.create_attribute('MATLAB_int_decode', new Int32Array([2]), [], '<i');
    if (units.length === 0) item.create_attribute('MATLAB_empty', new Uint8Array([1]), [], '<B');
    return item.create_reference();
  });
  file.create_dataset({ name, data: pointers, shape: [texts.length, 1] });
  matlabClass(file, name, 'cell');
}

export const writeMat73Export: FormatWriter = async (source, selection, target, options) => {
  const final = target.file(target.out);
  // Removed with the other temporaries (index.ts) when the export fails or is cancelled.
  const staged = `${final}.part`;
  const total = selection.end - selection.start;
  const h5 = await h5wasm();
  const file = new h5.File(staged, 'w');
  try {
    await writeSamples(file, 'data', source, selection, options, 'columns', (rows) =>
      options.onProgress?.(Math.floor(rows * SAMPLE_SHARE), total),
    );
    matlabClass(file, 'data', source.reader.sampleType === 'float64' ? 'double' : 'single');
    cellOfStrings(
      file,
      'channels',
      selection.channels.map((c) => source.channels[c]!.name),
    );
    file.create_dataset({ name: 'fs', data: new Float64Array([source.rate ?? 1]), shape: [1, 1] });
    matlabClass(file, 'fs', 'double');
  } finally {
    file.close();
  }

  const from = fs.openSync(staged, 'r');
  const to = fs.openSync(final, 'w');
  try {
    fs.writeSync(to, mat73Header());
    const size = fs.fstatSync(from).size;
    const buffer = Buffer.allocUnsafe(Math.min(COPY_BYTES, Math.max(1, size)));
    for (let at = 0; at < size;) {
      options.signal?.throwIfAborted();
      const n = fs.readSync(from, buffer, 0, buffer.length, at);
      if (n <= 0) throw new Error(`${staged} ended at ${at} of ${size} bytes`);
      fs.writeSync(to, buffer, 0, n);
      at += n;
      options.onProgress?.(Math.floor(total * (SAMPLE_SHARE + ((1 - SAMPLE_SHARE) * at) / size)), total);
    }
  } finally {
    fs.closeSync(from);
    fs.closeSync(to);
  }
  fs.rmSync(staged);
};
