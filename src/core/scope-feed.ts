// Turns a scope's request (window, columns, channels) into a frame of min/max columns from the
// session's ring. The cost and the size of a frame depend on columns × channels only: the native
// decimator scans the window once, and nothing per sample crosses to the webview.
import type { ScopeFrame, ScopeMarker, ScopeToHost } from '../../webview/shared/protocol';
import { SpectrumView } from './scope-spectrum';
import { TriggerTracker, type ReadFrames } from './scope-triggered';
import { xyPoints } from './scope-xy';
import type { Marker } from './types';
import type { AcquisitionStats } from './worker-protocol';

export type ScopeRequest = Extract<ScopeToHost, { type: 'request' }>;

/** What the feed needs from a session (a Session satisfies it; tests may pass a fake). */
export interface ScopeSource {
  readonly channels: ReadonlyArray<{ name: string; unit: string }>;
  readonly rate: number;
  readonly lastSample: number;
  /** The newest frame the session hands on (its pause point while paused); else lastSample. */
  readonly deliveredSample?: number;
  readonly oldestSample: number;
  readonly markers: readonly Marker[];
  stats?(): AcquisitionStats;
  decimate(start: number, end: number, buckets: number, out: Float32Array): [number, number] | null;
  sentAt(frame: number): number | undefined;
  /** Raw frames [start, end), interleaved, or null where the ring does not hold them: for triggers, spectra and XY. */
  getData?(start: number, end: number): ArrayLike<number> | null;
}

/**
 * The window a request asks for, in frames, and the columns that split it. With more frames than
 * columns, each column covers a whole number of frames and the window ends on a column boundary,
 * so a live trace scrolls column by column instead of shimmering as buckets slide across samples.
 * With fewer (a slow instrument, a short window), each frame is its own column: the page spreads
 * them over its pixels and joins them, and a live frame again carries only the new ones.
 */
export function scopeWindow(
  request: Pick<ScopeRequest, 'columns' | 'windowS' | 'end'>,
  rate: number,
  newest: number,
): { start: number; end: number; columns: number } {
  const wanted = Math.max(1, Math.round(request.windowS * rate));
  const end = Math.min(request.end ?? newest, newest);
  if (wanted <= request.columns) return { start: end - wanted, end, columns: wanted };
  const perColumn = Math.round(wanted / request.columns);
  const snapped = Math.floor(end / perColumn) * perColumn;
  return { start: snapped - perColumn * request.columns, end: snapped, columns: request.columns };
}

/** x mod n for negative x too: the columns of a young stream's window are numbered below 0. */
const slotOf = (column: number, columns: number): number => ((column % columns) + columns) % columns;

export interface ScopeFeedOptions {
  /**
   * Keep each finished column's min/max and decimate only new ones (default). Off, every frame
   * rescans its whole window: the baseline `npm run bench -- scope` measures against.
   */
  columnCache?: boolean;
}

export class ScopeFeed {
  private scratch = new Float32Array(0);
  private part = new Float32Array(0);
  private one = new Float32Array(0);
  /** Column min/max for every channel: channels × columns × 2, slot = absolute column % columns. */
  private cache = new Float32Array(0);
  /** Which absolute column each slot holds (NaN: none; columns below 0 exist, empty). */
  private held = new Float64Array(0);
  private cacheKey = '';
  /** Where the last frame ended, the ring's oldest frame then, and the window's first frame. */
  private seen = { newest: 0, oldest: 0, windowStart: 0 };
  /** Set by freeze(): the view stays where the last frame left it. */
  private pinned?: { newest: number; oldest: number; windowStart: number };
  /** Each channel's last value read (NaN: none), for a frozen view whose ring is gone. */
  private known = new Float32Array(0);
  private readonly trigger = new TriggerTracker();
  private readonly spectrum = new SpectrumView();
  /**
   * The last triggered window's columns: a window that has wholly arrived never changes, so it is
   * scanned once per trigger, not per frame, and a single capture outlives the ring's samples.
   */
  private captured?: { key: string; minmax: Float32Array<ArrayBuffer> };

  constructor(
    private readonly source: ScopeSource,
    private readonly options: ScopeFeedOptions = {},
  ) {}

  /**
   * Keeps the view where the last frame left it, for a session that ended: its ring may be freed
   * (a closed session's is), so frames come from the column cache, and the latest values are the
   * last ones read. A scope then shows the traces as they were when the device went away.
   */
  freeze(): void {
    this.pinned ??= { ...this.seen };
  }

  get frozen(): boolean {
    return this.pinned !== undefined;
  }

  /**
   * The oldest frame a view may reach. Frozen, it is the ring's oldest while the ring still holds
   * the frozen frames (a failed session keeps it), else the last window's start: once the ring is
   * freed only the cached columns are left, and scrolling back would show nothing.
   */
  private oldest(): number {
    const p = this.pinned;
    if (!p) return this.source.oldestSample;
    return this.source.lastSample >= p.newest ? p.oldest : Math.max(p.oldest, p.windowStart);
  }

  /** The newest frame shown: where a frozen view stopped, else the session's (its pause point while paused). */
  private newest(): number {
    return this.pinned?.newest ?? this.source.deliveredSample ?? this.source.lastSample;
  }

  /** The frame answering `request`; its `minmax` buffer is the caller's to transfer. */
  frame(request: ScopeRequest): ScopeFrame {
    const started = performance.now();
    const s = this.source;
    const channelCount = s.channels.length;
    const newest = this.newest();
    const oldest = this.oldest();
    const read: ReadFrames = (a, b) => s.getData?.(a, b) ?? null;
    const rows = request.channels;
    const rate = s.rate || 1;
    if (request.spectrum) {
      const a = this.spectrum.answer(
        request.spectrum,
        rows,
        request.columns,
        rate,
        channelCount,
        Math.min(request.end ?? newest, newest),
        read,
      );
      // Frequency on x: markers have no place on it, and the transform's age is no latency.
      return this.answer(request, started, a.start, a.end, a.columns, a.minmax, { spectrum: a.info, markers: [], sentAt: undefined });
    }
    const live = scopeWindow(request, rate, newest);
    if (request.xy) {
      const from = Math.max(live.start, oldest);
      const xy = xyPoints(read, channelCount, request.xy.x, request.xy.y, from, live.end);
      const info = { points: xy.points.buffer, count: xy.count, step: xy.step };
      return this.answer(request, started, from, live.end, 0, new Float32Array(0), { xy: info });
    }
    let triggered: Pick<ScopeFrame, 'trigger'> = {};
    if (request.trigger && request.end === null && !this.pinned) {
      // The same span and columns as the untriggered view (whole frames per column), only placed
      // on the trigger: the window does not change length when the trigger is switched on.
      const frames = Math.max(2, live.end - live.start);
      const t = this.trigger.window(request.trigger, frames, rate, channelCount, oldest, newest, read);
      triggered = { trigger: { state: t.state, frame: t.frame } };
      // Free-running (auto without a trigger): the live window, served as one without a trigger.
      if (t.state !== 'auto') {
        this.seen = { newest, oldest, windowStart: t.window?.start ?? live.start };
        const columns = live.columns;
        const key = `${t.frame}/${rows.join(',')}/${columns}`;
        let minmax: Float32Array<ArrayBuffer>;
        if (this.captured?.key === key) minmax = this.captured.minmax.slice();
        else if (t.window) {
          minmax = this.rescan(rows, columns, t.window.start, t.window.end);
          this.captured = { key, minmax: minmax.slice() };
        } else minmax = new Float32Array(rows.length * columns * 2).fill(NaN);
        const w = t.window ?? live;
        return this.answer(request, started, w.start, w.end, columns, minmax, triggered);
      }
    }
    const { start, end, columns } = live;
    if (!this.pinned) this.seen = { newest, oldest, windowStart: start };
    let minmax: Float32Array<ArrayBuffer>;
    let columnsOf: Pick<ScopeFrame, 'key' | 'firstColumn' | 'delta'> = {};
    const per = (end - start) / columns;
    // A live window is snapped to whole columns: each column always covers the same frames, so a
    // finished one never changes and only the columns that appeared since the last frame are new.
    // Columns before frame 0 (a young stream's window) are empty for good, so they are kept too.
    const cacheable = this.options.columnCache !== false && Number.isInteger(per) && per >= 1 && channelCount > 0;
    if (cacheable) {
      const first = start / per;
      const key = `${rows.join(',')}/${columns}/${per}`;
      // The page keeps the columns it was sent: a live frame then carries only the new ones.
      const have = request.have;
      const from = have && have.key === key && have.from <= first && have.to > first ? Math.min(have.to, first + columns) : first;
      minmax = this.fromCache(rows, columns, per, first, from);
      columnsOf = { key, firstColumn: first, ...(from > first ? { delta: { from, count: first + columns - from } } : {}) };
    } else {
      minmax = this.rescan(rows, columns, start, end);
    }
    return this.answer(request, started, start, end, columns, minmax, { ...columnsOf, ...triggered });
  }

  /** Min/max of `rows` over [start, end) in `columns` columns, scanned afresh (no column cache). */
  private rescan(rows: number[], columns: number, start: number, end: number): Float32Array<ArrayBuffer> {
    const channelCount = this.source.channels.length;
    const minmax = new Float32Array(rows.length * columns * 2);
    const all = rows.length === channelCount && rows.every((c, i) => c === i);
    // The decimator fills every channel; a subset is copied out of a reused scratch buffer.
    const target = all ? minmax : this.scratchFor(channelCount * columns * 2);
    target.fill(NaN);
    if (channelCount > 0 && rows.length > 0 && start < end) this.decimateInto(target, channelCount, columns, start, end);
    if (!all) rows.forEach((c, i) => minmax.set(target.subarray(c * columns * 2, (c + 1) * columns * 2), i * columns * 2));
    return minmax;
  }

  /** The frame for `request` showing [start, end): what every view's frame carries, and `extra`. */
  private answer(
    request: ScopeRequest,
    started: number,
    start: number,
    end: number,
    columns: number,
    minmax: Float32Array<ArrayBuffer>,
    extra: Partial<ScopeFrame>,
  ): ScopeFrame {
    const s = this.source;
    const rows = request.channels;
    const newest = this.newest();
    const stats = s.stats?.();
    return {
      type: 'frame',
      seq: request.seq,
      windowStart: start,
      windowEnd: end,
      columns,
      channels: rows,
      minmax: minmax.buffer,
      oldest: this.oldest(),
      newest,
      markers: markersIn(s.markers, start, end),
      stats: {
        measuredRate: stats?.measuredRate ?? 0,
        gaps: stats?.gaps ?? 0,
        lostFrames: stats?.lostFrames ?? 0,
        driftMs: stats?.driftMs ?? 0,
        reconnects: stats?.reconnects ?? 0,
      },
      hostMs: performance.now() - started,
      sentAt: end > 0 ? s.sentAt(end - 1) : undefined,
      latest: this.latest(rows, Math.min(request.end ?? newest, newest)),
      ...extra,
    };
  }

  /**
   * Columns [from, first + columns) of the window starting at absolute column `first`, for
   * `rows`, from the cache (decimating what it lacks). A whole window (from = first) reads what a
   * full rescan would: columns the ring no longer holds are NaN, one it holds in part is rescanned.
   */
  private fromCache(rows: number[], columns: number, per: number, first: number, from: number): Float32Array<ArrayBuffer> {
    const channels = this.source.channels.length;
    const key = `${channels}/${columns}/${per}`;
    if (key !== this.cacheKey) {
      this.cacheKey = key;
      this.cache = new Float32Array(channels * columns * 2);
      this.held = new Float64Array(columns).fill(NaN);
    }
    // Missing columns are a run at the live end, or the whole window after a jump (scroll-back).
    let missing = first;
    while (missing < first + columns && this.held[slotOf(missing, columns)] === missing) missing++;
    if (missing < first + columns) this.fill(missing, first + columns, per, channels, columns);
    const count = first + columns - from;
    const out = new Float32Array(rows.length * count * 2);
    const slot = slotOf(from, columns);
    const head = Math.min(count, columns - slot); // slots [slot, slot + head), then [0, count - head)
    rows.forEach((c, r) => {
      const row = this.cache.subarray(c * columns * 2, (c + 1) * columns * 2);
      out.set(row.subarray(slot * 2, (slot + head) * 2), r * count * 2);
      out.set(row.subarray(0, (count - head) * 2), (r * count + head) * 2);
    });
    if (from > first) return out; // a delta: the page blanks what the ring no longer holds
    const start = first * per;
    const oldest = this.oldest();
    const gone = Math.min(columns, Math.max(0, Math.floor((oldest - start) / per)));
    if (gone > 0) rows.forEach((_, r) => out.fill(NaN, r * columns * 2, (r * columns + gone) * 2));
    const partStart = start + gone * per;
    if (gone < columns && oldest > partStart) {
      const one = new Float32Array(channels * 2).fill(NaN);
      this.source.decimate(partStart, partStart + per, 1, one);
      rows.forEach((c, r) => out.set(one.subarray(c * 2, c * 2 + 2), (r * columns + gone) * 2));
    }
    return out;
  }

  /** Decimates absolute columns [from, to) into their cache slots; those below 0 are empty. */
  private fill(from: number, to: number, per: number, channels: number, columns: number): void {
    from = Math.max(from, to - columns);
    for (let k = from; k < Math.min(0, to); k++) {
      const slot = slotOf(k, columns);
      for (let c = 0; c < channels; c++) this.cache.fill(NaN, (c * columns + slot) * 2, (c * columns + slot) * 2 + 2);
      this.held[slot] = k; // no frame ever comes before frame 0
    }
    from = Math.max(0, from);
    if (from >= to) return;
    const n = to - from;
    if (this.part.length < channels * n * 2) this.part = new Float32Array(channels * n * 2);
    const out = this.part.subarray(0, channels * n * 2);
    out.fill(NaN);
    const held = this.source.decimate(from * per, to * per, n, out) ?? [0, 0];
    for (let k = 0; k < n; k++) {
      const slot = (from + k) % columns;
      for (let c = 0; c < channels; c++) {
        this.cache[(c * columns + slot) * 2] = out[(c * n + k) * 2];
        this.cache[(c * columns + slot) * 2 + 1] = out[(c * n + k) * 2 + 1];
      }
      // A column the ring did not wholly hold is not kept: it is decimated again next time.
      const whole = (from + k) * per >= held[0] && (from + k + 1) * per <= held[1];
      this.held[slot] = whole ? from + k : NaN;
    }
  }

  /**
   * Each row's value at the frame before `end` (the newest one, live): what a user of a slow
   * instrument reads first. Null where the ring holds no value there (not yet, overwritten, NaN).
   */
  private latest(rows: number[], end: number): Array<number | null> {
    const channels = this.source.channels.length;
    if (this.one.length !== channels * 2) this.one = new Float32Array(channels * 2);
    if (this.known.length !== channels) this.known = new Float32Array(channels).fill(NaN);
    this.one.fill(NaN);
    const read = end >= 1 && channels > 0 ? this.source.decimate(end - 1, end, 1, this.one) : null;
    if (read) for (let c = 0; c < channels; c++) this.known[c] = this.one[c * 2 + 1];
    else if (!this.pinned) this.known.fill(NaN);
    return rows.map((c) => (Number.isNaN(this.known[c]) ? null : this.known[c]));
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

/**
 * How a session's samples are joined when they are pixels apart: a polled instrument's readings
 * hold until the next one, so its trace is steps. The poll recorder's sources (PolledSource) say
 * so in their format's `source` (its rate and overflow policy); Servomex's passive stream is
 * readings from the same analysers. Anything else is sampled: straight lines.
 */
export function traceStyle(s: { family: string; sourceFormat?: Record<string, unknown> }): 'lines' | 'steps' {
  const format = s.sourceFormat;
  const polled = s.family === 'servomex' || (format !== undefined && typeof format.rateHz === 'number' && 'overflow' in format);
  return polled ? 'steps' : 'lines';
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
