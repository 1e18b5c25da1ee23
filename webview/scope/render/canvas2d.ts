// Canvas 2D paths: per series one path through every column's min→max segment, the segments
// joined so a slow signal is a continuous line, and one stroke. Antialiased by the browser.
import { columnX, laneRows, plotBox, rowOf, fitCanvas } from './geometry';
import type { DrawInput, RendererKind, ScopeRenderer } from './types';

export class Canvas2dRenderer implements ScopeRenderer {
  readonly kind: RendererKind = 'canvas2d';
  private readonly ctx: CanvasRenderingContext2D;
  private centres = new Float64Array(0);

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('canvas2d renderer: no 2D context on this canvas');
    this.ctx = ctx;
  }

  resize(width: number, height: number): void {
    fitCanvas(this.canvas, width, height);
  }

  draw(input: DrawInput): void {
    const { ctx, canvas } = this;
    const { minmax, columns, lanes } = input;
    const { left, width } = plotBox(input.left, input.width);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (columns <= 0 || width <= 0) return;
    const lineWidth = Math.max(1, width / columns);
    ctx.lineWidth = lineWidth;
    // Bevel: a zigzag of min/max with miter joins would grow spikes past the data.
    ctx.lineJoin = 'bevel';
    ctx.lineCap = 'square';
    // Pixel centres, so a 1-px vertical stroke covers exactly its pixel column and rows.
    if (this.centres.length < columns) this.centres = new Float64Array(columns);
    const xs = this.centres;
    for (let c = 0; c < columns; c++) xs[c] = (columnX(c, columns, left, width) + columnX(c + 1, columns, left, width)) / 2;
    for (let s = 0; s < lanes.length; s++) {
      const r = laneRows(lanes[s], canvas.height);
      if (r.end <= r.top) continue;
      const base = s * columns * 2;
      ctx.beginPath();
      let last = NaN;
      for (let c = 0; c < columns; c++) {
        const mn = minmax[base + 2 * c];
        const mx = minmax[base + 2 * c + 1];
        if (mn !== mn || mx !== mx) {
          last = NaN;
          continue;
        }
        const x = xs[c];
        const a = rowOf(r, mx) + 0.5;
        const b = rowOf(r, mn) + 0.5;
        const fresh = last !== last;
        // Enter each column at the end nearer the previous point: the join is the shortest line
        // between the two spans, and the vertical segment then covers this column's range.
        const aFirst = fresh || Math.abs(a - last) <= Math.abs(b - last);
        const near = aFirst ? a : b;
        const far = aFirst ? b : a;
        if (fresh) ctx.moveTo(x, near);
        else ctx.lineTo(x, near);
        if (far !== near) ctx.lineTo(x, far);
        // A lone flat column after a gap: a path of one point is not stroked at all, a tiny
        // segment with square caps covers its pixel.
        else if (fresh) ctx.lineTo(x + 1 / 64, far);
        last = far;
      }
      ctx.strokeStyle = lanes[s].color;
      ctx.stroke();
    }
  }

  dispose(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }
}
