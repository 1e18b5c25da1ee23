// BrainVision RDA over TCP: framing in JS, validation and decoding in the native addon, which
// writes samples straight into the session's ring.
import { native, type AnyNativeRing, type NativeRdaDecoder, type NativeRing } from '../../core/native';
import type { Source, SourceSink } from '../../core/source';
import { lostWhy } from '../../transports/reconnect';
import { TcpClient } from '../../transports/tcp';

const TYPE_OFFSET = 20;
const HEADER = 24;
/** Receive buffer: several fast-server messages per read, so per-read costs are amortised. */
const RECEIVE_BYTES = 4 << 20;
/** Below this much free space, make room before the next read rather than read a dribble. */
const MIN_READ = 64 << 10;

export interface RdaSourceOptions {
  host: string;
  port: number;
  /** Reconnect after a dropped connection once a stream has started (default true). */
  reconnect?: boolean;
  /** Seconds between attempts; the last entry repeats. Tests shorten it. */
  backoffS?: number[];
}

export class RdaSource implements Source {
  private sink?: SourceSink;
  private tcp?: TcpClient;
  private readonly decoder: NativeRdaDecoder = new (native().RdaDecoder)();
  private ring?: NativeRing;
  /**
   * The socket reads straight into this buffer (net's `onread`), and messages are decoded where
   * they lie: only the incomplete tail of a read is ever moved, to the front.
   */
  private buffer = Buffer.allocUnsafe(RECEIVE_BYTES);
  private filled = 0;
  private lastBlock: number | undefined;
  private stopped = false;
  private ended = false;
  private warnedEarlyData = false;

  constructor(private readonly options: RdaSourceOptions) {}

  start(sink: SourceSink): void {
    this.sink = sink;
    this.tcp = new TcpClient({
      host: this.options.host,
      port: this.options.port,
      label: this.address,
      hint: 'is the RDA server running and sending on that port?',
      backoffS: this.options.backoffS,
      log: (level, text) => sink.log(level, text),
      onConnecting: (attempt) => {
        sink.connecting(attempt);
        this.filled = 0;
      },
      onread: {
        buffer: () => this.readSpace(),
        callback: (bytes: number) => {
          if (this.stopped || this.ended) return false;
          this.filled += bytes;
          try {
            this.consume();
          } catch (error) {
            this.fail(error as Error);
          }
          return true;
        },
      },
      onConnect: () => sink.log('info', `connected to ${this.address}`),
      onFailed: (error) => this.fail(error),
      onClose: ({ error }) => {
        if (this.stopped || this.ended) return;
        // A reconnect names the error in its own line; the other ways out log it here.
        if (error && (this.filled > 0 || this.options.reconnect === false)) sink.log('warn', `${this.address}: ${error.message}`);
        if (this.filled > 0) {
          const expected = this.filled >= HEADER ? `${this.messageSize(0)}` : 'at least 24';
          this.fail(new Error(`RDA message truncated: the connection closed after ${this.filled} of ${expected} bytes`));
          return;
        }
        if (this.options.reconnect === false) {
          sink.ended('connection closed by the server');
          this.ended = true;
          return;
        }
        this.tcp!.reconnect(lostWhy(error));
      },
    });
    this.tcp.connect();
  }

  stop(): void {
    this.stopped = true;
    this.tcp?.close();
  }

  /** The decoder writes the ring itself: a resized one replaces it (the RDA stream is float32). */
  ringChanged(ring: AnyNativeRing): void {
    if (ring.sampleType !== 'float32') throw new Error(`rda: a ${ring.sampleType} ring in place of the float32 one`);
    this.ring = ring;
  }

  private get address(): string {
    return `rda://${this.options.host}:${this.options.port}`;
  }

  private fail(error: Error): void {
    if (this.stopped || this.ended) return;
    this.ended = true;
    this.tcp?.close();
    this.sink!.failed(error);
  }

  /** Where the next read goes: the free tail of the buffer, grown for a message that needs it. */
  private readSpace(): Buffer {
    if (this.buffer.length - this.filled < MIN_READ) this.grow(this.filled + MIN_READ);
    return this.buffer.subarray(this.filled);
  }

  /** Decodes every whole message in the buffer and moves an incomplete tail to the front. */
  private consume(): void {
    let offset = 0;
    while (this.filled - offset >= HEADER && !this.ended && !this.stopped) {
      const size = this.messageSize(offset);
      if (size > this.filled - offset) {
        if (size > this.buffer.length) this.grow(size);
        break;
      }
      this.handle(this.buffer.subarray(offset, offset + size));
      offset += size;
    }
    if (this.ended || this.stopped) return;
    if (offset > 0) {
      this.buffer.copy(this.buffer, 0, offset, this.filled);
      this.filled -= offset;
    }
  }

  private messageSize(offset: number): number {
    return native().rdaMessageSize(this.buffer.subarray(offset, offset + HEADER));
  }

  private grow(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.filled);
    this.buffer = grown;
  }

  private handle(message: Buffer): void {
    const sink = this.sink!;
    const type = message.readUInt32LE(TYPE_OFFSET);
    const hostNs = process.hrtime.bigint();
    if ((type === 2 || type === 4) && !this.decoder.started) {
      // A client that joins mid-acquisition sees data before any start message; without a start
      // there is no channel count to decode it with.
      if (!this.warnedEarlyData) sink.log('warn', `${this.address}: data before any start message; waiting for a start message`);
      this.warnedEarlyData = true;
      return;
    }
    const firstFrame = this.ring ? this.ring.written() : 0;
    const decoded = this.decoder.decode(message, type === 2 || type === 4 ? this.ring : undefined);
    if (decoded.type === 1 && 'names' in decoded) {
      let intervalUs = decoded.intervalUs;
      if (!(intervalUs > 0) || !Number.isFinite(intervalUs)) {
        throw new Error(`RDA start message: sampling interval ${intervalUs} is not a positive number`);
      }
      if (intervalUs < 1) {
        sink.log(
          'warn',
          `${this.address}: sampling interval ${intervalUs} looks like seconds, not µs (an old FieldTrip server); using ${intervalUs * 1e6} µs`,
        );
        intervalUs *= 1e6;
      }
      const resumed = this.ring !== undefined;
      this.ring = sink.format({
        channels: decoded.names.map((name) => ({ name, unit: 'µV' })),
        rate: 1e6 / intervalUs,
        source: { protocol: 'rda', intervalUs, resolutions: decoded.resolutions },
      });
      this.lastBlock = undefined;
      sink.log(
        'info',
        `${this.address}: start: ${decoded.channels} channels at ${1e6 / intervalUs} Hz${resumed ? ' (after reconnect)' : ''}`,
      );
    } else if ((decoded.type === 2 || decoded.type === 4) && 'block' in decoded) {
      if (this.lastBlock !== undefined && decoded.block !== this.lastBlock + 1) {
        if (decoded.block > this.lastBlock + 1) {
          const lost = decoded.block - this.lastBlock - 1;
          sink.log('warn', `${this.address}: blocks ${this.lastBlock + 1}–${decoded.block - 1} never arrived`);
          sink.gap({ frames: lost * decoded.points, cause: 'device', fromFrame: firstFrame });
        } else {
          sink.log('warn', `${this.address}: block counter went back from ${this.lastBlock} to ${decoded.block}`);
        }
      }
      this.lastBlock = decoded.block;
      sink.written({
        frames: decoded.points,
        hostNs,
        deviceBlock: decoded.block,
        bytes: message.length,
        markers: decoded.markers.map((m) => ({
          frame: firstFrame + m.position,
          type: m.type,
          text: m.description,
          channel: m.channel,
          points: m.points,
        })),
      });
    } else if (decoded.type === 3) {
      this.ended = true;
      this.tcp?.end();
      sink.ended('the server sent a stop message');
    }
  }
}
