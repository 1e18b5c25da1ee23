// The one contract an instrument family fulfils to plug into Labscope. A family is a folder
// under src/devices/<id>/ whose family.ts exports one of these; the registry (src/devices/index.ts)
// is a list of them, handed to the core at start-up (see registry.ts). Nothing here imports a
// family: the core only ever sees this interface.
//
// Parameters are declared once, here in the family's object, and that one declaration drives
// everything that reads a URI's `?key=value` part: validation (unknown keys are refused naming
// the known ones), Add Device's hints, and the CLI's `labscope simulate <family> --<key>` flags
// and usage text. A family's own cross-checks (a host is needed, two options that contradict)
// go in `check`.
import type { Metadata } from './types';
import type { Source } from './source';
import { UriError, type DeviceUri } from './uri';

/** One `?key=value` parameter of a family's URIs. */
export interface Param<T = unknown> {
  key: string;
  /** One line for Add Device and the CLI's usage. */
  description: string;
  /** A value a user can start from (Add Device's placeholder, `--key EXAMPLE` in usage). */
  example: string;
  /** What applies when the key is left out, as text; undefined when there is no default. */
  default?: string;
  /** The URI schemes that take it (real devices); undefined: every scheme of the family. */
  schemes?: readonly string[];
  /**
   * Turns the text into a value or throws an Error whose message says what is wrong with it,
   * worded to follow `key="text"`, e.g. `is not a number from 1 to 65535`.
   */
  parse(text: string): T;
}

/**
 * Thrown by a parse that words its own message in full after "parameter " (e.g. `rate=96k is
 * outside 8000–48000 Hz`); any other Error's message is taken to follow `key="text" `.
 */
export class ParamError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ParamError';
  }
}

export interface RunningSimulator {
  /** The address a client connects to. */
  uri: string;
  /** One line saying what it serves, for the CLI (`synthetic 8 channels at 1000 Hz`). */
  description?: string;
  stop(): Promise<void> | void;
  /**
   * Epoch ms (performance.timeOrigin + performance.now()) when the block holding stream frame
   * `frame` was handed to the socket, while the simulator still remembers it: the start of a
   * wire-to-pixel latency measurement. Undefined when unknown.
   */
  sentAt?(frame: number): number | undefined;
}

export interface SimulateOptions {
  /** Interface to listen on (the CLI's --host); 127.0.0.1 when left out. */
  host?: string;
  /**
   * A SentTable's buffer (src/core/sent-table.ts) for the simulator to note when it sent each
   * block: shared with the session when the simulator runs in a thread of its own.
   */
  sentBuffer?: ArrayBufferLike;
}

export interface SourceOptions {
  /** Reconnect schedule in seconds (tests shorten it). */
  backoffS?: number[];
}

/** What a family that plays files (createDirStreams, Open Audio Folder) tells the core. */
export interface FileStreams {
  /** The files it plays when nobody says which (`.wav`, `.pcm`, …). */
  extensions: readonly string[];
  /** The URI that plays the file at absolute path `file`. */
  uriOfFile(file: string): string;
  /** The URI of a socket source `{ host, port }` (createStreams), when the family reads sockets. */
  uriOfSocket?(host: string, port: number): string;
  /** `uri` (of this family) with the format fields among `metadata` as parameters. */
  withMetadata?(uri: string, metadata: Metadata): string;
  /** The absolute file a URI of this family plays; undefined for sockets and the rest. */
  fileOf(uri: DeviceUri): string | undefined;
}

/**
 * How Add Device asks for a scheme's address: a serial port (its path), a host and port, or a
 * file; `port` is the default port, none when the address may leave it out.
 */
export type AddressForm = { kind: 'serial' } | { kind: 'network'; port?: number } | { kind: 'file' };

export interface Family {
  id: string;
  label: string;
  /** URI schemes of the real devices (`rda`, `servomex+serial`, …); `sim:<id>` is the simulator. */
  schemes: readonly string[];
  /** Each scheme's address as Add Device's form asks for it; a scheme without one is typed as a URI. */
  addresses?: Readonly<Record<string, AddressForm>>;
  /** An address a user can start from, e.g. `rda://127.0.0.1:51244`. */
  example: string;
  /** Parameters of a real device's URI. */
  params: readonly Param[];
  /** Parameters of its simulator's `sim:<id>?…` URI (and `labscope simulate <id> --<key>`). */
  simulatorParams: readonly Param[];
  /**
   * Cross-checks beyond each parameter's own parse: a host or a path is needed, options that
   * contradict. Throws a UriError. `uri` may be `sim:<id>`.
   */
  check?(uri: DeviceUri, values: ReadonlyMap<string, unknown>): void;
  /** The source that reads the device, built inside the acquisition worker. */
  createSource(uri: DeviceUri, options: SourceOptions): Source;
  /**
   * Whether the simulator of `uri` may run in a worker thread, off the main thread (the default).
   * Not one that opens a serial port: serialport's addon works on the main thread only.
   */
  simulatorThread?(uri: DeviceUri): boolean;
  /** Starts this family's simulator as `sim:<id>?…` describes. */
  simulate(uri: DeviceUri, options?: SimulateOptions): Promise<RunningSimulator>;
  /**
   * The CLI's default for a simulator parameter the user left out, where it differs from the
   * `sim:` URI's (a fixed well-known port rather than any free one). Given what else was set.
   */
  cliDefault?(key: string, given: ReadonlyMap<string, string>): string | undefined;
  /**
   * The URI with paths in it made absolute against `baseDir` (VS Code: the workspace folder),
   * so relative paths mean the workspace's files. Left out: URIs hold no paths to resolve.
   */
  resolvePaths?(uri: string, baseDir: string): string;
  /** For a family whose sources can be files (the seed's createDirStreams). */
  fileStreams?: FileStreams;
  /** One short line from the source's own summary (stats.source) for the tree, if it has one. */
  summaryLine?(summary: Record<string, unknown>): string | undefined;
  /**
   * A few words on channel `index` for the tree (Bela: `uint32 · sparse`), from what the device
   * said about its format (the session's sourceFormat, the sidecar's `source`).
   */
  channelDetail?(source: Record<string, unknown> | undefined, index: number): string | undefined;
  /**
   * The file name (no extension) of a recording started without one, where the device's own
   * client names its files a way users know (Moku: the moku package's STREAM_<ddmmYYYYHHMMSS>).
   * Left out: `<device>-<YYYYMMDD-HHMMSS>` (recording-path.ts).
   */
  recordingName?(when: Date): string;
}

/** The parameters a URI of `family` may carry: its simulator's for `sim:`, else those of the scheme. */
export function paramsFor(family: Family, uri: Pick<DeviceUri, 'scheme'>): readonly Param[] {
  if (uri.scheme === 'sim') return family.simulatorParams;
  return family.params.filter((p) => !p.schemes || p.schemes.includes(uri.scheme));
}

/**
 * Every parameter of `uri` is known and parses; returns the parsed values (given or default).
 * Throws a UriError naming the key that is wrong, or the unknown key and the known ones.
 */
export function readParams(uri: DeviceUri, params: readonly Param[]): Map<string, unknown> {
  const known = new Map(params.map((p) => [p.key, p]));
  for (const key of uri.params.keys()) {
    if (!known.has(key)) {
      const what = uri.scheme === 'sim' ? `sim:${uri.path}` : `${uri.scheme}:`;
      throw new UriError(
        uri.text,
        `unknown parameter "${key}" (${known.size ? `known: ${[...known.keys()].join(', ')}` : `${what} URIs take none`})`,
      );
    }
  }
  const values = new Map<string, unknown>();
  for (const param of params) {
    const text = uri.params.get(param.key) ?? param.default;
    if (text === undefined) continue;
    try {
      values.set(param.key, param.parse(text));
    } catch (error) {
      if (error instanceof UriError) throw error;
      const detail = error instanceof ParamError ? error.message : `${param.key}="${text}" ${(error as Error).message}`;
      throw new UriError(uri.text, `parameter ${detail}`);
    }
  }
  return values;
}

/** A parameter's parsed value, typed by the caller (readParams checked it). */
export function valueOf<T>(values: ReadonlyMap<string, unknown>, key: string): T {
  return values.get(key) as T;
}

// ---- parameter kinds shared by the families ----

type ParamText = Pick<Param, 'key' | 'description' | 'example' | 'default' | 'schemes'>;

/** A number in [min, max]; `integer` refuses fractions. */
export function numberParam(spec: ParamText & { min: number; max: number; integer?: boolean }): Param<number> {
  return {
    ...spec,
    parse(text) {
      const value = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(value) || value < spec.min || value > spec.max)
        throw new Error(`is not a number from ${spec.min} to ${spec.max}`);
      if (spec.integer && !Number.isInteger(value)) throw new Error('is not a whole number');
      return value;
    },
  };
}

/** A finite number > 0 (a frequency, a length of time), with no upper bound but Number's. */
export function positiveParam(spec: ParamText): Param<number> {
  return {
    ...spec,
    parse(text) {
      const value = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(value) || !(value > 0)) throw new Error('is not a number > 0');
      return value;
    },
  };
}

/** One of a fixed set of words (compared without case); the value is the set's spelling. */
export function choiceParam<T extends string>(spec: ParamText & { choices: readonly T[] }): Param<T> {
  return {
    ...spec,
    parse(text) {
      const found = spec.choices.find((c) => c.toLowerCase() === text.trim().toLowerCase());
      if (found === undefined) throw new Error(`is not one of ${spec.choices.join(', ')}`);
      return found;
    },
  };
}

/** Free text (a path, a list the family splits itself); `nonEmpty` refuses ''. */
export function textParam(spec: ParamText & { nonEmpty?: boolean }): Param<string> {
  return {
    ...spec,
    parse(text) {
      if (spec.nonEmpty && !text.trim()) throw new Error('is empty');
      return text;
    },
  };
}

/** A TCP port a simulator listens on: 0 picks any free one. */
export function listenPortParam(spec: Omit<ParamText, 'key'>): Param<number> {
  return {
    key: 'port',
    ...spec,
    parse(text) {
      if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) throw new Error('is not a number from 0 (any) to 65535');
      return Number(text);
    },
  };
}

/** Times real time, or `max` (also `0`): as fast as the reader takes it. */
export function speedParam(spec: Omit<ParamText, 'key'>): Param<number> {
  return {
    key: 'speed',
    ...spec,
    parse(text) {
      return parseSpeed(text);
    },
  };
}

/** `1`, `2.5`, `max` / `0` (Infinity); refuses anything else. */
export function parseSpeed(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  if (text === 'max' || text === '0') return Infinity;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) throw new Error('is not a number > 0 or "max"');
  return speed;
}
