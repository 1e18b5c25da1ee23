// A Session is one connection to one device, as the UI, the CLI and tests see it. Acquisition
// runs in a worker thread per session; the session mirrors its state and opens the same native
// ring by id, so reads (scope, getData) never cross a thread boundary.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { native, type NativeRing } from './native';
import { resolveDevice, type RunningSimulator } from '../devices/index';
import type { Anchor, ChannelInfo, Gap, Marker } from './types';
import type {
  AcquisitionStats, FromWorker, RecordingRequest, RecordingStatus, RecordingSummary, ToWorker, WorkerInit,
} from './worker-protocol';
import { formatFromPath } from './writers/read';
import type { RecordingFormat } from './writers/types';

export type SessionState = 'queued' | 'connecting' | 'active' | 'paused' | 'done' | 'error' | 'closed' | 'deleted';

/** Which state may follow which (ARCHITECTURE.md): anything else is a bug and is refused. */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  queued: ['connecting', 'error', 'closed'],
  connecting: ['active', 'connecting', 'done', 'error', 'closed'],
  active: ['paused', 'connecting', 'done', 'error', 'closed'],
  paused: ['active', 'connecting', 'done', 'error', 'closed'],
  done: ['closed', 'deleted'],
  error: ['closed', 'deleted'],
  closed: ['deleted'],
  deleted: [],
};

export interface SessionOptions {
  /** Ring capacity in frames (the seed's buffer_size). */
  bufferSize?: number;
  /** The seed's buffer_window ("pocket size", frames): kept for API parity, informational. */
  bufferWindow?: number;
  /** Test hook: reconnect backoff in seconds. */
  backoffS?: number[];
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
  channels: ChannelInfo[] = [];
  rate = 0;
  stats?: AcquisitionStats;
  recording?: RecordingStatus;
  readonly markers: Marker[] = [];
  readonly gaps: Gap[] = [];
  readonly anchors: Anchor[] = [];
  private ring?: NativeRing;
  private worker?: Worker;
  private simulator?: RunningSimulator;
  private readonly backoffS?: number[];
  private readonly device: ReturnType<typeof resolveDevice>;

  constructor(uri: string, options: SessionOptions = {}) {
    super();
    this.device = resolveDevice(uri);
    this.uri = uri.trim();
    this.family = this.device.family.id;
    this.bufferSize = options.bufferSize ?? 300_000;
    this.bufferWindow = options.bufferWindow ?? 1;
    this.backoffS = options.backoffS;
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1) throw new RangeError(`bufferSize must be a whole number of frames ≥ 1, got ${options.bufferSize}`);
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
      if (code !== 0 && !['closed', 'deleted', 'error'].includes(this.state)) this.fail(`acquisition thread exited with code ${code}`);
    });
    await this.until(['active'], timeoutMs, 'the device sent no data');
  }

  async startRecording(file: string, options: StartRecordingOptions = {}): Promise<void> {
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
    const saved = this.next<{ blocks: number }>('timelog-saved');
    this.send({ kind: 'save-timelog', path: path.resolve(file) });
    return (await saved).blocks;
  }

  /** Stops acquisition (ending any recording) and frees the ring. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'deleted') return;
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
    await this.simulator?.stop();
    this.ring?.release();
    this.ring = undefined;
    this.setState('closed');
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
        if (this.state === 'connecting') this.setState('active');
        break;
      case 'streaming':
        if (this.state === 'connecting' && this.ring) this.setState('active');
        break;
      case 'stats':
        this.stats = m.stats;
        this.recording = m.recording;
        this.emit('stats', m.stats, m.recording);
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
      case 'timelog-saved':
        this.emit('timelog-saved', m);
        break;
      case 'closed':
        break;
    }
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
