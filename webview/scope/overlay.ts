// Everything drawn over the traces: lane separators and labels, the time axis, markers as
// labelled vertical lines, and the cursor. Cheap (a few hundred strokes), redrawn with each frame.
import type { Lane } from './render/types';
import type { Palette } from './theme';
import type { ScopeMarker } from '../shared/protocol';
import { niceStep } from './measure';

export interface OverlayInput {
  ctx: CanvasRenderingContext2D;
  dpr: number;
  /** Plot area in device pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  lanes: Lane[];
  labels: string[];
  windowStart: number;
  windowEnd: number;
  rate: number;
  markers: ScopeMarker[];
  /** Cursor x in device pixels, when the pointer is over the plot. */
  cursorX?: number;
  palette: Palette;
  /** A spectrum's x axis, 0 to maxHz, instead of stream time. */
  frequency?: { maxHz: number };
  /** The measurement cursors placed, x in device pixels. */
  cursors?: Array<{ x: number; label: string }>;
  /** A triggered view: the trigger's x, and its level's y on the trigger channel's lane. */
  trigger?: { x?: number; y?: number };
}

const STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60];

/** A tick step giving about `wanted` ticks over `span` seconds. */
export function tickStep(span: number, wanted = 6): number {
  return STEPS.find((s) => span / s <= wanted) ?? STEPS[STEPS.length - 1];
}

export function xOfFrame(frame: number, o: Pick<OverlayInput, 'left' | 'width' | 'windowStart' | 'windowEnd'>): number {
  return o.left + ((frame - o.windowStart) / Math.max(1, o.windowEnd - o.windowStart)) * o.width;
}

export function drawOverlay(o: OverlayInput): void {
  const { ctx, dpr, palette } = o;
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.font = `${11 * dpr}px var(--vscode-font-family, sans-serif)`;
  ctx.textBaseline = 'top';
  ctx.lineWidth = Math.max(1, Math.round(dpr));

  // Lanes: a separator below each, and the channel's name and range at its top left.
  ctx.strokeStyle = palette.grid;
  ctx.fillStyle = palette.foreground;
  ctx.beginPath();
  o.lanes.forEach((lane, i) => {
    const y = Math.round(lane.top + lane.height) + 0.5;
    ctx.moveTo(o.left, y);
    ctx.lineTo(o.left + o.width, y);
    if (lane.height >= 10 * dpr) ctx.fillText(o.labels[i], 4 * dpr, lane.top + 1 * dpr, o.left - 8 * dpr);
  });
  ctx.stroke();

  const axisY = o.top + o.height + 3 * dpr;
  ctx.beginPath();
  if (o.frequency) {
    // Spectrum: frequency from 0 to the last bin, in Hz or kHz.
    const max = o.frequency.maxHz;
    const step = niceStep(max);
    const k = max >= 2000;
    for (let f = 0; f <= max; f += step) {
      const x = Math.round(o.left + (f / max) * o.width) + 0.5;
      ctx.moveTo(x, o.top);
      ctx.lineTo(x, o.top + o.height);
      ctx.fillText(k ? `${+(f / 1000).toPrecision(4)} kHz` : `${+f.toPrecision(4)} Hz`, x + 2 * dpr, axisY);
    }
  } else {
    // Time axis: stream time in seconds (frame / rate), so a paused view and a recording agree.
    const rate = o.rate || 1;
    const t0 = o.windowStart / rate;
    const t1 = o.windowEnd / rate;
    const step = tickStep(t1 - t0);
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = Math.round(xOfFrame(t * rate, o)) + 0.5;
      ctx.moveTo(x, o.top);
      ctx.lineTo(x, o.top + o.height);
      ctx.fillText(`${t.toFixed(digits)} s`, x + 2 * dpr, axisY);
    }
  }
  ctx.globalAlpha = 0.35;
  ctx.stroke();
  ctx.globalAlpha = 1;

  // Markers: a dashed line and the marker's text.
  ctx.strokeStyle = palette.marker;
  ctx.fillStyle = palette.marker;
  ctx.setLineDash([4 * dpr, 3 * dpr]);
  ctx.beginPath();
  for (const m of o.markers) {
    const x = Math.round(xOfFrame(m.frame, o)) + 0.5;
    ctx.moveTo(x, o.top);
    ctx.lineTo(x, o.top + o.height);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  for (const m of o.markers) ctx.fillText(m.label, xOfFrame(m.frame, o) + 3 * dpr, o.top + 2 * dpr);

  // The trigger: a T above its frame, and its level dashed across the trigger channel's lane.
  if (o.trigger) {
    ctx.strokeStyle = palette.cursor;
    ctx.fillStyle = palette.cursor;
    ctx.setLineDash([2 * dpr, 4 * dpr]);
    ctx.beginPath();
    if (o.trigger.x !== undefined) {
      ctx.moveTo(Math.round(o.trigger.x) + 0.5, o.top);
      ctx.lineTo(Math.round(o.trigger.x) + 0.5, o.top + o.height);
    }
    if (o.trigger.y !== undefined) {
      ctx.moveTo(o.left, Math.round(o.trigger.y) + 0.5);
      ctx.lineTo(o.left + o.width, Math.round(o.trigger.y) + 0.5);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (o.trigger.x !== undefined) ctx.fillText('T', o.trigger.x + 3 * dpr, o.top + o.height - 14 * dpr);
  }

  // Measurement cursors: solid lines, labelled at the bottom.
  for (const c of o.cursors ?? []) {
    ctx.strokeStyle = palette.foreground;
    ctx.fillStyle = palette.foreground;
    ctx.beginPath();
    ctx.moveTo(Math.round(c.x) + 0.5, o.top);
    ctx.lineTo(Math.round(c.x) + 0.5, o.top + o.height);
    ctx.stroke();
    ctx.fillText(c.label, c.x + 3 * dpr, o.top + 16 * dpr); // at the top: the readout box sits at the bottom right
  }

  if (o.cursorX !== undefined) {
    ctx.strokeStyle = palette.cursor;
    ctx.beginPath();
    ctx.moveTo(Math.round(o.cursorX) + 0.5, o.top);
    ctx.lineTo(Math.round(o.cursorX) + 0.5, o.top + o.height);
    ctx.stroke();
  }
}
