// The recording page's pure arithmetic: which rows the plot shows (zoom around a point, scroll,
// clamp to the take), how a time reads (seconds, samples, wall clock), and what a pointer is over
// (markers). No DOM here, so it is unit-tested in plain Node (test/unit/recording-view.test.ts).
import type { RecordingAnchorInfo, RecordingMarkerInfo } from '../shared/recording-protocol';

/** The visible rows [start, end) of a take of `frames` rows. */
export interface ViewWindow {
  start: number;
  end: number;
}

/** Fewest rows a window may show: below this a column would hold a fraction of a sample. */
export const MIN_SPAN = 16;

/** The window moved and narrowed to fit [0, frames), keeping its span where the take allows. */
export function clampWindow(w: ViewWindow, frames: number): ViewWindow {
  const total = Math.max(1, frames);
  let span = Math.min(total, Math.max(Math.min(MIN_SPAN, total), w.end - w.start));
  if (!Number.isFinite(span)) span = total;
  let start = Math.round(w.start);
  span = Math.round(span);
  start = Math.max(0, Math.min(total - span, start));
  return { start, end: start + span };
}

/**
 * Zooms by `factor` (< 1 in, > 1 out) keeping the row under `at` (0..1 across the plot) where it
 * is, as map and plot programs do with the wheel.
 */
export function zoomAround(w: ViewWindow, factor: number, at: number, frames: number): ViewWindow {
  const span = w.end - w.start;
  const pivot = w.start + span * Math.max(0, Math.min(1, at));
  const next = span * factor;
  return clampWindow({ start: pivot - (pivot - w.start) * factor, end: pivot - (pivot - w.start) * factor + next }, frames);
}

/** Scrolls by `fraction` of the span (negative: towards the start). */
export function scrollBy(w: ViewWindow, fraction: number, frames: number): ViewWindow {
  const shift = (w.end - w.start) * fraction;
  return clampWindow({ start: w.start + shift, end: w.end + shift }, frames);
}

/** The window centred on `row`, same span. */
export function centreOn(w: ViewWindow, row: number, frames: number): ViewWindow {
  const span = w.end - w.start;
  return clampWindow({ start: row - span / 2, end: row + span / 2 }, frames);
}

/** The row under x (device pixels) of a plot [left, left + width). */
export function rowAtX(x: number, left: number, width: number, w: ViewWindow): number {
  return w.start + ((x - left) / Math.max(1, width)) * (w.end - w.start);
}

export function xOfRow(row: number, left: number, width: number, w: ViewWindow): number {
  return left + ((row - w.start) / Math.max(1, w.end - w.start)) * width;
}

/**
 * When a take grows and the view showed its end, the view keeps showing the end (same span);
 * otherwise it stays where the person put it.
 */
export function followGrowth(w: ViewWindow, oldFrames: number, newFrames: number): ViewWindow {
  if (w.end >= oldFrames) return clampWindow({ start: w.start + (newFrames - oldFrames), end: newFrames }, newFrames);
  return clampWindow(w, newFrames);
}

export type TimeMode = 'seconds' | 'samples' | 'clock';

const SECOND_STEPS = [
  1e-4, 2e-4, 5e-4, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
];

/** A tick step in seconds giving about `wanted` ticks over `span` (minutes and hours round). */
export function niceStep(span: number, wanted = 8): number {
  return SECOND_STEPS.find((s) => span / s <= wanted) ?? decimalStep(span, wanted);
}

/** 1-2-5 times a power of ten (sample counts, and seconds beyond two hours). */
export function decimalStep(span: number, wanted = 8): number {
  const raw = span / wanted;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw * (1 - 1e-12)) ?? 10 * p;
}

/** Seconds as the axis shows them: `1:02.5` past a minute, `12.25 s` below, with `digits` decimals. */
export function formatSeconds(t: number, digits: number): string {
  const sign = t < 0 ? '−' : '';
  const a = Math.abs(t);
  if (a < 60) return `${sign}${a.toFixed(digits)} s`;
  const h = Math.floor(a / 3600);
  const m = Math.floor((a - h * 3600) / 60);
  const s = a - h * 3600 - m * 60;
  const sec = s.toFixed(digits).padStart(digits > 0 ? digits + 3 : 2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}

/**
 * Wall-clock time of `row`: from the nearest anchor at or before it (the recorder's clock
 * checkpoints), else from startTime; null when neither is known or the rate is.
 */
export function wallClockMs(row: number, rate: number, startTime: string | null, anchors: RecordingAnchorInfo[]): number | null {
  if (!(rate > 0)) return null;
  let base: { row: number; ms: number } | null = null;
  const start = startTime ? Date.parse(startTime) : NaN;
  if (Number.isFinite(start)) base = { row: 0, ms: start };
  for (const a of anchors) {
    const ms = Date.parse(a.time);
    if (Number.isFinite(ms) && a.row <= row && (!base || a.row >= base.row)) base = { row: a.row, ms };
  }
  if (!base) return null;
  return base.ms + ((row - base.row) / rate) * 1000;
}

/** hh:mm:ss.fff in UTC, the recorder's own clock (sidecars are written in UTC). */
export function formatClock(ms: number, digits: number): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  const frac = digits > 0 ? '.' + String(d.getUTCMilliseconds()).padStart(3, '0').slice(0, Math.min(3, digits)) : '';
  return `${hh}:${mm}:${ss}${frac}`;
}

export interface TimeContext {
  mode: TimeMode;
  rate: number;
  startTime: string | null;
  anchors: RecordingAnchorInfo[];
}

/** The mode actually usable: seconds and clock need a rate, clock a start time or anchor. */
export function effectiveMode(c: TimeContext): TimeMode {
  if (!(c.rate > 0)) return 'samples';
  if (c.mode === 'clock' && wallClockMs(0, c.rate, c.startTime, c.anchors) === null && c.anchors.length === 0) return 'seconds';
  return c.mode;
}

/** Ticks over rows [start, end): row positions and their labels, in the context's mode. */
export function timeTicks(w: ViewWindow, c: TimeContext, wanted = 8): { row: number; label: string }[] {
  const mode = effectiveMode(c);
  const out: { row: number; label: string }[] = [];
  if (mode === 'samples') {
    const step = Math.max(1, decimalStep(w.end - w.start, wanted));
    for (let r = Math.ceil(w.start / step) * step; r <= w.end && out.length < 200; r += step) out.push({ row: r, label: String(r) });
    return out;
  }
  const t0 = w.start / c.rate;
  const t1 = w.end / c.rate;
  const step = niceStep(t1 - t0, wanted);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  // Clock ticks fall on round wall-clock times, not round offsets from the start.
  const offsetMs = mode === 'clock' ? (wallClockMs(0, c.rate, c.startTime, c.anchors) ?? 0) : 0;
  const origin = mode === 'clock' ? (offsetMs / 1000) % step : 0;
  for (let t = Math.ceil((t0 + origin) / step) * step - origin; t <= t1 + 1e-12 && out.length < 200; t += step) {
    const row = t * c.rate;
    const label = mode === 'clock' ? formatClock(wallClockMs(row, c.rate, c.startTime, c.anchors) ?? 0, digits) : formatSeconds(t, digits);
    out.push({ row, label });
  }
  return out;
}

/** The readout's time of one row, in the context's mode, to the sample. */
export function formatRowTime(row: number, c: TimeContext): string {
  const mode = effectiveMode(c);
  const r = Math.round(row);
  if (mode === 'samples') return `sample ${r}`;
  const digits = Math.min(6, Math.max(3, Math.ceil(Math.log10(c.rate))));
  if (mode === 'clock') return formatClock(wallClockMs(r, c.rate, c.startTime, c.anchors) ?? 0, 3);
  return `${formatSeconds(r / c.rate, digits)} (sample ${r})`;
}

/**
 * The marker under x (device pixels): a span when x is inside it, else the nearest point/edge
 * within `slop` pixels; the closest wins. `edge` says whether the hit is a span's end (drag that
 * to change its duration) or its start/body (drag that to move it).
 */
export function markerAt(
  x: number,
  markers: readonly RecordingMarkerInfo[],
  left: number,
  width: number,
  w: ViewWindow,
  slop: number,
): { marker: RecordingMarkerInfo; edge: 'start' | 'end' } | null {
  let best: { marker: RecordingMarkerInfo; edge: 'start' | 'end'; d: number } | null = null;
  for (const m of markers) {
    const xs = xOfRow(m.row, left, width, w);
    const xe = xOfRow(m.row + m.duration, left, width, w);
    const ds = Math.abs(x - xs);
    const de = m.duration > 0 ? Math.abs(x - xe) : Infinity;
    if (ds <= slop && (!best || ds < best.d)) best = { marker: m, edge: 'start', d: ds };
    if (de <= slop && (!best || de < best.d)) best = { marker: m, edge: 'end', d: de };
  }
  if (best) return { marker: best.marker, edge: best.edge };
  for (const m of markers) {
    if (m.duration <= 0) continue;
    const xs = xOfRow(m.row, left, width, w);
    const xe = xOfRow(m.row + m.duration, left, width, w);
    if (x > xs && x < xe) return { marker: m, edge: 'start' };
  }
  return null;
}

/** Markers whose type, text or channel contains `filter` (case-insensitive), in row order. */
export function filterMarkers(markers: readonly RecordingMarkerInfo[], filter: string): RecordingMarkerInfo[] {
  const f = filter.trim().toLowerCase();
  return markers.filter((m) => !f || `${m.type} ${m.text} ${m.channel ?? ''}`.toLowerCase().includes(f)).sort((a, b) => a.row - b.row);
}

/** min and max of one series' columns (NaN skipped), for auto-fit; null when it has none. */
export function seriesRange(minmax: ArrayLike<number>, series: number, columns: number): { lo: number; hi: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < columns; c++) {
    const a = minmax[(series * columns + c) * 2];
    const b = minmax[(series * columns + c) * 2 + 1];
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  if (!(hi >= lo)) return null;
  if (hi === lo) return { lo: lo - 1, hi: hi + 1 };
  const pad = (hi - lo) * 0.05;
  return { lo: lo - pad, hi: hi + pad };
}

/** One range for every channel of a unit: the union of their ranges (the "same scale" option). */
export function unionRanges(ranges: ({ lo: number; hi: number } | null)[]): { lo: number; hi: number } | null {
  let out: { lo: number; hi: number } | null = null;
  for (const r of ranges) if (r) out = out ? { lo: Math.min(out.lo, r.lo), hi: Math.max(out.hi, r.hi) } : { ...r };
  return out;
}

/** A range scaled by `factor` about its centre (alt+wheel on a lane). */
export function scaleRange(r: { lo: number; hi: number }, factor: number): { lo: number; hi: number } {
  const mid = (r.lo + r.hi) / 2;
  const half = ((r.hi - r.lo) / 2) * factor;
  return { lo: mid - half, hi: mid + half };
}

/** A column's value at the cursor as the readout shows it: the column's mid when min ≠ max. */
export function columnValue(
  minmax: ArrayLike<number>,
  series: number,
  columns: number,
  column: number,
): { min: number; max: number } | null {
  if (column < 0 || column >= columns) return null;
  const min = minmax[(series * columns + column) * 2];
  const max = minmax[(series * columns + column) * 2 + 1];
  if (Number.isNaN(min) || Number.isNaN(max)) return null;
  return { min, max };
}

/**
 * Hands out request ids and keeps only the newest per kind in flight: a reply with an older id is
 * stale (the window moved since) and dropped; while one is in flight the next wish waits, and
 * only the latest wish is sent when the reply comes.
 */
export class RequestGate<T> {
  private next = 1;
  private inFlight: number | null = null;
  private pending: T | null = null;

  constructor(private readonly send: (id: number, what: T) => void) {}

  want(what: T): void {
    if (this.inFlight !== null) {
      this.pending = what;
      return;
    }
    this.inFlight = this.next++;
    this.send(this.inFlight, what);
  }

  /** True when the reply `id` is the one in flight (use it); false for a stale one (drop it). */
  answered(id: number): boolean {
    if (id !== this.inFlight) return false;
    this.inFlight = null;
    if (this.pending !== null) {
      const p = this.pending;
      this.pending = null;
      this.want(p);
    }
    return true;
  }

  /** An error for the request in flight: free the gate so the next wish goes out. */
  failed(id: number | undefined): void {
    if (id === undefined || id === this.inFlight) this.answered(this.inFlight ?? -1);
  }
}
