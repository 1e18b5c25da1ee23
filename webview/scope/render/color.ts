// CSS colours as bytes, for the renderers that write pixels or upload colours themselves. Hex and
// rgb()/rgba() are parsed here (pure, testable in Node); anything else (names, hsl(), var()
// already resolved by the app) goes through a 2D context, which normalises any colour it accepts.

export type Rgba = [r: number, g: number, b: number, a: number];

const cache = new Map<string, Rgba>();
let normaliser: { fillStyle: string | CanvasGradient | CanvasPattern } | null | undefined;

/** The colour as 0–255 bytes; unknown colours are opaque grey so a typo still shows a trace. */
export function cssColor(text: string): Rgba {
  let rgba = cache.get(text);
  if (!rgba) {
    rgba = parseColor(text) ?? parseColor(normalise(text)) ?? [128, 128, 128, 255];
    if (cache.size > 256) cache.clear();
    cache.set(text, rgba);
  }
  return rgba;
}

/** Little-endian RGBA as one Uint32, the layout of ImageData's bytes seen through a Uint32Array. */
export function packRgba([r, g, b, a]: Rgba): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export function parseColor(text: string): Rgba | null {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    const h = hex[1];
    if (h.length === 3 || h.length === 4) {
      const v = [...h].map((d) => parseInt(d + d, 16));
      return [v[0], v[1], v[2], v[3] ?? 255];
    }
    if (h.length === 6 || h.length === 8) {
      const v = h.match(/../g)!.map((d) => parseInt(d, 16));
      return [v[0], v[1], v[2], v[3] ?? 255];
    }
    return null;
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (!fn) return null;
  const parts = fn[1].split(/[\s,/]+/).filter(Boolean);
  if (parts.length !== 3 && parts.length !== 4) return null;
  const channel = (p: string) => (p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
  const alpha = (p: string) => (p.endsWith('%') ? parseFloat(p) / 100 : parseFloat(p)) * 255;
  const v = [channel(parts[0]), channel(parts[1]), channel(parts[2]), parts[3] === undefined ? 255 : alpha(parts[3])];
  if (v.some((x) => !Number.isFinite(x))) return null;
  return v.map((x) => Math.max(0, Math.min(255, Math.round(x)))) as Rgba;
}

function normalise(text: string): string {
  if (normaliser === undefined) {
    normaliser = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1).getContext('2d') : null;
  }
  if (!normaliser) return '';
  // An invalid colour leaves fillStyle as it was: reset first so it cannot pass for the last one.
  normaliser.fillStyle = '#000000';
  normaliser.fillStyle = text;
  const out = normaliser.fillStyle;
  return typeof out === 'string' && (out !== '#000000' || /^(black|#000(000)?(ff)?)$/i.test(text.trim())) ? out : '';
}
