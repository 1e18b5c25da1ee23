// A BrainVision RDA server that replays a BrainVision file or a synthetic signal, so the RDA
// client, recorders and scopes can be exercised without a Recorder and an amplifier.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { readBrainVision, type BrainVisionRecording } from './brainvision';
import { encodeData, encodeKeepAlive, encodeStart, encodeStop, RDA_HEADER_SIZE, type RdaFormat, type RdaMarker } from './protocol';
import { EegSignal } from './eeg-signal';
import { SyntheticSignal } from './synthetic';
import { stopServing } from '../stop-serving';
import { SentTable } from '../../core/sent-table';

export type RdaSimulatorSource =
  | { kind: 'file'; path: string }
  /** `signal`: sines and noise (the default, exact values for tests) or an EEG-looking one (eeg-signal.ts). */
  | { kind: 'synthetic'; channels: number; rate: number; seconds?: number; seed?: number; signal?: 'sines' | 'eeg' };

export interface RdaSimulatorOptions {
  source: RdaSimulatorSource;
  /** A SentTable's buffer to note send times in (shared with another thread); else its own. */
  sentBuffer?: ArrayBufferLike;
  /** Default 'float32'. */
  format?: RdaFormat;
  /** 1 = real time, N = N× faster, 0 or Infinity = as fast as the client reads. Default 1. */
  speed?: number;
  /** Signal time per data block; default 20 ms. */
  blockMs?: number;
  /** Frames per block; overrides blockMs (large blocks suit the unpaced mode). */
  blockFrames?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) lets the OS pick; start() resolves to the port in use. */
  port?: number;
}

export interface RdaStreamSummary {
  socket: net.Socket;
  blocks: number;
  frames: number;
}

/** Synthetic int16 resolution: 0.1 µV keeps ±3.2 mV in range, ample for the ±55 µV signal. */
const SYNTHETIC_INT16_RESOLUTION = 0.1;
/** In unpaced mode, yield to the event loop this often so other sockets and timers run. */
const UNPACED_SLICE_MS = 5;

/** Everything one client's stream needs; shared by all clients because blocks are rebuilt per call. */
interface StreamPlan {
  start: Buffer;
  rate: number;
  blockFrames: number;
  /** Infinity for an endless synthetic stream. */
  totalFrames: number;
  /** The message for block `index`, possibly in pieces that go out in one corked write. */
  block(index: number): Buffer | Buffer[];
}

/**
 * µV → int16 with one resolution per channel chosen so the channel's largest magnitude fits;
 * a channel that is already integral in int16 range at its resolution is kept bit-exact.
 */
function fitInt16(raw: Float32Array, channels: number, resolutions: readonly number[]): { samples: Int16Array; resolutions: number[] } {
  const fitted = resolutions.map((res, c) => {
    let exact = true;
    let maxAbsUv = 0;
    for (let i = c; i < raw.length; i += channels) {
      const v = raw[i];
      if (exact && (!Number.isInteger(v) || v < -32768 || v > 32767)) exact = false;
      maxAbsUv = Math.max(maxAbsUv, Math.abs(v * res));
    }
    return exact ? { scale: 1, res } : { scale: maxAbsUv > 0 ? (res * 32767) / maxAbsUv : 1, res: maxAbsUv > 0 ? maxAbsUv / 32767 : res };
  });
  const samples = new Int16Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    samples[i] = Math.max(-32768, Math.min(32767, Math.round(raw[i] * fitted[i % channels].scale)));
  }
  return { samples, resolutions: fitted.map((f) => f.res) };
}

function blockFramesFor(options: RdaSimulatorOptions, rate: number): number {
  const frames = options.blockFrames ?? Math.round(((options.blockMs ?? 20) / 1000) * rate);
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`RdaSimulator: a block must hold at least one whole frame, got ${frames}`);
  return frames;
}

function filePlan(rec: BrainVisionRecording, format: RdaFormat, blockFrames: number): StreamPlan {
  const channels = rec.channels.length;
  const fileResolutions = rec.channels.map((c) => c.resolution);
  let samples: Int16Array | Float32Array;
  let resolutions = fileResolutions;
  if (format === 'float32') {
    samples = rec.samples instanceof Float32Array ? rec.samples : Float32Array.from(rec.samples);
  } else if (rec.samples instanceof Int16Array) {
    samples = rec.samples;
  } else {
    ({ samples, resolutions } = fitInt16(rec.samples, channels, fileResolutions));
  }

  const byBlock = new Map<number, RdaMarker[]>();
  for (const m of rec.markers) {
    if (m.position >= rec.frames) continue;
    const index = Math.floor(m.position / blockFrames);
    const list = byBlock.get(index) ?? [];
    list.push({
      position: m.position - index * blockFrames,
      points: m.points,
      channel: m.channel,
      type: m.type,
      description: m.description,
    });
    byBlock.set(index, list);
  }

  return {
    start: encodeStart({ names: rec.channels.map((c) => c.name), intervalUs: rec.intervalUs, resolutions }),
    rate: rec.rate,
    blockFrames,
    totalFrames: rec.frames,
    block(index) {
      const from = index * blockFrames;
      const to = Math.min(from + blockFrames, rec.frames);
      return encodeData({
        format,
        block: index,
        channels,
        samples: samples.subarray(from * channels, to * channels),
        markers: byBlock.get(index),
      });
    },
  };
}

function syntheticPlan(
  src: Extract<RdaSimulatorSource, { kind: 'synthetic' }>,
  format: RdaFormat,
  options: RdaSimulatorOptions,
): StreamPlan {
  const signal = src.signal === 'eeg' ? new EegSignal(src) : new SyntheticSignal(src);
  const blockFrames = blockFramesFor(options, signal.rate);
  const totalFrames = src.seconds === undefined ? Infinity : Math.round(src.seconds * signal.rate);
  const resolution = format === 'int16' ? SYNTHETIC_INT16_RESOLUTION : 1;
  return {
    start: encodeStart({ names: signal.names, intervalUs: 1e6 / signal.rate, resolutions: signal.names.map(() => resolution) }),
    rate: signal.rate,
    blockFrames,
    totalFrames,
    block(index) {
      const from = index * blockFrames;
      const frames = Math.min(blockFrames, totalFrames - from);
      const uv = signal.fill(from, frames);
      const samples = format === 'int16' ? Int16Array.from(uv, (v) => Math.round(v / resolution)) : uv;
      return encodeData({ format, block: index, channels: signal.channels, samples, markers: syntheticMarkers(from, frames, signal.rate) });
    },
  };
}

/** Distinct blocks an unpaced synthetic stream cycles through. */
const CYCLE_BLOCKS = 64;

/**
 * Unpaced synthetic streams exist to load-test clients at hundreds of MB/s, faster than JS can
 * compute sines: the first CYCLE_BLOCKS blocks are encoded once and resent with a fresh block
 * counter, so the signal repeats every CYCLE_BLOCKS blocks. Paced streams stay exact.
 */
function cyclingPlan(plan: StreamPlan): StreamPlan {
  const cache: Buffer[] = [];
  const partialLast = plan.totalFrames % plan.blockFrames !== 0 ? Math.floor(plan.totalFrames / plan.blockFrames) : -1;
  return {
    ...plan,
    block(index) {
      if (index === partialLast) return plan.block(index);
      const slot = index % CYCLE_BLOCKS;
      const whole = (cache[slot] ??= plan.block(slot) as Buffer);
      const head = Buffer.from(whole.subarray(0, RDA_HEADER_SIZE + 4));
      head.writeUInt32LE(index >>> 0, RDA_HEADER_SIZE);
      return [head, whole.subarray(RDA_HEADER_SIZE + 4)];
    },
  };
}

/**
 * A stimulus marker on the first frame of every second, as an experiment's trigger would be,
 * so synthetic streams exercise marker handling end to end.
 */
function syntheticMarkers(from: number, frames: number, rate: number): RdaMarker[] {
  const markers: RdaMarker[] = [];
  const period = Math.max(1, Math.round(rate));
  for (let f = Math.ceil(from / period) * period; f < from + frames; f += period) {
    markers.push({
      position: f - from,
      points: 1,
      channel: -1,
      type: 'Stimulus',
      description: `S${String((f / period) % 256).padStart(3, ' ')}`,
    });
  }
  return markers;
}

/** One client's stream: start, a keep-alive, data blocks on an absolute schedule, stop, close. */
class ClientStream {
  private next = 0;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private cancelled = false;
  private readonly totalBlocks: number;
  private readonly blockMs: number;
  private t0 = 0;
  constructor(
    private readonly socket: net.Socket,
    private readonly plan: StreamPlan,
    speed: number,
    private readonly onDone: (summary: RdaStreamSummary) => void,
    /** Where each block's send time is noted (the first client's: the simulator's table). */
    private readonly sent: SentTable,
  ) {
    this.totalBlocks = Math.ceil(plan.totalFrames / plan.blockFrames);
    const paced = speed > 0 && Number.isFinite(speed);
    this.blockMs = paced ? ((plan.blockFrames / plan.rate) * 1000) / speed : 0;
  }

  begin(): void {
    this.socket.write(this.plan.start);
    // Real servers send keep-alives while idle; one here makes every client prove it skips them.
    this.socket.write(encodeKeepAlive());
    this.t0 = performance.now();
    this.pump();
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  private pump = (): void => {
    this.timer = this.immediate = undefined;
    const sliceEnd = performance.now() + UNPACED_SLICE_MS;
    while (!this.cancelled && !this.socket.destroyed && this.next < this.totalBlocks) {
      // Block k is complete once its last frame has "happened": t0 + (k+1)·duration. Scheduling
      // from t0 rather than from the previous send keeps timer lateness from accumulating.
      const due = this.t0 + (this.next + 1) * this.blockMs;
      const now = performance.now();
      if (now < due) {
        this.timer = setTimeout(this.pump, due - now);
        return;
      }
      const index = this.next++;
      const message = this.plan.block(index);
      let flushed: boolean;
      if (Array.isArray(message)) {
        this.socket.cork();
        for (const piece of message) this.socket.write(piece);
        this.socket.uncork();
        flushed = this.socket.writableLength < this.socket.writableHighWaterMark;
      } else {
        flushed = this.socket.write(message);
      }
      // Stamped once the socket has the block (possibly still in its buffer, as a real server's).
      const from = index * this.plan.blockFrames;
      this.sent.add(from, Math.min(from + this.plan.blockFrames, this.plan.totalFrames));
      if (!flushed) {
        this.socket.once('drain', this.pump);
        return;
      }
      if (now > sliceEnd) {
        this.immediate = setImmediate(this.pump);
        return;
      }
    }
    if (this.cancelled || this.socket.destroyed) return;
    this.cancelled = true;
    const frames = Math.min(this.totalBlocks * this.plan.blockFrames, this.plan.totalFrames);
    this.socket.end(encodeStop(), () => this.onDone({ socket: this.socket, blocks: this.totalBlocks, frames }));
  };
}

export interface RdaSimulatorEvents {
  client: [socket: net.Socket];
  done: [summary: RdaStreamSummary];
}

export class RdaSimulator extends EventEmitter<RdaSimulatorEvents> {
  private server?: net.Server;
  private plan?: StreamPlan;
  private readonly streams = new Map<net.Socket, ClientStream>();
  private first?: ClientStream;
  /** The first client's send times (on the session's shared buffer when it gave one). */
  private readonly sent: SentTable;
  private readonly speed: number;

  constructor(private readonly options: RdaSimulatorOptions) {
    super();
    this.sent = new SentTable(options.sentBuffer);
    this.speed = options.speed ?? 1;
    if (!(this.speed >= 0)) throw new Error(`RdaSimulator: speed must be ≥ 0 (0 = unpaced), got ${options.speed}`);
  }

  /** Loads the source and listens; resolves to the port. */
  async start(): Promise<number> {
    if (this.server) throw new Error('RdaSimulator: already started');
    const { source } = this.options;
    const format = this.options.format ?? 'float32';
    if (source.kind === 'file') {
      const rec = readBrainVision(source.path);
      this.plan = filePlan(rec, format, blockFramesFor(this.options, rec.rate));
    } else {
      this.plan = syntheticPlan(source, format, this.options);
      if (!(this.speed > 0 && Number.isFinite(this.speed))) this.plan = cyclingPlan(this.plan);
    }
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as net.AddressInfo).port;
  }

  /**
   * Epoch ms (performance.timeOrigin + performance.now()) when the block holding stream frame
   * `frame` was written to the first client's socket, for its last 4096 blocks; else undefined.
   * Stream frames count from the first data block, so they are a session's frames as long as
   * that session has not reconnected (a reconnect starts a new client at frame 0).
   */
  sentAt(frame: number): number | undefined {
    return this.first ? this.sent.sentAt(frame) : undefined;
  }

  /** Cuts every client off and stops listening. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await stopServing(server, this.streams);
  }

  private accept(socket: net.Socket): void {
    const plan = this.plan!;
    socket.setNoDelay(true);
    // Clients vanish mid-write all the time (EPIPE, ECONNRESET); that ends their stream only.
    socket.on('error', () => socket.destroy());
    const stream = new ClientStream(
      socket,
      plan,
      this.speed,
      (summary) => this.emit('done', summary),
      this.first ? new SentTable() : this.sent,
    );
    this.streams.set(socket, stream);
    this.first ??= stream;
    socket.on('close', () => {
      stream.cancel();
      this.streams.delete(socket);
    });
    // Clients never send anything meaningful; reading keeps the socket from stalling on a full buffer.
    socket.resume();
    this.emit('client', socket);
    stream.begin();
  }
}
