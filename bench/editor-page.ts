// The browser half of `npm run bench -- editor`, bundled by esbuild for chromium: what the recording
// editor's page does with each answer from the host (min/max columns: fit each lane to its channel,
// draw with the scope's renderer, flush), timed per frame; and the baseline, a page that holds the
// window's samples (as the peers hold the whole file) and makes the columns itself before drawing
// them with the same renderer. Node drives it through page.evaluate.
import { createRenderer } from '../webview/scope/render/index';
import type { Lane, ScopeRenderer } from '../webview/scope/render/types';
import { seriesRange } from '../webview/recording/view';

declare global {
  interface Window {
    editorBench: typeof api;
  }
}

let canvas: HTMLCanvasElement;
let renderer: ScopeRenderer;
let width = 0;
let height = 0;

function setup(w: number, h: number): string {
  width = w;
  height = h;
  canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  document.body.append(canvas);
  renderer = createRenderer(canvas);
  return renderer.kind;
}

function decode(b64: string): Float32Array {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/** Lanes stacked, each fitted to its own channel's range in view (the page's per-channel scaling). */
function draw(minmax: Float32Array, columns: number, channels: number): void {
  const lanes: Lane[] = Array.from({ length: channels }, (_, i) => {
    const r = seriesRange(minmax, i, columns) ?? { lo: -1, hi: 1 };
    return { top: (i * height) / channels, height: height / channels, lo: r.lo, hi: r.hi, color: '#3794ff' };
  });
  renderer.draw({ minmax, columns, lanes, left: 0, width });
  // Chrome defers canvas work; a one-pixel readback makes the frame finish before the clock stops.
  if (renderer.kind === 'webgl') canvas.getContext('webgl2')!.readPixels(0, 0, 1, 1, 0x1908, 0x1401, new Uint8Array(4));
  else canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
}

/** Ours: an answer as the host posts it (decoded before the clock starts, as postMessage hands it). */
function drawColumns(b64: string, columns: number, channels: number): number {
  const minmax = decode(b64);
  const t0 = performance.now();
  draw(minmax, columns, channels);
  return performance.now() - t0;
}

let held: Float32Array | undefined;

/** The baseline's samples, kept in the page as a peer keeps its file: a slice at `at` of `total`. */
function hold(b64: string, at: number, total: number): number {
  if (!held || held.length !== total) held = new Float32Array(total);
  held.set(decode(b64), at);
  return held.length;
}

/** The baseline: rows [start, end) of the held samples into `columns` min/max columns, then drawn. */
function drawFromSamples(start: number, end: number, columns: number, channels: number): number {
  const x = held!;
  const t0 = performance.now();
  const minmax = new Float32Array(channels * columns * 2);
  const rows = end - start;
  for (let b = 0; b < columns; b++) {
    const s = start + Math.floor((b * rows) / columns);
    const e = start + Math.floor(((b + 1) * rows) / columns);
    for (let c = 0; c < channels; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let r = s; r < e; r++) {
        const v = x[r * channels + c]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      minmax[(c * columns + b) * 2] = lo;
      minmax[(c * columns + b) * 2 + 1] = hi;
    }
  }
  draw(minmax, columns, channels);
  return performance.now() - t0;
}

function release(): void {
  held = undefined;
}

const api = { setup, drawColumns, hold, drawFromSamples, release };
window.editorBench = api;
