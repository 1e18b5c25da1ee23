// The browser half of `npm run bench -- scope`, bundled by esbuild for chromium: pixel checks of
// each renderer, the live loop (ask → fetch → draw → next animation frame → ask again, as the scope
// paces itself) and the uPlot baseline fed raw samples. Node drives it through page.evaluate.
import uPlot from 'uplot';
import { createRenderer } from '../webview/scope/render/index';
import { rasterize } from '../webview/scope/render/raster';
import { cssColor, packRgba } from '../webview/scope/render/color';
import { laneRows, rowOf } from '../webview/scope/render/geometry';
import type { DrawInput, Lane, RendererKind, ScopeRenderer } from '../webview/scope/render/types';
import type { ScopeFrame } from '../webview/shared/protocol';
import { ColumnStore } from '../webview/scope/columns';

export type Mode = 'stacked' | 'overlaid';

export interface Scene {
  width: number;
  height: number;
  channels: number;
  windowS: number;
  /** µV at a lane's bottom and top edge. */
  lo: number;
  hi: number;
}

/** One entry per frame drawn; ms unless named otherwise. */
export interface Samples {
  /** Request sent → on the canvas (after a 1-pixel readback, so deferred drawing is done). */
  total: number[];
  host: number[];
  /** Fetch round trip minus the host's decimation: HTTP, copies, process hops. */
  transfer: number[];
  /** Frame arrived → on the canvas: unpacking, the renderer's draw (and the flush). */
  draw: number[];
  /** The renderer's draw() call alone. */
  drawCall: number[];
  /** Epoch ms on the canvas (Node's clock) − epoch ms the newest frame in the window was sent. */
  latency: number[];
  bytes: number[];
  /** Wall ms of the loop, for frames per second. */
  elapsed: number;
}

export interface CheckResult {
  kind: string;
  ok: boolean;
  errors: string[];
  summary: string;
}

declare global {
  interface Window {
    scopeBench: typeof api;
  }
}

let scene: Scene;
/** Node's epoch ms minus this page's, from calibrate(). */
let clockOffset = 0;
const epoch = (t = performance.now()) => performance.timeOrigin + t;
const nextAnimationFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

/** Distinct colours, hex so no renderer needs the browser to parse them. */
function palette(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const h = (i * 137.508) % 360;
    const f = (k: number) => {
      const a = 0.7 * Math.min(0.55, 1 - 0.55);
      const x = (k + h / 30) % 12;
      return Math.round(255 * (0.55 - a * Math.max(-1, Math.min(x - 3, 9 - x, 1))));
    };
    return `#${[f(0), f(8), f(4)].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  });
}

function lanes(mode: Mode): Lane[] {
  const { channels: n, height, lo, hi } = scene;
  const colors = palette(n);
  return colors.map((color, i) =>
    mode === 'stacked' ? { top: (i * height) / n, height: height / n, lo, hi, color } : { top: 0, height, lo, hi, color },
  );
}

let current: { canvas: HTMLCanvasElement; renderer?: ScopeRenderer; plot?: uPlot; div?: HTMLElement } | undefined;

/** A new canvas per renderer: a canvas keeps the context kind it was first given. */
function fresh(): HTMLCanvasElement {
  current?.renderer?.dispose();
  current?.plot?.destroy();
  current?.canvas.remove();
  current?.div?.remove();
  const canvas = document.createElement('canvas');
  canvas.style.cssText = `position:absolute;left:0;top:0;width:${scene.width}px;height:${scene.height}px`;
  document.body.append(canvas);
  current = { canvas };
  return canvas;
}

/** Everything on the canvas as RGBA bytes (little-endian Uint32), top row first. */
function readAll(canvas: HTMLCanvasElement, kind: RendererKind): Uint32Array {
  const { width, height } = canvas;
  if (kind !== 'webgl') return new Uint32Array(canvas.getContext('2d')!.getImageData(0, 0, width, height).data.buffer);
  const gl = canvas.getContext('webgl2')!;
  const bottomUp = new Uint8Array(width * height * 4);
  gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, bottomUp);
  const out = new Uint8Array(bottomUp.length);
  for (let y = 0; y < height; y++) out.set(bottomUp.subarray((height - 1 - y) * width * 4, (height - y) * width * 4), y * width * 4);
  return new Uint32Array(out.buffer);
}

/**
 * Waits for the drawing to be done, not just queued: Chrome defers 2D canvas work and WebGL
 * commands to the compositor / GPU process, and a one-pixel readback makes it finish them.
 */
function flushCanvas(canvas: HTMLCanvasElement, kind: RendererKind): void {
  if (kind === 'webgl') {
    const gl = canvas.getContext('webgl2')!;
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  } else {
    canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
  }
}

/** A frame with every case a renderer must get right, for the pixel check. */
function checkFrame(columns: number, series: number): { minmax: Float32Array; gap: (s: number, c: number) => boolean } {
  const gap = (s: number, c: number) => s === 7 || (c >= 500 && c < 550) || c === 600 + s || c === 700 || c === 702;
  const minmax = new Float32Array(series * columns * 2);
  for (let s = 0; s < series; s++) {
    for (let c = 0; c < columns; c++) {
      let mn: number;
      let mx: number;
      if (gap(s, c)) mn = mx = NaN;
      else if (c >= 300 && c < 400)
        mn = mx = Math.floor(c / 10) % 2 ? 50 : -50; // jumps: joins
      else if (c >= 900 && c < 1000)
        [mn, mx] = [-50, 50]; // full-lane spans
      else {
        const v = 45 * Math.sin((2 * Math.PI * c) / (150 + s));
        [mn, mx] = c === 701 ? [v, v] : [v - 3, v + 3]; // 701: a lone flat column between gaps
      }
      if (s === 9) [mn, mx] = [mn * 4, mx * 4]; // off scale: clamped to the lane
      minmax[(s * columns + c) * 2] = mn;
      minmax[(s * columns + c) * 2 + 1] = mx;
    }
  }
  return { minmax, gap };
}

/**
 * Draws checkFrame() and compares the pixels with the pure raster rules (test/unit pins those):
 * raster must match exactly; webgl (float32 maths on the GPU) may end a span one row off; canvas2d
 * (antialiased strokes) must cover each column's span to within a row. Gaps must stay empty.
 */
function check(kind: RendererKind): CheckResult {
  const { width: W, height: H } = scene;
  const canvas = fresh();
  const renderer = createRenderer(canvas, kind);
  current!.renderer = renderer;
  const errors: string[] = [];
  if (renderer.kind !== kind) errors.push(`asked for ${kind}, got ${renderer.kind}`);
  renderer.resize(W, H);
  const laneList = lanes('stacked');
  const { minmax, gap } = checkFrame(W, laneList.length);
  const input: DrawInput = { minmax, columns: W, lanes: laneList, left: 0, width: W };
  renderer.draw(input);
  const got = readAll(canvas, renderer.kind);
  const colors = laneList.map((l) => packRgba(cssColor(l.color)));
  const ref = new Uint32Array(W * H);
  rasterize({ data: ref, width: W, height: H }, input, colors);

  const exact = kind === 'raster';
  const aa = kind === 'canvas2d';
  const near = (px: number, want: number) => {
    if (!aa) return px === want;
    if (px >>> 24 < 96) return false;
    for (let k = 0; k < 24; k += 8) if (Math.abs(((px >>> k) & 255) - ((want >>> k) & 255)) > 24) return false;
    return true;
  };
  let columnsChecked = 0;
  let offByOne = 0;
  let covered = 0;
  let ownRowsTotal = 0;
  const fail = (what: string) => errors.length < 12 && errors.push(what);
  for (let s = 0; s < laneList.length; s++) {
    const top = Math.round(laneList[s].top);
    const end = Math.round(laneList[s].top + laneList[s].height);
    const rows = laneRows(laneList[s], H);
    // The reference's joined span per column, [-1, -1] in gaps.
    const refTop = new Int32Array(W + 1).fill(-1);
    const refBot = new Int32Array(W + 1).fill(-1);
    for (let x = 0; x < W; x++) {
      for (let y = top; y < end; y++) {
        if (ref[y * W + x] !== colors[s]) continue;
        if (refTop[x] < 0) refTop[x] = y;
        refBot[x] = y;
      }
    }
    for (let x = 0; x < W; x++) {
      if (gap(s, x)) {
        const stray = [];
        for (let y = top; y < end; y++) if (got[y * W + x] >>> 24 > (aa ? 64 : 0)) stray.push(y);
        if (stray.length) fail(`series ${s} column ${x} is a gap but rows ${stray.join(',')} are drawn`);
        continue;
      }
      const gotRows: number[] = [];
      for (let y = Math.max(0, top - 1); y < Math.min(H, end + 1); y++) if (near(got[y * W + x], colors[s])) gotRows.push(y);
      // The column's own min→max rows, before joining: these must be drawn by every renderer.
      const a = rowOf(rows, minmax[(s * W + x) * 2 + 1]);
      const b = rowOf(rows, minmax[(s * W + x) * 2]);
      columnsChecked++;
      ownRowsTotal += Math.abs(b - a) + 1;
      covered += gotRows.filter((y) => y >= Math.min(a, b) && y <= Math.max(a, b)).length;
      const want = `${refTop[x]}–${refBot[x]}`;
      if (!gotRows.length) {
        fail(`series ${s} column ${x}: nothing drawn, expected rows ${want}`);
        continue;
      }
      const gTop = gotRows[0];
      const gBot = gotRows.at(-1)!;
      if (exact) {
        if (gTop !== refTop[x] || gBot !== refBot[x] || gotRows.length !== gBot - gTop + 1)
          fail(`series ${s} column ${x}: rows ${gTop}–${gBot}, expected ${want}`);
      } else if (aa) {
        // A stroked join is a diagonal shared by two columns (the reference gives it to the later
        // one) and may start anywhere in the previous column's span: allow the neighbours' joined
        // spans, and a row of antialiasing.
        let lo = refTop[x];
        let hi = refBot[x];
        for (const n of [x - 1, x + 1]) if (n >= 0 && refTop[n] >= 0) [lo, hi] = [Math.min(lo, refTop[n]), Math.max(hi, refBot[n])];
        if (gTop < lo - 1 || gBot > hi + 1)
          fail(`series ${s} column ${x}: rows ${gTop}–${gBot}, expected within ${lo}–${hi} (this column and its neighbours)`);
      } else if (Math.abs(gTop - refTop[x]) > 1 || Math.abs(gBot - refBot[x]) > 1) {
        fail(`series ${s} column ${x}: rows ${gTop}–${gBot}, expected ${want}`);
      } else if (gTop !== refTop[x] || gBot !== refBot[x]) offByOne++;
    }
  }
  const coverage = covered / ownRowsTotal;
  if (!aa && offByOne > columnsChecked * 0.01) fail(`${offByOne} of ${columnsChecked} columns end a row off`);
  if (coverage < (aa ? 0.9 : 1)) fail(`only ${(coverage * 100).toFixed(1)}% of the columns' min→max pixels are drawn`);
  renderer.dispose();
  return {
    kind: renderer.kind,
    ok: errors.length === 0,
    errors,
    summary: `${columnsChecked} series-columns, ${(coverage * 100).toFixed(1)}% of their min→max pixels drawn${aa ? '' : `, ${offByOne} joined spans a row off`}`,
  };
}

/** Splits [u32 header length][JSON header][pad to 4][payload] into the header and the payload. */
function unpack<T>(buffer: ArrayBuffer): { head: T; payload: ArrayBuffer; offset: number } {
  const length = new DataView(buffer).getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length))) as T;
  const offset = (4 + length + 3) & ~3;
  return { head, payload: buffer, offset };
}

/** Node's clock minus ours: the round trip with the least delay bounds the error by half of it. */
async function calibrate(): Promise<{ offset: number; rtt: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const node = Number(await (await fetch('/now')).text());
    const t1 = performance.now();
    if (t1 - t0 < best.rtt) best = { offset: node - epoch((t0 + t1) / 2), rtt: t1 - t0 };
  }
  clockOffset = best.offset;
  return best;
}

/**
 * The live loop for `ms`: what the scope webview will do, one request per animation frame.
 * `feed` picks the host's answer: ScopeFeed ('/frame') or the column-cache prototype ('/frame-cached').
 */
async function run(kind: RendererKind, mode: Mode, ms: number, feed = '/frame'): Promise<Samples> {
  const { width: W, height: H } = scene;
  const canvas = fresh();
  const renderer = createRenderer(canvas, kind);
  current!.renderer = renderer;
  renderer.resize(W, H);
  const laneList = lanes(mode);
  const out: Samples = { total: [], host: [], transfer: [], draw: [], drawCall: [], latency: [], bytes: [], elapsed: 0 };
  const request: Record<string, unknown> & { seq: number } = {
    type: 'request',
    seq: 0,
    columns: W,
    windowS: scene.windowS,
    end: null,
    channels: laneList.map((_, i) => i),
    have: null,
  };
  // As the scope page does: keep the columns sent, so live frames carry only the new ones.
  const store = new ColumnStore();
  await nextAnimationFrame();
  const started = performance.now();
  while (performance.now() - started < ms) {
    request.seq++;
    request.have = store.have();
    const t0 = performance.now();
    const response = await fetch(feed, { method: 'POST', body: JSON.stringify(request) });
    const buffer = await response.arrayBuffer();
    const t1 = performance.now();
    const { head, offset } = unpack<Omit<ScopeFrame, 'minmax'>>(buffer);
    const d0 = performance.now();
    const minmax = store.accept(head, new Float32Array(buffer, offset, head.channels.length * (head.delta?.count ?? head.columns) * 2));
    renderer.draw({ minmax, columns: head.columns, lanes: laneList, left: 0, width: W });
    const d1 = performance.now();
    flushCanvas(canvas, renderer.kind);
    const t2 = performance.now();
    out.total.push(t2 - t0);
    out.host.push(head.hostMs);
    out.transfer.push(t1 - t0 - head.hostMs);
    out.draw.push(t2 - t1);
    out.drawCall.push(d1 - d0);
    out.bytes.push(buffer.byteLength);
    if (head.sentAt !== undefined) out.latency.push(epoch(t2) + clockOffset - head.sentAt);
    await nextAnimationFrame();
  }
  out.elapsed = performance.now() - started;
  renderer.dispose();
  return out;
}

/**
 * The baseline: uPlot handed the window's raw samples (no decimation), one scale per series placed
 * so series i fills lane i, axes, legend and cursor off so only the traces are drawn.
 */
async function uplotRun(mode: Mode, frames: number): Promise<Samples & { deinterleave: number[] }> {
  const { width: W, height: H } = scene;
  fresh().remove();
  const div = document.createElement('div');
  div.style.cssText = 'position:absolute;left:0;top:0';
  document.body.append(div);
  current!.div = div;
  const laneList = lanes(mode);
  const fetchRaw = async () => {
    const t0 = performance.now();
    const buffer = await (await fetch('/raw')).arrayBuffer();
    const t1 = performance.now();
    const { head, offset } = unpack<{ start: number; end: number; channels: number; sentAt?: number; hostMs: number }>(buffer);
    const n = head.end - head.start;
    const interleaved = new Float32Array(buffer, offset, n * head.channels);
    const ys = Array.from({ length: head.channels }, () => new Float32Array(n));
    for (let i = 0, k = 0; i < n; i++) for (let c = 0; c < head.channels; c++) ys[c][i] = interleaved[k++];
    const t2 = performance.now();
    return { t0, t1, t2, head, n, ys, bytes: buffer.byteLength };
  };
  const first = await fetchRaw();
  const x = Float64Array.from({ length: first.n }, (_, i) => i);
  let drawnAt = 0;
  const scales: uPlot.Options['scales'] = { x: { time: false, auto: false, range: [0, first.n - 1] } };
  laneList.forEach((l, i) => {
    const k = (l.hi - l.lo) / l.height;
    scales[`s${i}`] = { auto: false, range: [l.lo - (H - l.top - l.height) * k, l.hi + l.top * k] };
  });
  const opts: uPlot.Options = {
    width: W,
    height: H,
    padding: [0, 0, 0, 0],
    pxAlign: 1,
    legend: { show: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    axes: [{ show: false }, { show: false, scale: 's0' }],
    scales,
    series: [{}, ...laneList.map((l, i) => ({ scale: `s${i}`, stroke: l.color, width: 1, points: { show: false } }))],
    hooks: { draw: [() => (drawnAt = performance.now())] },
  };
  const plot = new uPlot(opts, [x, ...first.ys], div);
  current!.plot = plot;
  const out = {
    total: [] as number[],
    host: [] as number[],
    transfer: [] as number[],
    draw: [] as number[],
    drawCall: [] as number[],
    latency: [] as number[],
    bytes: [] as number[],
    deinterleave: [] as number[],
    elapsed: 0,
  };
  const started = performance.now();
  for (let f = 0; f < frames; f++) {
    await nextAnimationFrame();
    const raw = await fetchRaw();
    const d0 = performance.now();
    drawnAt = 0;
    // batch(): uPlot draws before returning instead of in a microtask.
    plot.batch(() => plot.setData([x.length === raw.n ? x : Float64Array.from({ length: raw.n }, (_, i) => i), ...raw.ys], false));
    if (!drawnAt) throw new Error('uPlot did not draw');
    const d1 = drawnAt;
    flushCanvas(plot.ctx.canvas, 'canvas2d');
    const t = performance.now();
    out.total.push(t - raw.t0);
    out.host.push(raw.head.hostMs);
    out.transfer.push(raw.t1 - raw.t0 - raw.head.hostMs);
    out.deinterleave.push(raw.t2 - raw.t1);
    out.draw.push(t - d0);
    out.drawCall.push(d1 - d0);
    out.bytes.push(raw.bytes);
    if (raw.head.sentAt !== undefined) out.latency.push(epoch(t) + clockOffset - raw.head.sentAt);
  }
  out.elapsed = performance.now() - started;
  return out;
}

function webglInfo(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

const api = {
  setScene(s: Scene) {
    scene = s;
    document.body.style.cssText = 'margin:0;overflow:hidden;background:#1e1e1e';
  },
  webglInfo,
  check,
  calibrate,
  run,
  uplotRun,
};
window.scopeBench = api;
