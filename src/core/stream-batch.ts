// A folder's worth of queued sessions played a few at a time, each recorded from its first frame:
// what "Open Audio Folder" runs, with no vscode in it so tests drive it directly.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Session, SessionState } from './session';
import { families } from './registry';
import type { RecordingFormat } from './writers/types';

/** Streams at once by default: each is a worker thread with its own ring. */
export const DEFAULT_CONCURRENCY = 4;

export interface StreamBatchOptions {
  concurrency?: number;
  /**
   * Record every stream, in full, into `dir`: `<dir>/<path relative to the batch's folder>.<format>`
   * (`a.wav` → `a.wav.npy`, so `a.wav` and `a.pcm` cannot collide).
   */
  record?: { dir: string; format: RecordingFormat };
}

export interface StreamBatchEvents {
  /** A stream changed state or reported figures; the tree redraws (coalesced). */
  changed: [];
  log: [level: 'info' | 'warn' | 'error', text: string];
}

let nextId = 1;

export class StreamBatch extends EventEmitter<StreamBatchEvents> {
  readonly id = `batch-${nextId++}`;
  /** When the folder was opened: two runs of the same folder are told apart by it. */
  readonly createdAt = new Date();
  private running?: Promise<void>;
  private readonly concurrency: number;

  /** `folder` is where the files were found: names and recordings are relative to it. */
  constructor(
    readonly label: string,
    readonly folder: string,
    readonly sessions: readonly Session[],
    private readonly options: StreamBatchOptions = {},
  ) {
    super();
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    for (const session of sessions) {
      session.on('state', () => this.emit('changed'));
      session.on('stats', () => this.emit('changed'));
      session.on('log', (level: 'info' | 'warn' | 'error', text: string) => this.emit('log', level, `${this.nameOf(session)}: ${text}`));
    }
  }

  /** A stream's file relative to the batch's folder (`sub/b.wav`), or its URI if it has none. */
  nameOf(session: Session): string {
    const file = families().fileOf(session.uri);
    return file ? path.relative(this.folder, file) || path.basename(file) : session.uri;
  }

  /** Where the stream is (or will be) recorded; undefined when the batch does not record. */
  recordingOf(session: Session): string | undefined {
    const record = this.options.record;
    if (!record) return undefined;
    return path.join(record.dir, `${this.nameOf(session)}.${record.format}`);
  }

  get recordingsDir(): string | undefined {
    return this.options.record?.dir;
  }

  /** How many streams are in each state. */
  counts(): Partial<Record<SessionState, number>> {
    const counts: Partial<Record<SessionState, number>> = {};
    for (const s of this.sessions) counts[s.state] = (counts[s.state] ?? 0) + 1;
    return counts;
  }

  get finished(): boolean {
    return this.sessions.every((s) => s.isDone());
  }

  /**
   * Plays every queued stream, `concurrency` at a time in order; resolves once each has finished
   * (done, error, closed or deleted). A paused stream keeps its place until it is resumed or
   * closed. Calling it again returns the same run.
   */
  run(): Promise<void> {
    this.running ??= (async () => {
      const queue = [...this.sessions];
      const player = async () => {
        for (let session = queue.shift(); session; session = queue.shift()) await this.play(session);
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, player));
    })();
    return this.running;
  }

  /** Closes every stream that has not finished, queued ones included (they then never start). */
  async close(): Promise<void> {
    await Promise.all(this.sessions.filter((s) => !s.isDone()).map((s) => s.close().catch(() => undefined)));
  }

  private async play(session: Session): Promise<void> {
    // Closed or deleted while it waited its turn.
    if (!session.isQueued()) return;
    const name = this.nameOf(session);
    try {
      await session.connect();
      const file = this.recordingOf(session);
      // From frame 0: the ring holds what arrived between connecting and this request.
      if (file) await session.startRecording(file, { fromFrame: 0, format: this.options.record!.format });
      await session.whenDone();
    } catch (error) {
      // A stream that failed has said why in its own log, and one the user closed while it
      // started did not fail. Still running, it was its recording that could not start: with
      // nothing to play for, the stream is closed.
      if (!session.isDone()) {
        this.emit('log', 'error', `${name}: ${(error as Error).message}`);
        await session.close().catch(() => undefined);
      }
    } finally {
      // A finished stream keeps its state; its thread and ring are freed for the next one.
      if (!session.isDeleted()) await session.close().catch(() => undefined);
      this.emit('changed');
    }
  }
}

/**
 * Removes `dir` and the folders under it that hold no files, once a batch's recordings are
 * deleted; a folder with anything left in it stays, and so do its parents.
 */
export function removeEmptyFolders(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) removeEmptyFolders(path.join(dir, entry.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty: something else lives there
  }
}
