// The raster renderer's pixel rules (shared by every renderer via geometry.ts), on a plain
// Uint32Array: the browser renderers are pixel-checked by `npm run bench -- scope`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rasterize, type Pixels } from '../../webview/scope/render/raster';
import { packRgba, parseColor } from '../../webview/scope/render/color';
import { rowOf, laneRows } from '../../webview/scope/render/geometry';
import type { DrawInput, Lane } from '../../webview/scope/render/types';
import { isSparse, toPixelColumns, type TraceStyle } from '../../webview/scope/render/sparse';

const RED = packRgba([255, 0, 0, 255]);
const BLUE = packRgba([0, 0, 255, 255]);

function pixels(width: number, height: number): Pixels {
  return { data: new Uint32Array(width * height).fill(0xdeadbeef), width, height };
}

/** Rows of column x holding `color`, as a list. */
function rowsAt(px: Pixels, x: number, color: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < px.height; y++) if (px.data[y * px.width + x] === color) rows.push(y);
  return rows;
}

function input(series: [number, number][][], lanes: Lane[], width: number, left = 0): DrawInput {
  const columns = series[0].length;
  const minmax = new Float32Array(series.length * columns * 2);
  series.forEach((cols, s) => cols.forEach(([mn, mx], c) => minmax.set([mn, mx], (s * columns + c) * 2)));
  return { minmax, columns, lanes, left, width };
}

// Lane of 10 rows mapping 0..10: value v sits on row floor(top + 10 - v).
const lane = (top: number, color = 'red'): Lane => ({ top, height: 10, lo: 0, hi: 10, color });

test('each column fills its min→max rows, joined to the previous column, in its lane only', () => {
  const px = pixels(4, 30);
  const nan: [number, number] = [NaN, NaN];
  rasterize(
    px,
    input(
      [
        [[1.5, 3.5], [8.5, 9.5], nan, [5, 5]],
        [[0, 10], nan, nan, nan],
      ],
      [lane(0), lane(20)],
      4,
    ),
    [RED, BLUE],
  );
  assert.deepEqual(rowsAt(px, 0, RED), [6, 7, 8]); // max 3.5 → row 6, min 1.5 → row 8
  assert.deepEqual(rowsAt(px, 1, RED), [0, 1, 2, 3, 4, 5, 6], 'stretched down to meet column 0');
  assert.deepEqual(rowsAt(px, 2, RED), [], 'NaN column is empty');
  assert.deepEqual(rowsAt(px, 3, RED), [5], 'a flat column after a gap is one pixel, not joined');
  // Series 1's full range covers its lane and no more: value 10 → row 20, value 0 clamps to row 29.
  assert.deepEqual(rowsAt(px, 0, BLUE), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  assert.deepEqual(rowsAt(px, 1, BLUE), []);
  // Everything else was cleared to transparent.
  assert.equal(px.data.filter((v) => v !== 0 && v !== RED && v !== BLUE).length, 0);
});

test('off-scale values run along the lane edge; overlaid lanes draw in series order', () => {
  const px = pixels(2, 10);
  rasterize(
    px,
    input(
      [
        [
          [50, 60],
          [-Infinity, -5],
        ],
        [
          [4.5, 4.5],
          [4.5, 4.5],
        ],
      ],
      [lane(0), lane(0, 'blue')],
      2,
    ),
    [RED, BLUE],
  );
  assert.deepEqual(rowsAt(px, 0, RED), [0]);
  assert.deepEqual(rowsAt(px, 1, RED), [0, 1, 2, 3, 4, 6, 7, 8, 9], 'joined from row 0 down to row 9, under blue at row 5');
  assert.deepEqual(rowsAt(px, 1, BLUE), [5]);
});

test('columns map to whole pixel columns whatever the ratio of columns to width', () => {
  const wide = pixels(10, 10);
  rasterize(
    wide,
    input(
      [
        [
          [5, 5],
          [NaN, NaN],
          [5, 5],
        ],
      ],
      [lane(0)],
      6,
      2,
    ),
    [RED],
  );
  // 3 columns over 6 pixels from x = 2: pixels 2-3, 4-5 (gap), 6-7.
  assert.deepEqual(
    [...Array(10).keys()].map((x) => rowsAt(wide, x, RED).length),
    [0, 0, 1, 1, 0, 0, 1, 1, 0, 0],
  );
  const dense = pixels(2, 10);
  rasterize(
    dense,
    input(
      [
        [
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ],
      ],
      [lane(0)],
      2,
    ),
    [RED],
  );
  // 4 columns over 2 pixels: two per pixel, both drawn.
  assert.deepEqual(rowsAt(dense, 0, RED), [8, 9]);
  assert.deepEqual(rowsAt(dense, 1, RED), [6, 7, 8]);
});

test('a plot narrower than the canvas and lanes partly off the canvas are clipped, not wrapped', () => {
  const px = pixels(3, 6);
  rasterize(
    px,
    input(
      [
        [
          [0, 10],
          [0, 10],
          [0, 10],
          [0, 10],
        ],
      ],
      [lane(-4)],
      4,
      1,
    ),
    [RED],
  );
  // x 1..4 on a 3-wide canvas: pixels 1, 2 only; lane rows -4..5 clipped to 0..5.
  assert.deepEqual(rowsAt(px, 0, RED), []);
  assert.deepEqual(rowsAt(px, 1, RED), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(rowsAt(px, 2, RED), [0, 1, 2, 3, 4, 5]);
});

test('a lane with lo = hi draws a flat line mid-lane', () => {
  const r = laneRows({ top: 0, height: 10, lo: 3, hi: 3, color: 'red' }, 100);
  assert.equal(rowOf(r, 3), 5);
  assert.equal(rowOf(r, 1e9), 5);
});

test('CSS colours parse to bytes', () => {
  assert.deepEqual(parseColor('#f00'), [255, 0, 0, 255]);
  assert.deepEqual(parseColor('#11223380'), [0x11, 0x22, 0x33, 0x80]);
  assert.deepEqual(parseColor('rgb(1, 2, 3)'), [1, 2, 3, 255]);
  assert.deepEqual(parseColor('rgba(10,20,30,0.5)'), [10, 20, 30, 128]);
  assert.deepEqual(parseColor('rgb(100% 0% 50% / 25%)'), [255, 0, 128, 64]);
  assert.equal(parseColor('tomato'), null);
  assert.equal(packRgba([1, 2, 3, 4]), 0x04030201);
});

/** Samples (a column each, min = max) joined into `width` pixel columns, then rasterised. */
function slow(values: number[], width: number, style: TraceStyle, dots: { radius?: number; every?: boolean; height?: number } = {}) {
  const minmax = new Float32Array(values.flatMap((v) => [v, v]));
  const dense = toPixelColumns({
    minmax,
    columns: values.length,
    rows: 1,
    width,
    style,
    radius: dots.radius ?? 0,
    dotHeight: [dots.height ?? 0],
    everySample: dots.every ?? false,
  });
  const px = pixels(width, 10);
  rasterize(px, { minmax: dense, columns: width, lanes: [lane(0)], left: 0, width }, [RED]);
  return Array.from({ length: width }, (_, x) => rowsAt(px, x, RED));
}

test('slow samples are joined by straight lines, unbroken from one sample to the next', () => {
  assert.ok(isSparse(60, 820) && !isSparse(820, 820) && !isSparse(1200, 820));
  // 3 samples over 30 pixels: at x = 0, 10, 20 (each at its column's left edge, its own time).
  const cols = slow([0.5, 9.5, 0.5], 30, 'lines');
  assert.deepEqual(cols[0], [8, 9], 'the first sample on row 9, and the line leaving it');
  assert.equal(cols[10][0], 0, 'the second sample on its row');
  assert.deepEqual(cols[20], [9]);
  for (let x = 0; x <= 20; x++) assert.ok(cols[x].length > 0, `pixel ${x} is on the line`);
  for (let x = 1; x < 10; x++) {
    assert.ok(Math.max(...cols[x]) <= Math.max(...cols[x - 1]) && Math.min(...cols[x]) <= Math.min(...cols[x - 1]), `rising at ${x}`);
    // Touching the previous column: a connected line, never a stair of gaps.
    assert.ok(Math.min(...cols[x]) <= Math.max(...cols[x - 1]) + 1 && Math.max(...cols[x]) >= Math.min(...cols[x - 1]) - 1);
  }
  for (let x = 21; x < 30; x++) assert.deepEqual(cols[x], [], 'nothing after the newest sample');
});

test('polled readings are steps: each held until the next, with a riser where it changes', () => {
  const cols = slow([0.5, 9.5, 0.5], 30, 'steps');
  for (let x = 0; x < 10; x++) assert.deepEqual(cols[x], [9], `held at ${x}`);
  assert.deepEqual(cols[10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the riser');
  for (let x = 11; x < 20; x++) assert.deepEqual(cols[x], [0]);
  assert.equal(cols[20].length, 10);
  for (let x = 21; x < 30; x++) assert.deepEqual(cols[x], [9], 'the newest held to the window end');
});

test('a gap breaks the line; a lone sample is a dot; with room, every sample gets one', () => {
  const gap = slow([5.5, NaN, 5.5, 5.5], 40, 'lines', { radius: 1, height: 1 });
  assert.deepEqual(gap.slice(0, 3), [[3, 4, 5], [3, 4, 5], []], 'a lone sample: a dot (x 0-1 here, x -1 is off the plot)');
  for (let x = 3; x < 19; x++) assert.deepEqual(gap[x], [], `the gap at ${x}`);
  for (let x = 20; x <= 30; x++) assert.deepEqual(gap[x], [4], `joined at ${x}, no dots`);
  const dotted = slow([5.5, 5.5], 20, 'lines', { radius: 2, height: 2, every: true });
  for (const x of [0, 1, 2, 8, 9, 10, 11, 12]) assert.deepEqual(dotted[x], [2, 3, 4, 5, 6], `dot at ${x}`);
  for (const x of [3, 4, 5, 6, 7]) assert.deepEqual(dotted[x], [4], `line at ${x}`);
});
