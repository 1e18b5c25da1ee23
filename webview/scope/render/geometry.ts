// The pixel rules every renderer follows, so they agree pixel for pixel (the WebGL shader repeats
// them): a column covers whole pixel columns, a value maps to a whole pixel row clamped into its
// lane (an off-scale signal runs along the lane's edge instead of over its neighbours), and each
// column's span is stretched to meet the previous one's so a slow signal stays a connected line.
import type { Lane } from './types';

/** A lane as whole rows: [top, end), and the row of a value is floor(top + (hi - v) * scale). */
export interface LaneRows {
  top: number;
  end: number;
  /** The unrounded top edge, hi and rows per unit value (0 when lo === hi: a flat line mid-lane). */
  y0: number;
  hi: number;
  scale: number;
}

export function laneRows(lane: Lane, canvasHeight: number): LaneRows {
  const top = Math.max(0, Math.round(lane.top));
  const end = Math.min(canvasHeight, Math.round(lane.top + lane.height));
  const span = lane.hi - lane.lo;
  const scale = span !== 0 && Number.isFinite(span) ? lane.height / span : 0;
  // With scale 0, every value lands mid-lane: y0 + (hi - v) * 0.
  return { top, end, y0: scale === 0 ? lane.top + lane.height / 2 : lane.top, hi: lane.hi, scale };
}

export function rowOf(r: LaneRows, v: number): number {
  const y = Math.floor(r.y0 + (r.hi - v) * r.scale);
  return y < r.top ? r.top : y >= r.end ? r.end - 1 : y;
}

/** First pixel column of column `c` (integer plot left/width): c * width / columns, floored. */
export function columnX(c: number, columns: number, left: number, width: number): number {
  return left + Math.floor((c * width) / columns);
}

/** The plot's left edge and width as whole device pixels. */
export function plotBox(left: number, width: number): { left: number; width: number } {
  return { left: Math.round(left), width: Math.max(0, Math.round(width)) };
}

/** Sizes a canvas to whole device pixels (at least 1), touching it only when it changes: a
 * canvas clears itself whenever its size is assigned. Returns the size it now has. */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): { width: number; height: number } {
  width = Math.max(1, Math.round(width));
  height = Math.max(1, Math.round(height));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  return { width, height };
}
