// What a scope renderer draws: min/max columns into lanes. Grid, labels, markers and the cursor
// are drawn by the scope app on an overlay canvas above, so a renderer only does the heavy part.

/** One series' place on the canvas, in device pixels, and the value range it maps to it. */
export interface Lane {
  top: number;
  height: number;
  /** Value at the lane's bottom edge and at its top edge. */
  lo: number;
  hi: number;
  /** CSS colour. */
  color: string;
}

export interface DrawInput {
  /** minmax[(series * columns + column) * 2 + 0|1], NaN where there is no data. */
  minmax: Float32Array;
  columns: number;
  /** Series i is drawn into lanes[i]; lanes may overlap (overlaid mode). */
  lanes: Lane[];
  /** The plot area's left edge and width in device pixels; column c spans width / columns. */
  left: number;
  width: number;
}

export interface ScopeRenderer {
  readonly kind: RendererKind;
  /** The canvas's size in device pixels. */
  resize(width: number, height: number): void;
  /** Clears and draws every series. */
  draw(input: DrawInput): void;
  dispose(): void;
}

export type RendererKind = 'canvas2d' | 'raster' | 'webgl';
