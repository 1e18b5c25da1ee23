// A first look at a long take while its min/max pyramid is still being built (one pass over the
// whole file: 1.3 s for 2 GB from the page cache, far longer from a cold disk). Each of up to
// `probes` evenly spaced short runs of rows is read from the file, and its min/max is given to
// the pixel columns around it: a few hundred small reads instead of the whole file, so the page
// draws at once. A spike between runs is missed, so the answer is marked provisional; the page
// asks again when the pyramid is done (which never misses one).
import { native } from '../native';
import { checkedAnswer } from './pyramid';
import type { MinMaxQuery, MinMaxResult, RecordingReader } from './types';

export interface PreviewOptions {
  /** Runs read at most (one per column when there are fewer columns). */
  probes?: number;
  /** Samples read in all (rows × channels over every run): about 1 Mi, 4 MB of float32. */
  samples?: number;
}

/**
 * Runs read from a file by a preview, by format: NPY rows are one read each; MAT stores channels
 * apart, so each run is a read per channel and fewer runs keep it quick; a CSV row's place is
 * known only every few thousand rows, so a CSV waits for its pyramid (0: no preview).
 */
export function previewProbes(format: RecordingReader['format'], columns: number): number {
  return format === 'npy' ? columns : format === 'mat' ? Math.min(columns, 256) : 0;
}

/** Runs read at once. */
const IN_FLIGHT = 32;

export async function previewColumns(
  reader: RecordingReader,
  q: MinMaxQuery,
  options: PreviewOptions = {},
): Promise<MinMaxResult & { provisional: true }> {
  const minmax = checkedAnswer(q, reader.frames, reader.channelCount);
  const { start, end, columns, channels } = q;
  const rows = end - start;
  const n = channels.length;
  const probes = Math.max(1, Math.min(columns, rows, options.probes ?? columns));
  const budget = options.samples ?? 1024 * 1024;
  const runRows = Math.max(1, Math.floor(budget / (probes * Math.max(1, n))));
  // Runs are read a few at a time: positional reads of one file are independent, and the
  // thread pool's reads overlap where one after another would each wait a round trip.
  const runs: Array<{ c0: number; c1: number; from: number; take: number }> = [];
  for (let p = 0; p < probes && n > 0; p++) {
    // Columns [c0, c1) share this run; their rows are [s, e).
    const c0 = Math.floor((p * columns) / probes);
    const c1 = Math.floor(((p + 1) * columns) / probes);
    const s = start + Math.floor((c0 * rows) / columns);
    const e = start + Math.floor((c1 * rows) / columns);
    if (e <= s) continue;
    const take = Math.min(runRows, e - s);
    runs.push({ c0, c1, from: s + Math.floor((e - s - take) / 2), take });
  }
  const range = new Float32Array(n * 2);
  for (let k = 0; k < runs.length; k += IN_FLIGHT) {
    const batch = runs.slice(k, k + IN_FLIGHT);
    const data = await Promise.all(batch.map((r) => reader.read(r.from, r.from + r.take, channels)));
    batch.forEach(({ c0, c1 }, j) => {
      native().minMaxColumns(data[j]!, n, 1, range);
      for (let i = 0; i < n; i++)
        for (let c = c0; c < c1; c++) {
          minmax[(i * columns + c) * 2] = range[i * 2]!;
          minmax[(i * columns + c) * 2 + 1] = range[i * 2 + 1]!;
        }
    });
  }
  return { minmax, columns, provisional: true };
}
