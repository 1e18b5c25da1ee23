// Seed 001's poll recorder, for any polled source: ticks on an absolute schedule
// target[n] = start + n / rate (so waits never add up to drift), batches handed to a bounded
// stream under an overflow policy, a live AcquisitionSummary, and reconnects with backoff in
// which every missed tick is counted late. Messages and semantics follow the seed.
import { BatchQueue } from './batch-queue';
import type { Sample } from './sample';
import { lostWhy, Reconnector } from '../transports/reconnect';

export interface PollSource {
  /**
   * This tick's samples across every channel (and managed device); empty when every read failed.
   * Throws PollConnectionError when the transport is gone (the recorder may reconnect).
   */
  pollSamples(options?: { names?: readonly string[]; timeout?: number }): Promise<Sample[]>;
}

/** The transport dropped (the seed's ServomexConnectionError): transient under autoReconnect. */
export class PollConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PollConnectionError';
  }
}

export enum OverflowPolicy {
  /** Wait for the slow consumer (the default): silent drops are surprising in acquisition. */
  BLOCK = 'block',
  /** Drop the batch about to be enqueued; counted late. */
  DROP_NEWEST = 'drop_newest',
  /** Evict the oldest queued batch for the newest; each eviction is late. */
  DROP_OLDEST = 'drop_oldest',
}

export interface AcquisitionSummary {
  /** Wall clock at the first scheduled tick. */
  startedAt: Date;
  /** Wall clock at producer shutdown; null while running. */
  finishedAt: Date | null;
  /** Per-tick batches pushed onto the stream (an all-failed tick is still one batch). */
  samplesEmitted: number;
  /** Ticks that missed their slot: overrun, overflow drop, or a reconnect gap. */
  samplesLate: number;
  /** Largest positive drift of an emitted batch's tick from its target (ms). */
  maxDriftMs: number;
  /** Median / 99th percentile pollSamples duration (ms), set on exit. */
  tickDurationMsP50: number;
  tickDurationMsP99: number;
  /** Connection errors absorbed under autoReconnect; 0 when it is off. */
  disconnects: number;
}

/** A tick's samples, with the tick index n whose target was start + n / rate. */
export type PollBatch = Sample[] & { readonly tick: number };

export interface RecordOptions {
  /** Target cadence; must be > 0. */
  rateHz: number;
  /** Total seconds (→ round(duration × rate) ticks, at least 1), or undefined until closed. */
  duration?: number;
  /** Device names to poll (a manager); undefined polls all. */
  names?: readonly string[];
  /** Per-poll I/O ceiling (seconds), passed to pollSamples. */
  timeout?: number;
  overflow?: OverflowPolicy;
  /** Stream capacity in batches (default 64). */
  bufferSize?: number;
  autoReconnect?: boolean;
  /** Rebuilds the source after a disconnect. */
  reconnectFactory?: () => Promise<PollSource>;
  /** Seconds between reconnect attempts; the last repeats (default 0.5, 1, 2, 5, 10, 30). */
  backoffS?: readonly number[];
  log?: (level: 'info' | 'warn' | 'error', text: string) => void;
  /** Called as a lost connection is absorbed, before the backoff: the owner can say it is reconnecting. */
  onConnectionLost?: (error: PollConnectionError) => void;
}

export interface PollRecording {
  /** Per-tick batches, in tick order; ends when the duration is reached or on close(). */
  readonly stream: AsyncIterable<PollBatch> & { next(): Promise<IteratorResult<PollBatch>> };
  /** Live: the recorder updates it in place; finishedAt and the percentiles are set on exit. */
  readonly summary: AcquisitionSummary;
  readonly rateHz: number;
  /** Resolves when the producer has stopped; rejects with its error (e.g. a connection error without autoReconnect). */
  readonly finished: Promise<AcquisitionSummary>;
  /** Stops the producer, waits for it and fills in finishedAt and the percentiles. */
  close(): Promise<AcquisitionSummary>;
  /**
   * Tick-duration p50 and p99 so far (ms). The seed fills them in only on exit; Labscope also
   * shows them live and writes them into sidecars of recordings that end before the session.
   */
  tickPercentiles(): [number, number];
}

/** Validates the arguments as the seed does, with its messages, then starts the producer. */
export function record(source: PollSource, options: RecordOptions): PollRecording {
  const { rateHz, duration } = options;
  const bufferSize = options.bufferSize ?? 64;
  if (!(rateHz > 0)) throw new RangeError(`rate_hz must be > 0, got ${pyRepr(rateHz)}`);
  if (duration !== undefined && duration !== null && !(duration > 0))
    throw new RangeError(`duration must be > 0 or None, got ${pyRepr(duration)}`);
  if (!(bufferSize >= 1)) throw new RangeError(`buffer_size must be >= 1, got ${pyRepr(bufferSize)}`);
  return new Recorder(source, { ...options, bufferSize }).start();
}

/** Tick durations kept for the percentiles. */
const TICK_HISTORY = 100_000;

class Recorder {
  private readonly queue: BatchQueue<PollBatch>;
  private readonly summary: AcquisitionSummary = {
    startedAt: new Date(),
    finishedAt: null,
    samplesEmitted: 0,
    samplesLate: 0,
    maxDriftMs: 0,
    tickDurationMsP50: 0,
    tickDurationMsP99: 0,
    disconnects: 0,
  };
  private readonly tickDurationsMs: number[] = [];
  private cancelled = false;
  private wake?: () => void;
  private source: PollSource;
  private readonly reconnector: Reconnector;

  constructor(
    source: PollSource,
    private readonly options: RecordOptions & { bufferSize: number },
  ) {
    this.source = source;
    this.queue = new BatchQueue(options.bufferSize);
    this.reconnector = new Reconnector({ backoffS: options.backoffS, log: options.log });
  }

  start(): PollRecording {
    const finished = this.produce()
      .finally(() => {
        this.summary.finishedAt = new Date();
        [this.summary.tickDurationMsP50, this.summary.tickDurationMsP99] = percentiles(this.tickDurationsMs, [50, 99]);
        this.queue.close();
      })
      .then(() => this.summary);
    // The failure is the caller's through `finished` or close(); nobody need be listening early.
    finished.catch(() => undefined);
    return {
      stream: this.queue,
      summary: this.summary,
      rateHz: this.options.rateHz,
      finished,
      tickPercentiles: () => percentiles(this.tickDurationsMs, [50, 99]) as [number, number],
      close: async () => {
        this.cancelled = true;
        this.wake?.();
        this.reconnector.stop();
        this.queue.close();
        return finished;
      },
    };
  }

  private async produce(): Promise<void> {
    const { rateHz, duration, overflow = OverflowPolicy.BLOCK } = this.options;
    const periodNs = 1e9 / rateHz;
    const totalTicks = duration === undefined ? Infinity : Math.max(1, roundHalfEven(duration * rateHz));
    this.summary.startedAt = new Date();
    const start = process.hrtime.bigint();
    const targetOf = (n: number) => start + BigInt(Math.round(n * periodNs));
    let n = 0;
    while (n < totalTicks && !this.cancelled) {
      const target = targetOf(n);
      await this.sleepUntil(target);
      if (this.cancelled) break;
      let now = process.hrtime.bigint();
      // Overrun: the slot of tick n has passed (the next target is here already): skip to the
      // tick whose slot we are in, counting every missed one late.
      const behind = Number(now - target) / periodNs;
      if (behind >= 1) {
        const skip = Math.min(Math.floor(behind), totalTicks - n);
        this.summary.samplesLate += skip;
        n += skip;
        continue;
      }
      let samples: Sample[];
      try {
        samples = await this.source.pollSamples({ names: this.options.names, timeout: this.options.timeout });
      } catch (error) {
        if (!(error instanceof PollConnectionError) || !this.options.autoReconnect) throw error;
        this.summary.disconnects++;
        this.options.onConnectionLost?.(error);
        await this.reconnect(error);
        if (this.cancelled) break;
        // The failed tick and every slot that passed while reconnecting are late.
        now = process.hrtime.bigint();
        const missed = Math.min(Math.max(1, Math.ceil(Number(now - target) / periodNs)), totalTicks - n);
        this.summary.samplesLate += missed;
        n += missed;
        continue;
      }
      const done = process.hrtime.bigint();
      // Without a factory the same source came back: its first good poll is the reconnect.
      if (this.reconnector.attempt > 0) this.reconnector.succeeded();
      this.tickDurationsMs.push(Number(done - now) / 1e6);
      // A week at 100 Hz would be 60 M figures: the newest are kept, which is what p99 is for.
      if (this.tickDurationsMs.length > TICK_HISTORY * 2) this.tickDurationsMs.splice(0, this.tickDurationsMs.length - TICK_HISTORY);
      const driftMs = Number(now - target) / 1e6;
      const batch = Object.assign(samples, { tick: n }) as PollBatch;
      await this.enqueue(batch, overflow, driftMs);
      n++;
    }
  }

  /**
   * Hands a batch to the stream under the policy. The summary counts it before the consumer can
   * see it, so a consumer never holds more batches than samplesEmitted says.
   */
  private async enqueue(batch: PollBatch, overflow: OverflowPolicy, driftMs: number): Promise<void> {
    if (this.queue.full) {
      if (overflow === OverflowPolicy.DROP_NEWEST) {
        this.summary.samplesLate++;
        return;
      }
      if (overflow === OverflowPolicy.DROP_OLDEST) {
        if (this.queue.evictOldest() !== undefined) this.summary.samplesLate++;
      } else if (!(await this.queue.waitForSpace())) {
        return;
      }
    }
    this.summary.samplesEmitted++;
    if (driftMs > this.summary.maxDriftMs) this.summary.maxDriftMs = driftMs;
    this.queue.offer(batch);
  }

  /**
   * Waits the backoff and rebuilds the source until it works or close() stops the reconnector.
   * Without a factory the same source is polled again after one wait (the seed's behaviour).
   */
  private async reconnect(lost: PollConnectionError): Promise<void> {
    let why = lostWhy(lost);
    while (!this.cancelled && (await this.reconnector.wait(why))) {
      if (!this.options.reconnectFactory) return;
      try {
        this.source = await this.options.reconnectFactory();
        this.reconnector.succeeded();
        return;
      } catch (error) {
        why = lostWhy(error as Error, 'reconnect failed');
      }
    }
  }

  /**
   * Timers fire on the event loop's millisecond clock, up to about 2 ms late (and a little early),
   * so the recorder sleeps on a timer until 2 ms before the target, then blocks the thread in
   * Atomics.wait (a futex with a sub-millisecond timeout: no CPU spent, and no promise per check,
   * whose garbage collections were most of the p99 drift when the wait awaited setImmediate),
   * and spins only the last 0.1 ms on performance.now(), which allocates nothing. The event loop
   * of this worker is held for those 2 ms, when the recorder has nothing else to wait for.
   */
  private async sleepUntil(target: bigint): Promise<void> {
    const TIMER_MARGIN_MS = 2;
    const SPIN_MS = 0.1;
    const leftMs = () => Number(target - process.hrtime.bigint()) / 1e6;
    const left = leftMs();
    if (left > TIMER_MARGIN_MS) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left - TIMER_MARGIN_MS);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
    if (this.cancelled) return;
    const deadline = performance.now() + leftMs();
    const blockMs = deadline - performance.now() - SPIN_MS;
    if (blockMs > 0) Atomics.wait(SLEEPER, 0, 0, blockMs);
    while (performance.now() < deadline) {
      // spin: see above
    }
  }
}

/** Nothing ever notifies it: Atomics.wait on it is a precise, CPU-free sleep. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Linear-interpolated percentiles (numpy's default), 0 for no data. */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => 0);
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map((p) => {
    const at = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
  });
}

/** Python's round(): halves go to the even neighbour (2.5 → 2, 3.5 → 4), as the seed's tick count does. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** How Python prints the value, so the seed's messages come out the same. */
function pyRepr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  return JSON.stringify(value);
}
