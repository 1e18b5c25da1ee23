// Min/max columns of a recorded file for drawing, at any zoom, without holding the file.
//
// One pass over the file (by pages) fills level 0: the min and max of every channel over blocks of
// `blockRows` rows, the block chosen so the whole pyramid stays within a memory budget (32 MB by
// default, whatever the file's size). Each further level merges 8 blocks of the one below. A view
// asks for rows [start, end) in N pixel columns:
//  - when the rows are few enough (rows × channels ≤ `exactSamples`), they are read from the file
//    and every column is exact;
//  - otherwise the columns come from the coarsest level whose blocks are at most 1/8 of a column
//    (8 to 63 blocks per column, so a view of a whole long take costs what a short one does), or
//    from level 0 when even its blocks are wider than that. A column then covers its rows widened
//    to whole blocks: at most one block (`blockRows` × 8^level rows, under 1/8 of a column when a
//    level fits) more on each side. Nothing is ever dropped, so a spike is always drawn.
// A recording still being written grows: extend() scans only the rows added since (from the
// start of the last, partial block) and updates the levels above them.
import { native } from '../native';
import type { MinMaxQuery, MinMaxResult, RecordingReader } from './types';

export interface PyramidOptions {
  signal?: AbortSignal;
  /** Called after each page of the first scan with the share of rows done (0…1). */
  onProgress?: (fraction: number) => void;
  /** Memory the levels may use, in bytes (32 MiB). */
  budgetBytes?: number;
  /** Samples read from the file at a time (4 Mi: 16 MB of float32). */
  pageSamples?: number;
  /** A query of at most this many samples (rows × channels) is answered exactly from the file (2 Mi). */
  exactSamples?: number;
}

/** A query of at most this many samples is read from the file and exact, by default (2 Mi). */
export const EXACT_SAMPLES = 2 * 1024 * 1024;

/** True when `q` is small enough to read whole from the file: its answer is exact. */
export function readsExactly(q: MinMaxQuery, exactSamples = EXACT_SAMPLES): boolean {
  return (q.end - q.start) * q.channels.length <= exactSamples;
}

/**
 * Checks a query against a file of `rows` rows and `channelCount` channels, naming what is wrong;
 * returns the answer's array (NaN: no numbers) for it.
 */
export function checkedAnswer(q: MinMaxQuery, rows: number, channelCount: number): Float32Array {
  const { start, end, columns, channels } = q;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > rows)
    throw new RangeError(`rows ${start}…${end} are not within the recording's 0…${rows}`);
  if (!Number.isInteger(columns) || columns < 1 || columns > 100_000)
    throw new RangeError(`columns must be an integer 1…100000, got ${columns}`);
  for (const c of channels)
    if (!Number.isInteger(c) || c < 0 || c >= channelCount)
      throw new RangeError(`channel ${c} is not one of the recording's 0…${channelCount - 1}`);
  return new Float32Array(channels.length * columns * 2).fill(NaN);
}

/** Columns from the file's own rows (every column exact), into `out` when given. */
export async function exactColumns(reader: RecordingReader, q: MinMaxQuery, out?: Float32Array): Promise<MinMaxResult> {
  const minmax = out ?? checkedAnswer(q, reader.frames, reader.channelCount);
  const { start, end, columns, channels } = q;
  // The ring decimator's kernel, over the rows just read: its buckets are these columns.
  if (end > start && channels.length) native().minMaxColumns(await reader.read(start, end, channels), channels.length, columns, minmax);
  return { minmax, columns };
}

/** Blocks of a level merge this many of the level below. */
export const PYRAMID_FANOUT = 8;
const MIN_BLOCK_ROWS = 64;

interface Level {
  /** Rows per block. */
  size: number;
  /** Complete and partial blocks held. */
  blocks: number;
  /** data[(block * channels + channel) * 2 + 0|1] = min|max; NaN for a block with no numbers. */
  data: Float32Array;
}

export class MinMaxPyramid {
  private readonly levels: Level[] = [];
  private rows = 0;
  private readonly channels: number;
  private readonly pageSamples: number;
  private readonly exactSamples: number;

  private constructor(
    private readonly reader: RecordingReader,
    /** Rows per level-0 block. */
    readonly blockRows: number,
    options: PyramidOptions,
  ) {
    this.channels = reader.channelCount;
    this.pageSamples = options.pageSamples ?? 4 * 1024 * 1024;
    this.exactSamples = options.exactSamples ?? EXACT_SAMPLES;
    if (!(this.pageSamples >= 1)) throw new RangeError(`pageSamples must be ≥ 1, got ${this.pageSamples}`);
    if (!(this.exactSamples >= 0)) throw new RangeError(`exactSamples must be ≥ 0, got ${this.exactSamples}`);
  }

  /** Scans the whole file once (by pages, with progress; the signal stops it between pages). */
  static async build(reader: RecordingReader, options: PyramidOptions = {}): Promise<MinMaxPyramid> {
    const budget = options.budgetBytes ?? 32 * 1024 * 1024;
    if (!(budget > 0)) throw new RangeError(`budgetBytes must be > 0, got ${budget}`);
    // Level 0 is 8 bytes per block and channel; the levels above add a seventh.
    const bytesPerBlock = Math.max(1, reader.channelCount) * 8 * (PYRAMID_FANOUT / (PYRAMID_FANOUT - 1));
    let blockRows = MIN_BLOCK_ROWS;
    while ((reader.frames / blockRows) * bytesPerBlock > budget) blockRows *= 2;
    const pyramid = new MinMaxPyramid(reader, blockRows, options);
    await pyramid.scan(options.signal, options.onProgress);
    return pyramid;
  }

  /** Rows the pyramid covers (the reader's frame count at the last build or extend). */
  get frames(): number {
    return this.rows;
  }

  /** Bytes the levels hold (allocated), for the memory figures. */
  get bytes(): number {
    return this.levels.reduce((sum, level) => sum + level.data.byteLength, 0);
  }

  /** Takes in rows the reader has gained since (call after reader.refresh()). */
  async extend(signal?: AbortSignal): Promise<void> {
    if (this.reader.frames > this.rows) await this.scan(signal);
  }

  /** Min/max of each channel over `columns` equal buckets of rows [start, end). */
  async query(q: MinMaxQuery): Promise<MinMaxResult> {
    const minmax = checkedAnswer(q, this.rows, this.channels);
    const { start, end, columns, channels } = q;
    const rows = end - start;
    if (rows === 0 || channels.length === 0) return { minmax, columns };
    if (readsExactly(q, this.exactSamples)) return exactColumns(this.reader, q, minmax);
    const perColumn = rows / columns;
    let chosen = this.levels[0]!;
    for (const level of this.levels) if (level.size * PYRAMID_FANOUT <= perColumn) chosen = level;
    const { size, data } = chosen;
    for (let b = 0; b < columns; b++) {
      const s = start + Math.floor((b * rows) / columns);
      const e = start + Math.floor(((b + 1) * rows) / columns);
      if (e <= s) continue;
      const first = Math.floor(s / size);
      const last = Math.ceil(e / size);
      for (let i = 0; i < channels.length; i++) mergeBlocks(data, this.channels, channels[i]!, first, last, minmax, (i * columns + b) * 2);
    }
    return { minmax, columns };
  }

  /** Scans rows from the start of the last (partial) block to the reader's end, then the levels above. */
  private async scan(signal?: AbortSignal, onProgress?: (fraction: number) => void): Promise<void> {
    const total = this.reader.frames;
    const B = this.blockRows;
    const C = this.channels;
    const from = Math.floor(this.rows / B) * B;
    const base = this.level(0, Math.ceil(total / B));
    const pageRows = Math.max(B, Math.floor(this.pageSamples / Math.max(1, C) / B) * B);
    const scratch = new Float32Array((pageRows / B) * C * 2);
    for (let r = from; r < total; r += pageRows) {
      signal?.throwIfAborted();
      const end = Math.min(total, r + pageRows);
      const x = await this.reader.read(r, end);
      // Whole blocks in one native call (its equal buckets are the blocks), a partial last block in
      // another; its channel-major columns are then laid out block-major, as the levels are.
      const whole = Math.floor((end - r) / B);
      for (const [first, count, rowsIn] of [
        [0, whole, whole * B],
        [whole, end - r > whole * B ? 1 : 0, end - r - whole * B],
      ] as const) {
        if (!count) continue;
        native().minMaxColumns(x.subarray(first * B * C, (first * B + rowsIn) * C), C, count, scratch);
        for (let k = 0; k < count; k++)
          for (let c = 0; c < C; c++) {
            const at = ((r / B + first + k) * C + c) * 2;
            base.data[at] = scratch[(c * count + k) * 2]!;
            base.data[at + 1] = scratch[(c * count + k) * 2 + 1]!;
          }
      }
      onProgress?.(total ? end / total : 1);
    }
    base.blocks = Math.ceil(total / B);
    this.rows = total;
    if (from >= total) onProgress?.(1);
    this.merge(from / B);
  }

  /** Rebuilds the levels above 0 from level-0 block `fromBlock` on, adding levels as the file grows. */
  private merge(fromBlock: number): void {
    const C = this.channels;
    let changed = fromBlock;
    for (let k = 0; this.levels[k]!.blocks > PYRAMID_FANOUT; k++) {
      const below = this.levels[k]!;
      const blocks = Math.ceil(below.blocks / PYRAMID_FANOUT);
      const level = this.level(k + 1, blocks);
      const first = Math.floor(changed / PYRAMID_FANOUT);
      for (let j = first; j < blocks; j++) {
        const lastChild = Math.min(below.blocks, (j + 1) * PYRAMID_FANOUT);
        for (let c = 0; c < C; c++) mergeBlocks(below.data, C, c, j * PYRAMID_FANOUT, lastChild, level.data, (j * C + c) * 2);
      }
      level.blocks = blocks;
      changed = first;
    }
  }

  /** Level k with room for `blocks` blocks (grown by doubling, keeping what it holds). */
  private level(k: number, blocks: number): Level {
    let level = this.levels[k];
    const need = blocks * this.channels * 2;
    if (!level) {
      level = { size: this.blockRows * PYRAMID_FANOUT ** k, blocks: 0, data: new Float32Array(need) };
      this.levels[k] = level;
    } else if (level.data.length < need) {
      const grown = new Float32Array(Math.max(need, level.data.length * 2));
      grown.set(level.data);
      level.data = grown;
    }
    return level;
  }
}

/**
 * The min and max of channel `c` over blocks [first, last) of a level's data (C channels, min/max
 * pairs), into dst[at] and dst[at + 1]; NaN when none of them holds a number.
 */
function mergeBlocks(data: Float32Array, C: number, c: number, first: number, last: number, dst: Float32Array, at: number): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = first, i = (first * C + c) * 2; k < last; k++, i += C * 2) {
    // NaN (a block without numbers) fails both comparisons and is passed over.
    if (data[i]! < lo) lo = data[i]!;
    if (data[i + 1]! > hi) hi = data[i + 1]!;
  }
  dst[at] = lo <= hi ? lo : NaN;
  dst[at + 1] = lo <= hi ? hi : NaN;
}
