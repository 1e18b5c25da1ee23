// The Servomex continuous-ASCII ("AUTOPRINT") frame: one line per frame-frequency period.
//   " dd-mm-yy;hh:mm:ss;FM;autocal;N;" + N × "id;name;value;unit;alarms;FM;cal;warmup;" + "CCCC;"
// CCCC is the 16-bit sum of every byte after the leading space up to and including the ';'
// before it, in hex. Parsing never throws: a bad line becomes a FrameError the source counts.
import { decodeDisplayText, encodeDisplayText } from './display-charset';

export interface ContinuousEntry {
  /** I1…I4, D1…D4, E1, E2. */
  id: string;
  /** Display name, trimmed; '' when the analyser prints it blank or as bars. */
  name: string;
  /** Reading; null when the field is not a number (e.g. dashes while warming up). */
  value: number | null;
  /** The value field as printed. */
  valueText: string;
  unit: string;
  alarms: string;
  fm: string;
  cal: string;
  warmup: string;
}

export interface ContinuousFrame {
  /** The analyser's clock as printed, "dd-mm-yy hh:mm:ss". */
  clockText: string;
  /** The analyser's clock as local-time fields (no zone is sent); undefined if it is not a date. */
  clock?: { year: number; month: number; day: number; hour: number; minute: number; second: number };
  fm: string;
  autocal: string;
  entries: ContinuousEntry[];
  checksum: number;
}

export interface FrameError {
  error: string;
}

const FRAME_HEAD_FIELDS = 5;
const ENTRY_FIELDS = 8;
const SEMICOLON = 0x3b;
const SPACE = 0x20;

export function checksumOf(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xffff;
  return sum;
}

/** Parses the analyser clock; undefined (never an exception) when the fields are not a real time. */
export function parseAnalyserClock(date: string, time: string): ContinuousFrame['clock'] {
  const d = /^(\d\d)-(\d\d)-(\d\d)$/.exec(date.trim());
  const t = /^(\d\d):(\d\d):(\d\d)$/.exec(time.trim());
  if (!d || !t) return undefined;
  const [day, month, yy] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3])];
  const year = 2000 + yy;
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return { year, month, day, hour, minute, second };
}

/** Seconds since 2000-01-01 for clock differences (the analyser sends no zone; it cancels). */
export function clockSeconds(clock: NonNullable<ContinuousFrame['clock']>): number {
  return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second) / 1000;
}

/**
 * Parses one line without its line end. Garbage before the frame (a partial frame after a
 * restart, line noise) is skipped: the frame starts at the last " dd-mm-yy;" shaped head.
 */
export function parseContinuousFrame(line: Uint8Array): ContinuousFrame | FrameError {
  const start = frameStart(line);
  if (start < 0) return { error: `no frame start (" dd-mm-yy;hh:mm:ss;") in ${describe(line)}` };
  const body = line.subarray(start + 1);
  // Fields end with ';': the last one is the checksum, followed by nothing.
  const fields: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === SEMICOLON) {
      fields.push(body.subarray(from, i));
      from = i + 1;
    }
  }
  if (from !== body.length) return { error: `frame does not end with ";" after its checksum: ${describe(line)}` };
  if (fields.length < FRAME_HEAD_FIELDS + 1) return { error: `frame too short (${fields.length} fields): ${describe(line)}` };
  const checksumText = ascii(fields[fields.length - 1]);
  if (!/^[0-9A-Fa-f]{4}$/.test(checksumText)) return { error: `checksum field "${checksumText}" is not 4 hex digits` };
  const checksum = parseInt(checksumText, 16);
  const covered = body.subarray(0, body.length - checksumText.length - 1);
  const computed = checksumOf(covered);
  if (computed !== checksum) {
    return { error: `checksum mismatch: frame says ${checksumText.toUpperCase()}, bytes sum to ${hex4(computed)}` };
  }
  const text = fields.map(ascii);
  const nText = text[4].trim();
  if (!/^\d{1,2}$/.test(nText)) return { error: `channel count field "${text[4]}" is not a number` };
  const n = Number(nText);
  const expected = FRAME_HEAD_FIELDS + ENTRY_FIELDS * n + 1;
  if (fields.length !== expected) {
    return { error: `N=${n} announces ${expected} fields but the frame has ${fields.length}` };
  }
  const entries: ContinuousEntry[] = [];
  for (let k = 0; k < n; k++) {
    const f = FRAME_HEAD_FIELDS + ENTRY_FIELDS * k;
    const valueText = text[f + 2];
    entries.push({
      id: text[f].trim(),
      name: cleanName(decodeDisplayText(fields[f + 1])),
      value: parseReading(valueText),
      valueText: valueText.trim(),
      unit: decodeDisplayText(fields[f + 3]).trim(),
      alarms: text[f + 4],
      fm: text[f + 5],
      cal: text[f + 6],
      warmup: text[f + 7],
    });
  }
  return {
    clockText: `${text[0]} ${text[1]}`,
    clock: parseAnalyserClock(text[0], text[1]),
    fm: text[2],
    autocal: text[3],
    entries,
    checksum,
  };
}

/** Builds a frame as an analyser prints it (the simulator's side, and tests'). */
export function formatContinuousFrame(
  frame: {
    date: string;
    time: string;
    fm?: string;
    autocal?: string;
    entries: { id: string; name: string; value: string; unit: string; alarms?: string; fm?: string; cal?: string; warmup?: string }[];
  },
  lineEnd = '\n',
): Uint8Array {
  const pad = (s: string, width: number) => s.padEnd(width).slice(0, width);
  const parts: Uint8Array[] = [];
  const push = (s: string | Uint8Array) => parts.push(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  push(
    `${frame.date};${frame.time};${pad(frame.fm ?? '', 2)};${pad(frame.autocal ?? 'S1S1S1S1', 8)};${String(frame.entries.length).padStart(2, '0')};`,
  );
  for (const e of frame.entries) {
    push(`${e.id};`);
    const name = encodeDisplayText(e.name);
    push(Uint8Array.from([...name, ...Array(Math.max(0, 6 - name.length)).fill(SPACE)].slice(0, 6)));
    push(`;${e.value.padStart(6).slice(-6)};`);
    // The 4100 prints a short unit after one space (" % ", " mA"), as the capture shows.
    push(encodeDisplayText(e.unit.length >= 3 ? e.unit.slice(0, 3) : ` ${pad(e.unit, 2)}`));
    push(`;${pad(e.alarms ?? '', 4)};${pad(e.fm ?? '', 2)};${pad(e.cal ?? '', 1)};${pad(e.warmup ?? '', 1)};`);
  }
  const covered = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(' '), covered, Buffer.from(`${hex4(checksumOf(covered))};${lineEnd}`, 'latin1')]);
}

/** The last position of " dd-mm-yy;hh:mm:ss;"'s shape (digits not required: the clock may be junk). */
function frameStart(line: Uint8Array): number {
  for (let p = line.length - 19; p >= 0; p--) {
    if (clockShaped(line, p) && line[p + 3] === 0x2d && line[p + 6] === 0x2d) return p;
  }
  // A frame whose date separators are damaged still has the two ';' at fixed places.
  for (let p = line.length - 19; p >= 0; p--) {
    if (clockShaped(line, p)) return p;
  }
  return -1;
}

/**
 * " dddddddd;tttttttt;" at p: the date and the time are eight characters each and hold no ';'
 * (a ';' inside would make the fields split elsewhere than the head says: found by fuzzing).
 */
function clockShaped(line: Uint8Array, p: number): boolean {
  if (line[p] !== SPACE || line[p + 9] !== SEMICOLON || line[p + 18] !== SEMICOLON) return false;
  for (let k = p + 1; k < p + 18; k++) if (k !== p + 9 && line[k] === SEMICOLON) return false;
  return true;
}

function parseReading(text: string): number | null {
  const t = text.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  // "20.e376" is a number's spelling but no reading: it overflows to Infinity (found by fuzzing).
  const value = Number(t);
  return Number.isFinite(value) ? value : null;
}

/** The 4100 prints bars for an unnamed channel (its external inputs). */
function cleanName(name: string): string {
  const trimmed = name.trim();
  return /^\|*$/.test(trimmed) ? '' : trimmed;
}

function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function describe(line: Uint8Array): string {
  const text = ascii(line.subarray(0, 60)).replace(/[^\x20-\x7e]/g, '.');
  return `"${text}${line.length > 60 ? '…' : ''}" (${line.length} bytes)`;
}

/**
 * Splits a byte stream into lines on LF (a preceding CR is dropped). A line longer than any
 * frame can be is cut off and reported, so noise without line ends cannot grow memory.
 */
export class LineSplitter {
  private pending: Uint8Array = new Uint8Array(0);
  constructor(private readonly maxLine = 4096) {}

  /** Whole lines in `chunk` (with what was pending); `overlong` counts lines cut for length. */
  push(chunk: Uint8Array): { lines: Uint8Array[]; overlong: number } {
    const data = this.pending.length ? concat(this.pending, chunk) : chunk;
    const lines: Uint8Array[] = [];
    let from = 0;
    let overlong = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0x0a) continue;
      let end = i;
      if (end > from && data[end - 1] === 0x0d) end--;
      if (end > from) lines.push(data.slice(from, end));
      from = i + 1;
    }
    let rest = data.subarray(from);
    if (rest.length > this.maxLine) {
      overlong++;
      rest = rest.subarray(rest.length - this.maxLine);
    }
    this.pending = rest.slice();
    return { lines, overlong };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
