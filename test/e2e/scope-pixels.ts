// Reading a scope's pixels in a real VS Code: its document (the webview's nested iframes) and,
// lane by lane, how much of the plot holds a trace. Shared by the scope's e2e tests.
import type { FrameLocator, Page } from 'playwright-core';

/** The scope's document: the webview's outer iframe, then its active content frame. */
export function scopeDocument(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export interface LaneCoverage {
  lanes: number;
  /** Per lane: the share of plot columns with at least one pixel unlike the background. */
  covered: number[];
  colours: string[];
}

/** Where a page draws its lanes: the canvas and, in CSS pixels, the labels' width and the axis' height. */
export interface PlotLayout {
  canvas: string;
  left: number;
  axis: number;
}

export const SCOPE_LAYOUT: PlotLayout = { canvas: 'canvas.traces', left: 110, axis: 18 };
/** The recording editor's main plot (webview/recording/main.ts: LABEL_W, AXIS_H). */
export const RECORDING_LAYOUT: PlotLayout = { canvas: '.plot canvas.traces', left: 150, axis: 20 };

/** A canvas's pixels, RGBA, as the page shows them. */
export interface CanvasPixels {
  data: Uint8Array;
  width: number;
  height: number;
  dpr: number;
}

/** Reads a canvas of the page back (copied onto a 2D canvas, so any renderer can be read). */
export async function canvasPixels(page: Page, selector: string): Promise<CanvasPixels> {
  const { base64, width, height, dpr } = await scopeDocument(page)
    .locator(selector)
    .evaluate((canvas: HTMLCanvasElement) => {
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(canvas, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      let text = '';
      for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { base64: btoa(text), width: copy.width, height: copy.height, dpr: devicePixelRatio };
    });
  return { data: new Uint8Array(Buffer.from(base64, 'base64')), width, height, dpr };
}

/** The plot's columns and each of `lanes` lanes' rows [top, bottom), in device pixels. */
function plotGeometry(px: CanvasPixels, lanes: number, layout: PlotLayout) {
  const left = Math.round(layout.left * px.dpr) + 2;
  const plotHeight = px.height - Math.round(layout.axis * px.dpr);
  const rows = Array.from({ length: lanes }, (_, lane) => ({
    top: Math.floor((lane * plotHeight) / lanes) + 1,
    bottom: Math.floor(((lane + 1) * plotHeight) / lanes) - 1,
  }));
  return { left, right: px.width - 2, rows };
}

const lit = (px: CanvasPixels, x: number, y: number) => px.data[(y * px.width + x) * 4 + 3] > 128;

/** Lane by lane, how many plot columns of the traces canvas hold a trace pixel, and its colour. */
export async function laneCoverage(page: Page, lanes: number, layout: PlotLayout = SCOPE_LAYOUT): Promise<LaneCoverage> {
  const px = await canvasPixels(page, layout.canvas);
  const { left, right, rows } = plotGeometry(px, lanes, layout);
  const covered: number[] = [];
  const colours: string[] = [];
  for (const { top, bottom } of rows) {
    let columns = 0;
    const seen = new Map<string, number>();
    for (let x = left; x < right; x++) {
      let hit = false;
      for (let y = top; y < bottom; y++) {
        if (!lit(px, x, y)) continue;
        hit = true;
        const i = (y * px.width + x) * 4;
        const key = `${px.data[i]},${px.data[i + 1]},${px.data[i + 2]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      if (hit) columns++;
    }
    covered.push(columns / (right - left));
    colours.push([...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none');
  }
  return { lanes, covered, colours };
}

/** Per plot column of one lane, the mean row of its trace pixels (NaN where none): the trace's shape. */
export async function laneProfile(page: Page, lane: number, lanes: number, layout: PlotLayout = SCOPE_LAYOUT): Promise<number[]> {
  const px = await canvasPixels(page, layout.canvas);
  const { left, right, rows } = plotGeometry(px, lanes, layout);
  const { top, bottom } = rows[lane];
  const out: number[] = [];
  for (let x = left; x < right; x++) {
    let sum = 0;
    let n = 0;
    for (let y = top; y < bottom; y++)
      if (lit(px, x, y)) {
        sum += y;
        n++;
      }
    out.push(n ? sum / n : NaN);
  }
  return out;
}

/** Coverage once every lane is over 90 % covered, or as it is after `timeoutMs`. */
export async function tracesIn(page: Page, lanes: number, timeoutMs = 20_000, layout: PlotLayout = SCOPE_LAYOUT): Promise<LaneCoverage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await laneCoverage(page, lanes, layout);
    if (c.covered.every((share) => share > 0.9) || Date.now() > deadline) return c;
    await page.waitForTimeout(250);
  }
}
