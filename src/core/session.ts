// A Session is one connection to one device, as the UI, the CLI and tests see it. Acquisition
// runs in a worker thread per session; the session mirrors its state and opens the same native
// ring by id, so reads (scope, getData) never cross a thread boundary.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { native, type NativeRing } from './native';
import { resolveDevice, type RunningSimulator } from '../devices/index';
import type { Sample } from './sample';
import { serveSerialBridge } from '../transports/serial-bridge';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';
import {
  emptyStats, type AcquisitionStats, type FromWorker, type RecordingRequest, type RecordingStatus, type RecordingSummary,
  type ResumeFrom, type ToWorker, type WorkerInit,
} from './worker-protocol';
import { SessionArtifacts } from './session-artifacts';
import { fileOf, socketOf, sourceName } from './source-info';
import { formatFromPath } from './writers/read';
import type { RecordingFormat } from './writers/types';

export type SessionState = 'queued' | 'connecting' | 'active' | 'paused' | 'done' | 'error' | 'closed' | 'deleted';

/**
 * Which state may follow which (ARCHITECTURE.md): anything else is a bug and is refused. A
 * reconnect while paused comes back paused. `done`, `error` and `closed` are the three ways a
 * session finishes (closing a finished one frees its thread but keeps how it finished);
 * `deleted` follows any of them once its files are removed.
 */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  queued: ['connecting', 'error', 'closed'],
  connecting: ['active', 'paused', 'connecting', 'done', 'error', 'closed'],
  active: ['paused', 'connecting', 'done', 'error', 'closed'],
  paused: ['active', 'connecting', 'done', 'error', 'closed'],
  done: ['deleted'],
  error: ['deleted'],
  closed: ['deleted'],
  deleted: [],
};

/** The seed's isdone(): finished for any reason. */
const FINISHED: readonly SessionState[] = ['done', 'error', 'closed', 'deleted'];

/** Tags given when a session is made (the seed's metadata); `tagsMatch` compares them. */
export type Metadata = Readonly<Record<string, string | number | boolean>>;

/** Where resume() lets a paused session's consumers go on: see Session.resume. */
export type ResumePoint = Date | -1;

export interface SessionOptions {
  /** Ring capacity in frames (the seed's buffer_size). */
  bufferSize?: number;
  /** The seed's buffer_window ("pocket size", frames): kept for API parity, informational. */
  bufferWindow?: number;
  /** Test hook: reconnect backoff in seconds. */
  backoffS?: number[];
  /** Tags kept with the session (the seed's metadata), e.g. `{ speaker: 'A', take: 3 }`. */
  metadata?: Metadata;
}

export interface StartRecordingOptions {
  format?: RecordingFormat;
  durationS?: number;
  /** Record from this session frame (0 = the start of the stream) instead of from now. */
  fromFrame?: number;
}

export class Session extends EventEmitter {
  readonly uri: string;
  readonly family: string;
  readonly bufferSize: number;
  readonly bufferWindow: number;
  state: SessionState = 'queued';
  /** When the session was made (the tree labels sessions by it). */
  readonly createdAt = new Date();
  error?: string;
  /** When data first flowed (the seed's start): undefined until the session was active. */
  start?: Date;
  /** When the session finished (done, error or closed). */
  end?: Date;
  readonly metadata: Metadata;
  channels: ChannelInfo[] = [];
  rate = 0;
  /** The device's own description of its format (the sidecar's `source`), once it has said. */
  sourceFormat?: Record<string, unknown>;
  /** While paused: the first frame the consumers have not had, and when they stopped. */
  pausePoint?: number;
  pausedAt?: Date;
  recording?: RecordingStatus;
  readonly markers: Marker[] = [];
  readonly gaps: Gap[] = [];
  readonly anchors: Anchor[] = [];
  /** The newest long-format reading per device and channel (sources that produce Samples). */
  readonly latestSamples = new Map<string, Sample>();
  /** Serial ports this session's worker uses through the main thread; closed with the session. */
  private readonly serialBridges: (() => Promise<void>)[] = [];
  private ring?: NativeRing;
  private worker?: Worker;
  private simulator?: RunningSimulator;
  private readonly backoffS?: number[];
  private readonly device: ReturnType<typeof resolveDevice>;
  private latestStats: AcquisitionStats = emptyStats();
  /** Asked to pause (set before the worker confirms, so a second pause() is refused at once). */
  private held = false;
  private resuming = false;
  private refreshes = 0;
  private workerGone = false;
  /** Requests waiting for the worker's answer; each returns true once it has its answer. */
  private readonly waiting = new Set<(m: FromWorker | undefined) => boolean>();
  private closing?: Promise<void>;
  private deleting?: Promise<string[]>;
  private readonly artifactFiles = new SessionArtifacts();

  constructor(uri: string, options: SessionOptions = {}) {
    super();
    this.device = resolveDevice(uri);
    this.uri = uri.trim();
    this.family = this.device.family.id;
    this.bufferSize = options.bufferSize ?? 300_000;
    this.bufferWindow = options.bufferWindow ?? 1;
    this.backoffS = options.backoffS;
    this.metadata = Object.freeze({ ...options.metadata });
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1) throw new RangeError(`bufferSize must be a whole number of frames ≥ 1, got ${options.bufferSize}`);
  }

  // ---- the seed's status predicates ----

  isQueued(): boolean {
    return this.state === 'queued';
  }

  /** Data is flowing to the session's consumers. */
  isActive(): boolean {
    return this.state === 'active';
  }

  isPaused(): boolean {
    return this.state === 'paused';
  }

  /** Finished for any reason: the stream ended (done), failed (error), was closed or deleted. */
  isDone(): boolean {
    return FINISHED.includes(this.state);
  }

  isError(): boolean {
    return this.state === 'error';
  }

  /** Closed by a close() before the stream finished by itself. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  isDeleted(): boolean {
    return this.state === 'deleted';
  }

  // ---- what the session is reading ----

  /** A file's base name, `<port>@<host>` for a socket, else the URI. */
  sourceName(): string {
    return sourceName(this.device.uri);
  }

  fromFile(): boolean {
    return fileOf(this.device.uri) !== undefined;
  }

  fromSocket(): boolean {
    return socketOf(this.device.uri) !== undefined;
  }

  /** Size of the source file in bytes; undefined when the source is not a file. */
  size(): number | undefined {
    const file = fileOf(this.device.uri);
    return file === undefined ? undefined : fs.statSync(file).size;
  }

  /** True when every tag in `metadata` is in this session's metadata with the same value. */
  tagsMatch(metadata: Metadata): boolean {
    return Object.entries(metadata).every(([key, value]) => Object.hasOwn(this.metadata, key) && this.metadata[key] === value);
  }

  // ---- figures, as last reported by the acquisition thread ----

  /** Bytes, frames, errors and the rest, as of the last report (4 a second, or refresh()). */
  stats(): AcquisitionStats {
    return { ...this.latestStats };
  }

  /** Seconds of source data received (frames ÷ rate); undefined before the format is known. */
  sourceSeconds(): number | undefined {
    if (!(this.rate > 0)) return undefined;
    return Math.max(this.latestStats.frames, this.lastSample) / this.rate;
  }

  /**
   * Brings state, stats and the recording's status up to date in one round trip to the
   * acquisition thread (it answers after every message it sent before, so state changes it
   * has seen arrive first). A session without a running thread is already as fresh as it gets.
   */
  async refresh(): Promise<this> {
    if (!this.worker || this.workerGone) return this;
    const id = ++this.refreshes;
    try {
      await this.ask({ kind: 'refresh', id }, (m) => (m.kind === 'stats' && m.refresh === id ? true : undefined));
    } catch {
      // The thread ended meanwhile: what it reported last is final.
    }
    return this;
  }

  /** The newest frame the session's consumers may have: the pause point while paused. */
  get deliveredSample(): number {
    return this.pausePoint ?? this.lastSample;
  }

  /** Resolves true once data flows (the seed's joinstart), false if the session finished first. */
  joinStart(): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.start || this.isDone()) {
          this.off('state', check);
          resolve(this.start !== undefined);
        }
      };
      this.on('state', check);
      check();
    });
  }

  /** Resolves with the final state once the session has finished for any reason. */
  whenDone(): Promise<SessionState> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.isDone()) {
          this.off('state', check);
          resolve(this.state);
        }
      };
      this.on('state', check);
      check();
    });
  }

  /** Frames written so far (the seed's last_sample). */
  get lastSample(): number {
    return this.ring ? this.ring.written() : 0;
  }

  get isStreaming(): boolean {
    return this.state === 'active' || this.state === 'paused';
  }

  /** Starts acquisition; resolves once data flows (state `active`), rejects on `error` or end. */
  async connect(timeoutMs = 10_000): Promise<void> {
    this.refuseDeleted('connect');
    if (this.state !== 'queued') throw new Error(`cannot connect a session that is ${this.state}`);
    this.setState('connecting');
    let target = this.uri;
    try {
      const { uri, family } = this.device;
      if (uri.scheme === 'sim') {
        this.simulator = await family.simulate(uri);
        target = this.simulator.uri;
        this.log('info', `simulator ${this.uri} listening at ${target}`);
      }
    } catch (error) {
      this.fail((error as Error).message);
      throw error;
    }
    const init: WorkerInit = { uri: target, bufferSize: this.bufferSize, backoffS: this.backoffS };
    const script = workerScript();
    this.worker = new Worker(script.code, { workerData: init, eval: script.eval });
    this.worker.on('message', (m: FromWorker) => this.onWorker(m));
    this.worker.on('error', (error) => this.fail(`acquisition thread crashed: ${error.message}`));
    this.worker.on('exit', (code) => {
      this.workerGone = true;
      for (const answer of this.waiting) answer(undefined);
      this.waiting.clear();
      if (code !== 0 && !['closed', 'deleted', 'error'].includes(this.state)) this.fail(`acquisition thread exited with code ${code}`);
    });
    await this.until(['active'], timeoutMs, 'the device sent no data');
  }

  async startRecording(file: string, options: StartRecordingOptions = {}): Promise<void> {
    this.refuseDeleted('record');
    // A finished stream can still be recorded from the ring (the CLI replaying a short file).
    const ringHolds = this.state === 'done' && this.ring !== undefined;
    if (this.state !== 'active' && this.state !== 'paused' && !ringHolds) throw new Error(`cannot record: the session is ${this.state}`);
    if (this.recording) throw new Error(`already recording to ${this.recording.path}`);
    const format = options.format ?? formatFromPath(file);
    if (options.durationS !== undefined && !(options.durationS > 0)) throw new RangeError(`duration must be > 0 seconds, got ${options.durationS}`);
    const request: RecordingRequest = {
      path: path.resolve(file), format, durationS: options.durationS, deviceUri: this.uri, family: this.family, fromFrame: options.fromFrame,
    };
    const started = this.next('recording-started', 'recording-failed');
    this.send({ kind: 'record', request });
    await started;
  }

  async stopRecording(): Promise<RecordingSummary> {
    if (!this.recording) throw new Error('not recording');
    const ended = this.next<RecordingSummary>('recording-ended', 'recording-failed');
    this.send({ kind: 'stop-recording' });
    return ended;
  }

  /** Resolves with the summary when the current recording ends for any reason. */
  recordingEnded(): Promise<RecordingSummary> {
    return this.next<RecordingSummary>('recording-ended', 'recording-failed');
  }

  /** Frames [start, end) or null when they are not in the ring (not yet, or overwritten). */
  getData(start: number, end: number): Float32Array | null {
    if (!this.ring) return null;
    try {
      return this.ring.read(start, end);
    } catch {
      return null;
    }
  }

  /** Waits until frames [start, end) are available; null on timeout or once overwritten. */
  async wait(start: number, end: number, timeoutMs = 1000): Promise<Float32Array | null> {
    if (!this.isStreaming) throw new Error('nothing to wait for: the session is not streaming');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.ring) {
        try {
          return this.ring.read(start, end);
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOTYET') return null;
        }
      }
      if (Date.now() >= deadline || !this.isStreaming) return null;
      await sleep(Math.min(5, Math.max(1, deadline - Date.now())));
    }
  }

  /** The newest `frames` frames once at least one new frame has arrived (the seed's poll). */
  async poll(frames: number, timeoutMs = 10_000): Promise<Float32Array | null> {
    const last = this.lastSample;
    if ((await this.wait(last, last + 1, timeoutMs)) === null) return null;
    const now = this.lastSample;
    return this.getData(now - frames, now);
  }

  /**
   * Min/max of frames [start, end) per channel in `buckets` buckets into `out` (see
   * NativeAddon.decimateMinMax); returns the range the ring held, or null before any data.
   */
  decimate(start: number, end: number, buckets: number, out: Float32Array): [number, number] | null {
    if (!this.ring) return null;
    return native().decimateMinMax(this.ring, start, end, buckets, out);
  }

  /** The oldest frame the ring still holds. */
  get oldestSample(): number {
    return this.ring ? this.ring.oldest() : 0;
  }

  /** When an in-process simulator sent `frame` (epoch ms), for latency figures; else undefined. */
  sentAt(frame: number): number | undefined {
    return this.simulator?.sentAt?.(frame);
  }

  async saveTimelog(file: string): Promise<number> {
    const saved = this.next<{ blocks: number }>('timelog-saved', 'timelog-failed');
    this.send({ kind: 'save-timelog', path: path.resolve(file) });
    return (await saved).blocks;
  }

  /**
   * Stops the session's consumers where they are and keeps them there: a recording gets
   * everything up to this frame (the pause point), then nothing until resume(). A live source
   * keeps filling the ring meanwhile, so nothing is lost at the wire; a source that can hold its
   * input (a file played at real time) stops reading instead. Only an active session can be
   * paused; anything else is refused.
   */
  async pause(): Promise<void> {
    this.refuseDeleted('pause');
    if (this.state !== 'active' || this.held) {
      throw new Error(`cannot pause ${this.uri}: it is ${this.held ? 'already paused or pausing' : this.state}; only an active session can be paused`);
    }
    this.held = true;
    try {
      await this.ask({ kind: 'pause' }, (m) => {
        if (m.kind === 'control-failed' && m.request === 'pause') throw new Error(m.message);
        return m.kind === 'paused' ? true : undefined;
      });
    } catch (error) {
      this.held = false;
      throw new Error(`cannot pause ${this.uri}: ${(error as Error).message}`);
    }
  }

  /**
   * Lets a paused session's consumers go on. With nothing, from the pause point: the ring held
   * what came meanwhile, so a recording has no gap (unless the pause outlasted the ring, which is
   * then an overrun gap). With -1, from the newest frame: the frames in between are skipped and
   * a recording writes them down as a `skipped` gap. With a Date (between the pause and now), from
   * the frame that arrived then, the frames before it skipped likewise. Returns the frame the
   * consumers go on from and how many were skipped. A held source (a file) has nothing newer
   * than its pause point, so all three go on from there.
   */
  async resume(from?: ResumePoint): Promise<{ frame: number; skipped: number }> {
    this.refuseDeleted('resume');
    if (this.state !== 'paused' || this.resuming) {
      throw new Error(`cannot resume ${this.uri}: it is ${this.resuming ? 'already resuming' : this.state}; only a paused session can be resumed`);
    }
    const target = this.resumeTarget(from);
    this.resuming = true;
    try {
      return await this.ask({ kind: 'resume', from: target }, (m) => {
        if (m.kind === 'control-failed' && m.request === 'resume') throw new Error(`cannot resume ${this.uri}: ${m.message}`);
        return m.kind === 'resumed' ? { frame: m.frame, skipped: m.skipped } : undefined;
      });
    } finally {
      this.resuming = false;
    }
  }

  /**
   * Closes the session and removes the files it wrote (recordings, their sidecars, timelogs);
   * the session is then `deleted` and refuses everything. Returns the files removed. If one
   * cannot be removed, throws naming it and stays as it was, so delete() can be tried again.
   */
  async delete(): Promise<string[]> {
    this.refuseDeleted('delete');
    this.deleting ??= (async () => {
      try {
        await this.close();
        const removed = this.artifactFiles.remove();
        this.setState('deleted');
        return removed;
      } catch (error) {
        this.deleting = undefined;
        throw new Error(`cannot delete ${this.uri}: ${(error as Error).message}`);
      }
    })();
    return this.deleting;
  }

  /** The files delete() would remove, as they exist now. */
  artifacts(): string[] {
    return this.artifactFiles.files();
  }

  /**
   * Stops acquisition (ending any recording) and frees the ring. A session that had not finished
   * is then `closed`; one that had (done, error) keeps that state. Closing twice is harmless;
   * closing a deleted session is refused.
   */
  async close(): Promise<void> {
    this.refuseDeleted('close');
    this.closing ??= this.teardown();
    return this.closing;
  }

  private async teardown(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      this.send({ kind: 'close' });
      // A worker stuck in a blocking write still gets terminated, but the timer must not keep
      // the process alive once the worker has left on its own.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(this.serialBridges.splice(0).map((close) => close()));
    await this.simulator?.stop();
    this.ring?.release();
    this.ring = undefined;
    if (!this.isDone()) this.setState('closed');
  }

  private onWorker(m: FromWorker): void {
    switch (m.kind) {
      case 'log':
        this.log(m.level, m.text);
        break;
      case 'connecting':
        if (m.attempt > 0 && this.state !== 'connecting') this.setState('connecting');
        break;
      case 'format':
        this.ring ??= native().Ring.open(m.ringId);
        this.channels = m.channels;
        this.rate = m.rate;
        this.sourceFormat = m.source;
        if (this.state === 'connecting') this.setState(this.held ? 'paused' : 'active');
        break;
      case 'streaming':
        if (this.state === 'connecting' && this.ring) this.setState(this.held ? 'paused' : 'active');
        break;
      case 'paused':
        this.pausePoint = m.frame;
        this.pausedAt = new Date(m.wallMs);
        if (this.state === 'active') this.setState('paused');
        break;
      case 'resumed':
        this.held = false;
        this.pausePoint = undefined;
        this.pausedAt = undefined;
        if (this.state === 'paused') this.setState('active');
        break;
      case 'control-failed':
        break;
      case 'stats':
        this.latestStats = m.stats;
        this.recording = m.recording;
        this.emit('stats', m.stats, m.recording);
        break;
      case 'serial-bridge':
        this.serialBridges.push(serveSerialBridge(m.port));
        break;
      case 'samples':
        for (const sample of m.samples) this.latestSamples.set(`${sample.device}\0${sample.channel ?? ''}`, sample);
        this.emit('samples', m.samples);
        break;
      case 'markers':
        this.markers.push(...m.markers);
        this.emit('markers', m.markers);
        break;
      case 'gap':
        this.gaps.push(m.gap);
        this.emit('gap', m.gap);
        break;
      case 'anchor':
        this.anchors.push(m.anchor);
        break;
      case 'ended':
        this.log('info', `stream ended: ${m.reason}`);
        if (!['closed', 'deleted', 'error'].includes(this.state)) this.setState('done');
        break;
      case 'failed':
        this.fail(m.message);
        break;
      case 'recording-started':
        this.artifactFiles.addRecording(m.path);
        this.recording = { path: m.path, format: m.format, frames: 0, bytes: 0, gaps: 0, lostFrames: 0, elapsedS: 0 };
        this.emit('recording-started', m);
        break;
      case 'recording-ended':
        this.recording = undefined;
        this.emit('recording-ended', m.summary);
        break;
      case 'recording-failed':
        this.recording = undefined;
        this.log('error', m.message);
        this.emit('recording-failed', new Error(m.message));
        break;
      case 'timelog-failed':
        this.log('error', m.message);
        this.emit('timelog-failed', new Error(m.message));
        break;
      case 'timelog-saved':
        this.artifactFiles.addTimelog(m.path);
        this.emit('timelog-saved', m);
        break;
      case 'closed':
        break;
    }
    for (const answer of this.waiting) if (answer(m)) this.waiting.delete(answer);
  }

  /**
   * Sends `message` and resolves with the first reply `answer` maps to a value (it may throw to
   * reject); rejects if the acquisition thread goes away first.
   */
  private ask<T>(message: ToWorker, answer: (m: FromWorker) => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = (m: FromWorker | undefined): boolean => {
        if (!m) {
          reject(new Error('the acquisition thread has ended'));
          return true;
        }
        try {
          const value = answer(m);
          if (value === undefined) return false;
          resolve(value);
        } catch (error) {
          reject(error);
        }
        return true;
      };
      if (this.workerGone) return void reject(new Error('the acquisition thread has ended'));
      this.waiting.add(waiter);
      try {
        this.send(message);
      } catch (error) {
        this.waiting.delete(waiter);
        reject(error);
      }
    });
  }

  private resumeTarget(from: ResumePoint | undefined): ResumeFrom {
    if (from === undefined) return { kind: 'pause' };
    if (from === -1) return { kind: 'live' };
    if (!(from instanceof Date)) {
      throw new TypeError(`resume(from): expected nothing (from the pause point), a Date, or -1 (live); got ${typeof from === 'number' ? from : typeof from}`);
    }
    const wallMs = from.getTime();
    if (Number.isNaN(wallMs)) throw new RangeError('resume(from): the Date is invalid');
    if (wallMs > Date.now()) throw new RangeError(`resume(from): ${from.toISOString()} is in the future; give a time up to now, or -1 for live`);
    if (this.pausedAt && wallMs < this.pausedAt.getTime()) {
      throw new RangeError(`resume(from): ${from.toISOString()} is before the pause (${this.pausedAt.toISOString()}); what came before the pause point was already delivered, and resume() goes on from there`);
    }
    return { kind: 'time', wallMs };
  }

  private refuseDeleted(what: string): void {
    if (this.state === 'deleted') throw new Error(`cannot ${what} ${this.uri}: the session was deleted`);
  }

  private send(message: ToWorker): void {
    if (!this.worker) throw new Error(`the session is ${this.state}: it has no acquisition thread`);
    this.worker.postMessage(message);
  }

  private setState(next: SessionState): void {
    if (next === this.state) return;
    if (!TRANSITIONS[this.state].includes(next)) throw new Error(`session ${this.uri}: illegal transition ${this.state} → ${next}`);
    const previous = this.state;
    this.state = next;
    if (next === 'active') this.start ??= new Date();
    if (FINISHED.includes(next)) {
      this.end ??= new Date();
      this.held = false;
      this.pausePoint = undefined;
      this.pausedAt = undefined;
    }
    this.emit('state', next, previous);
  }

  private fail(message: string): void {
    this.log('error', message);
    // A stream that already ended cleanly keeps its `done`: what fails afterwards is teardown.
    if (['done', 'error', 'closed', 'deleted'].includes(this.state)) return;
    this.error = message;
    this.setState('error');
  }

  private log(level: 'info' | 'warn' | 'error', text: string): void {
    this.emit('log', level, text);
  }

  private until(states: SessionState[], timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (states.includes(this.state)) return finish();
        if (this.state === 'error') return finish(new Error(this.error));
        if (this.state === 'done' || this.state === 'closed') return finish(new Error(`the stream ended before data arrived (${this.state})`));
      };
      const timer = setTimeout(() => finish(new Error(`${this.uri}: ${what} within ${timeoutMs / 1000} s`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.off('state', check);
        if (error) reject(error);
        else resolve();
      };
      this.on('state', check);
      check();
    });
  }

  private next<T = unknown>(ok: string, bad?: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onOk = (value: T) => {
        if (bad) this.off(bad, onBad);
        resolve(value);
      };
      const onBad = (error: Error) => {
        this.off(ok, onOk);
        reject(error);
      };
      this.once(ok, onOk);
      if (bad) this.once(bad, onBad);
    });
  }
}

/**
 * The worker is bundled next to the bundle that loads us. Run from sources (tests, benchmarks),
 * the .ts entry is loaded through tsx's require hook, registered inside the worker itself.
 */
function workerScript(): { code: string; eval: boolean } {
  const bundled = path.join(__dirname, 'acquisition-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  const source = path.join(__dirname, 'acquisition-worker.ts');
  return { code: `require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, eval: true };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
