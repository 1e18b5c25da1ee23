// Raw PCM from a TCP server (the seed's socket Stream): no header and no framing, so the format
// comes from the URI and the stream is whatever bytes arrive until the server closes it. A
// closed connection is the end of the stream, not a fault: there is nothing to resume from.
import type { Source, SourceSink } from '../../core/source';
import { TcpClient } from '../../transports/tcp';
import { channelNames, describeFormat, type SampleFormat } from './format';
import { SampleDecoder } from './decoder';
import { FrameAssembler } from './frame-assembler';

export interface AudioTcpSourceOptions {
  host: string;
  port: number;
  format: SampleFormat;
}

export class AudioTcpSource implements Source {
  private sink?: SourceSink;
  private tcp?: TcpClient;
  private readonly assembler: FrameAssembler;
  private over = false;
  /** Bytes received since the last block was handed on (a piece may complete no frame). */
  private unreported = 0;

  constructor(private readonly options: AudioTcpSourceOptions) {
    this.assembler = new FrameAssembler(new SampleDecoder(options.format));
  }

  private get address(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `audio+tcp://${host}:${this.options.port}`;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.tcp = new TcpClient({
      host: this.options.host,
      port: this.options.port,
      label: this.address,
      hint: 'is the audio server running and listening on that port?',
      log: (level, text) => sink.log(level, text),
      onConnecting: (attempt) => sink.connecting(attempt),
      onConnect: () => {
        if (this.over) return;
        const { format } = this.options;
        sink.log(
          'info',
          `connected to ${this.address} (${format.channels} ch, ${format.rate} Hz, ${format.encoding} ${format.width * 8}-bit ${format.endian}-endian)`,
        );
        sink.format({
          channels: channelNames(format.channels).map((name) => ({ name, unit: '' })),
          rate: format.rate,
          source: { container: 'socket', address: this.address, ...describeFormat(format) },
        });
      },
      onData: (piece) => {
        if (this.over) return;
        this.unreported += piece.length;
        const samples = this.assembler.push(piece);
        if (samples.length === 0) return;
        sink.frames(samples, { hostNs: process.hrtime.bigint(), bytes: this.unreported, markers: [] });
        this.unreported = 0;
      },
      onFailed: (error) => {
        if (this.over) return;
        this.over = true;
        sink.failed(error);
      },
      // Never reconnects: a raw stream has no position to resume from, so a close is its end.
      onClose: ({ error }) => {
        if (this.over) return;
        this.over = true;
        if (error) sink.log('warn', `${this.address}: ${error.message}`);
        const pending = this.assembler.pending;
        if (pending > 0)
          sink.rejected(
            `${this.address}: the stream ended inside a frame; its last ${pending} byte${pending === 1 ? '' : 's'} (of ${this.options.format.width * this.options.format.channels} per frame) were dropped`,
          );
        sink.ended('connection closed by the server');
      },
    });
    this.tcp.connect();
  }

  stop(): void {
    this.over = true;
    this.tcp?.close();
  }
}
