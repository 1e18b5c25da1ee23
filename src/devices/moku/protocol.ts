// Liquid Instruments Moku, the pure parts: no I/O. What is on the wire is ../../../../shared/
// PROTOCOLS.md "Liquid Instruments Moku": the REST API's reply envelope (with bare `nan`/`inf`
// tokens the official client replaces blindly), mokucli's `--version` in both styles, and the
// lines mokucli writes to its TCP target: one JSON object per line,
// `{"time": [...], "ch1": [...], "ch2": [...]}`, then `EOS`.
//
// The line parser is the hot path (Moku:Pro streams 10 MSa/s). It fills a reused interleaved
// Float64Array and checks what the stream needs: the same keys on every line, arrays of one
// length, numbers (or mokucli's nan/inf words). Each channel's array is converted by the native
// core's parseNumberArray (C++ from_chars: doubles printed in full, 17 digits, are where JSON.parse
// and any JS loop spend their time), JSON.parse where the addon cannot load; `time` is only checked
// for its spelling by a regular expression and counted, and its two ends converted: the source
// judges continuity from them (bench/moku.ts measures the gain).
import { native } from '../../core/native';

/** Every error of this codec: the caller rejects the line (or the reply) and says why. */
export class MokuProtocolError extends Error {
  override name = 'MokuProtocolError';
}

const fail = (message: string): never => {
  throw new MokuProtocolError(message);
};

// ---------------------------------------------------------------------------------------------
// mokucli lines

/** What one line held; `values` is interleaved frame by frame in `channels` order. */
export interface MokuLine {
  /** Frames in the line (the length of every array). */
  frames: number;
  /** `time` of the first and the last frame (NaN when the line has no `time`, or it is empty). */
  firstTime: number;
  lastTime: number;
}

// Character codes the scanner compares against.
const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const LOWER_E = 101;
const UPPER_E = 69;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** 10^0 … 10^22, the powers of ten a double holds exactly (Clinger's fast path). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** A `time` array spelt as JSON numbers only (no nan words), with JSON's white space. */
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const TIME_ARRAY = new RegExp(String.raw`^\[[ \t\r\n]*(?:${NUMBER}[ \t\r\n]*,[ \t\r\n]*)*${NUMBER}[ \t\r\n]*\]$`);

const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

/** The words mokucli (and the REST replies) may write for values JSON has no spelling for. */
const SPECIAL: ReadonlyArray<readonly [string, number]> = [
  ['nan', NaN],
  ['NaN', NaN],
  ['-nan', NaN],
  ['inf', Infinity],
  ['-inf', -Infinity],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['null', NaN],
];

/**
 * Reads mokucli's lines. The first line names the channels (every key but `time`, in the order
 * the device wrote them: `ch1`, `ch2`, or a Phasemeter's `ch1_frequency`, …); every later line
 * must carry the same keys, in any order.
 */
export class MokuLineParser {
  /** Channel names, from the first line; undefined until then. */
  channels?: string[];
  /** The last line's samples, interleaved: frame k of channel c at k * channels.length + c. */
  values = new Float64Array(0);
  private keys?: string[];
  private slot = new Map<string, number>();
  private seen = new Uint8Array(0);
  private pos = 0;
  private text = '';

  /** True for mokucli's end-of-stream line. */
  static isEos(line: string): boolean {
    return line.length <= 8 && line.trim() === 'EOS';
  }

  /**
   * Parses one line into `values`; throws a MokuProtocolError saying what is wrong with it (the
   * line is then to be rejected: `values` may hold part of it).
   */
  parse(line: string, keepTimes = false): MokuLine {
    this.keepTimes = keepTimes;
    this.text = line;
    this.pos = 0;
    this.skipSpace();
    if (this.code() !== OPEN_BRACE) fail(`not a JSON object (starts with ${describeAt(line, this.pos)})`);
    this.pos++;
    const first = this.keys === undefined;
    const keys: string[] = first ? [] : this.keys!;
    const channels = first ? 0 : this.channels!.length;
    let frames = -1;
    let firstTime = NaN;
    let lastTime = NaN;
    let count = 0;
    if (!first) this.seen.fill(0);
    this.skipSpace();
    if (this.code() === CLOSE_BRACE) fail('an empty object: no time and no channel');
    // The first line's values are kept per key until its channels are known.
    const pending: Float64Array[] = [];
    for (;;) {
      this.skipSpace();
      const key = this.readKey();
      this.skipSpace();
      if (this.code() !== COLON) fail(`no ':' after key "${key}"`);
      this.pos++;
      this.skipSpace();
      if (this.code() !== OPEN_BRACKET) fail(`"${key}" is not an array`);
      if (key === 'time') {
        if (first) {
          if (keys.includes('time')) fail('"time" appears twice');
        } else {
          if (this.timeSlot < 0) fail(`key "time" was not in the stream's first line (its keys: ${keys.join(', ')})`);
          if (this.seen[this.timeSlot]++) fail('"time" appears twice');
        }
        const n = this.readTime();
        firstTime = n.first;
        lastTime = n.last;
        if (frames >= 0 && n.count !== frames) fail(`"time" has ${n.count} values, other arrays ${frames}`);
        frames = n.count;
        if (first) keys.push('time');
      } else if (first) {
        if (keys.includes(key)) fail(`"${key}" appears twice`);
        const column = this.readColumn();
        if (frames >= 0 && column.length !== frames) fail(`"${key}" has ${column.length} values, other arrays ${frames}`);
        frames = column.length;
        keys.push(key);
        pending.push(column);
      } else {
        const slot = this.slot.get(key);
        if (slot === undefined) fail(`key "${key}" was not in the stream's first line (its keys: ${keys.join(', ')})`);
        if (this.seen[slot!]++) fail(`"${key}" appears twice`);
        const c = slot! - (this.timeSlot >= 0 && slot! > this.timeSlot ? 1 : 0);
        const n = this.readInto(c, channels);
        if (frames >= 0 && n !== frames) fail(`"${key}" has ${n} values, other arrays ${frames}`);
        frames = n;
      }
      count++;
      this.skipSpace();
      const c = this.code();
      this.pos++;
      if (c === COMMA) continue;
      if (c === CLOSE_BRACE) break;
      fail(`expected ',' or '}' after "${key}", found ${describeAt(line, this.pos - 1)}`);
    }
    this.skipSpace();
    if (this.pos < line.length) fail(`text after the object: ${describeAt(line, this.pos)}`);
    if (first) {
      const names = keys.filter((k) => k !== 'time');
      if (names.length === 0) fail('no channel in the line (only "time")');
      this.adopt(keys, names, pending, frames);
    } else if (count !== keys.length) {
      const missing = keys.filter((_, i) => !this.seen[i]);
      fail(`the line lacks ${missing.map((k) => `"${k}"`).join(', ')} (the stream's keys: ${keys.join(', ')})`);
    }
    return { frames, firstTime, lastTime };
  }

  /** With parse(line, true): the line's `time` values (only then: the hot path only needs its ends). */
  times = new Float64Array(0);
  private keepTimes = false;

  /** Index of `time` among the first line's keys, or -1. */
  private timeSlot = -1;

  private adopt(keys: string[], names: string[], pending: Float64Array[], frames: number): void {
    this.keys = keys;
    this.channels = names;
    this.timeSlot = keys.indexOf('time');
    this.slot = new Map(keys.map((k, i) => [k, i]));
    this.seen = new Uint8Array(keys.length);
    const c = names.length;
    this.ensure(frames * c);
    for (let ch = 0; ch < c; ch++) {
      const column = pending[ch];
      for (let k = 0; k < frames; k++) this.values[k * c + ch] = column[k];
    }
  }

  private ensure(size: number): void {
    if (this.values.length < size) this.values = new Float64Array(Math.max(size, this.values.length * 2, 1024));
  }

  private code(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  private skipSpace(): void {
    const text = this.text;
    let p = this.pos;
    while (p < text.length && isSpace(text.charCodeAt(p))) p++;
    this.pos = p;
  }

  private readKey(): string {
    const text = this.text;
    if (this.code() !== QUOTE) fail(`expected a key in quotes, found ${describeAt(text, this.pos)}`);
    const end = text.indexOf('"', this.pos + 1);
    if (end < 0) fail('a key without its closing quote');
    const key = text.slice(this.pos + 1, end);
    // Keys are plain words (time, ch1, ch1_phase): an escape would mean some other producer.
    if (key.length === 0 || key.includes('\\') || [...key].some((ch) => ch < ' ')) fail(`key ${JSON.stringify(key)} is not a plain name`);
    this.pos = end + 1;
    return key;
  }

  /**
   * `time`: its count and its first and last value. The values between are checked to be
   * numbers as JSON spells them but not converted: the source only compares the ends.
   */
  private readTime(): { count: number; first: number; last: number } {
    const text = this.text;
    const close = text.indexOf(']', this.pos);
    // The common case in one native pass: a regular expression checks every value's spelling
    // (irregexp runs at ~150 M values/s, four times JSON.parse), commas count them, and only the
    // two ends are converted.
    if (!this.keepTimes && close > 0 && TIME_ARRAY.test(text.slice(this.pos, close + 1))) {
      let count = 1;
      let comma = this.pos;
      let lastComma = -1;
      while ((comma = text.indexOf(',', comma + 1)) >= 0 && comma < close) {
        count++;
        lastComma = comma;
      }
      this.pos++;
      this.skipSpace();
      const first = this.readNumber();
      let last = first;
      if (lastComma >= 0) {
        this.pos = lastComma + 1;
        this.skipSpace();
        last = this.readNumber();
      }
      this.pos = close + 1;
      return { count, first, last };
    }
    // Kept (parse(line, true)), or spelt otherwise (mokucli's nan words, or damage, which readArray
    // words): every value read, as a channel's are.
    const room = close < 0 ? 0 : ((close - this.pos) >> 1) + 1;
    if (this.times.length < room) this.times = new Float64Array(room);
    const n = this.readArray(this.times, 0, 1);
    return { count: n, first: n ? this.times[0] : NaN, last: n ? this.times[n - 1] : NaN };
  }

  /** The first line's arrays, before the channels are known. */
  private readColumn(): Float64Array {
    const end = this.text.indexOf(']', this.pos);
    // A value and its comma take at least two characters: the array holds at most this many.
    const out = new Float64Array(end < 0 ? 0 : ((end - this.pos) >> 1) + 1);
    return out.subarray(0, this.readArray(out, 0, 1));
  }

  /** A channel's array straight into `values` at column `c` of `stride`; returns its length. */
  private readInto(c: number, stride: number): number {
    const end = this.text.indexOf(']', this.pos);
    if (end < 0) fail(`an array without its ']'`);
    this.ensure((((end - this.pos) >> 1) + 1) * stride);
    return this.readArray(this.values, c, stride);
  }

  /**
   * The array at `pos` ('[') into `out[c + k * stride]`. JSON.parse converts it (V8's native
   * scanner beats any loop over char codes here, most of all on doubles printed in full, 17
   * digits); an array JSON refuses (it holds nan or inf, or is damaged) is read here number by
   * number, which also says what is wrong.
   */
  private readArray(out: Float64Array, c: number, stride: number): number {
    const text = this.text;
    const open = this.pos;
    const whole = this.parseArrayJson(open, out, c, stride);
    if (whole >= 0) return whole;
    this.pos++; // '['
    this.skipSpace();
    if (this.code() === CLOSE_BRACKET) {
      this.pos++;
      return 0;
    }
    let n = 0;
    let i = c;
    for (;;) {
      let p = this.pos;
      while (isSpace(text.charCodeAt(p))) p++;
      this.pos = p;
      if (i >= out.length) fail('an array longer than its text can hold');
      out[i] = this.readNumber();
      i += stride;
      n++;
      p = this.pos;
      let ch = text.charCodeAt(p);
      while (isSpace(ch)) ch = text.charCodeAt(++p);
      this.pos = p + 1;
      if (ch === COMMA) continue;
      if (ch === CLOSE_BRACKET) break;
      fail(`expected ',' or ']', found ${describeAt(text, p)}`);
    }
    return n;
  }

  /**
   * The array at `open` into `out` by the native core's parser (C++ from_chars: 17-digit doubles
   * are where JSON.parse spends its time, and mokucli prints every sample so), or by JSON.parse
   * where the addon is not there; its length, or -1 when either refuses it.
   */
  private parseArrayJson(open: number, out: Float64Array, c: number, stride: number): number {
    const close = this.text.indexOf(']', open);
    if (close < 0) return -1;
    const parse = nativeParseNumberArray();
    if (parse) {
      const n = parse(this.text.slice(open, close + 1), out, c, stride);
      if (n >= 0) this.pos = close + 1;
      return n;
    }
    let array: unknown;
    try {
      array = JSON.parse(this.text.slice(open, close + 1));
    } catch {
      return -1;
    }
    const values = array as unknown[];
    if ((values.length - 1) * stride + c >= out.length) return -1;
    for (let k = 0, i = c; k < values.length; k++, i += stride) {
      const v = values[k];
      if (typeof v === 'number') out[i] = v;
      else if (v === null) out[i] = NaN;
      else return -1;
    }
    this.pos = close + 1;
    return values.length;
  }

  /**
   * One number at `pos`, as JSON spells it (strictly: no leading zeros, no bare '.'), or one of
   * mokucli's words for NaN and the infinities. Decimals of at most 15 significant digits with a
   * small exponent are computed exactly here (an integer below 2^53 times or over an exact power
   * of ten rounds correctly); longer ones go to Number(), which rounds correctly too.
   */
  private readNumber(): number {
    const text = this.text;
    const start = this.pos;
    let p = start;
    let c = text.charCodeAt(p);
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = text.charCodeAt(++p);
    }
    if (!(c >= ZERO && c <= NINE)) return this.readSpecial(start);
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    if (c === ZERO) {
      c = text.charCodeAt(++p);
      if (c >= ZERO && c <= NINE) fail(`a number with a leading zero: ${describeAt(text, start)}`);
    } else {
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = text.charCodeAt(++p);
      }
    }
    if (c === DOT) {
      c = text.charCodeAt(++p);
      if (!(c >= ZERO && c <= NINE)) fail(`a number without digits after '.': ${describeAt(text, start)}`);
      while (c >= ZERO && c <= NINE) {
        // Leading zeros of a fraction (0.000123) are no significant digits.
        if (digits > 0 || c !== ZERO) digits++;
        mantissa = mantissa * 10 + (c - ZERO);
        scale--;
        c = text.charCodeAt(++p);
      }
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = text.charCodeAt(++p);
      let expNegative = false;
      if (c === MINUS || c === PLUS) {
        expNegative = c === MINUS;
        c = text.charCodeAt(++p);
      }
      if (!(c >= ZERO && c <= NINE)) fail(`a number with an empty exponent: ${describeAt(text, start)}`);
      let exponent = 0;
      while (c >= ZERO && c <= NINE) {
        if (exponent < 100000) exponent = exponent * 10 + (c - ZERO);
        c = text.charCodeAt(++p);
      }
      scale += expNegative ? -exponent : exponent;
    }
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      this.pos = p;
      const value = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
      return negative ? -value : value;
    }
    this.pos = p;
    return Number(text.slice(start, p));
  }

  private readSpecial(start: number): number {
    const text = this.text;
    for (const [word, value] of SPECIAL) {
      if (text.startsWith(word, start)) {
        const after = text.charCodeAt(start + word.length);
        // A word must end there: "nanx" or "info" is no number.
        if ((after >= 65 && after <= 90) || (after >= 97 && after <= 122) || (after >= ZERO && after <= NINE)) continue;
        this.pos = start + word.length;
        return value;
      }
    }
    return fail(`not a number: ${describeAt(text, start)}`);
  }
}

let nativeParser: ((text: string, out: Float64Array, offset: number, stride: number) => number) | null | undefined;

/** The native core's array parser, or null where the addon cannot load (then JSON.parse does). */
function nativeParseNumberArray(): ((text: string, out: Float64Array, offset: number, stride: number) => number) | null {
  if (nativeParser === undefined) {
    try {
      const addon = native();
      nativeParser = (text, out, offset, stride) => addon.parseNumberArray(text, out, offset, stride);
    } catch {
      nativeParser = null;
    }
  }
  return nativeParser;
}

/** A few characters at `pos` for an error message. */
function describeAt(text: string, pos: number): string {
  if (pos >= text.length) return 'the end of the line';
  const piece = text.slice(pos, pos + 16);
  return JSON.stringify(piece.length < text.length - pos ? `${piece}…` : piece);
}

// ---------------------------------------------------------------------------------------------
// REST replies

/** A reply's envelope: `{"success": bool, "data": …, "code": …, "messages": [str] | null}`. */
export interface MokuEnvelope {
  success: boolean;
  data: unknown;
  code: string | null;
  messages: string[];
}

const TOKEN_PREFIX = '\u0000moku:';

/**
 * JSON that may hold bare `nan`, `inf`, `-inf` (also NaN, Infinity) outside strings, as the
 * device writes them: they become NaN and ±Infinity. Text inside strings is left alone (the
 * official client's blind `replace('nan', …)` turns "financial" into nonsense).
 */
export function parseMokuJson(text: string): unknown {
  let out = '';
  let from = 0;
  let i = 0;
  let changed = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string, honouring escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 110 /* n */ || c === 105 /* i */ || c === 78 /* N */ || c === 73 /* I */ || c === MINUS) {
      // The spellings mokucli's lines take too (MokuLineParser's SPECIAL), nothing looser.
      const word = /^(?:-?nan|NaN|-?inf|-?Infinity)(?![A-Za-z0-9_])/.exec(text.slice(i, i + 10));
      if (word) {
        const name = word[0] === '-inf' || word[0] === '-Infinity' ? '-inf' : word[0] === 'inf' || word[0] === 'Infinity' ? 'inf' : 'nan';
        out += `${text.slice(from, i)}"\\u0000moku:${name}"`;
        i += word[0].length;
        from = i;
        changed = true;
        continue;
      }
    }
    i++;
  }
  if (!changed) return JSON.parse(text);
  out += text.slice(from);
  return JSON.parse(out, (_key, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith(TOKEN_PREFIX)) return value;
    const word = value.slice(TOKEN_PREFIX.length);
    return word === 'inf' ? Infinity : word === '-inf' ? -Infinity : NaN;
  });
}

/**
 * A reply body as its envelope; `data` that is itself JSON text (some operations send it so) is
 * parsed too. Throws a MokuProtocolError for a body that is no envelope.
 */
export function parseEnvelope(body: string): MokuEnvelope {
  let parsed: unknown;
  try {
    parsed = parseMokuJson(body);
  } catch (error) {
    return fail(`the reply is not JSON (${(error as Error).message}): ${describeAt(body, 0)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as { success?: unknown }).success !== 'boolean')
    return fail(`the reply is not a Moku envelope {"success": …}: ${describeAt(body, 0)}`);
  const e = parsed as { success: boolean; data?: unknown; code?: unknown; messages?: unknown };
  let data: unknown = e.data ?? null;
  if (typeof data === 'string' && /^\s*[[{]/.test(data)) {
    try {
      data = parseMokuJson(data);
    } catch {
      // A string that only looks like JSON: keep it as the device sent it.
    }
  }
  const messages = Array.isArray(e.messages) ? e.messages.map((m) => String(m)) : [];
  return { success: e.success, data, code: typeof e.code === 'string' ? e.code : e.code == null ? null : String(e.code), messages };
}

// ---------------------------------------------------------------------------------------------
// mokucli --version

export type Version = readonly [number, number, number];

/** The first three integers of `mokucli --version` (`4.0.3`, or 2.x's `mokucli 2.2.2`); undefined if none. */
export function parseMokucliVersion(output: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export const versionText = (v: Version) => v.join('.');

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The oldest mokucli a device runs with: MokuOS 4.x needs 4.0.1; MokuOS 3.x by its firmware
 * build (580 → 2.1.0, 585 → 2.2.1, 590 → 2.2.2; unknown: 2.1.0).
 */
export function requiredMokucli(mokuOS: string | undefined, firmware: number | undefined): { version: Version; why: string } {
  const major = mokuOS ? parseMokucliVersion(mokuOS)?.[0] : undefined;
  if (major === undefined || major >= 4) return { version: [4, 0, 1], why: `MokuOS ${mokuOS ?? '4.x'}` };
  if (firmware !== undefined && firmware >= 590) return { version: [2, 2, 2], why: `MokuOS ${mokuOS} (firmware ${firmware})` };
  if (firmware !== undefined && firmware >= 585) return { version: [2, 2, 1], why: `MokuOS ${mokuOS} (firmware ${firmware})` };
  return { version: [2, 1, 0], why: `MokuOS ${mokuOS}${firmware !== undefined ? ` (firmware ${firmware})` : ''}` };
}

// ---------------------------------------------------------------------------------------------
// Addresses

/**
 * The host part of `http://…/` and of `--ip-address=` for a URI's host: IPv6 in brackets (with a
 * zone such as `%eth0` kept), a name or IPv4 as it is, `:port` when one was given.
 */
export function hostForUrl(host: string, port: number | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
