// Continuous ASCII ("AUTOPRINT") from a serial port: the analyser prints a frame every
// frame-frequency seconds, unasked. Each good frame is one ring frame (a channel per entry) and
// one batch of the seed's long-format Samples; a bad one is an error sample and a counted reject.
import { SerialPortStream } from '@serialport/stream';
import { serialBinding } from '../../transports/serial-bridge';
import type { Source, SourceSink } from '../../core/source';
import { cannotConnect, lostWhy, Reconnector } from '../../transports/reconnect';
import type { ChannelInfo } from '../../core/types';
import { LineSplitter, parseContinuousFrame, type ContinuousFrame } from './continuous-frame';
import { errorSample, type Sample } from '../../core/sample';

export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits: 1 | 1.5 | 2;
}

export interface ContinuousSourceOptions {
  serial: SerialSettings;
  /** Device name in Samples. */
  device: string;
  /** Seconds between frames; measured from the first two frames when not given. */
  periodS?: number;
  backoffS?: number[];
}

export class ContinuousSource implements Source {
  private sink?: SourceSink;
  private port?: SerialPortStream;
  private readonly splitter = new LineSplitter();
  private channels?: ChannelInfo[];
  private ids: string[] = [];
  private periodS?: number;
  /** The first good frame, held until the second one tells the period. */
  private held?: { frame: ContinuousFrame; hostNs: bigint; bytes: number };
  private lastNs?: bigint;
  private reconnector?: Reconnector;
  private opened = false;
  private stopped = false;

  constructor(private readonly options: ContinuousSourceOptions) {
    this.periodS = options.periodS;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.reconnector = new Reconnector({
      label: this.address,
      backoffS: this.options.backoffS,
      log: (level, text) => sink.log(level, text),
    });
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.reconnector?.stop();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) port.close(() => undefined);
  }

  private get address(): string {
    return `${this.options.serial.path} (${this.options.serial.baudRate} baud)`;
  }

  private open(): void {
    const sink = this.sink!;
    sink.connecting(this.reconnector!.attempt);
    const { path, baudRate, dataBits, parity, stopBits } = this.options.serial;
    const port = new SerialPortStream({ binding: serialBinding(), path, baudRate, dataBits, parity, stopBits, autoOpen: false });
    this.port = port;
    port.open((error) => {
      if (this.stopped) {
        if (!error) port.close(() => undefined);
        return;
      }
      if (error) {
        if (!this.opened) {
          sink.failed(cannotConnect(`serial port ${this.address}`, error, { verb: 'open' }));
          return;
        }
        this.retry(lostWhy(error, 'cannot reopen'));
        return;
      }
      this.opened = true;
      this.reconnector!.succeeded();
      sink.log('info', `listening for continuous frames on ${this.address}`);
    });
    port.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      try {
        this.receive(chunk);
      } catch (error) {
        this.stop();
        sink.failed(error as Error);
      }
    });
    port.on('close', () => {
      if (this.stopped || this.port !== port) return;
      this.retry('closed');
    });
    port.on('error', (error) => {
      if (!this.stopped && this.opened) sink.log('warn', `${this.address}: ${error.message}`);
    });
  }

  /** The port closed under us (unplugged, the pty's other end gone) or would not reopen: try again. */
  private retry(why: string): void {
    this.reconnector!.schedule(why, () => this.open());
  }

  private receive(chunk: Buffer): void {
    const sink = this.sink!;
    const { lines, overlong } = this.splitter.push(chunk);
    if (overlong) sink.rejected(`${this.address}: ${overlong} over-long line(s) without a line end dropped (wrong baud rate?)`);
    for (const line of lines) {
      const hostNs = process.hrtime.bigint();
      const parsed = parseContinuousFrame(line);
      if ('error' in parsed) {
        sink.rejected(`${this.address}: ${parsed.error}`);
        sink.samples([errorSample(this.options.device, 'continuous', parsed.error, { monotonicNs: hostNs })]);
        continue;
      }
      this.frame(parsed, hostNs, line.length + 1);
    }
  }

  private frame(frame: ContinuousFrame, hostNs: bigint, bytes: number): void {
    const sink = this.sink!;
    const ids = frame.entries.map((e) => e.id);
    if (!this.channels) {
      this.ids = ids;
      this.channels = frame.entries.map((e) => ({ name: e.name ? `${e.id} ${e.name}` : e.id, unit: e.unit }));
    } else if (ids.join() !== this.ids.join()) {
      throw new Error(
        `the analyser changed its channels mid-stream (was ${this.ids.join(', ')}, now ${ids.join(', ')}); start a new session`,
      );
    }
    sink.samples(this.samples(frame, hostNs));
    if (this.periodS === undefined) {
      if (!this.held) {
        this.held = { frame, hostNs, bytes };
        return;
      }
      this.periodS = Math.max(0.001, Number(hostNs - this.held.hostNs) / 1e9);
      sink.log('info', `${this.address}: a frame every ${this.periodS.toFixed(2)} s (measured; set ?period= to fix it)`);
    }
    if (!this.lastNs) {
      sink.format({
        channels: this.channels,
        rate: 1 / this.periodS,
        source: { protocol: 'servomex-continuous', serial: this.options.serial, periodS: this.periodS, ids: this.ids },
      });
    }
    if (this.held) {
      const held = this.held;
      this.held = undefined;
      this.write(held.frame, held.hostNs, held.bytes);
    }
    this.write(frame, hostNs, bytes);
  }

  private write(frame: ContinuousFrame, hostNs: bigint, bytes: number): void {
    const sink = this.sink!;
    if (this.lastNs !== undefined) {
      // A frame that never came (or was rejected) leaves a hole of whole periods.
      const periods = Math.round(Number(hostNs - this.lastNs) / 1e9 / this.periodS!);
      if (periods >= 2) sink.gap({ frames: periods - 1, cause: 'device' });
    }
    this.lastNs = hostNs;
    const values = Float32Array.from(frame.entries, (e) => e.value ?? NaN);
    sink.frames(values, { hostNs, bytes, markers: [] });
  }

  private samples(frame: ContinuousFrame, hostNs: bigint): Sample[] {
    const receivedAt = new Date();
    return frame.entries.map((e, i) => {
      const metadata = {
        id: e.id,
        unit: e.unit,
        alarms: e.alarms,
        fm: e.fm,
        cal: e.cal,
        warmup: e.warmup,
        analyserClock: frame.clockText,
        autocal: frame.autocal,
      };
      const channel = this.channels![i].name;
      if (e.value === null) {
        // Tied to its channel, unlike a dropped frame: the rest of the frame was good.
        return {
          ...errorSample(this.options.device, 'continuous', `${channel}: reading "${e.valueText}" is not a number`, {
            monotonicNs: hostNs,
            receivedAt,
          }),
          channel,
          metadata,
        };
      }
      return { device: this.options.device, channel, reading: e.value, protocol: 'continuous', monotonicNs: hostNs, receivedAt, metadata };
    });
  }
}
