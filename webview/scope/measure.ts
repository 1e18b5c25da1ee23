// The two measurement cursors (A and B) read as a bench scope's do: where each one is, Δt and
// 1/Δt between them (Δf in a spectrum), and each channel's change in value from A to B. Pure, so
// the page's numbers are tested without a browser.
import type { ScopeFrame } from '../shared/protocol';
import { formatValue } from './format';

export interface MeasureInput {
  frame: Pick<ScopeFrame, 'windowStart' | 'windowEnd' | 'columns' | 'spectrum'>;
  /** The whole window's min/max, rows × columns × 2. */
  minmax: Float32Array;
  rate: number;
  /** Cursor positions as shares of the plot width (0…1). */
  a: number | null;
  b: number | null;
  /** Per row: its name and unit. */
  rows: Array<{ name: string; unit: string }>;
}

/** The x of a cursor in the view's own unit: seconds of stream time, or Hz in a spectrum. */
export function cursorValue(share: number, frame: MeasureInput['frame'], rate: number): number {
  if (frame.spectrum) return share * frame.spectrum.bins * frame.spectrum.binHz;
  return (frame.windowStart + share * (frame.windowEnd - frame.windowStart)) / (rate || 1);
}

/** A row's value at a cursor: the middle of its column's min and max (the sample, one per column). */
export function valueAt(share: number, row: number, input: Pick<MeasureInput, 'minmax' | 'frame'>): number {
  const columns = input.frame.columns;
  const c = Math.min(columns - 1, Math.max(0, Math.floor(share * columns)));
  const lo = input.minmax[(row * columns + c) * 2];
  const hi = input.minmax[(row * columns + c) * 2 + 1];
  return (lo + hi) / 2;
}

function duration(seconds: number): string {
  const a = Math.abs(seconds);
  return a >= 1 ? `${formatValue(seconds)} s` : a >= 1e-3 ? `${formatValue(seconds * 1e3)} ms` : `${formatValue(seconds * 1e6)} µs`;
}

/** The cursors' readout lines, or [] with neither placed. At most 8 channels are listed. */
export function measurement(input: MeasureInput): string[] {
  const { a, b, frame, rate } = input;
  if (a === null && b === null) return [];
  const spectrum = frame.spectrum !== undefined;
  const at = (share: number) => cursorValue(share, frame, rate);
  const where = (share: number) => (spectrum ? `${formatValue(at(share))} Hz` : `${formatValue(at(share))} s`);
  const head: string[] = [];
  if (a !== null) head.push(`A ${where(a)}`);
  if (b !== null) head.push(`B ${where(b)}`);
  if (a === null || b === null) return [head.join(' · ')];
  const dx = at(b) - at(a);
  if (spectrum) head.push(`Δf ${formatValue(dx)} Hz`);
  else head.push(`Δt ${duration(dx)}`, dx !== 0 ? `1/Δt ${formatValue(1 / Math.abs(dx))} Hz` : '1/Δt —');
  const lines = [head.join(' · ')];
  input.rows.slice(0, 8).forEach((row, r) => {
    const dv = valueAt(b, r, input) - valueAt(a, r, input);
    lines.push(`${row.name}: Δ ${formatValue(dv)}${spectrum ? ' dB' : row.unit ? ` ${row.unit}` : ''}`);
  });
  if (input.rows.length > 8) lines.push(`… ${input.rows.length - 8} more`);
  return lines;
}

/** Nice tick steps (1, 2, 5 × 10^k) giving about `wanted` ticks from 0 to `max`. */
export function niceStep(max: number, wanted = 6): number {
  if (!(max > 0)) return 1;
  const raw = max / wanted;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/** The extent of XY points (x then y), padded by 5 %, or null with none finite. */
export function xyExtent(points: Float32Array, count: number): { x0: number; x1: number; y0: number; y1: number } | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = points[i * 2];
    const y = points[i * 2 + 1];
    if (x !== x || y !== y) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x0 > x1) return null;
  const px = (x1 - x0) * 0.05 || Math.abs(x0) * 0.05 || 1;
  const py = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
  return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
}
