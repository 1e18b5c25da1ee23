// The page loop every export shares: rows [from, to) of the chosen channels, read a page at a
// time so a 2 GB take needs no more memory than a short one, with the abort checked before every
// read. Writers differ only in what they do with a page.
import type { Samples } from '../reading/types';
import type { ExportOptions, ExportSelection, ExportSource } from './types';

/** Rows per page when the caller does not say: about 4 Mi samples (16 or 32 MB). */
export function defaultPageRows(channels: number): number {
  return Math.max(1, Math.floor((4 * 1024 * 1024) / Math.max(1, channels)));
}

export interface Page {
  /** Selection-relative first row of the page (0 for the first page). */
  offset: number;
  rows: number;
  /** Interleaved samples, `rows × selection.channels.length`. */
  data: Samples;
}

/**
 * Yields the selection's rows page by page. `pageRows` overrides the options' page size (EDF reads
 * whole data records); `done(rows)` is called after each page has been handled, with the rows
 * handled so far.
 */
export async function* pages(
  source: ExportSource,
  selection: ExportSelection,
  options: ExportOptions,
  pageRows = options.pageRows ?? defaultPageRows(selection.channels.length),
  done: (rows: number) => void = (rows) => options.onProgress?.(rows, selection.end - selection.start),
): AsyncGenerator<Page> {
  const { start, end, channels } = selection;
  const step = Math.max(1, pageRows);
  for (let r = start; r < end; r += step) {
    options.signal?.throwIfAborted();
    const stop = Math.min(end, r + step);
    yield { offset: r - start, rows: stop - r, data: await source.reader.read(r, stop, channels) };
    done(stop - start);
  }
}
