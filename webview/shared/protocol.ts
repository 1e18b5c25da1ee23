// The messages between the extension host and a scope webview. Both sides import this file, so a
// renamed field is a compile error on both; the host also runs `parseScopeMessage` on everything a
// webview sends, since a webview is a web page and its messages are input, not trusted calls.

export const SCOPE_PROTOCOL = 1;

/** Limits the host enforces on requests: what a frame may cost is bounded by them. */
export const LIMITS = {
  maxColumns: 8192,
  minWindowS: 0.1,
  maxWindowS: 60,
  maxChannels: 1024,
  /** columns × channels: at most 8 MiB of min/max per frame, whatever a page asks. */
  maxCells: 1 << 20,
  /** Frames an export of the visible range may hold (64 channels × 60 s × 25 kHz is 96 M samples). */
  maxExportFrames: 1 << 26,
  /** A PNG's data: URL (an 8K-wide plot is a few MB). */
  maxPngChars: 64 << 20,
} as const;

/** What the plot shows: min/max traces against time, each channel's spectrum, or one against another. */
export type ScopeView = 'time' | 'spectrum' | 'xy';
export const SCOPE_VIEWS: readonly ScopeView[] = ['time', 'spectrum', 'xy'];

export type TriggerMode = 'auto' | 'normal' | 'single';
export const TRIGGER_MODES: readonly TriggerMode[] = ['auto', 'normal', 'single'];

/** A time view aligned on a level crossing of one channel, found on its raw samples by the host. */
export interface TriggerRequest {
  /**
   * auto: the newest triggered window, or the live one when none came within a window's length;
   * normal: the newest triggered window, held until the next (none yet: nothing drawn);
   * single: the first after arming, then held until armed again.
   */
  mode: TriggerMode;
  channel: number;
  slope: 'rising' | 'falling';
  level: number;
  /** Seconds after a trigger during which no other fires. */
  holdoffS: number;
  /** The share of the window before the trigger (0…1). */
  pre: number;
  /** Bumped by the page's Arm: a single capture is taken again, and holdoff starts afresh. */
  arm: number;
}

export type SpectrumWindow = 'hann' | 'hamming' | 'blackmanharris' | 'rectangular';
export const SPECTRUM_WINDOWS: readonly SpectrumWindow[] = ['hann', 'hamming', 'blackmanharris', 'rectangular'];
export const SPECTRUM_SIZES = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

/** The spectrum view: magnitude in dB of the newest `size` samples of each channel shown. */
export interface SpectrumRequest {
  size: number;
  window: SpectrumWindow;
  averaging: 'off' | 'linear' | 'exponential';
  /** Spectra averaged (linear: the last `count`; exponential: its time constant), 1…1024. */
  count: number;
}

/** The XY view: channel `y` against channel `x` over the window. */
export interface XyRequest {
  x: number;
  y: number;
}

/** Where a trigger stands, with a triggered frame: which frame it is aligned on. */
export type TriggerState = 'triggered' | 'waiting' | 'auto' | 'stopped';

export interface ScopeChannel {
  name: string;
  unit: string;
}

export interface ScopeMarker {
  /** Session frame index. */
  frame: number;
  label: string;
}

export interface ScopeStats {
  /** Frames per second measured from arrival times (0 until known). */
  measuredRate: number;
  gaps: number;
  lostFrames: number;
  /** Device clock minus host clock, ms. */
  driftMs: number;
  reconnects: number;
}

/** Host → webview. */
export type HostToScope =
  | {
      type: 'session';
      /** Which of the device's sessions this is: a new one numbers its frames from 0 again. */
      id: number;
      title: string;
      uri: string;
      channels: ScopeChannel[];
      /** Nominal frames per second (0 until the device said). */
      rate: number;
      /** How samples a pixel or more apart are joined: steps for polled readings, else lines. */
      trace: 'lines' | 'steps';
      state: string;
      error?: string;
      /**
       * Set once the session ended (disconnected, failed, finished): why, in a few words. The
       * page keeps its traces, frozen, and offers Reconnect.
       */
      ended?: string;
      /** While the session records: the file's name. */
      recording?: string;
    }
  | ScopeFrame;

/** The answer to one `request`: min/max per column per channel over the window asked for. */
export interface ScopeFrame {
  type: 'frame';
  seq: number;
  /** The window, in session frames [windowStart, windowEnd): `columns` equal buckets split it. */
  windowStart: number;
  windowEnd: number;
  columns: number;
  /** Channel indices, in the order of `minmax`'s rows. */
  channels: number[];
  /**
   * Float32 values: minmax[(row * columns + column) * 2] = min, [… + 1] = max. Columns the ring
   * does not hold (not yet, or overwritten) are NaN. Sent as a transferable ArrayBuffer.
   */
  minmax: ArrayBuffer;
  /** What the ring holds now: [oldest, newest), the bounds for scrolling back. */
  oldest: number;
  newest: number;
  markers: ScopeMarker[];
  stats: ScopeStats;
  /** Host milliseconds spent decimating this frame. */
  hostMs: number;
  /** Epoch ms when the newest frame in the window left the simulator, when known (latency). */
  sentAt?: number;
  /**
   * Per row, the value of the newest frame shown (the newest the session has, live; the last
   * before the window's end, paused), unrounded by the columns; null where there is none.
   */
  latest: Array<number | null>;
  /**
   * Sent by the host unasked, as new columns were snapped (the answer to a live request goes on
   * being pushed until the next request): the page then asks again only when its view changes.
   */
  pushed?: boolean;
  /** With a trigger asked for: its state and the frame the window is aligned on (null: none). */
  trigger?: { state: TriggerState; frame: number | null };
  /**
   * A spectrum view's frame: `minmax` holds dB (re 1 unit) per column, each column the min and max
   * of the bins it covers, `columns` ≤ bins; bin k is k × binHz. `averaged` spectra went into it
   * (0: not yet `size` samples, nothing drawn). The window is the newest transform's frames.
   */
  spectrum?: { size: number; bins: number; binHz: number; averaged: number };
  /**
   * An XY view's frame: `points` is Float32 pairs (x, y) of every `step`-th frame of the window,
   * `count` of them; `minmax` is then empty.
   */
  xy?: { points: ArrayBuffer; count: number; step: number };
  /**
   * Set when the window is cut into fixed columns (a snapped live or scrolled window): columns are
   * numbered absolutely (column k covers frames [k, k + 1) × per, below 0 for the part of a young
   * stream's window before its first frame), `firstColumn` is the window's first, and a page that
   * keeps columns under `key` may send `have` to get only new ones. `columns` is the request's
   * width, or the window's frames when there are fewer (per = 1: a column is one frame).
   */
  key?: string;
  firstColumn?: number;
  /** `minmax` holds only columns [from, from + count), rows as in `channels`; absent: the whole window. */
  delta?: { from: number; count: number };
}

/** Columns a page already holds under a frame's `key`: absolute indices [from, to). */
export interface HeldColumns {
  key: string;
  from: number;
  to: number;
}

/** Webview → host. */
export type ScopeToHost =
  | { type: 'ready'; protocol: number }
  /** The banner's Reconnect, after the session ended. */
  | { type: 'reconnect' }
  | {
      type: 'request';
      seq: number;
      /** Plot width in device pixels: one column per pixel. */
      columns: number;
      windowS: number;
      /** Last frame of the window (exclusive), or null for live (the newest frame). */
      end: number | null;
      channels: number[];
      /** What the page holds from earlier frames: only the rest is sent. */
      have?: HeldColumns | null;
      /** Time view only, live only: align the window on a trigger. */
      trigger?: TriggerRequest | null;
      /** Set: a spectrum view instead of traces. */
      spectrum?: SpectrumRequest | null;
      /** Set: an XY view instead of traces. */
      xy?: XyRequest | null;
    }
  /**
   * Save what the scope shows: the window's raw samples of the channels shown (CSV or NPY, with a
   * sidecar), or the plot as a PNG the page drew (a data: URL).
   */
  | { type: 'export'; format: 'csv' | 'npy'; start: number; end: number; channels: number[] }
  | { type: 'export'; format: 'png'; data: string }
  | {
      type: 'drawn';
      seq: number;
      /** Epoch ms (performance.timeOrigin + performance.now()) when the frame was on the canvas. */
      at: number;
      /** Webview milliseconds spent drawing it. */
      drawMs: number;
    };

export class ScopeMessageError extends Error {
  constructor(what: string) {
    super(`invalid message from the scope webview: ${what}`);
    this.name = 'ScopeMessageError';
  }
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNum = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/**
 * Checks a message from a webview against the protocol and the channel count of its session;
 * returns it typed, or throws a ScopeMessageError naming the field that is wrong.
 */
export function parseScopeMessage(value: unknown, channelCount: number): ScopeToHost {
  if (typeof value !== 'object' || value === null) throw new ScopeMessageError('not an object');
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      if (m.protocol !== SCOPE_PROTOCOL) throw new ScopeMessageError(`protocol ${String(m.protocol)}, expected ${SCOPE_PROTOCOL}`);
      return { type: 'ready', protocol: SCOPE_PROTOCOL };
    case 'request': {
      if (!isInt(m.seq, 0, Number.MAX_SAFE_INTEGER)) throw new ScopeMessageError('request.seq is not a whole number ≥ 0');
      if (!isInt(m.columns, 1, LIMITS.maxColumns))
        throw new ScopeMessageError(`request.columns is not a whole number from 1 to ${LIMITS.maxColumns}`);
      if (!isNum(m.windowS, LIMITS.minWindowS, LIMITS.maxWindowS))
        throw new ScopeMessageError(`request.windowS is not from ${LIMITS.minWindowS} to ${LIMITS.maxWindowS} s`);
      if (m.end !== null && !isInt(m.end, 0, Number.MAX_SAFE_INTEGER))
        throw new ScopeMessageError('request.end is neither null nor a frame index');
      if (!Array.isArray(m.channels) || m.channels.length > LIMITS.maxChannels)
        throw new ScopeMessageError('request.channels is not a list of channel indices');
      const seen = new Set<number>();
      for (const c of m.channels) {
        if (!isInt(c, 0, channelCount - 1))
          throw new ScopeMessageError(`request.channels holds ${String(c)}, not a channel index below ${channelCount}`);
        if (seen.has(c)) throw new ScopeMessageError(`request.channels lists channel ${c} twice`);
        seen.add(c);
      }
      if (m.columns * seen.size > LIMITS.maxCells)
        throw new ScopeMessageError(`request asks for ${m.columns} columns × ${seen.size} channels, more than ${LIMITS.maxCells} cells`);
      let have: HeldColumns | null = null;
      if (m.have !== undefined && m.have !== null) {
        const h = m.have as Record<string, unknown>;
        if (typeof h !== 'object' || typeof h.key !== 'string' || h.key.length > 20_000)
          throw new ScopeMessageError('request.have.key is not a frame key');
        // Columns below 0 are a young stream's, before its first frame.
        if (!isInt(h.from, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) || !isInt(h.to, h.from, Number.MAX_SAFE_INTEGER))
          throw new ScopeMessageError('request.have is not a column range');
        have = { key: h.key, from: h.from, to: h.to };
      }
      const trigger = m.trigger === undefined || m.trigger === null ? null : parseTrigger(m.trigger, channelCount);
      const spectrum = m.spectrum === undefined || m.spectrum === null ? null : parseSpectrum(m.spectrum);
      const xy = m.xy === undefined || m.xy === null ? null : parseXy(m.xy, channelCount);
      if (spectrum && xy) throw new ScopeMessageError('request asks for a spectrum and an XY view at once');
      return {
        type: 'request',
        seq: m.seq,
        columns: m.columns,
        windowS: m.windowS,
        end: m.end as number | null,
        channels: [...seen],
        have,
        ...(trigger ? { trigger } : {}),
        ...(spectrum ? { spectrum } : {}),
        ...(xy ? { xy } : {}),
      };
    }
    case 'export':
      return parseExport(m, channelCount);
    case 'reconnect':
      return { type: 'reconnect' };
    case 'drawn':
      if (!isInt(m.seq, 0, Number.MAX_SAFE_INTEGER)) throw new ScopeMessageError('drawn.seq is not a whole number ≥ 0');
      if (!isNum(m.at, 0, Number.MAX_VALUE)) throw new ScopeMessageError('drawn.at is not a time');
      if (!isNum(m.drawMs, 0, 60_000)) throw new ScopeMessageError('drawn.drawMs is not a duration');
      return { type: 'drawn', seq: m.seq, at: m.at, drawMs: m.drawMs };
    default:
      throw new ScopeMessageError(`unknown type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}

const fields = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ScopeMessageError(`${what} is not an object`);
  return v as Record<string, unknown>;
};

function parseTrigger(value: unknown, channelCount: number): TriggerRequest {
  const t = fields(value, 'request.trigger');
  if (!TRIGGER_MODES.includes(t.mode as TriggerMode))
    throw new ScopeMessageError(`request.trigger.mode is not one of ${TRIGGER_MODES.join(', ')}`);
  if (!isInt(t.channel, 0, channelCount - 1))
    throw new ScopeMessageError(`request.trigger.channel is not a channel index below ${channelCount}`);
  if (t.slope !== 'rising' && t.slope !== 'falling') throw new ScopeMessageError('request.trigger.slope is not rising or falling');
  if (!isNum(t.level, -Number.MAX_VALUE, Number.MAX_VALUE)) throw new ScopeMessageError('request.trigger.level is not a finite number');
  if (!isNum(t.holdoffS, 0, 60)) throw new ScopeMessageError('request.trigger.holdoffS is not from 0 to 60 s');
  if (!isNum(t.pre, 0, 1)) throw new ScopeMessageError('request.trigger.pre is not a fraction from 0 to 1');
  if (!isInt(t.arm, 0, Number.MAX_SAFE_INTEGER)) throw new ScopeMessageError('request.trigger.arm is not a whole number ≥ 0');
  return { mode: t.mode as TriggerMode, channel: t.channel, slope: t.slope, level: t.level, holdoffS: t.holdoffS, pre: t.pre, arm: t.arm };
}

function parseSpectrum(value: unknown): SpectrumRequest {
  const f = fields(value, 'request.spectrum');
  if (!SPECTRUM_SIZES.includes(f.size as (typeof SPECTRUM_SIZES)[number]))
    throw new ScopeMessageError(`request.spectrum.size is not one of ${SPECTRUM_SIZES.join(', ')}`);
  if (!SPECTRUM_WINDOWS.includes(f.window as SpectrumWindow))
    throw new ScopeMessageError(`request.spectrum.window is not one of ${SPECTRUM_WINDOWS.join(', ')}`);
  if (f.averaging !== 'off' && f.averaging !== 'linear' && f.averaging !== 'exponential')
    throw new ScopeMessageError('request.spectrum.averaging is not off, linear or exponential');
  if (!isInt(f.count, 1, 1024)) throw new ScopeMessageError('request.spectrum.count is not a whole number from 1 to 1024');
  return { size: f.size as number, window: f.window as SpectrumWindow, averaging: f.averaging, count: f.count };
}

function parseXy(value: unknown, channelCount: number): XyRequest {
  const v = fields(value, 'request.xy');
  if (!isInt(v.x, 0, channelCount - 1) || !isInt(v.y, 0, channelCount - 1))
    throw new ScopeMessageError(`request.xy is not two channel indices below ${channelCount}`);
  return { x: v.x, y: v.y };
}

function parseExport(m: Record<string, unknown>, channelCount: number): ScopeToHost {
  if (m.format === 'png') {
    if (typeof m.data !== 'string' || !m.data.startsWith('data:image/png;base64,') || m.data.length > LIMITS.maxPngChars)
      throw new ScopeMessageError('export.data is not a PNG data: URL');
    return { type: 'export', format: 'png', data: m.data };
  }
  if (m.format !== 'csv' && m.format !== 'npy') throw new ScopeMessageError('export.format is not csv, npy or png');
  if (!isInt(m.start, 0, Number.MAX_SAFE_INTEGER) || !isInt(m.end, m.start + 1, m.start + LIMITS.maxExportFrames))
    throw new ScopeMessageError(`export.start/end is not a range of 1 to ${LIMITS.maxExportFrames} frames`);
  if (!Array.isArray(m.channels) || m.channels.length === 0 || m.channels.length > LIMITS.maxChannels)
    throw new ScopeMessageError('export.channels is not a list of channel indices');
  const channels: number[] = [];
  for (const c of m.channels) {
    if (!isInt(c, 0, channelCount - 1) || channels.includes(c))
      throw new ScopeMessageError(`export.channels holds ${String(c)}, not a channel index below ${channelCount} listed once`);
    channels.push(c);
  }
  return { type: 'export', format: m.format, start: m.start, end: m.end, channels };
}
