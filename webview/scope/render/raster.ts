// Writes pixels directly: per column per series, the rows from min to max (joined to the previous
// column's span) are set in a Uint32Array over an ImageData, then one putImageData. No paths, no
// antialiasing, no GPU: the cost is a loop over columns plus the pixels touched, small for
// stacked lanes and large only when many tall series overlap (64 overlaid: ~20 M writes).
import { cssColor, packRgba } from './color';
import { columnX, laneRows, plotBox, fitCanvas } from './geometry';
import type { DrawInput, RendererKind, ScopeRenderer } from './types';

/** A width × height RGBA pixel buffer, as ImageData's data seen through a Uint32Array. */
export interface Pixels {
  data: Uint32Array;
  width: number;
  height: number;
}

/**
 * Clears `px` and draws every series of `input` into it in `colors` (little-endian RGBA).
 * Pure: the pixel rules live here so they can be tested without a browser. Hot: 64 series ×
 * 1200 columns per frame, so rowOf/columnX are inlined and pixels are written as Int32 (a
 * colour above 2^31 would be a heap number in a Uint32 store).
 */
export function rasterize(px: Pixels, input: DrawInput, colors: ArrayLike<number>): void {
  const { width: stride, height } = px;
  const data = new Int32Array(px.data.buffer, px.data.byteOffset, px.data.length);
  data.fill(0);
  const { minmax, columns, lanes } = input;
  const { left, width } = plotBox(input.left, input.width);
  if (columns <= 0 || width <= 0) return;
  const { from, to } = columnSpans(columns, left, width, stride);
  for (let s = 0; s < lanes.length; s++) {
    const { top, end, y0: base, hi, scale } = laneRows(lanes[s], height);
    if (end <= top) continue;
    const last = end - 1;
    const color = colors[s] | 0;
    const offset = s * columns * 2;
    let pTop = -1;
    let pBot = -1;
    for (let c = 0; c < columns; c++) {
      const mn = minmax[offset + 2 * c];
      const mx = minmax[offset + 2 * c + 1];
      if (mn !== mn || mx !== mx) {
        pTop = -1; // a gap: draw nothing and break the line
        continue;
      }
      // rowOf(), inlined: clamp as a float first so `| 0` floors (it is ≥ 0) and cannot wrap.
      const fa = base + (hi - mx) * scale;
      const fb = base + (hi - mn) * scale;
      const a = fa < top ? top : fa >= end ? last : fa | 0;
      const b = fb < top ? top : fb >= end ? last : fb | 0;
      const lo = a < b ? a : b;
      const up = a < b ? b : a;
      let y0 = lo;
      let y1 = up;
      if (pTop >= 0) {
        if (pBot < y0) y0 = pBot;
        if (pTop > y1) y1 = pTop;
      }
      pTop = lo;
      pBot = up;
      for (let x = from[c], x1 = to[c]; x < x1; x++) {
        for (let i = y0 * stride + x, e = y1 * stride + x; i <= e; i += stride) data[i] = color;
      }
    }
  }
}

let spans = { key: '', from: new Int32Array(0), to: new Int32Array(0) };

/** The pixel columns [from[c], to[c]) of every column: at least one pixel, clipped to the canvas. */
function columnSpans(columns: number, left: number, width: number, canvasWidth: number): { from: Int32Array; to: Int32Array } {
  const key = `${columns},${left},${width},${canvasWidth}`;
  if (key === spans.key) return spans;
  const from = new Int32Array(columns);
  const to = new Int32Array(columns);
  for (let c = 0; c < columns; c++) {
    const x0 = columnX(c, columns, left, width);
    from[c] = Math.max(0, x0);
    to[c] = Math.min(canvasWidth, Math.max(columnX(c + 1, columns, left, width), x0 + 1));
  }
  spans = { key, from, to };
  return spans;
}

export class RasterRenderer implements ScopeRenderer {
  readonly kind: RendererKind = 'raster';
  private readonly ctx: CanvasRenderingContext2D;
  private image?: ImageData;
  private pixels?: Pixels;
  private colors = new Uint32Array(0);

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('raster renderer: no 2D context on this canvas');
    this.ctx = ctx;
    this.resize(canvas.width, canvas.height);
  }

  resize(width: number, height: number): void {
    ({ width, height } = fitCanvas(this.canvas, width, height));
    if (this.image?.width === width && this.image.height === height) return;
    this.image = this.ctx.createImageData(width, height);
    this.pixels = { data: new Uint32Array(this.image.data.buffer), width, height };
  }

  draw(input: DrawInput): void {
    if (!this.image || !this.pixels) return;
    if (this.colors.length < input.lanes.length) this.colors = new Uint32Array(input.lanes.length);
    input.lanes.forEach((lane, i) => (this.colors[i] = packRgba(cssColor(lane.color))));
    rasterize(this.pixels, input, this.colors);
    this.ctx.putImageData(this.image, 0, 0);
  }

  dispose(): void {
    this.image = this.pixels = undefined;
  }
}
