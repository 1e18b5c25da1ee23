// NPY files by pages: float32/float64, C order, 1-D (one channel) or frames × channels. Our
// NpyWriter rewrites the header at every flush, so a file still being written is re-read by
// refresh(); a file whose data is shorter than its header (interrupted) has its whole rows.
import * as fs from 'node:fs/promises';
import { parseNpyHeader, requireFloat, type NpyHeader } from '../writers/npy';
import type { SampleType, Samples } from '../writers/types';
import { SAMPLE_BYTES, readFully, readUpTo } from './file-pages';
import type { FileLayout } from './layout';

export async function openNpy(file: string, pageBytes: number): Promise<FileLayout> {
  const handle = await fs.open(file, 'r');
  try {
    const layout = new NpyLayout(file, handle, pageBytes);
    await layout.refresh();
    return layout;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

class NpyLayout implements FileLayout {
  readonly format = 'npy' as const;
  sampleType: SampleType = 'float32';
  frames = 0;
  channelCount = 0;
  problems: string[] = [];
  private dataOffset = 0;

  constructor(
    private readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly pageBytes: number,
  ) {}

  async refresh(): Promise<void> {
    const header = await this.readHeader();
    const sampleType = requireFloat(header);
    const shape = header.shape;
    if (shape.length === 0) throw new Error(`${this.file}: NPY shape is (), a single value, not a recording`);
    if (shape.length > 2) throw new Error(`${this.file}: NPY shape is (${shape.join(', ')}), expected (frames, channels) or (frames,)`);
    const channelCount = shape.length === 1 ? 1 : shape[1];
    if (channelCount < 1) throw new Error(`${this.file}: NPY shape (${shape.join(', ')}) has no channels`);
    if (this.channelCount !== 0 && (channelCount !== this.channelCount || sampleType !== this.sampleType)) {
      throw new Error(`${this.file} changed shape or dtype while open (now ${header.descr} (${shape.join(', ')}))`);
    }
    const rowBytes = channelCount * SAMPLE_BYTES[sampleType];
    const size = (await this.handle.stat()).size;
    const complete = Math.floor(Math.max(0, size - header.dataOffset) / rowBytes);
    const problems: string[] = [];
    if (complete < shape[0]) {
      problems.push(
        `the header says ${shape[0]} rows but the data holds ${complete} whole rows (a recording still being written, or interrupted): showing ${complete}`,
      );
    }
    this.sampleType = sampleType;
    this.channelCount = channelCount;
    this.dataOffset = header.dataOffset;
    this.frames = Math.min(shape[0], complete);
    this.problems = problems;
  }

  private async readHeader(): Promise<NpyHeader> {
    const head = await readUpTo(this.handle, 12, 0);
    let length = head.length;
    if (head.length >= 10 && head[6] === 1) length = 10 + head.readUInt16LE(8);
    else if (head.length >= 12 && (head[6] === 2 || head[6] === 3)) length = 12 + head.readUInt32LE(8);
    try {
      return parseNpyHeader(await readUpTo(this.handle, length, 0));
    } catch (e) {
      throw new Error(`${this.file}: ${(e as Error).message}`);
    }
  }

  async readInto(start: number, end: number, channels: readonly number[], out: Samples): Promise<void> {
    const width = this.channelCount;
    const size = SAMPLE_BYTES[this.sampleType];
    const rowBytes = width * size;
    const all = channels.length === width && channels.every((c, i) => c === i);
    const pageRows = Math.max(1, Math.floor(this.pageBytes / rowBytes));
    const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    // Whole rows go straight into `out`; a subset is read a page at a time and picked from it.
    const scratch = all ? undefined : new ArrayBuffer(Math.min(pageRows, end - start) * rowBytes);
    for (let first = start; first < end; first += pageRows) {
      const count = Math.min(pageRows, end - first);
      const position = this.dataOffset + first * rowBytes;
      if (!scratch) {
        await this.readExactly(outBytes.subarray((first - start) * rowBytes, (first - start + count) * rowBytes), position);
        continue;
      }
      await this.readExactly(new Uint8Array(scratch, 0, count * rowBytes), position);
      const page = this.sampleType === 'float64' ? new Float64Array(scratch) : new Float32Array(scratch);
      const n = channels.length;
      for (let r = 0, k = (first - start) * n; r < count; r++) {
        const base = r * width;
        for (let i = 0; i < n; i++) out[k++] = page[base + channels[i]];
      }
    }
  }

  private readExactly(target: Uint8Array, position: number): Promise<void> {
    return readFully(this.handle, target, position, this.file);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
