// Any polled instrument as a session Source: the poll recorder ticks on its absolute schedule in
// the acquisition worker, and each tick's batch becomes one ring frame (a channel per device and
// channel, NaN where a read failed) plus its long-format Samples. Ticks that never happened
// (overrun, reconnect) are gaps, so file rows keep their place on the schedule.
import { OverflowPolicy, record, type AcquisitionSummary, type PollBatch, type PollRecording, type PollSource } from './poll-recorder';
import type { Source, SourceSink } from './source';
import { cannotConnect } from '../transports/reconnect';

export interface PollChannel {
  device: string;
  channel: string;
  unit: string;
}

/** A connected poll source that knows its channels. */
export interface DescribedPollSource extends PollSource {
  readonly channels: readonly PollChannel[];
  /** Bytes received so far (for the stats); optional. */
  readonly bytesReceived?: number;
  close(): Promise<void>;
}

export interface PolledSourceOptions {
  /** Shown in messages: the device's address. */
  label: string;
  rateHz: number;
  names?: readonly string[];
  /** Per-poll timeout in seconds. */
  timeout?: number;
  overflow?: OverflowPolicy;
  bufferSize?: number;
  backoffS?: readonly number[];
  /** Extra facts for the sidecar's `source`. */
  describe?: Record<string, unknown>;
}

export class PolledSource implements Source {
  private sink?: SourceSink;
  private current?: DescribedPollSource;
  private recording?: PollRecording;
  private layout?: string;
  private stopped = false;
  private lastBytes = 0;

  constructor(
    private readonly open: () => Promise<DescribedPollSource>,
    private readonly options: PolledSourceOptions,
  ) {}

  start(sink: SourceSink): void {
    this.sink = sink;
    sink.connecting(0);
    this.open().then(
      (source) => this.run(source),
      (error: Error) => {
        if (!this.stopped) sink.failed(cannotConnect(this.options.label, error));
      },
    );
  }

  stop(): void {
    this.stopped = true;
    void this.recording?.close().catch(() => undefined);
    void this.current?.close().catch(() => undefined);
  }

  summary(): Record<string, unknown> | undefined {
    const recording = this.recording;
    if (!recording) return undefined;
    const summary = seedSummary(recording.summary);
    if (!recording.summary.finishedAt) [summary.tick_duration_ms_p50, summary.tick_duration_ms_p99] = recording.tickPercentiles();
    return summary;
  }

  private async run(source: DescribedPollSource): Promise<void> {
    const sink = this.sink!;
    if (this.stopped) return void source.close();
    this.current = source;
    const channels = source.channels;
    if (channels.length === 0) return sink.failed(new Error(`${this.options.label}: the device reports no channels`));
    this.layout = layoutOf(channels);
    const devices = new Set(channels.map((c) => c.device));
    const index = new Map(channels.map((c, i) => [`${c.device}\0${c.channel}`, i]));
    sink.format({
      channels: channels.map((c) => ({ name: devices.size > 1 ? `${c.device} ${c.channel}` : c.channel, unit: c.unit })),
      rate: this.options.rateHz,
      source: { ...this.options.describe, rateHz: this.options.rateHz, overflow: this.options.overflow ?? OverflowPolicy.BLOCK, channels },
    });
    const recording = record(source, {
      rateHz: this.options.rateHz,
      names: this.options.names,
      timeout: this.options.timeout,
      overflow: this.options.overflow,
      bufferSize: this.options.bufferSize,
      backoffS: this.options.backoffS,
      autoReconnect: true,
      reconnectFactory: () => this.reopen(),
      log: (level, text) => sink.log(level, `${this.options.label}: ${text}`),
      // The session shows `connecting` for the whole outage; the next batch makes it active again.
      onConnectionLost: () => sink.connecting(1),
    });
    this.recording = recording;
    recording.finished.catch((error: Error) => {
      if (!this.stopped) sink.failed(new Error(`${this.options.label}: ${error.message}`));
    });
    let lastTick = -1;
    let disconnects = 0;
    const frame = new Float32Array(channels.length);
    for await (const batch of recording.stream as AsyncIterable<PollBatch>) {
      if (this.stopped) break;
      const hostNs = process.hrtime.bigint();
      if (batch.tick > lastTick + 1) {
        const reconnected = recording.summary.disconnects > disconnects;
        sink.gap({ frames: batch.tick - lastTick - 1, cause: reconnected ? 'reconnect' : 'late' });
      }
      disconnects = recording.summary.disconnects;
      lastTick = batch.tick;
      frame.fill(NaN);
      for (const s of batch) {
        if (s.reading === null || s.channel === null) continue;
        const i = index.get(`${s.device}\0${s.channel}`);
        if (i !== undefined) frame[i] = s.reading;
      }
      sink.samples(batch);
      const bytes = this.current?.bytesReceived ?? 0;
      sink.frames(frame, { hostNs, bytes: Math.max(0, bytes - this.lastBytes), markers: [] });
      this.lastBytes = bytes;
    }
  }

  /** The recorder's reconnect factory: a fresh connection, which must have the same channels. */
  private async reopen(): Promise<PollSource> {
    const old = this.current;
    this.current = undefined;
    await old?.close().catch(() => undefined);
    const source = await this.open();
    if (this.stopped) {
      await source.close();
      return source;
    }
    if (layoutOf(source.channels) !== this.layout) {
      await source.close();
      const error = new Error(`${this.options.label}: the device's channels changed across a reconnect; start a new session`);
      this.sink!.failed(error);
      this.stop();
      throw error;
    }
    this.current = source;
    this.lastBytes = source.bytesReceived ?? 0;
    return source;
  }
}

function layoutOf(channels: readonly PollChannel[]): string {
  return channels.map((c) => `${c.device}/${c.channel}/${c.unit}`).join('|');
}

/** The summary under the seed's field names, as it goes into stats and sidecars. */
export function seedSummary(s: AcquisitionSummary): Record<string, unknown> {
  return {
    started_at: s.startedAt.toISOString(),
    finished_at: s.finishedAt ? s.finishedAt.toISOString() : null,
    samples_emitted: s.samplesEmitted,
    samples_late: s.samplesLate,
    max_drift_ms: s.maxDriftMs,
    tick_duration_ms_p50: s.tickDurationMsP50,
    tick_duration_ms_p99: s.tickDurationMsP99,
    disconnects: s.disconnects,
  };
}
