// Turns a scope's request (window, columns, channels) into a frame of min/max columns from the
// session's ring. The cost and the size of a frame depend on columns × channels only: the native
// decimator scans the window once, and nothing per sample crosses to the webview.
import type { ScopeFrame, ScopeMarker, ScopeToHost } from '../../webview/shared/protocol';
import type { Marker } from './types';
import type { AcquisitionStats } from './worker-protocol';

export type ScopeRequest = Extract<ScopeToHost, { type: 'request' }>;

/** What the feed needs from a session (a Session satisfies it; tests may pass a fake). */
export interface ScopeSource {
  readonly channels: ReadonlyArray<{ name: string; unit: string }>;
  readonly rate: number;
  readonly lastSample: number;
  readonly oldestSample: number;
  readonly markers: readonly Marker[];
  readonly stats?: AcquisitionStats;
  decimate(start: number, end: number, buckets: number, out: Float32Array): [number, number] | null;
  sentAt(frame: number): number | undefined;
}

/**
 * The window a request asks for, in frames. With more frames than columns, each column covers a
 * whole number of frames and the window ends on a column boundary, so a live trace scrolls
 * column by column instead of shimmering as buckets slide across samples.
 */
export function scopeWindow(request: Pick<ScopeRequest, 'columns' | 'windowS' | 'end'>, rate: number, newest: number): { start: number; end: number } {
  const wanted = Math.max(1, Math.round(request.windowS * rate));
  const end = Math.min(request.end ?? newest, newest);
  if (wanted < request.columns) return { start: end - wanted, end };
  const perColumn = Math.round(wanted / request.columns);
  const snapped = Math.floor(end / perColumn) * perColumn;
  return { start: snapped - perColumn * request.columns, end: snapped };
}

export class ScopeFeed {
  private scratch = new Float32Array(0);

  constructor(private readonly source: ScopeSource) {}

  /** The frame answering `request`, and the buffer to transfer with it. */
  frame(request: ScopeRequest): ScopeFrame {
    const started = performance.now();
    const s = this.source;
    const channelCount = s.channels.length;
    const { columns } = request;
    const newest = s.lastSample;
    const { start, end } = scopeWindow(request, s.rate || 1, newest);
    const rows = request.channels;
    const minmax = new Float32Array(rows.length * columns * 2);
    const all = rows.length === channelCount && rows.every((c, i) => c === i);
    // The decimator fills every channel; a subset is copied out of a reused scratch buffer.
    const target = all ? minmax : this.scratchFor(channelCount * columns * 2);
    target.fill(NaN);
    if (channelCount > 0 && rows.length > 0 && start < end) this.decimateInto(target, channelCount, columns, start, end);
    if (!all) rows.forEach((c, i) => minmax.set(target.subarray(c * columns * 2, (c + 1) * columns * 2), i * columns * 2));
    return {
      type: 'frame',
      seq: request.seq,
      windowStart: start,
      windowEnd: end,
      columns,
      channels: rows,
      minmax: minmax.buffer,
      oldest: s.oldestSample,
      newest,
      markers: markersIn(s.markers, start, end),
      stats: {
        measuredRate: s.stats?.measuredRate ?? 0,
        gaps: s.stats?.gaps ?? 0,
        lostFrames: s.stats?.lostFrames ?? 0,
        driftMs: s.stats?.driftMs ?? 0,
        reconnects: s.stats?.reconnects ?? 0,
      },
      hostMs: performance.now() - started,
      sentAt: end > 0 ? s.sentAt(end - 1) : undefined,
    };
  }

  private scratchFor(length: number): Float32Array {
    if (this.scratch.length < length) this.scratch = new Float32Array(length);
    return this.scratch.subarray(0, length);
  }

  /**
   * Min/max of [start, end) into `columns` columns of `target` (NaN-filled). A window reaching
   * before frame 0 (a young stream) leaves its first columns empty and decimates the rest, so a
   * column always covers the same frames whatever the window's position.
   */
  private decimateInto(target: Float32Array, channels: number, columns: number, start: number, end: number): void {
    const span = end - start;
    const skip = start < 0 ? Math.min(columns, Math.ceil((-start * columns) / span)) : 0;
    const real = columns - skip;
    if (real <= 0) return;
    if (skip === 0) {
      this.source.decimate(start, end, columns, target);
      return;
    }
    const from = Math.max(0, start + Math.round((skip * span) / columns));
    const part = new Float32Array(channels * real * 2);
    if (!this.source.decimate(from, end, real, part)) return;
    for (let c = 0; c < channels; c++) target.set(part.subarray(c * real * 2, (c + 1) * real * 2), (c * columns + skip) * 2);
  }
}

/** Markers with start ≤ frame < end; the session's list is in frame order. */
export function markersIn(markers: readonly Marker[], start: number, end: number): ScopeMarker[] {
  let lo = 0;
  let hi = markers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid].frame < start) lo = mid + 1;
    else hi = mid;
  }
  const out: ScopeMarker[] = [];
  for (let i = lo; i < markers.length && markers[i].frame < end; i++) {
    const m = markers[i];
    out.push({ frame: m.frame, label: m.text || m.type });
  }
  return out;
}
