// Bela's watcher protocol (BelaPlatform/watcher on Bela `dev`, as pybela speaks it): the pure wire
// codec, no I/O. What is on the wire is ../../../../shared/PROTOCOLS.md "Bela"; where this file says
// more, it was read from the board's own code (Watcher.h, Gui.cpp, WSServer.cpp) or seen from it
// (test/fixtures/bela/, captured from bela-board, which compiles that code unchanged).
//
// Two websockets per board: `gui_control` carries JSON text (events, the client's commands and the
// board's replies), `gui_data` carries binary messages: a header `ID/T` and then one body, either a
// 4104-byte buffer or a short monitor message.

/** Every error this codec raises: the caller counts one as a rejected message and goes on. */
export class BelaProtocolError extends Error {
  override name = 'BelaProtocolError';
}

const fail = (message: string): never => {
  throw new BelaProtocolError(message);
};

// ---------------------------------------------------------------------------------------------
// Types and buffer layouts

/** A watcher's type as the board names it (typeid(T).name() on g++): char, int32, uint32, float32, float64. */
export type WatcherType = 'c' | 'i' | 'j' | 'f' | 'd';

/** The watcher types as a user of Bela's Watcher<T> knows them. */
export const TYPE_NAMES: Readonly<Record<WatcherType, string>> = { c: 'char', i: 'int32', j: 'uint32', f: 'float', d: 'double' };
export const WATCHER_TYPES: readonly WatcherType[] = ['c', 'i', 'j', 'f', 'd'];
/** Dense (kTimestampBlock: value k is frame ref + k) or sparse (kTimestampSample: each value has its frame). */
export type TimestampMode = 'dense' | 'sparse';

/** Bytes of one value of each type. */
export const TYPE_SIZE: Readonly<Record<WatcherType, number>> = { c: 1, i: 4, j: 4, f: 4, d: 8 };

const isWatcherType = (t: unknown): t is WatcherType => typeof t === 'string' && (WATCHER_TYPES as readonly string[]).includes(t);

/** The u64 frame at the start of every buffer and monitor message (Watcher.h kMsgHeaderLength). */
export const FRAME_BYTES = 8;
/** Every buffer body, dense or sparse, whatever the type (Watcher.h kBufSize = 4096 + 8). */
export const BUFFER_BYTES = 4096 + FRAME_BYTES;
/** The relative frames of a sparse buffer are u32 (Watcher.h RelTimestamp). */
const OFFSET_BYTES = 4;

export interface BufferLayout {
  type: WatcherType;
  mode: TimestampMode;
  /** Values a full buffer holds: dense 4096 / size; sparse f/i/j 512, d 341, c 816. */
  capacity: number;
  /** Sparse: byte where the u32 offsets start (f/i/j 2056, d 2736, c 824). */
  offsetsAt?: number;
}

/**
 * Watcher.h's getRelTimestampsOffset and maxCount, computed the same way rather than tabulated, so
 * a value count can never disagree with the board: the offsets start at the aligned end of as many
 * values as fit with one u32 each, and a buffer is full when the next value would pass that start.
 */
export function bufferLayout(type: WatcherType, mode: TimestampMode): BufferLayout {
  const size = TYPE_SIZE[type];
  if (mode === 'dense') return { type, mode, capacity: (BUFFER_BYTES - FRAME_BYTES) / size };
  const fit = Math.floor((BUFFER_BYTES - FRAME_BYTES) / (size + OFFSET_BYTES));
  const offsetsAt = (fit * size + FRAME_BYTES) & ~(OFFSET_BYTES - 1);
  // maxCount = offsetsAt - (size - 1): the board writes values while count (bytes, frame included) is below it.
  const maxCount = offsetsAt - (size - 1);
  const capacity = Math.ceil((maxCount - FRAME_BYTES) / size);
  return { type, mode, capacity, offsetsAt };
}

/**
 * A monitor message: u64 frame and one value, padded to a multiple of the type's size (Watcher.h
 * notify): c 9, i/j/f 12, d 16 bytes. None equals BUFFER_BYTES, which is how the two are told apart.
 */
export const monitorBytes = (type: WatcherType): number => Math.ceil((FRAME_BYTES + TYPE_SIZE[type]) / TYPE_SIZE[type]) * TYPE_SIZE[type];

// ---------------------------------------------------------------------------------------------
// Control socket: what the board sends

export interface WatcherInfo {
  name: string;
  type: WatcherType;
  timestampMode: TimestampMode;
  watched: boolean;
  logged: boolean;
  controlled: boolean;
  /** Monitoring period in frames: 0 off, 1 once (Watcher.h masks out its "changed" flag). */
  monitor: number;
  logFileName: string;
  /** The variable's current value (as the board's double) and what the program gave it (differs when controlled). */
  value: number;
  valueInput: number;
}

export interface WatcherList {
  /** What the project declared; the frame clock is whatever the project ticks (see PROTOCOLS.md). */
  sampleRate: number;
  /** The board's current frame when it answered. */
  timestamp: number;
  /** In the board's order: a watcher's index here is its buffer ID in the data headers. */
  watchers: WatcherInfo[];
}

export type ControlEvent =
  /** Sent to every control client whenever any client opens gui_control; answer with connectionReply(). */
  | { kind: 'connection'; projectName?: string }
  | { kind: 'list'; list: WatcherList }
  /** The answer to `log`: where the board writes and the frames it will log. timestampEnd is 2^64-1 (as a double) without a duration. */
  | { kind: 'log'; watcher: string; logFileName: string; timestamp: number; timestampEnd: number }
  /**
   * Any other well-formed JSON object: a project may send its own control messages (Gui::sendControl),
   * and `{"event":…}` from other clients' GUIs. Not an error: the caller ignores it.
   */
  | { kind: 'other'; json: Record<string, unknown> };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Json, key: string, where: string, what: string, ok: (v: unknown) => v is T): T {
  if (!(key in o)) return fail(`${where}: no "${key}"`);
  const v = o[key];
  if (!ok(v)) return fail(`${where}: "${key}" is ${JSON.stringify(v)}, not ${what}`);
  return v;
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
// SimpleJSON writes bools as true/false; the watcher's list has them as JSON bools.
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isFrame = (v: unknown): v is number => isNumber(v) && v >= 0 && Number.isInteger(v);

function parseWatcher(w: unknown, k: number): WatcherInfo {
  const where = `list: watchers[${k}]`;
  if (!isObject(w)) return fail(`${where} is not an object`);
  const mode = field(w, 'timestampMode', where, '0 (dense) or 1 (sparse)', (v): v is 0 | 1 => v === 0 || v === 1);
  return {
    name: field(w, 'name', where, 'a non-empty string', (v): v is string => isString(v) && v.length > 0),
    type: field(w, 'type', where, 'one of c i j f d', isWatcherType),
    timestampMode: mode === 0 ? 'dense' : 'sparse',
    watched: field(w, 'watched', where, 'a boolean', isBool),
    logged: field(w, 'logged', where, 'a boolean', isBool),
    controlled: field(w, 'controlled', where, 'a boolean', isBool),
    monitor: field(w, 'monitor', where, 'an integer >= 0', isFrame),
    logFileName: field(w, 'logFileName', where, 'a string', isString),
    value: field(w, 'value', where, 'a number', isNumber),
    valueInput: field(w, 'valueInput', where, 'a number', isNumber),
  };
}

/**
 * One text message from gui_control. Invalid JSON, a non-object, or a `connection`, `list` or `log`
 * message with a missing or mistyped field is a BelaProtocolError naming the field.
 */
export function parseControlMessage(text: string): ControlEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`control message is not JSON (${(e as Error).message}): ${preview(text)}`);
  }
  if (!isObject(json)) return fail(`control message is not a JSON object: ${preview(text)}`);
  if (json.event === 'connection') {
    // Gui.cpp leaves projectName out when the project has none.
    if (!('projectName' in json)) return { kind: 'connection' };
    return { kind: 'connection', projectName: field(json, 'projectName', 'connection', 'a string', isString) };
  }
  const watcher = json.watcher;
  if (isObject(watcher)) {
    // Watcher.h answers list with sampleRate, timestamp and watchers; log with logFileName and timestampEnd.
    if ('watchers' in watcher || 'sampleRate' in watcher) {
      const list = field(watcher, 'watchers', 'list', 'an array', (v): v is unknown[] => Array.isArray(v));
      const watchers = list.map(parseWatcher);
      const seen = new Set<string>();
      for (const w of watchers) {
        if (seen.has(w.name)) fail(`list: watcher "${w.name}" appears twice`);
        seen.add(w.name);
      }
      return {
        kind: 'list',
        list: {
          sampleRate: field(watcher, 'sampleRate', 'list', 'a number > 0', (v): v is number => isNumber(v) && v > 0),
          timestamp: field(watcher, 'timestamp', 'list', 'a frame (an integer >= 0)', isFrame),
          watchers,
        },
      };
    }
    if ('logFileName' in watcher || 'timestampEnd' in watcher) {
      return {
        kind: 'log',
        watcher: field(watcher, 'watcher', 'log reply', 'a string', isString),
        logFileName: field(watcher, 'logFileName', 'log reply', 'a string', isString),
        timestamp: field(watcher, 'timestamp', 'log reply', 'a frame', isFrame),
        timestampEnd: field(watcher, 'timestampEnd', 'log reply', 'a frame', isFrame),
      };
    }
  }
  return { kind: 'other', json };
}

const preview = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

// ---------------------------------------------------------------------------------------------
// Control socket: what the client sends

/** The answer to `connection`: without it (from some client) the board streams nothing (Gui.cpp). */
export const connectionReply = (): string => JSON.stringify({ event: 'connection-reply' });

/**
 * When a watch/unwatch/log/unlog applies: `timestamps[k]` is a start (or stop) frame, `durations[k]`
 * frames after it. The board acts on them in Watcher.h notify(), i.e. only when the program sets the
 * variable: a dense watcher (set every frame) streams exactly start … start + duration; a sparse one
 * starts with the first value set at or after start and ends with the first set at or after
 * start + duration, which can be later (seen from bela-board: PROTOCOLS.md's "ends after frame
 * start + n" holds for dense watchers only).
 */
export interface Schedule {
  /** Frame to start at (watch, log) or stop at (unwatch, unlog); the board uses max(it, now). */
  timestamps?: readonly number[];
  /** Watch/log only: stop after frame start + duration (inclusive, see above); 0 means never (Watcher.h startStreamAtFor). */
  durations?: readonly number[];
}

export type WatcherCommand =
  | { cmd: 'list' }
  | ({ cmd: 'watch' | 'log'; watchers: readonly string[] } & Schedule)
  | { cmd: 'unwatch' | 'unlog'; watchers: readonly string[]; timestamps?: readonly number[] }
  /** periods[k]: one value now and every p frames; 1 once, 0 off. */
  | { cmd: 'monitor'; watchers: readonly string[]; periods: readonly number[] }
  | { cmd: 'control' | 'uncontrol'; watchers: readonly string[] }
  | { cmd: 'set'; watchers: readonly string[]; values: readonly number[] }
  | { cmd: 'setMask'; watchers: readonly string[]; values: readonly number[]; masks: readonly number[] };

function checkFrames(cmd: string, key: string, list: readonly number[] | undefined, watchers: readonly string[]): void {
  if (list === undefined) return;
  // The board reads them as doubles and casts to uint64: a negative or fractional one would be UB or truncated.
  list.forEach((v, k) => {
    if (!Number.isSafeInteger(v) || v < 0) fail(`${cmd}: ${key}[${k}] is ${v}, not a frame (an integer >= 0)`);
  });
  // Entries past the watchers are ignored by the board, missing ones are 0: say so rather than guess.
  if (list.length !== watchers.length) fail(`${cmd}: ${list.length} ${key} for ${watchers.length} watchers`);
}

/**
 * `{"watcher":[…]}` with the commands in order, checked as the board would misread them: names must
 * be non-empty strings (anything else is silently no watcher), arrays parallel to `watchers`.
 */
export function encodeCommands(commands: readonly WatcherCommand[]): string {
  const out = commands.map((c) => {
    if (c.cmd === 'list') return { cmd: 'list' };
    c.watchers.forEach((w, k) => {
      if (typeof w !== 'string' || !w) fail(`${c.cmd}: watchers[${k}] is not a name`);
    });
    const o: Record<string, unknown> = { cmd: c.cmd, watchers: [...c.watchers] };
    if (c.cmd === 'watch' || c.cmd === 'log' || c.cmd === 'unwatch' || c.cmd === 'unlog') {
      checkFrames(c.cmd, 'timestamps', c.timestamps, c.watchers);
      if (c.timestamps) o.timestamps = [...c.timestamps];
    }
    if (c.cmd === 'watch' || c.cmd === 'log') {
      checkFrames(c.cmd, 'durations', c.durations, c.watchers);
      if (c.durations) o.durations = [...c.durations];
    }
    if (c.cmd === 'monitor') {
      checkFrames(c.cmd, 'periods', c.periods, c.watchers);
      o.periods = [...c.periods];
    }
    if (c.cmd === 'set' || c.cmd === 'setMask') {
      if (c.values.length !== c.watchers.length) fail(`${c.cmd}: ${c.values.length} values for ${c.watchers.length} watchers`);
      c.values.forEach((v, k) => Number.isFinite(v) || fail(`${c.cmd}: values[${k}] is ${v}`));
      o.values = [...c.values];
      if (c.cmd === 'setMask') {
        checkFrames(c.cmd, 'masks', c.masks, c.watchers);
        o.masks = [...c.masks];
      }
    }
    return o;
  });
  return JSON.stringify({ watcher: out });
}

export const listCommand = (): string => encodeCommands([{ cmd: 'list' }]);
export const watchCommand = (watchers: readonly string[], schedule: Schedule = {}): string =>
  encodeCommands([{ cmd: 'watch', watchers, ...schedule }]);
export const unwatchCommand = (watchers: readonly string[], timestamps?: readonly number[]): string =>
  encodeCommands([{ cmd: 'unwatch', watchers, ...(timestamps ? { timestamps } : {}) }]);

// ---------------------------------------------------------------------------------------------
// Data socket: headers, buffers, monitor messages

export interface BufferHeader {
  /** The Gui buffer's index: the watcher's index in `list` (unless the project makes Gui buffers of its own). */
  id: number;
  type: WatcherType;
}

// Gui.cpp doSendBuffer: snprintf("%u/%s", bufferId, type); WSServer sends it without its NUL. `%u`
// is at most 10 digits; a leading zero never comes from %u, so refusing it keeps headers canonical.
const HEADER = /^(0|[1-9][0-9]{0,9})\/([a-z])$/;
const MAX_HEADER_BYTES = 12;

/** A message of the form `ID/x` (any lower-case letter x): a header, even if its type is one we do not know. */
function matchHeader(bytes: Uint8Array): { id: number; letter: string; text: string } | undefined {
  if (bytes.length < 3 || bytes.length > MAX_HEADER_BYTES) return undefined;
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  const m = HEADER.exec(text);
  if (!m || Number(m[1]) > 0xffffffff) return undefined;
  return { id: Number(m[1]), letter: m[2], text };
}

/** The header `ID/T`, or undefined when `bytes` is not one (a body, or garbage). A header of an unknown type is an error. */
export function parseHeader(bytes: Uint8Array): BufferHeader | undefined {
  const m = matchHeader(bytes);
  if (!m) return undefined;
  if (!isWatcherType(m.letter)) return fail(`header "${m.text}": type "${m.letter}" is not one of c i j f d`);
  return { id: m.id, type: m.letter };
}

export interface DecodedBuffer {
  type: WatcherType;
  mode: TimestampMode;
  /** The u64 frame of the buffer's first value. */
  ref: number;
  /**
   * Every value of the buffer (capacity of them), exact: float32, int32, uint32 (also >= 2^31),
   * float64 and chars are all exact in a double. Chars are read as the board's bytes, 0..255 (a real
   * Bela is ARM, where char is unsigned); pass `signedChar` to read them as int8.
   */
  values: Float64Array;
  /**
   * The same values as the wire's own typed array (Float32Array for f, Int32Array for i, …), a
   * view on the message where it was aligned: what the stream assembler reads, with no widened
   * copy in between. `values` is made from it when asked for.
   */
  raw: ArrayLike<number>;
  /** The frame of each value: dense ref + k, sparse ref + offset[k]. */
  frames: Float64Array;
  /**
   * Values that can be real. Sparse: the board zero-fills the rest of the last buffer of a stream,
   * offsets included, and value 0 is at offset 0 by construction, so `count` is 1 + the last index
   * whose offset is not 0 (exact unless a project sets a variable twice in the same frame as its
   * first). Dense: capacity; the padding cannot be told from zeros, see `trailingZeros`.
   */
  count: number;
  /**
   * Values at the end whose bytes are all zero (+0, never -0 or NaN). A dense buffer with some may be
   * the zero-padded last one of a stream: it is, when it is the last buffer before the stream ended
   * (unwatch, a scheduled end, `watched: false`); with a scheduled end E the real count is E - ref + 1.
   */
  trailingZeros: number;
  /** Sparse: count < capacity, i.e. this is the zero-padded last buffer of a stream. Dense: undefined (unknowable alone). */
  padded?: boolean;
}

export interface DecodeOptions {
  /** Read `c` values as int8 (the board was x86, or the project means signed). Default: unsigned bytes. */
  signedChar?: boolean;
}

/** A copy in its own ArrayBuffer, so typed views are aligned whatever `bytes` was a view of. */
function aligned(bytes: Uint8Array): DataView {
  const { buffer, offset } = alignedBytes(bytes);
  return new DataView(buffer, offset, bytes.length);
}

/** Typed arrays are the host's byte order; the wire is little-endian. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bytes where typed views of any sample type can read them: in place when they start on an
 * 8-byte boundary (ws hands each message its own ArrayBuffer), else copied to one that does.
 */
function alignedBytes(bytes: Uint8Array): { buffer: ArrayBuffer; offset: number } {
  if (bytes.byteOffset % 8 === 0 && bytes.buffer instanceof ArrayBuffer) return { buffer: bytes.buffer, offset: bytes.byteOffset };
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return { buffer: copy.buffer, offset: 0 };
}

/** `n` values of `type` at byte `at` of an aligned buffer, as the typed array of their own kind. */
function typedValues(type: WatcherType, buffer: ArrayBuffer, at: number, n: number, signedChar: boolean): ArrayLike<number> {
  switch (type) {
    case 'c':
      return signedChar ? new Int8Array(buffer, at, n) : new Uint8Array(buffer, at, n);
    case 'i':
      return new Int32Array(buffer, at, n);
    case 'j':
      return new Uint32Array(buffer, at, n);
    case 'f':
      return new Float32Array(buffer, at, n);
    case 'd':
      return new Float64Array(buffer, at, n);
  }
}

function readFrame(view: DataView, what: string): number {
  const frame = view.getBigUint64(0, true);
  // A frame past 2^53 is 6000 years at 48 kHz: not a board's, and not exact in a number.
  if (frame > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`${what}: frame ${frame} is beyond 2^53`);
  return Number(frame);
}

function reader(type: WatcherType, view: DataView, signedChar: boolean): (at: number) => number {
  switch (type) {
    case 'c':
      return signedChar ? (at) => view.getInt8(at) : (at) => view.getUint8(at);
    case 'i':
      return (at) => view.getInt32(at, true);
    case 'j':
      return (at) => view.getUint32(at, true);
    case 'f':
      return (at) => view.getFloat32(at, true);
    case 'd':
      return (at) => view.getFloat64(at, true);
  }
}

/** One 4104-byte buffer body of a watcher of `type` and `mode` (from `list`). */
export function decodeBuffer(body: Uint8Array, type: WatcherType, mode: TimestampMode, options: DecodeOptions = {}): DecodedBuffer {
  if (!isWatcherType(type)) return fail(`buffer: type ${JSON.stringify(type)} is not one of c i j f d`);
  if (body.length !== BUFFER_BYTES) return fail(`buffer of ${type}: ${body.length} bytes, not ${BUFFER_BYTES}`);
  const layout = bufferLayout(type, mode);
  const { buffer, offset: base } = alignedBytes(body);
  const view = new DataView(buffer, base, BUFFER_BYTES);
  const ref = readFrame(view, `buffer of ${type}`);
  const size = TYPE_SIZE[type];
  const n = layout.capacity;
  let count = n;
  let raw: ArrayLike<number>;
  if (LITTLE_ENDIAN_HOST) {
    // A typed view over the (8-aligned) body: no DataView call per value (that was most of a
    // 32-watcher stream's CPU), and no copy until someone wants doubles.
    raw = typedValues(type, buffer, base + FRAME_BYTES, n, options.signedChar ?? false);
  } else {
    const read = reader(type, view, options.signedChar ?? false);
    const values = new Float64Array(n);
    for (let k = 0; k < n; k++) values[k] = read(FRAME_BYTES + k * size);
    raw = values;
  }
  let frames: Float64Array | undefined;
  if (mode === 'sparse') {
    frames = new Float64Array(n);
    const at = layout.offsetsAt!;
    count = 1;
    for (let k = 0; k < n; k++) {
      const offset = view.getUint32(at + k * OFFSET_BYTES, true);
      frames[k] = ref + offset;
      if (offset !== 0) count = k + 1;
    }
  }
  let trailingZeros = 0;
  zeros: for (let k = n - 1; k >= 0; k--) {
    for (let b = 0; b < size; b++) if (view.getUint8(FRAME_BYTES + k * size + b) !== 0) break zeros;
    trailingZeros++;
  }
  return new WatcherBuffer(type, mode, ref, raw, frames, count, trailingZeros);
}

/**
 * A decoded buffer. Its doubles, and a dense one's frames (ref + k), are made only when asked
 * for: the stream assembler reads the wire's typed values and places dense ones by ref alone,
 * and making both per buffer was two fifths of a 32-watcher stream's CPU. A class, not a
 * literal, for those getters: spread one (`{ ...b }`) and they stay behind; Object.assign onto
 * it keeps them.
 */
class WatcherBuffer implements DecodedBuffer {
  readonly padded?: boolean;
  private doubles?: Float64Array;

  constructor(
    readonly type: WatcherType,
    readonly mode: TimestampMode,
    readonly ref: number,
    readonly raw: ArrayLike<number>,
    private frameList: Float64Array | undefined,
    readonly count: number,
    readonly trailingZeros: number,
  ) {
    if (mode === 'sparse') this.padded = count < raw.length;
  }

  get values(): Float64Array {
    if (!this.doubles) {
      this.doubles = new Float64Array(this.raw.length);
      this.doubles.set(this.raw);
    }
    return this.doubles;
  }

  get frames(): Float64Array {
    if (!this.frameList) {
      const frames = new Float64Array(this.raw.length);
      for (let k = 0; k < frames.length; k++) frames[k] = this.ref + k;
      this.frameList = frames;
    }
    return this.frameList;
  }
}

export interface MonitorMessage {
  type: WatcherType;
  frame: number;
  value: number;
}

/** A monitor message body (monitorBytes(type) long): the frame and the one value. */
export function decodeMonitor(body: Uint8Array, type: WatcherType, options: DecodeOptions = {}): MonitorMessage {
  if (!isWatcherType(type)) return fail(`monitor: type ${JSON.stringify(type)} is not one of c i j f d`);
  if (body.length !== monitorBytes(type)) return fail(`monitor message of ${type}: ${body.length} bytes, not ${monitorBytes(type)}`);
  const view = aligned(body);
  const frame = readFrame(view, `monitor message of ${type}`);
  return { type, frame, value: reader(type, view, options.signedChar ?? false)(FRAME_BYTES) };
}

/** What one data-socket message was, once its header and body are together. */
export type DataMessage =
  ({ kind: 'buffer'; id: number; name?: string } & DecodedBuffer) | ({ kind: 'monitor'; id: number; name?: string } & MonitorMessage);

/** What the parser needs of each watcher: `list`'s entries fit. */
export interface WatcherShape {
  name?: string;
  type: WatcherType;
  timestampMode: TimestampMode;
}

/**
 * The gui_data stream: a header, then its body. `push` returns the message a body completes, or
 * undefined for a header (it waits for the body). Anything out of place is a BelaProtocolError, with
 * the parser already resynchronised: a header after a header (the board dropped a body when its send
 * queue was full) keeps the new header; a body without a header, or one whose length fits neither a
 * buffer nor a monitor message, is dropped. Each call does bounded work: it can never hang.
 */
export class DataStreamParser {
  private pending: BufferHeader | undefined;

  /** `watchers`: the `list` reply's, in its order (a header's ID indexes it). Replace it with setWatchers after a new list. */
  constructor(
    private watchers: readonly WatcherShape[],
    private readonly options: DecodeOptions = {},
  ) {}

  setWatchers(watchers: readonly WatcherShape[]): void {
    this.watchers = watchers;
  }

  /** Forget a header waiting for its body (the data socket reconnected). */
  reset(): void {
    this.pending = undefined;
  }

  get awaitingBody(): boolean {
    return this.pending !== undefined;
  }

  push(message: Uint8Array): DataMessage | undefined {
    const m = matchHeader(message);
    const lost = this.pending;
    this.pending = undefined;
    if (m) {
      // A header: whatever was pending lost its body. The new one waits for its body if it is usable.
      const was = lost ? `; header ${lost.id}/${lost.type} came without its body` : '';
      if (!isWatcherType(m.letter)) return fail(`header "${m.text}": type "${m.letter}" is not one of c i j f d${was}`);
      const w = this.watchers[m.id];
      if (!w) return fail(`header "${m.text}": no watcher ${m.id} in the list (${this.watchers.length} watchers)${was}`);
      if (w.type !== m.letter) return fail(`header "${m.text}": watcher ${m.id}${w.name ? ` (${w.name})` : ''} is of type ${w.type}${was}`);
      this.pending = { id: m.id, type: m.letter };
      if (lost) fail(`header ${lost.id}/${lost.type} came without its body (next: ${m.text})`);
      return undefined;
    }
    if (!lost) return fail(`${message.length}-byte body without a header`);
    const w = this.watchers[lost.id];
    if (!w) return fail(`body of ${lost.id}/${lost.type}: no watcher ${lost.id} in the list any more`);
    const name = w.name !== undefined ? { name: w.name } : {};
    if (message.length === BUFFER_BYTES)
      // Onto the buffer, not spread from it: a dense one's frames are a getter (see WatcherBuffer).
      return Object.assign(decodeBuffer(message, lost.type, w.timestampMode, this.options), {
        kind: 'buffer' as const,
        id: lost.id,
        ...name,
      });
    if (message.length === monitorBytes(lost.type))
      return { kind: 'monitor', id: lost.id, ...name, ...decodeMonitor(message, lost.type, this.options) };
    return fail(
      `body of ${lost.id}/${lost.type}: ${message.length} bytes, neither a buffer (${BUFFER_BYTES}) nor a monitor message (${monitorBytes(lost.type)})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Encoder: the same bytes as the board (for a simulator and for tests)

export const encodeHeader = (id: number, type: WatcherType): Uint8Array => {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) fail(`header: id ${id} is not a u32`);
  if (!isWatcherType(type)) fail(`header: type ${JSON.stringify(type)} is not one of c i j f d`);
  return Uint8Array.from(`${id}/${type}`, (ch) => ch.charCodeAt(0));
};

function writer(type: WatcherType, view: DataView): (at: number, v: number) => void {
  switch (type) {
    case 'c':
      // Either signedness: -128..255 all land on their byte.
      return (at, v) => view.setUint8(at, v & 0xff);
    case 'i':
      return (at, v) => view.setInt32(at, v, true);
    case 'j':
      return (at, v) => view.setUint32(at, v, true);
    case 'f':
      return (at, v) => view.setFloat32(at, v, true);
    case 'd':
      return (at, v) => view.setFloat64(at, v, true);
  }
}

export interface BufferToEncode {
  type: WatcherType;
  mode: TimestampMode;
  ref: number;
  /** Up to capacity values; fewer make the zero-padded last buffer of a stream, as the board does. */
  values: ArrayLike<number>;
  /** Sparse: each value's frame (>= ref, within 2^32 of it). */
  frames?: ArrayLike<number>;
}

/** A 4104-byte buffer body laid out as Watcher.h does. */
export function encodeBuffer(b: BufferToEncode): Uint8Array {
  const layout = bufferLayout(b.type, b.mode);
  if (b.values.length > layout.capacity) fail(`encode: ${b.values.length} values, a ${b.mode} ${b.type} buffer holds ${layout.capacity}`);
  if (!Number.isSafeInteger(b.ref) || b.ref < 0) fail(`encode: ref ${b.ref} is not a frame`);
  const out = new Uint8Array(BUFFER_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(b.ref), true);
  const write = writer(b.type, view);
  const size = TYPE_SIZE[b.type];
  for (let k = 0; k < b.values.length; k++) write(FRAME_BYTES + k * size, b.values[k]);
  if (b.mode === 'sparse') {
    const frames = b.frames ?? fail('encode: a sparse buffer needs frames');
    if (frames.length !== b.values.length) fail(`encode: ${frames.length} frames for ${b.values.length} values`);
    for (let k = 0; k < frames.length; k++) {
      const offset = frames[k] - b.ref;
      if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff)
        fail(`encode: frame ${frames[k]} is not within 2^32 after ref ${b.ref}`);
      view.setUint32(layout.offsetsAt! + k * OFFSET_BYTES, offset, true);
    }
  }
  return out;
}

/** A monitor message body: the frame and one value, padded as the board pads it. */
export function encodeMonitor(type: WatcherType, frame: number, value: number): Uint8Array {
  const out = new Uint8Array(monitorBytes(type));
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(frame), true);
  writer(type, view)(FRAME_BYTES, value);
  return out;
}
