// An audio server for the `audio+tcp:` client: raw PCM at the real rate, from a WAV's samples or
// a tone, in ~20 ms blocks on an absolute schedule. Every client gets its own stream from frame 0;
// the connection is closed when the file (or `seconds`) ends, which is how a raw stream ends.
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeSamples } from './encoder';
import { readAudioBytes, whyUnreadable } from './file';
import { SampleDecoder } from './decoder';
import type { SampleFormat } from './format';
import { MAX_RATE, MIN_RATE, rawParamsOf } from './raw-params';
import type { AudioSimulatorSpec } from './audio-uri';
import { stopServing } from '../stop-serving';
import { SentTable } from '../../core/sent-table';

/** Channel c (from 0) of the tone at frame n: a sine at freq × (c + 1), half full scale. */
export function toneSample(n: number, channel: number, freq: number, rate: number): number {
  return 0.5 * Math.sin((2 * Math.PI * freq * (channel + 1) * n) / rate);
}

export interface AudioSimulatorOptions {
  spec: AudioSimulatorSpec;
  /** Default 127.0.0.1. */
  host?: string;
  blockMs?: number;
  /** A SentTable's buffer to note the first client's send times in (shared with another thread). */
  sentBuffer?: ArrayBufferLike;
}

/** What the wire carries: its format, its length in frames, and the bytes of any frame range. */
interface WirePlan {
  format: SampleFormat;
  frames: number;
  bytes(from: number, to: number): Buffer;
}

/**
 * A file's samples as raw PCM. Integer and G.711 samples go out as stored (bit-exact), except
 * that padding bits below a WAV's valid bits are cleared; raw PCM has no float encoding, so a
 * float file goes out as 32-bit signed PCM (clipped at ±1).
 */
function filePlan(file: string, seconds: number | undefined): WirePlan {
  let read: ReturnType<typeof readAudioBytes>;
  try {
    read = readAudioBytes(file);
  } catch (error) {
    throw new Error(`the audio simulator cannot stream ${file}: ${whyUnreadable(error)}`);
  }
  const { info, bytes } = read;
  const stored = info.format;
  let format: SampleFormat = { ...stored, validBits: stored.width * 8 };
  let wire = bytes;
  if (stored.encoding === 'FLOAT') {
    format = { ...format, encoding: 'SPCM', width: 4, validBits: 32 };
    wire = encodeSamples(new SampleDecoder(stored).decode(bytes), format);
  } else if (stored.validBits < stored.width * 8) {
    wire = encodeSamples(new SampleDecoder(stored).decode(bytes), format);
  }
  if (format.rate < MIN_RATE || format.rate > MAX_RATE) {
    throw new Error(
      `the audio simulator cannot stream ${file}: it is ${format.rate} Hz, and a raw PCM stream is declared at ${MIN_RATE}–${MAX_RATE} Hz`,
    );
  }
  const frameBytes = format.width * format.channels;
  const frames = Math.min(info.frames, seconds === undefined ? Infinity : Math.round(seconds * format.rate));
  return { format, frames, bytes: (from, to) => wire.subarray(from * frameBytes, to * frameBytes) };
}

function tonePlan(freq: number, format: SampleFormat, seconds: number | undefined): WirePlan {
  const { channels, rate } = format;
  return {
    format,
    frames: seconds === undefined ? Infinity : Math.round(seconds * rate),
    bytes(from, to) {
      // Double precision up to the encoder, so 24- and 32-bit codes are rounded once, not twice.
      const samples = new Float64Array((to - from) * channels);
      for (let n = from, i = 0; n < to; n++) for (let c = 0; c < channels; c++) samples[i++] = toneSample(n, c, freq, rate);
      return encodeSamples(samples, format);
    },
  };
}

class ClientStream {
  private next = 0;
  private t0 = 0;
  private timer?: NodeJS.Timeout;
  private cancelled = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly plan: WirePlan,
    private readonly blockFrames: number,
    private readonly sent: SentTable,
  ) {}

  begin(): void {
    this.t0 = performance.now();
    this.pump();
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private pump = (): void => {
    this.timer = undefined;
    const { frames, format } = this.plan;
    while (!this.cancelled && !this.socket.destroyed && this.next < frames) {
      const end = Math.min(this.next + this.blockFrames, frames);
      // Block k goes out once its last frame has "happened", counted from t0 so lateness never adds up.
      const due = this.t0 + (end / format.rate) * 1000;
      const now = performance.now();
      if (now < due) {
        this.timer = setTimeout(this.pump, due - now);
        return;
      }
      const flushed = this.socket.write(this.plan.bytes(this.next, end));
      this.sent.add(this.next, end);
      this.next = end;
      if (!flushed) {
        this.socket.once('drain', this.pump);
        return;
      }
    }
    if (this.cancelled || this.socket.destroyed) return;
    this.cancelled = true;
    this.socket.end();
  };
}

export class AudioSimulator {
  private server?: net.Server;
  private plan?: WirePlan;
  private readonly streams = new Map<net.Socket, ClientStream>();
  private first?: ClientStream;
  private readonly sent: SentTable;

  constructor(private readonly options: AudioSimulatorOptions) {
    this.sent = new SentTable(options.sentBuffer);
  }

  /** What goes on the wire (known once started). */
  get format(): SampleFormat {
    if (!this.plan) throw new Error('AudioSimulator: not started');
    return this.plan.format;
  }

  /** Loads the file (if any) and listens; resolves to the port. */
  async start(): Promise<number> {
    if (this.server) throw new Error('AudioSimulator: already started');
    const { spec } = this.options;
    this.plan = spec.kind === 'file' ? filePlan(spec.file, spec.seconds) : tonePlan(spec.freq, spec.format, spec.seconds);
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** The client URI for this simulator on `port`, carrying the format the wire cannot. */
  uri(port: number): string {
    const host = this.options.host ?? '127.0.0.1';
    return `audio+tcp://${host.includes(':') ? `[${host}]` : host}:${port}?${new URLSearchParams(rawParamsOf(this.format)).toString()}`;
  }

  /** Epoch ms when the first client's block holding `frame` was written, while remembered. */
  sentAt(frame: number): number | undefined {
    return this.first ? this.sent.sentAt(frame) : undefined;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await stopServing(server, this.streams);
  }

  private accept(socket: net.Socket): void {
    const plan = this.plan!;
    socket.setNoDelay(true);
    // A client that vanishes mid-write ends its own stream only.
    socket.on('error', () => socket.destroy());
    const blockFrames = Math.max(1, Math.round(((this.options.blockMs ?? 20) / 1000) * plan.format.rate));
    const stream = new ClientStream(socket, plan, blockFrames, this.first ? new SentTable() : this.sent);
    this.streams.set(socket, stream);
    this.first ??= stream;
    socket.on('close', () => {
      stream.cancel();
      this.streams.delete(socket);
    });
    // Nothing a client sends means anything; reading keeps its bytes from piling up.
    socket.resume();
    stream.begin();
  }
}
