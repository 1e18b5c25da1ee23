// A Session is one connection to one device, as the UI, the CLI and tests see it: the seed's
// lifecycle API (connect, pause/resume, record, close, delete, the is*() predicates) over an
// AcquisitionClient that owns the session's worker thread. The session mirrors the thread's state
// from its events and opens the same native ring by id, so reads (scope, getData) never cross a
// thread boundary. Requests go through the client's one request/reply helper; state waits
// (connect, joinStart, whenDone) watch the typed `state` event.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native, type AnyNativeRing, type NativeRing, type NativeSamples, type SampleType } from './native';
import { AcquisitionClient } from './acquisition-client';
import type { RunningSimulator } from './family';
import { families, type ResolvedDevice } from './registry';
import type { Sample } from './sample';
import type { StreamOutcome } from './source';
import { serveSerialBridge } from '../transports/serial-bridge';
import type { Anchor, ChannelInfo, Gap, Marker, Metadata } from './types';
import {
  emptyStats,
  type AcquisitionStats,
  type Event,
  type RecordingRequest,
  type RecordingStatus,
  type RecordingSummary,
  type Replies,
  type ResumeFrom,
  type WorkerInit,
} from './worker-protocol';
import { SessionArtifacts } from './session-artifacts';
import { FINISHED, TRANSITIONS, type SessionState } from './session-state';
import { fileOf, socketOf, sourceName } from './source-info';
import { formatFromPath } from './writers/read';
import type { RecordingFormat } from './writers/types';
import { startSimulatorThread } from './simulator-thread';

export type { SessionState } from './session-state';
export type { Metadata } from './types';

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
  /** The device's display name (the Devices tree's), written at the top of the sidecar. */
  deviceName?: string;
}

/** What a session tells its listeners, with the arguments each event carries. */
export interface SessionEvents {
  state: [next: SessionState, previous: SessionState];
  log: [level: 'info' | 'warn' | 'error', text: string];
  /** The acquisition thread's figures, 4 a second and after refresh(). */
  stats: [stats: AcquisitionStats, recording: RecordingStatus | undefined];
  samples: [samples: Sample[]];
  markers: [markers: Marker[]];
  gap: [gap: Gap];
  'recording-started': [started: Replies['record']];
  'recording-ended': [summary: RecordingSummary];
  'recording-failed': [error: Error];
  'timelog-saved': [saved: Replies['save-timelog']];
}

export class Session extends EventEmitter<SessionEvents> {
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
  /**
   * The stream in the seed's Streamer words: 'started' once data flows, then how it ended
   * (finished, stopped by the user, interrupted by the device); undefined before data and for a
   * stream that failed or was closed while streaming.
   */
  streamStatus?: 'started' | StreamOutcome;
  /** Why the stream ended (the source's words), once it has. */
  endReason?: string;
  readonly metadata: Metadata;
  channels: ChannelInfo[] = [];
  rate = 0;
  /** How the ring holds samples (float64 for families whose values float32 cannot hold), once known. */
  sampleType: SampleType = 'float32';
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
  private ring?: NativeRing<SampleType>;
  private acquisition?: AcquisitionClient;
  private simulator?: RunningSimulator;
  private readonly backoffS?: number[];
  private readonly device: ResolvedDevice;
  private latestStats: AcquisitionStats = emptyStats();
  /** Asked to pause (set before the worker confirms, so a second pause() is refused at once). */
  private held = false;
  private resuming = false;
  private closing?: Promise<void>;
  private deleting?: Promise<string[]>;
  private readonly artifactFiles = new SessionArtifacts();

  constructor(uri: string, options: SessionOptions = {}) {
    super();
    this.device = families().resolve(uri);
    this.uri = uri.trim();
    this.family = this.device.family.id;
    this.bufferSize = options.bufferSize ?? 300_000;
    this.bufferWindow = options.bufferWindow ?? 1;
    this.backoffS = options.backoffS;
    this.metadata = Object.freeze({ ...options.metadata });
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1)
      throw new RangeError(`bufferSize must be a whole number of frames ≥ 1, got ${options.bufferSize}`);
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
    if (!this.acquisition || this.acquisition.ended) return this;
    try {
      await this.acquisition.request({ kind: 'refresh' });
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
        // In a thread of its own where it can be: a fast simulator's signal is real work, kept off this thread.
        this.simulator = family.simulatorThread?.(uri) === false ? await family.simulate(uri) : await startSimulatorThread(uri.text);
        target = this.simulator.uri;
        this.log('info', `simulator ${this.uri} listening at ${target}`);
      }
    } catch (error) {
      this.fail((error as Error).message);
      throw error;
    }
    const init: WorkerInit = { uri: target, bufferSize: this.bufferSize, backoffS: this.backoffS };
    this.acquisition = new AcquisitionClient(init, {
      event: (m) => this.onEvent(m),
      crashed: (error) => this.fail(`acquisition thread crashed: ${error.message}`),
      exited: (code) => {
        if (code !== 0 && !['closed', 'deleted', 'error'].includes(this.state)) this.fail(`acquisition thread exited with code ${code}`);
      },
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
    if (options.durationS !== undefined && !(options.durationS > 0))
      throw new RangeError(`duration must be > 0 seconds, got ${options.durationS}`);
    const request: RecordingRequest = {
      path: path.resolve(file),
      format,
      durationS: options.durationS,
      deviceUri: this.uri,
      ...(options.deviceName !== undefined ? { deviceName: options.deviceName } : {}),
      family: this.family,
      fromFrame: options.fromFrame,
    };
    await this.client().request({ kind: 'record', request });
  }

  async stopRecording(): Promise<RecordingSummary> {
    if (!this.recording) throw new Error('not recording');
    return this.client().request({ kind: 'stop-recording' });
  }

  /** Resolves with the summary when the current recording ends for any reason (rejects if it fails). */
  recordingEnded(): Promise<RecordingSummary> {
    return new Promise((resolve, reject) => {
      const ended = (summary: RecordingSummary) => {
        this.off('recording-failed', failed);
        resolve(summary);
      };
      const failed = (error: Error) => {
        this.off('recording-ended', ended);
        reject(error);
      };
      this.once('recording-ended', ended);
      this.once('recording-failed', failed);
    });
  }

  /** Frames [start, end) or null when they are not in the ring (not yet, or overwritten). */
  getData(start: number, end: number): NativeSamples | null {
    if (!this.ring) return null;
    try {
      return this.ring.read(start, end);
    } catch {
      return null;
    }
  }

  /** Waits until frames [start, end) are available; null on timeout or once overwritten. */
  async wait(start: number, end: number, timeoutMs = 1000): Promise<NativeSamples | null> {
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
  async poll(frames: number, timeoutMs = 10_000): Promise<NativeSamples | null> {
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
    return native().decimateMinMax(this.ring as AnyNativeRing, start, end, buckets, out);
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
    try {
      return (await this.client().request({ kind: 'save-timelog', path: path.resolve(file) })).blocks;
    } catch (error) {
      this.log('error', (error as Error).message);
      throw error;
    }
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
      throw new Error(
        `cannot pause ${this.uri}: it is ${this.held ? 'already paused or pausing' : this.state}; only an active session can be paused`,
      );
    }
    this.held = true;
    try {
      await this.client().request({ kind: 'pause' });
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
      throw new Error(
        `cannot resume ${this.uri}: it is ${this.resuming ? 'already resuming' : this.state}; only a paused session can be resumed`,
      );
    }
    const target = this.resumeTarget(from);
    this.resuming = true;
    try {
      return await this.client().request({ kind: 'resume', from: target });
    } catch (error) {
      throw new Error(`cannot resume ${this.uri}: ${(error as Error).message}`);
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

  /** How many seconds the ring holds (how far back getData and a recording from the past reach), once data flows. */
  get bufferSeconds(): number | undefined {
    return this.ring && this.rate > 0 ? this.ring.capacity / this.rate : undefined;
  }

  /**
   * Sets how many seconds the ring holds, while streaming (the seed's set_buffer_size): a new
   * ring takes the newest frames of the old one (all of them when it grows) at the same frame
   * numbers, and the stream, a recording and the scope go on without a gap. Returns the seconds
   * it holds (whole frames). Refused before data flows, and when a pause still needs frames a
   * smaller ring would drop.
   */
  async setBufferSeconds(seconds: number): Promise<number> {
    this.refuseDeleted('resize the buffer');
    if (!this.isStreaming) throw new Error(`cannot resize the buffer of ${this.uri}: it is ${this.state}; only a streaming session can`);
    try {
      return (await this.client().request({ kind: 'resize-ring', seconds })).seconds;
    } catch (error) {
      throw new Error(`cannot resize the buffer of ${this.uri}: ${(error as Error).message}`);
    }
  }

  /**
   * Ends the stream but keeps the session (the seed's Streamer.stop): the source stops as it
   * would at its end (Bela: unwatch, the board's program runs on), a recording ends with what
   * arrived, the ring stays readable (getData, a recording started now from what it holds), and
   * the session is `done` with streamStatus 'stopped'. Resolves once it is done.
   */
  async stopStream(): Promise<void> {
    this.refuseDeleted('stop the stream');
    if (!['connecting', 'active', 'paused'].includes(this.state))
      throw new Error(`cannot stop the stream of ${this.uri}: it is ${this.state}; only a connecting or streaming session can be stopped`);
    await this.client().request({ kind: 'stop-stream' });
    await this.whenDone();
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
    await this.acquisition?.close();
    await Promise.all(this.serialBridges.splice(0).map((close) => close()));
    await this.simulator?.stop();
    this.ring?.release();
    this.ring = undefined;
    if (!this.isDone()) this.setState('closed');
  }

  private onEvent(m: Event): void {
    switch (m.kind) {
      case 'log':
        this.log(m.level, m.text);
        break;
      case 'connecting':
        if (m.attempt > 0 && this.state !== 'connecting') this.setState('connecting');
        break;
      case 'ring':
        // Resized in the worker: the new ring holds the newest frames at the same numbers.
        this.ring?.release();
        this.ring = native().Ring.open(m.ringId, this.sampleType);
        break;
      case 'format':
        // Opened as the type the worker made it: getData() then returns that type's array.
        this.ring ??= native().Ring.open(m.ringId, m.sampleType);
        this.sampleType = m.sampleType;
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
        this.streamStatus = m.outcome;
        this.endReason = m.reason;
        this.log('info', `stream ended: ${m.reason}`);
        if (!['closed', 'deleted', 'error'].includes(this.state)) this.setState('done');
        break;
      case 'failed':
        this.fail(m.message);
        break;
      case 'recording-started':
        this.artifactFiles.addRecording(m.path);
        this.recording = { path: m.path, format: m.format, frames: 0, bytes: 0, gaps: 0, lostFrames: 0, elapsedS: 0 };
        this.emit('recording-started', { path: m.path, format: m.format, startFrame: m.startFrame });
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
      case 'timelog-saved':
        this.artifactFiles.addTimelog(m.path);
        this.emit('timelog-saved', { path: m.path, blocks: m.blocks });
        break;
    }
  }

  private resumeTarget(from: ResumePoint | undefined): ResumeFrom {
    if (from === undefined) return { kind: 'pause' };
    if (from === -1) return { kind: 'live' };
    if (!(from instanceof Date)) {
      throw new TypeError(
        `resume(from): expected nothing (from the pause point), a Date, or -1 (live); got ${typeof from === 'number' ? from : typeof from}`,
      );
    }
    const wallMs = from.getTime();
    if (Number.isNaN(wallMs)) throw new RangeError('resume(from): the Date is invalid');
    if (wallMs > Date.now())
      throw new RangeError(`resume(from): ${from.toISOString()} is in the future; give a time up to now, or -1 for live`);
    if (this.pausedAt && wallMs < this.pausedAt.getTime()) {
      throw new RangeError(
        `resume(from): ${from.toISOString()} is before the pause (${this.pausedAt.toISOString()}); what came before the pause point was already delivered, and resume() goes on from there`,
      );
    }
    return { kind: 'time', wallMs };
  }

  private refuseDeleted(what: string): void {
    if (this.state === 'deleted') throw new Error(`cannot ${what} ${this.uri}: the session was deleted`);
  }

  private client(): AcquisitionClient {
    if (!this.acquisition) throw new Error(`the session is ${this.state}: it has no acquisition thread`);
    return this.acquisition;
  }

  private setState(next: SessionState): void {
    if (next === this.state) return;
    if (!TRANSITIONS[this.state].includes(next)) throw new Error(`session ${this.uri}: illegal transition ${this.state} → ${next}`);
    const previous = this.state;
    this.state = next;
    if (next === 'active') {
      this.start ??= new Date();
      this.streamStatus ??= 'started';
    }
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
        if (this.state === 'done' || this.state === 'closed')
          return finish(new Error(`the stream ended before data arrived (${this.state})`));
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
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
