// Slow signals: a window with fewer samples than pixel columns arrives as one column per sample
// (min = max), each sample at its column's left edge, the frame's time. Drawn as they come, they
// are dots a few pixels apart (issue 15: "slow instruments look empty"). Here they become one
// min/max column per pixel, the line between the samples (straight, or held until the next one for
// polled readings) plus a dot on each sample, so every renderer draws them with its usual rules
// and they all agree pixel for pixel.

/** How samples are joined: straight lines, or steps (each reading held until the next). */
export type TraceStyle = 'lines' | 'steps';

export interface SparseInput {
  /** rows × columns × 2 min/max, NaN where there is no sample. */
  minmax: Float32Array;
  columns: number;
  rows: number;
  /** Pixel columns of the plot (whole pixels); the result has this many columns. */
  width: number;
  style: TraceStyle;
  /** Half a dot's width in pixels (0: no dots). */
  radius: number;
  /** Per row, half a dot's height in the row's value units (radius ÷ the lane's pixels per unit). */
  dotHeight: ArrayLike<number>;
  /** A dot on every sample; else only on a lone one (no neighbour to join), which is always shown. */
  everySample: boolean;
}

/** The first pixel column of sample column `c`, as geometry.ts's columnX places it. */
const pixelOf = (c: number, columns: number, width: number): number => Math.floor((c * width) / columns);

/** True when the frame's columns are samples spread over pixels rather than pixel columns. */
export function isSparse(columns: number, width: number): boolean {
  return columns > 0 && columns < width;
}

/**
 * The pixel columns (rows × width × 2, NaN where nothing is drawn) of `input`'s samples joined in
 * its style, with its dots. `out` is reused when it has the right size.
 */
export function toPixelColumns(input: SparseInput, out?: Float32Array): Float32Array {
  const { minmax, columns, rows, width, style, radius } = input;
  const size = rows * width * 2;
  const px = out?.length === size ? out : new Float32Array(size);
  px.fill(NaN);
  for (let r = 0; r < rows; r++) {
    const src = r * columns * 2;
    const dst = r * width * 2;
    const include = (x: number, lo: number, hi: number) => {
      if (x < 0 || x >= width) return;
      const i = dst + x * 2;
      const a = px[i];
      if (a !== a || lo < a) px[i] = lo;
      const b = px[i + 1];
      if (b !== b || hi > b) px[i + 1] = hi;
    };
    const valid = (c: number) =>
      c >= 0 && c < columns && minmax[src + c * 2] === minmax[src + c * 2] && minmax[src + c * 2 + 1] === minmax[src + c * 2 + 1];
    const dot = input.dotHeight[r] ?? 0;
    for (let c = 0; c < columns; c++) {
      if (!valid(c)) continue;
      const mn = minmax[src + c * 2];
      const mx = minmax[src + c * 2 + 1];
      const x0 = pixelOf(c, columns, width);
      const x1 = Math.max(x0 + 1, pixelOf(c + 1, columns, width));
      const next = valid(c + 1);
      if (style === 'steps') {
        // Held until the next reading: the riser is the renderer's join to the next column.
        for (let x = x0; x < x1; x++) include(x, mn, mx);
      } else {
        include(x0, mn, mx);
        if (next) {
          // The segment from this sample to the next, cut at pixel edges: each pixel column spans
          // what the line crosses in it, so consecutive columns touch and the line is unbroken.
          const a = (mn + mx) / 2;
          const b = (minmax[src + (c + 1) * 2] + minmax[src + (c + 1) * 2 + 1]) / 2;
          const span = x1 - x0;
          for (let x = x0; x < x1; x++) {
            const va = a + ((b - a) * (x - x0)) / span;
            const vb = a + ((b - a) * (x + 1 - x0)) / span;
            include(x, Math.min(va, vb), Math.max(va, vb));
          }
        }
      }
      if (radius > 0 && (input.everySample || (!next && !valid(c - 1)))) {
        for (let x = x0 - radius; x <= x0 + radius; x++) include(x, mn - dot, mx + dot);
      }
    }
  }
  return px;
}
