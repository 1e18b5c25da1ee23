// Repairs an NPY recording whose writer died mid-write: the data may end inside a row, and the
// header may claim fewer rows than reached the disk (it is rewritten after the data).
import * as fs from 'node:fs';
import { formatNpyHeader, readNpyHeader, requireFloatFrames, writeAt } from './npy';

export interface NpyRecovery {
  /** Rows the file holds now. */
  frames: number;
  channels: number;
  /** Bytes of a partial trailing row that were cut off. */
  droppedBytes: number;
  /** Rows the header claimed before the repair. */
  headerFrames: number;
}

export function recoverNpy(path: string): NpyRecovery {
  const fd = fs.openSync(path, 'r+');
  try {
    let header;
    let sampleBytes: number;
    try {
      header = readNpyHeader(fd);
      sampleBytes = requireFloatFrames(header).sampleType === 'float64' ? 8 : 4;
    } catch (e) {
      throw new Error(`cannot recover ${path}: ${(e as Error).message}`);
    }
    const [headerFrames, channels] = header.shape;
    const rowBytes = channels * sampleBytes;
    const dataBytes = fs.fstatSync(fd).size - header.dataOffset;
    const frames = Math.floor(dataBytes / rowBytes);
    const droppedBytes = dataBytes - frames * rowBytes;
    if (droppedBytes > 0) fs.ftruncateSync(fd, header.dataOffset + frames * rowBytes);
    if (frames !== headerFrames) {
      // Same length as before, so the data stays where it is.
      const rewritten = formatNpyHeader(header.descr, [frames, channels], header.dataOffset);
      writeAt(fd, rewritten, rewritten.length, 0);
    }
    fs.fsyncSync(fd);
    return { frames, channels, droppedBytes, headerFrames };
  } finally {
    fs.closeSync(fd);
  }
}
