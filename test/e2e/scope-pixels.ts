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

/**
 * Reads the traces canvas back (copied onto a 2D canvas, so any renderer can be read) and
 * measures, lane by lane, how many plot columns hold a trace pixel.
 */
export async function laneCoverage(page: Page, lanes: number, layout: PlotLayout = SCOPE_LAYOUT): Promise<LaneCoverage> {
  return scopeDocument(page)
    .locator(layout.canvas)
    .evaluate(
      (canvas: HTMLCanvasElement, { n, leftCss, axisCss }: { n: number; leftCss: number; axisCss: number }) => {
        const copy = document.createElement('canvas');
        copy.width = canvas.width;
        copy.height = canvas.height;
        const ctx = copy.getContext('2d')!;
        ctx.drawImage(canvas, 0, 0);
        const { data, width, height } = ctx.getImageData(0, 0, copy.width, copy.height);
        const left = Math.round(leftCss * devicePixelRatio) + 2;
        const plotHeight = height - Math.round(axisCss * devicePixelRatio);
        const covered: number[] = [];
        const colours: string[] = [];
        for (let lane = 0; lane < n; lane++) {
          const top = Math.floor((lane * plotHeight) / n) + 1;
          const bottom = Math.floor(((lane + 1) * plotHeight) / n) - 1;
          let columns = 0;
          const seen = new Map<string, number>();
          for (let x = left; x < width - 2; x++) {
            let hit = false;
            for (let y = top; y < bottom; y++) {
              const i = (y * width + x) * 4;
              if (data[i + 3] > 128) {
                hit = true;
                const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
                seen.set(key, (seen.get(key) ?? 0) + 1);
              }
            }
            if (hit) columns++;
          }
          covered.push(columns / (width - 2 - left));
          colours.push([...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none');
        }
        return { lanes: n, covered, colours };
      },
      { n: lanes, leftCss: layout.left, axisCss: layout.axis },
    );
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
