// Picks a renderer. A canvas keeps the kind of context it was first given (2D or WebGL), so
// switching kinds needs a fresh canvas.
import { Canvas2dRenderer } from './canvas2d';
import { RasterRenderer } from './raster';
import type { RendererKind, ScopeRenderer } from './types';
import { WebglRenderer } from './webgl';

export type { DrawInput, Lane, RendererKind, ScopeRenderer } from './types';

/**
 * Chosen by `npm run bench -- scope` (64 ch × 25 kHz, 10 s, 1200 × 800, software chromium, 3 runs):
 * draw p50 raster 5.5–6.1 ms, canvas2d 38–42 ms, webgl 153–190 ms (SwiftShader), uPlot on raw
 * samples 410–600 ms. Raster costs the same with or without a GPU and needs none; WebGL would win
 * on a real GPU but is unmeasured there, and where Chrome has no GPU it is emulated or missing.
 */
export const DEFAULT_RENDERER: RendererKind = 'raster';

export const RENDERER_KINDS: readonly RendererKind[] = ['canvas2d', 'raster', 'webgl'];

/**
 * A renderer of `kind` drawing into `canvas`. Without WebGL2 (blocklisted GPU, context limit) the
 * webgl kind falls back to raster: check `.kind` for what you got.
 */
export function createRenderer(canvas: HTMLCanvasElement, kind: RendererKind = DEFAULT_RENDERER): ScopeRenderer {
  switch (kind) {
    case 'canvas2d':
      return new Canvas2dRenderer(canvas);
    case 'raster':
      return new RasterRenderer(canvas);
    case 'webgl':
      try {
        return new WebglRenderer(canvas);
      } catch {
        return new RasterRenderer(canvas);
      }
  }
}
