// What a scope remembers (VS Code keeps it with the webview's state, across hide/show and reloads).
// State from storage is checked field by field: an old or damaged one falls back to defaults.

export type Layout = 'stacked' | 'overlay';

export interface ScopeSettings {
  /** The device this panel shows (the host's serializer reads it after a reload). */
  device: string;
  /** The window the user chose, or null: chosen from the rate (autoWindowS). */
  windowS: number | null;
  layout: Layout;
  /** Channel names the user hid: names, not indices, so they survive a reconnect. */
  hidden: string[];
  autoscale: boolean;
  /** The fixed range when autoscale is off. */
  lo: number;
  hi: number;
  paused: boolean;
  /** While paused: the window's end frame (scroll-back position). */
  end: number | null;
}

export const WINDOWS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60] as const;

/**
 * The window a scope opens with, from the stream's rate: a minute for slow instruments (a 1 Hz
 * analyser shows 60 readings, not 5), 10 s up to 100 Hz, else 5 s (25 000 samples at 5 kHz).
 */
export function autoWindowS(rate: number): number {
  return rate > 0 && rate <= 10 ? 60 : rate > 0 && rate <= 100 ? 10 : 5;
}

/** The window in use: the one chosen, else the rate's. */
export function windowOf(settings: Pick<ScopeSettings, 'windowS'>, rate: number): number {
  return settings.windowS ?? autoWindowS(rate);
}

export function defaults(device: string): ScopeSettings {
  return { device, windowS: null, layout: 'stacked', hidden: [], autoscale: true, lo: -100, hi: 100, paused: false, end: null };
}

export function restore(saved: unknown, device: string): ScopeSettings {
  const d = defaults(device);
  if (typeof saved !== 'object' || saved === null) return d;
  const s = saved as Partial<Record<keyof ScopeSettings, unknown>>;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const lo = num(s.lo, d.lo);
  const hi = num(s.hi, d.hi);
  return {
    device: typeof s.device === 'string' && s.device ? s.device : device,
    windowS: WINDOWS_S.includes(s.windowS as (typeof WINDOWS_S)[number]) ? (s.windowS as number) : null,
    layout: s.layout === 'overlay' ? 'overlay' : 'stacked',
    hidden: Array.isArray(s.hidden) ? s.hidden.filter((h): h is string => typeof h === 'string') : [],
    autoscale: typeof s.autoscale === 'boolean' ? s.autoscale : d.autoscale,
    lo: lo < hi ? lo : d.lo,
    hi: lo < hi ? hi : d.hi,
    paused: s.paused === true,
    end: s.paused === true && typeof s.end === 'number' && Number.isInteger(s.end) && s.end >= 0 ? s.end : null,
  };
}

export function windowLabel(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds} s`;
}
