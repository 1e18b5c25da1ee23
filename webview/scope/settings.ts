// What a scope remembers (VS Code keeps it with the webview's state, across hide/show and reloads).
// State from storage is checked field by field: an old or damaged one falls back to defaults.

import {
  SCOPE_VIEWS,
  SPECTRUM_SIZES,
  SPECTRUM_WINDOWS,
  TRIGGER_MODES,
  type ScopeView,
  type SpectrumRequest,
  type SpectrumWindow,
  type TriggerMode,
} from '../shared/protocol';

export type Layout = 'stacked' | 'overlay';

export interface TriggerSettings {
  mode: 'off' | TriggerMode;
  /** The channel's name (names survive a reconnect; '' for the first shown). */
  channel: string;
  slope: 'rising' | 'falling';
  level: number;
  holdoffMs: number;
  /** Share of the window before the trigger, 0…1. */
  pre: number;
}

export const PRE_TRIGGER = [0, 0.1, 0.25, 0.5, 0.75, 0.9] as const;

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
  view: ScopeView;
  trigger: TriggerSettings;
  spectrum: SpectrumRequest;
  /** The XY view's channels, by name ('' for the first and second shown). */
  xy: { x: string; y: string };
  /** The two measurement cursors, as shares of the plot's width (null: not placed). */
  cursors: { a: number | null; b: number | null };
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
  return {
    device,
    windowS: null,
    layout: 'stacked',
    hidden: [],
    autoscale: true,
    lo: -100,
    hi: 100,
    paused: false,
    end: null,
    view: 'time',
    trigger: { mode: 'off', channel: '', slope: 'rising', level: 0, holdoffMs: 0, pre: 0.25 },
    spectrum: { size: 4096, window: 'hann', averaging: 'off', count: 8 },
    xy: { x: '', y: '' },
    cursors: { a: null, b: null },
  };
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const oneOf = <T>(v: unknown, options: readonly T[], fallback: T): T => (options.includes(v as T) ? (v as T) : fallback);
const share = (v: unknown): number | null => (typeof v === 'number' && v >= 0 && v <= 1 ? v : null);

function restoreTrigger(saved: unknown, d: TriggerSettings): TriggerSettings {
  const t = record(saved);
  const level = typeof t.level === 'number' && Number.isFinite(t.level) ? t.level : d.level;
  const holdoff = typeof t.holdoffMs === 'number' && t.holdoffMs >= 0 && t.holdoffMs <= 60_000 ? t.holdoffMs : d.holdoffMs;
  return {
    mode: oneOf(t.mode, ['off', ...TRIGGER_MODES] as const, d.mode),
    channel: typeof t.channel === 'string' ? t.channel : d.channel,
    slope: t.slope === 'falling' ? 'falling' : 'rising',
    level,
    holdoffMs: holdoff,
    pre: oneOf(t.pre, PRE_TRIGGER, d.pre as (typeof PRE_TRIGGER)[number]),
  };
}

function restoreSpectrum(saved: unknown, d: SpectrumRequest): SpectrumRequest {
  const f = record(saved);
  return {
    size: oneOf(f.size, SPECTRUM_SIZES, d.size as (typeof SPECTRUM_SIZES)[number]),
    window: oneOf<SpectrumWindow>(f.window, SPECTRUM_WINDOWS, d.window),
    averaging: oneOf(f.averaging, ['off', 'linear', 'exponential'] as const, d.averaging),
    count: typeof f.count === 'number' && Number.isInteger(f.count) && f.count >= 1 && f.count <= 1024 ? f.count : d.count,
  };
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
    view: oneOf(s.view, SCOPE_VIEWS, d.view),
    trigger: restoreTrigger(s.trigger, d.trigger),
    spectrum: restoreSpectrum(s.spectrum, d.spectrum),
    xy: {
      x: typeof record(s.xy).x === 'string' ? (record(s.xy).x as string) : '',
      y: typeof record(s.xy).y === 'string' ? (record(s.xy).y as string) : '',
    },
    cursors: { a: share(record(s.cursors).a), b: share(record(s.cursors).b) },
  };
}

export function windowLabel(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds} s`;
}
