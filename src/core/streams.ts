// Many sessions at once, as the seed's createstreams / createdirstreams / refreshstreams make
// them: queued (nothing connects until asked), tagged with the same metadata, in a stable order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session, type Metadata, type SessionOptions } from './session';
import { families } from './registry';

/**
 * A device URI, a file path, or a socket address `{ host, port }`: the last two are read by the
 * registered family that plays files (audio: `audio:<absolute path>`, raw PCM over TCP).
 */
export type StreamSource = string | { host: string; port: number };

export interface DirStreamOptions {
  /**
   * File extensions to include, with or without the dot, any case (`['wav', '.PCM']`). Left out
   * or empty: every file, as the seed has it (the VS Code command passes the file family's extensions).
   */
  exts?: readonly string[];
  /** Regular expressions (source text or RegExp) that a file's full path must all match. */
  filters?: ReadonlyArray<string | RegExp>;
  /** Search sub-folders too (default true). Symbolic links to folders are not followed. */
  recursive?: boolean;
}

/** The files the registered file-playing family plays when nobody says (audio: WAV, PCM, G.711). */
export function streamFileExtensions(): readonly string[] {
  return families().fileStreams().fileStreams.extensions;
}

/**
 * One queued Session per source, each carrying `metadata`. For the file family's sources the
 * format fields among the metadata (audio: samprate, sampwidth, encoding, channels, endian) also
 * become URI parameters, so a folder of headerless PCM can be described once; a URI that already
 * says otherwise is refused naming the field. Throws on the first bad source, naming it; nothing
 * has connected, so nothing needs undoing.
 */
export function createStreams(
  sources: StreamSource | readonly StreamSource[],
  metadata: Metadata = {},
  options: SessionOptions = {},
): Session[] {
  const list = Array.isArray(sources) ? (sources as readonly StreamSource[]) : [sources as StreamSource];
  return list.map((source) => new Session(streamUri(source, metadata), { ...options, metadata }));
}

/**
 * One queued Session per matching file under `dirs` (see findStreamFiles), as the file family's
 * URIs (`audio:<absolute path>`), sorted by path.
 */
export function createDirStreams(
  dirs: string | readonly string[],
  options: DirStreamOptions = {},
  metadata: Metadata = {},
  sessionOptions: SessionOptions = {},
): Session[] {
  return createStreams(findStreamFiles(dirs, options), metadata, sessionOptions);
}

/**
 * The files under `dirs` that pass `exts` and every filter, as absolute paths, sorted by code
 * unit (the same order on every machine and locale), each once.
 */
export function findStreamFiles(dirs: string | readonly string[], options: DirStreamOptions = {}): string[] {
  const roots = (typeof dirs === 'string' ? [dirs] : [...dirs]).map((d) => path.resolve(d));
  const exts = (options.exts ?? []).map(normalizeExt);
  const filters = (options.filters ?? []).map(compileFilter);
  const recursive = options.recursive ?? true;
  const found = new Set<string>();
  for (const root of roots) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch (error) {
      throw new Error(`cannot read the folder ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!stat.isDirectory()) throw new Error(`${root} is not a folder`);
    for (const file of walk(root, recursive)) {
      if (exts.length && !exts.includes(path.extname(file).toLowerCase())) continue;
      if (filters.every((f) => f.test(file))) found.add(file);
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Refreshes every session in one go: each acquisition thread is asked at once and they answer
 * in parallel, so many sessions take about as long as one (the seed's refreshstreams).
 */
export async function refreshSessions<T extends Session>(sessions: readonly T[]): Promise<T[]> {
  await Promise.all(sessions.map((s) => s.refresh()));
  return [...sessions];
}

/** The URI a stream source stands for, with the file family's format fields of `metadata` on it. */
export function streamUri(source: StreamSource, metadata: Metadata = {}): string {
  const family = families().fileStreams();
  const files = family.fileStreams;
  let uri: string;
  if (typeof source === 'object') {
    if (!source || typeof source.host !== 'string' || !Number.isInteger(source.port))
      throw new TypeError(`a socket source is { host, port }, got ${JSON.stringify(source)}`);
    if (!files.uriOfSocket) throw new Error(`${family.label} reads no sockets: give a device URI instead of { host, port }`);
    uri = files.uriOfSocket(source.host, source.port);
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(source.trim()) && !/^[a-z]:[\\/]/i.test(source.trim())) {
    uri = source.trim();
  } else {
    uri = files.uriOfFile(path.resolve(source));
  }
  const ofFamily = family.schemes.some((scheme) => uri.toLowerCase().startsWith(`${scheme}:`));
  return ofFamily && files.withMetadata ? files.withMetadata(uri, metadata) : uri;
}

function normalizeExt(ext: string): string {
  const e = ext.trim().toLowerCase();
  return e.startsWith('.') ? e : `.${e}`;
}

function compileFilter(filter: string | RegExp): RegExp {
  if (filter instanceof RegExp) {
    // test() on a global or sticky RegExp remembers where it stopped: every file must start afresh.
    return new RegExp(filter.source, filter.flags.replace(/[gy]/g, ''));
  }
  try {
    return new RegExp(filter);
  } catch (error) {
    throw new Error(`filter "${filter}" is not a regular expression: ${(error as Error).message}`);
  }
}

/** Regular files (and links to them) under `dir`; folders only through real directories. */
function* walk(dir: string, recursive: boolean): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) yield* walk(full, recursive);
    } else if (entry.isFile()) {
      yield full;
    } else if (entry.isSymbolicLink()) {
      try {
        if (fs.statSync(full).isFile()) yield full;
      } catch {
        // a dangling link is not a file to play
      }
    }
  }
}
