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
} as const;

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
    }
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
      return {
        type: 'request',
        seq: m.seq,
        columns: m.columns,
        windowS: m.windowS,
        end: m.end as number | null,
        channels: [...seen],
        have,
      };
    }
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
