// Plays an audio file (WAV or raw PCM) into a session: in real time by default, in ~20 ms blocks on
// an absolute schedule so a scope shows it as it would a live input, or as fast as it can be read
// (speed=max) to convert a file. Samples are read block by block, never the whole file at once.
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Source, SourceSink } from '../../core/source';
import { channelNames } from './format';
import { SampleDecoder } from './decoder';
import { probeAudioFd, whyUnreadable, type AudioFileInfo } from './file';
import type { RawParams } from './raw-params';

export interface AudioFileSourceOptions {
  /** Absolute path. */
  path: string;
  /** Parameters from the URI: the whole format of a raw file; for a WAV, checked against its header. */
  declared: RawParams;
  /** 1 = real time, N = N× faster, Infinity = as fast as the file can be read. */
  speed: number;
  /** Signal time per block when paced; default 20 ms. */
  blockMs?: number;
}

/** Unpaced reads: big enough to amortise the syscall, the decode call and the ring write. */
const FAST_BLOCK_BYTES = 1 << 20;
/** Unpaced, yield to the worker's event loop this often so session requests (record, close) get in. */
const FAST_SLICE_MS = 5;
/** A paced player that fell this many blocks behind (a stalled thread) catches up in one turn at most. */
const MAX_CATCH_UP_BLOCKS = 50;

export class AudioFileSource implements Source {
  private sink?: SourceSink;
  private fd?: number;
  private info?: AudioFileInfo;
  private decoder?: SampleDecoder;
  private bytes = Buffer.alloc(0);
  private out = new Float32Array(0);
  private blockFrames = 1;
  private next = 0;
  private t0 = 0;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private over = false;
  private paused = false;

  constructor(private readonly options: AudioFileSourceOptions) {}

  start(sink: SourceSink): void {
    this.sink = sink;
    sink.connecting(0);
    // Opened on the next turn, so the acquisition is fully started before the first sink call.
    this.immediate = setImmediate(() => this.open());
  }

  /** Stops reading; the schedule's clock stops with it, so resume() goes on without a jump. */
  pause(): void {
    this.paused = true;
    clearTimeout(this.timer);
    if (this.immediate && this.info) clearImmediate(this.immediate);
    this.timer = undefined;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.info || this.over) return;
    this.t0 = performance.now() - this.playedMs();
    this.pump();
  }

  stop(): void {
    this.over = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.close();
  }

  private open(): void {
    const sink = this.sink!;
    const file = this.options.path;
    try {
      this.fd = fs.openSync(file, 'r');
      this.info = probeAudioFd(this.fd, file, this.options.declared);
    } catch (error) {
      this.finish(() => sink.failed(new Error(`cannot play ${file}: ${whyUnreadable(error)}`)));
      return;
    }
    const { format, frames } = this.info;
    this.decoder = new SampleDecoder(format);
    const paced = Number.isFinite(this.options.speed);
    this.blockFrames = paced
      ? Math.max(1, Math.round(((this.options.blockMs ?? 20) / 1000) * format.rate))
      : Math.max(1, Math.floor(FAST_BLOCK_BYTES / this.decoder.frameBytes));
    this.bytes = Buffer.allocUnsafe(this.blockFrames * this.decoder.frameBytes);
    this.out = new Float32Array(this.blockFrames * format.channels);
    sink.log(
      'info',
      `playing ${file} (${this.info.container === 'wav' ? 'WAV' : 'raw'}, ${format.channels} ch, ${format.rate} Hz, ${frames} frames) ${paced ? (this.options.speed === 1 ? 'in real time' : `at ${this.options.speed}× real time`) : 'as fast as it can be read'}`,
    );
    sink.format({
      channels: channelNames(format.channels).map((name) => ({ name, unit: '' })),
      rate: format.rate,
      source: this.info.source,
    });
    this.t0 = performance.now();
    if (!this.paused) this.pump();
  }

  /** Wall time the frames played so far take at this speed. */
  private playedMs(): number {
    return ((this.next / this.info!.format.rate) * 1000) / this.options.speed;
  }

  private pump = (): void => {
    this.timer = this.immediate = undefined;
    const info = this.info!;
    const paced = Number.isFinite(this.options.speed);
    const sliceEnd = performance.now() + FAST_SLICE_MS;
    let emitted = 0;
    while (!this.over && !this.paused && this.next < info.frames) {
      const end = Math.min(this.next + this.blockFrames, info.frames);
      const now = performance.now();
      if (paced) {
        // A block is due once its last frame has "happened"; scheduling from t0, not from the
        // previous block, keeps timer lateness from adding up over a long file.
        const due = this.t0 + ((end / info.format.rate) * 1000) / this.options.speed;
        if (now < due) {
          this.timer = setTimeout(this.pump, due - now);
          return;
        }
        if (emitted >= MAX_CATCH_UP_BLOCKS) break;
      } else if (now > sliceEnd) {
        break;
      }
      if (!this.emit(this.next, end)) return;
      this.next = end;
      emitted++;
    }
    if (this.over || this.paused) return;
    if (this.next < info.frames) {
      this.immediate = setImmediate(this.pump);
      return;
    }
    this.finish(() => this.sink!.ended('end of file'));
  };

  /** Reads, decodes and hands on frames [from, to); false (and the session told) if the read failed. */
  private emit(from: number, to: number): boolean {
    const decoder = this.decoder!;
    const length = (to - from) * decoder.frameBytes;
    const position = this.info!.dataOffset + from * decoder.frameBytes;
    let got = 0;
    try {
      while (got < length) {
        const r = fs.readSync(this.fd!, this.bytes, got, length - got, position + got);
        if (r === 0) break;
        got += r;
      }
    } catch (error) {
      this.finish(() => this.sink!.failed(new Error(`reading ${this.options.path} failed: ${(error as Error).message}`)));
      return false;
    }
    if (got < length) {
      this.finish(() =>
        this.sink!.failed(
          new Error(
            `${this.options.path} is shorter than its header says: it ended ${length - got} bytes into frame ${from} onwards (was it truncated while playing?)`,
          ),
        ),
      );
      return false;
    }
    const samples = decoder.decode(this.bytes.subarray(0, length), this.out);
    this.sink!.frames(samples, { hostNs: process.hrtime.bigint(), bytes: length, markers: [] });
    return true;
  }

  private finish(tell: () => void): void {
    if (this.over) return;
    this.over = true;
    this.close();
    tell();
  }

  private close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed: nothing to release
    }
    this.fd = undefined;
  }
}
