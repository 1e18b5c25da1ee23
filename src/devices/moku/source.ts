// A Moku's stream as a Source, the way the moku package's StreamInstrument runs it, minus its
// faults (PROTOCOLS.md): the REST API sets the instrument up and starts the stream, mokucli
// bridges it to a TCP port on 127.0.0.1, and its lines are parsed into the ring.
//
//   mokucli found and its version read  → refused before the device is touched if missing
//   claim_ownership, describe           → the key on every call; MokuOS says which mokucli it needs
//   enable_input / set_frontend / mode  → as the URI says
//   start_streaming, get_samplerate     → the rate the device really streams at (it coerces)
//   mokucli stream --target=<free port> → connected with the seed's 5 tries 0.5 s apart
//   lines → ring; EOS → ended           → a close without EOS, a non-zero exit or stderr text: failed
//
// On every way out (stop, close, EOS, any error) mokucli is killed and waited for, the stream is
// stopped and ownership relinquished; the subprocess transport's pdeathsig kills mokucli even when
// the worker itself is terminated (the REST calls cannot be made then: the device keeps the claim
// until the next force_connect).
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { NativeSamples } from '../../core/native';
import type { Source, SourceSink } from '../../core/source';
import { Subprocess, type SubprocessEnd } from '../../transports/subprocess';
import { freeLoopbackPort } from '../../transports/tcp';
import { checkMokucliVersion, findMokucli, mokucliVersion, type FoundMokucli } from './mokucli';
import { hostForUrl, MokuLineParser, MokuProtocolError, requiredMokucli, versionText } from './protocol';
import { MokuApiError, MokuRest } from './rest';
import type { StreamingInstrument } from './simulator';

export interface MokuSourceOptions {
  host: string;
  port?: number;
  instrument: StreamingInstrument;
  /** The slot of a multi-instrument setup; 1 for a standalone instrument. */
  slot: number;
  /** Samples per second asked for (the device coerces it); the instrument's default when left out. */
  rate?: number;
  /** Inputs to enable (Datalogger); the others are disabled. Undefined: as the device is set. */
  channels?: number[];
  /** Seconds the device streams; it ends the stream with EOS after that. */
  duration: number;
  /** Datalogger: its acquisition mode; LockInAmp & co.: the stream's mode. */
  mode?: string;
  /** Phasemeter: its acquisition speed (30Hz … 122kHz). */
  acquisitionSpeed?: string;
  frontend?: { impedance?: string; coupling?: string; range?: string };
  triggerSource?: string;
  triggerLevel?: number;
  /** Take the device over from another client. */
  force: boolean;
  /** mokucli= from the URI: tried before the setting, MOKU_CLI_PATH and PATH. */
  mokucli?: string;
  env?: NodeJS.ProcessEnv;
  /** The seed's connect retries: 5 tries, 0.5 s apart. */
  connectTries?: number;
  connectDelayMs?: number;
  /** Per REST call. */
  timeoutMs?: number;
  /** URI parameters the instrument does not take (acquisition_speed for a Datalogger, …): logged, not sent. */
  ignored?: string[];
}

/** A line longer than this is not mokucli's (a line of 10 MSa/s × 8 columns for a second is ~150 MB). */
const MAX_LINE_CHARS = 256 << 20;

/** Inputs of each model, from describe's `hardware`. */
const INPUTS: Record<string, number> = { 'Moku:Go': 2, 'Moku:Lab': 2, 'Moku:Pro': 4, 'Moku:Delta': 8 };

export class MokuSource implements Source {
  private sink?: SourceSink;
  private rest?: MokuRest;
  private sub?: Subprocess;
  private socket?: net.Socket;
  private readonly parser = new MokuLineParser();
  private stopped = false;
  private done = false;
  private cleaning?: Promise<void>;
  private streaming = false;
  private eos = false;
  private exit?: SubprocessEnd;
  private rate?: number;
  private formatted = false;
  private t0?: number;
  private nextFrame = 0;
  private pendingLines: string[] = [];
  private readonly counts = { lines: 0, frames: 0, rejected: 0, gaps: 0, lostFrames: 0 };
  private info: Record<string, unknown> = {};
  private readonly address: string;

  constructor(private readonly options: MokuSourceOptions) {
    this.address = `moku://${hostForUrl(options.host, options.port)}`;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    sink.connecting(0);
    this.run()
      .catch((error: Error) => this.fail(error))
      .finally(() => {
        // Stopped while a call was under way: what that call set up is undone now.
        if (!this.live) void this.cleanup();
      });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.cleanup();
  }

  summary(): Record<string, unknown> {
    return { ...this.info, ...this.counts };
  }

  private get live(): boolean {
    return !this.stopped && !this.done;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const sink = this.sink!;
    for (const key of o.ignored ?? []) sink.log('warn', `${this.address}: ${key}= is not a setting of the ${o.instrument}: not sent`);
    // mokucli first: a missing or unreadable one is refused before the device is touched.
    const found = findMokucli(o.mokucli, o.env ?? process.env);
    const { version } = await mokucliVersion(found);
    if (!this.live) return;
    sink.log('info', `${this.address}: mokucli ${versionText(version)} at ${found.file} (from ${found.from})`);

    const rest = (this.rest = new MokuRest({ host: o.host, port: o.port, timeoutMs: o.timeoutMs }));
    await rest.claim(o.force);
    if (!this.live) return;
    const describe = (await rest.call('moku/describe')).data as Record<string, unknown>;
    const hardware = typeof describe?.hardware === 'string' ? describe.hardware : undefined;
    const mokuOS = describe?.mokuOS === undefined ? undefined : String(describe.mokuOS);
    const firmware = typeof describe?.firmware === 'number' ? describe.firmware : undefined;
    checkMokucliVersion(found, version, requiredMokucli(mokuOS, firmware));
    this.info = { hardware, mokuOS, mokucli: versionText(version), mokucliPath: found.file, instrument: o.instrument };
    sink.log('info', `${this.address}: ${hardware ?? 'a Moku'} with MokuOS ${mokuOS ?? '?'}, streaming the ${o.instrument}`);
    if (!this.live) return;

    await this.configure(rest, hardware);
    if (!this.live) return;
    const streamId = await this.startStreaming(rest);
    if (!this.live) return;
    this.info.streamId = streamId;
    if (o.instrument === 'datalogger') {
      const r = (await rest.call(this.op('get_samplerate'))).data as { sample_rate?: unknown } | null;
      const rate = Number(r?.sample_rate);
      if (!(rate > 0)) throw new MokuApiError(`${this.address}: get_samplerate answered ${JSON.stringify(r)}, no rate`, 'BAD_REPLY');
      this.rate = rate;
      if (o.rate !== undefined && rate !== o.rate)
        sink.log('warn', `${this.address}: asked for ${o.rate} Sa/s, the Moku streams at ${rate} Sa/s (the recording says so)`);
    }
    for (const warning of rest.warnings) sink.log('warn', `${this.address}: ${warning}`);
    this.info.warnings = [...rest.warnings];
    if (!this.live) return;
    await this.bridge(found, streamId);
  }

  private op(name: string): string {
    return `slot${this.options.slot}/${this.options.instrument}/${name}`;
  }

  private async configure(rest: MokuRest, hardware: string | undefined): Promise<void> {
    const o = this.options;
    const inputs = INPUTS[hardware ?? ''] ?? 2;
    const channels = o.channels ?? [];
    const bad = channels.find((c) => c > inputs);
    if (bad !== undefined)
      throw new Error(`${this.address}: channels=${channels.join(',')} names input ${bad}, but a ${hardware ?? 'Moku'} has ${inputs}`);
    if (o.instrument === 'datalogger' && o.channels) {
      for (let c = 1; c <= inputs; c++) await rest.call(this.op('enable_input'), { channel: c, enable: channels.includes(c) });
    }
    const f = o.frontend ?? {};
    if (f.impedance !== undefined || f.coupling !== undefined || f.range !== undefined) {
      const on = channels.length ? channels : Array.from({ length: Math.min(inputs, 2) }, (_, i) => i + 1);
      // set_frontend wants all three: the device's defaults fill what the URI leaves out.
      for (const channel of on)
        await rest.call(this.op('set_frontend'), {
          channel,
          impedance: f.impedance ?? '1MOhm',
          coupling: f.coupling ?? 'DC',
          range: f.range ?? '10Vpp',
        });
    }
    if (o.instrument === 'datalogger' && o.mode !== undefined) await rest.call(this.op('set_acquisition_mode'), { mode: o.mode });
  }

  private async startStreaming(rest: MokuRest): Promise<string> {
    const o = this.options;
    const body: Record<string, unknown> = { duration: o.duration };
    if (o.instrument === 'datalogger') {
      if (o.rate !== undefined) body.sample_rate = o.rate;
    } else if (o.instrument === 'phasemeter') {
      if (o.acquisitionSpeed !== undefined) body.acquisition_speed = o.acquisitionSpeed;
    } else {
      if (o.mode !== undefined) body.mode = o.mode;
      if (o.rate !== undefined) body.rate = o.rate;
    }
    if (o.triggerSource !== undefined) body.trigger_source = o.triggerSource;
    if (o.triggerLevel !== undefined) body.trigger_level = o.triggerLevel;
    let data: unknown;
    try {
      data = (await rest.call(this.op('start_streaming'), body)).data;
    } catch (error) {
      // A stream left running (a client that died without stopping it) must be stopped first.
      if (!(error instanceof MokuApiError) || error.code !== 'INVALID_REQUEST') throw error;
      this.sink!.log('warn', `${this.address}: ${error.message}; stopping the stream that runs and starting again`);
      await rest.call(this.op('stop_streaming'));
      data = (await rest.call(this.op('start_streaming'), body)).data;
    }
    this.streaming = true;
    const id = (data as { stream_id?: unknown } | null)?.stream_id;
    if (typeof id !== 'string' || !id)
      throw new MokuApiError(`${this.address}: start_streaming answered ${JSON.stringify(data)}, no stream_id`, 'BAD_REPLY');
    return id;
  }

  // ---- mokucli ----

  private async bridge(found: FoundMokucli, streamId: string): Promise<void> {
    const o = this.options;
    const port = await freeLoopbackPort();
    if (!this.live) return;
    const sub = (this.sub = new Subprocess({
      file: found.file,
      args: ['stream', `--ip-address=${hostForUrl(o.host, o.port)}`, `--stream-id=${streamId}`, `--target=${port}`],
      label: 'mokucli',
      hint: 'is mokucli installed? Set labscope.mokucliPath or MOKU_CLI_PATH to it',
      env: o.env,
      log: (level, text) => this.sink!.log(level, text),
      onStderr: (text) => {
        // The moku package treats any stderr text as the stream's failure, and so do we.
        if (text.trim()) this.fail(new Error(`mokucli reported an error: ${text.trim()}`));
      },
      onExit: (end) => this.onExit(end),
    }));
    sub.start();
    const tries = o.connectTries ?? 5;
    const delay = o.connectDelayMs ?? 500;
    for (let attempt = 1; this.live; attempt++) {
      try {
        const socket = await connectLoopback(port);
        if (!this.live) {
          socket.destroy();
          return;
        }
        this.read(socket);
        this.sink!.log('info', `${this.address}: reading ${streamId} from mokucli on 127.0.0.1:${port}`);
        return;
      } catch (error) {
        if (attempt >= tries) {
          const words = sub.stderr.trim();
          throw new Error(
            `mokucli did not listen on 127.0.0.1:${port} after ${tries} tries ${delay / 1000} s apart (${(error as { code?: string }).code ?? (error as Error).message})${words ? `: ${words}` : ''}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private onExit(end: SubprocessEnd): void {
    this.exit = end;
    if (!this.live) return;
    if (end.kind === 'failed') return this.fail(new Error(`${end.error.message}${this.eos ? '' : ' (before the end of the stream)'}`));
    // Exit 0: fine after EOS; without EOS it is the socket's close that says so (it follows).
    if (!this.socket && !this.eos) this.fail(new Error('mokucli exited (code 0) before it listened: the stream never started'));
  }

  private read(socket: net.Socket): void {
    this.socket = socket;
    const decoder = new StringDecoder('utf8');
    // The start of a line still without its end, as the pieces that came: a line of megabytes
    // arrives in 64 KiB chunks, and only the chunk that ends it is searched and joined.
    let pieces: string[] = [];
    let waiting = 0;
    socket.on('data', (chunk: Buffer) => {
      if (!this.live) return;
      const piece = decoder.write(chunk);
      let newline = piece.indexOf('\n');
      if (newline < 0) {
        pieces.push(piece);
        waiting += piece.length;
        if (waiting > MAX_LINE_CHARS)
          this.fail(new Error(`mokucli wrote more than ${MAX_LINE_CHARS} characters without a line end: not its stream format`));
        return;
      }
      let text = pieces.length ? pieces.join('') + piece : piece;
      pieces = [];
      waiting = 0;
      newline += text.length - piece.length;
      let from = 0;
      do {
        const end = newline > from && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        this.onLine(text.slice(from, end), end - from);
        from = newline + 1;
        if (!this.live) return;
      } while ((newline = text.indexOf('\n', from)) >= 0);
      text = text.slice(from);
      if (text) {
        pieces.push(text);
        waiting = text.length;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!this.live || this.eos) return;
      const rest = pieces.join('') + decoder.end();
      if (rest.trim()) this.onLine(rest, rest.length);
      if (!this.live || this.eos) return;
      // mokucli's exit, if it comes, says more than the close: wait for it a moment.
      const why = () => {
        const exit = this.exit;
        const how = !exit
          ? 'it is still running'
          : exit.kind === 'ended'
            ? 'it exited with code 0'
            : exit.error.message.replace(/^mokucli /, 'it ');
        return new Error(`mokucli closed the stream without EOS after ${this.counts.frames} frames (${how}): the stream is incomplete`);
      };
      if (this.exit) return this.fail(why());
      const timer = setTimeout(() => this.fail(why()), 1000);
      timer.unref();
    });
  }

  private onLine(line: string, length: number): void {
    if (MokuLineParser.isEos(line)) {
      this.eos = true;
      this.streaming = false;
      this.flushPending();
      this.done = true;
      this.sink!.ended(`the Moku ended the stream (EOS) after ${this.counts.frames} frames`);
      void this.cleanup();
      return;
    }
    if (!line.trim()) return;
    this.counts.lines++;
    if (!this.formatted && this.rate === undefined) {
      // No get_samplerate (LockInAmp, Phasemeter, …): the rate is 1/Δtime of the first lines.
      this.pendingLines.push(line);
      this.rateFromLines();
      return;
    }
    this.take(line, length);
  }

  /** Without a rate from the device, lines wait until one holds two frames; its Δtime gives the rate. */
  private rateFromLines(): void {
    const probe = new MokuLineParser();
    for (const line of this.pendingLines) {
      try {
        const r = probe.parse(line);
        if (r.frames >= 2 && r.lastTime > r.firstTime) {
          // Times are printed decimals: their differences carry rounding noise far below 12 digits.
          this.rate = Number(((r.frames - 1) / (r.lastTime - r.firstTime)).toPrecision(12));
          this.sink!.log('info', `${this.address}: the ${this.options.instrument} streams at ${this.rate} Sa/s (from its time axis)`);
          break;
        }
      } catch {
        // Rejected again below, where it counts.
      }
    }
    if (this.rate === undefined && this.pendingLines.length < 100) return;
    if (this.rate === undefined)
      return this.fail(new Error(`${this.address}: 100 lines without two frames with times: no rate to record at`));
    this.flushPending();
  }

  private flushPending(): void {
    const lines = this.pendingLines;
    this.pendingLines = [];
    if (this.rate === undefined) return;
    for (const line of lines) if (this.live) this.take(line, line.length);
  }

  private take(line: string, length: number): void {
    const sink = this.sink!;
    const p = this.parser;
    let r;
    try {
      r = p.parse(line);
    } catch (error) {
      if (!(error instanceof MokuProtocolError)) throw error;
      this.counts.rejected++;
      sink.rejected(`${this.address}: mokucli line ${this.counts.lines}: ${error.message}`);
      return;
    }
    const channels = p.channels!;
    if (!this.formatted) {
      this.formatted = true;
      sink.format({
        channels: channels.map((name) => ({ name, unit: unitOf(name) })),
        rate: this.rate!,
        sampleType: 'float64',
        source: { ...this.info, rate: this.rate, requestedRate: this.options.rate ?? null, duration: this.options.duration },
      });
    }
    if (r.frames === 0) return;
    const rate = this.rate!;
    const stride = channels.length;
    if (Number.isNaN(r.firstTime)) return this.write(0, r.frames, stride, length);
    this.t0 ??= r.firstTime - this.nextFrame / rate;
    const at = Math.round((r.firstTime - this.t0) * rate);
    const last = Math.round((r.lastTime - this.t0) * rate);
    if (at < this.nextFrame) return this.reject(` starts at time ${r.firstTime} s, before the frame expected (${this.nextFrame}): dropped`);
    if (last - at === r.frames - 1) {
      if (at > this.nextFrame) this.lost(at - this.nextFrame, `time jumps to ${r.firstTime} s`);
      return this.write(0, r.frames, stride, length);
    }
    // Time jumps inside the line (the device lost frames there): read its times, place each run.
    p.parse(line, true);
    const times = p.times;
    let from = 0;
    for (let k = 1; k <= r.frames; k++) {
      const expected = Math.round((times[from] - this.t0) * rate) + (k - from);
      const here = k < r.frames ? Math.round((times[k] - this.t0) * rate) : expected;
      if (here === expected) continue;
      // The run [from, k) ends here.
      const start = Math.round((times[from] - this.t0) * rate);
      if (start > this.nextFrame) this.lost(start - this.nextFrame, `time jumps to ${times[from]} s`);
      this.write(from, k - from, stride, 0);
      if (here < expected) return this.reject(`: its time goes back at value ${k} (${times[k]} s): the rest of the line is dropped`);
      from = k;
    }
    const start = Math.round((times[from] - this.t0) * rate);
    if (start > this.nextFrame) this.lost(start - this.nextFrame, `time jumps to ${times[from]} s`);
    this.write(from, r.frames - from, stride, length);
  }

  /** Frames `from` … `from + n` of the parsed line into the ring. */
  private write(from: number, n: number, stride: number, bytes: number): void {
    const values = this.parser.values.subarray(from * stride, (from + n) * stride) as NativeSamples;
    this.sink!.frames(values, { hostNs: process.hrtime.bigint(), bytes: bytes ? bytes + 1 : 0, markers: [] });
    this.nextFrame += n;
    this.counts.frames += n;
  }

  private reject(why: string): void {
    this.counts.rejected++;
    this.sink!.rejected(`${this.address}: mokucli line ${this.counts.lines}${why}`);
  }

  private lost(frames: number, why: string): void {
    this.counts.gaps++;
    this.counts.lostFrames += frames;
    this.sink!.gap({ frames, cause: 'device' });
    this.sink!.log('warn', `${this.address}: ${frames} frames missing at frame ${this.nextFrame} (${why})`);
    this.nextFrame += frames;
  }

  private fail(error: Error): void {
    if (!this.live) return;
    this.done = true;
    this.sink!.failed(error);
    void this.cleanup();
  }

  /**
   * mokucli killed and waited for, the stream stopped, ownership given back, on every way out.
   * Runs again (chained) when called again: a stop() while a REST call was under way finds the
   * device claimed only once that call returns, and run() calls this again then.
   */
  private cleanup(): Promise<void> {
    this.cleaning = (this.cleaning ?? Promise.resolve()).then(async () => {
      this.socket?.destroy();
      await this.sub?.stop();
      const rest = this.rest;
      if (!rest) return;
      if (this.streaming) {
        this.streaming = false;
        await rest.call(this.op('stop_streaming'), {}, { timeoutMs: 3000 }).catch(() => undefined);
      }
      const problem = await rest.relinquish();
      if (problem && this.sink && !this.stopped) this.sink.log('warn', `${this.address}: could not relinquish ownership: ${problem}`);
    });
    return this.cleaning;
  }
}

/** Volts for inputs; a Phasemeter's columns say what they are. */
function unitOf(name: string): string {
  if (name.endsWith('_frequency')) return 'Hz';
  if (name.endsWith('_phase')) return 'cycles';
  return 'V';
}

/** 127.0.0.1, not localhost: mokucli listens on IPv4 loopback only. */
function connectLoopback(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}
