// A simulated Moku for sim:moku, the demo and the tests: the REST API on 127.0.0.1 as PROTOCOLS.md
// describes it (ownership and the Moku-Client-Key header, the reply envelope, bare nan tokens,
// rate coercion with a warning, 404 for what an instrument does not do, the stream started by
// start_streaming and fed to mokucli through /api/v2/get_chunk), and a mokucli stand-in written
// out beside it (mokucli-sim.ts). Quirks are off by default and named after what they imitate.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mokuCode, mokuGain } from './sim-generator';
import { writeMokucliStandIn, type StandInConfig } from './mokucli-sim';

export type MokuModel = 'Moku:Go' | 'Moku:Lab' | 'Moku:Pro' | 'Moku:Delta';

/** Inputs and the highest streaming rate (Sa/s, one channel) of each model (PROTOCOLS.md). */
export const MODELS: Readonly<Record<MokuModel, { inputs: number; maxRate: number }>> = {
  'Moku:Go': { inputs: 2, maxRate: 1e6 },
  'Moku:Lab': { inputs: 2, maxRate: 1e6 },
  'Moku:Pro': { inputs: 4, maxRate: 10e6 },
  'Moku:Delta': { inputs: 8, maxRate: 10e6 },
};

/** Instruments that stream, by the group name of their REST paths. */
export const STREAMING_INSTRUMENTS = [
  'datalogger',
  'lockinamp',
  'pidcontroller',
  'firfilter',
  'digitalfilterbox',
  'laserlockbox',
  'phasemeter',
] as const;
export type StreamingInstrument = (typeof STREAMING_INSTRUMENTS)[number];

export interface MokuSimulatorOptions {
  host?: string;
  port?: number;
  model?: MokuModel;
  mokuOS?: string;
  /** MokuOS 3.x's firmware build, reported by describe. */
  firmware?: number;
  /** The stand-in's `--version` output ('4.0.3' or 'mokucli 2.2.2'); undefined: no stand-in is written. */
  mokucliVersion?: string;
  /** The rest of the stand-in's behaviour (listen delay, stderr text, dying without EOS, a dump). */
  standIn?: Omit<StandInConfig, 'version'>;
  /** Every nth sample of ch1 is over range (NaN; mokucli writes `nan`). */
  nanEvery?: number;
  /** Frames the device loses (a gap in `time`): `frames` frames from frame `at`. */
  loseFrames?: { at: number; frames: number };
  // ---- REST quirks ----
  /** Some firmware also puts the client key in the claim's `data`. */
  keyInData?: boolean;
  /** claim_ownership answers without any key. */
  noKey?: boolean;
  /** Another client owns the device: a claim without force_connect is refused. */
  ownedByOther?: boolean;
  /** Replies carry bare nan/inf tokens outside strings (and "nan" words inside them). */
  nanBodies?: boolean;
  /** One operation answers with this HTTP status instead (404, 500, 502, 504). */
  httpError?: { op: string; status: number };
  /** One operation answers with this error envelope instead. */
  errorEnvelope?: { op: string; code: string; message: string };
  /** A stream is already running when the simulator starts (a client died without stopping it). */
  streamRunning?: boolean;
  /** Milliseconds the first call to an instrument takes (deploying its bitstream). */
  deployMs?: number;
}

/** One request as the simulator saw it (tests read these). */
export interface SimCall {
  op: string;
  path: string;
  method: string;
  key?: string;
  body: Record<string, unknown>;
}

interface Stream {
  instrument: StreamingInstrument;
  rate: number;
  names: string[];
  /** Input (0-based) each column's codes come from. */
  inputs: number[];
  startedMs: number;
  total: number;
  sent: number;
  stopped: boolean;
}

export class MokuSimulator {
  readonly calls: SimCall[] = [];
  /** get_chunk calls (mokucli's feed), counted rather than kept in `calls`. */
  chunkCalls = 0;
  private server?: http.Server;
  private key?: string;
  private readonly enabled: boolean[];
  private stream?: Stream;
  private readonly deployed = new Set<string>();
  private acquisitionMode = 'Normal';
  private dir?: string;
  /** The stand-in's path, once start() has written it. */
  mokucli?: string;

  constructor(private readonly options: MokuSimulatorOptions = {}) {
    const inputs = MODELS[options.model ?? 'Moku:Go'].inputs;
    this.enabled = Array.from({ length: inputs }, (_, i) => i < 2);
  }

  get model(): MokuModel {
    return this.options.model ?? 'Moku:Go';
  }

  /** Listens; resolves with the port. Writes the stand-in when `mokucliVersion` is set. */
  async start(): Promise<number> {
    if (this.options.mokucliVersion !== undefined) {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labscope-moku-sim-'));
      this.mokucli = writeMokucliStandIn(this.dir, { version: this.options.mokucliVersion, ...this.options.standIn });
    }
    if (this.options.streamRunning) this.stream = this.newStream('datalogger', 1000, 3600, ['ch1', 'ch2'], [0, 1]);
    const server = (this.server = http.createServer((req, res) => this.handle(req, res)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /** Whether a client holds the device now (tests: relinquished on every path out). */
  get owned(): boolean {
    return this.key !== undefined;
  }

  /** Frames the running (or last) stream has handed to mokucli. */
  get framesSent(): number {
    return this.stream?.sent ?? 0;
  }

  // ---- HTTP ----

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      let body: Record<string, unknown> = {};
      try {
        body = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return this.envelope(res, false, null, 'INVALID_PARAM', [`the request body is not JSON: ${text.slice(0, 60)}`]);
      }
      const m = /^\/api\/(?:(slot\d+)\/)?([a-z0-9_]+)\/([a-z0-9_]+)$/.exec(url.split('?')[0]);
      const op = m ? `${m[2]}/${m[3]}` : url;
      const key = req.headers['moku-client-key'];
      // mokucli's feed asks many times a second for as long as it streams: counted, not kept (kept,
      // they grew the process by 2 MB a minute in the soak); every other call is kept for tests.
      if (op === 'v2/get_chunk') this.chunkCalls++;
      else this.calls.push({ op, path: url, method: req.method ?? '', key: typeof key === 'string' ? key : undefined, body });
      const q = this.options;
      if (q.httpError && q.httpError.op === op) return this.httpStatus(res, q.httpError.status);
      if (!m) return this.httpStatus(res, 404);
      const [, , group, operation] = m;
      const run = () => {
        if (q.errorEnvelope && q.errorEnvelope.op === op)
          return this.envelope(res, false, null, q.errorEnvelope.code, [q.errorEnvelope.message]);
        if (group === 'v2' && operation === 'get_chunk') return this.getChunk(res, body);
        if (group === 'moku' && operation === 'claim_ownership') return this.claim(res, body);
        if (this.key === undefined || key !== this.key)
          return this.envelope(res, false, null, 'INVALID_REQUEST', [
            key === undefined ? 'No Moku-Client-Key header: claim ownership first' : 'Moku-Client-Key does not match the owner',
          ]);
        if (group === 'moku') return this.mokuOp(res, operation);
        if ((STREAMING_INSTRUMENTS as readonly string[]).includes(group))
          return this.instrumentOp(res, group as StreamingInstrument, operation, body);
        return this.httpStatus(res, 404);
      };
      // The first call to an instrument deploys it: that takes a while on a device.
      if (q.deployMs && (STREAMING_INSTRUMENTS as readonly string[]).includes(m[2]) && !this.deployed.has(m[2])) {
        this.deployed.add(m[2]);
        setTimeout(run, q.deployMs);
      } else run();
    });
  }

  private httpStatus(res: http.ServerResponse, status: number): void {
    // These come from the device's web server, not the API: no envelope, not even JSON.
    const words: Record<number, string> = { 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 504: 'Gateway Timeout' };
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>${status} ${words[status] ?? ''}</h1></body></html>`);
  }

  /** The reply envelope; with nanBodies, `data`'s NaN and infinities go out as bare tokens. */
  private envelope(
    res: http.ServerResponse,
    success: boolean,
    data: unknown,
    code: string | null,
    messages: string[] | null,
    headers: Record<string, string> = {},
  ): void {
    let text = JSON.stringify({ success, data, code, messages }, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? `\u0000${Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf'}\u0000` : v,
    );
    text = text.replace(/"\\u0000(nan|inf|-inf)\\u0000"/g, '$1');
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }

  private claim(res: http.ServerResponse, body: Record<string, unknown>): void {
    if (this.options.ownedByOther && body.force_connect !== true)
      return this.envelope(res, false, null, 'INVALID_REQUEST', [
        'The Moku is in use by another client (192.168.73.10). Connect with force_connect to take it over',
      ]);
    if (this.options.noKey) return this.envelope(res, true, null, null, null);
    this.key = randomBytes(6).toString('hex').slice(0, 11);
    return this.envelope(res, true, this.options.keyInData ? this.key : null, null, null, { 'Moku-Client-Key': this.key });
  }

  private mokuOp(res: http.ServerResponse, operation: string): void {
    const nan = this.options.nanBodies;
    switch (operation) {
      case 'relinquish_ownership':
        this.key = undefined;
        return this.envelope(res, true, null, null, null);
      case 'describe': {
        const major = Number((this.options.mokuOS ?? '4.0.1').split('.')[0]);
        return this.envelope(
          res,
          true,
          {
            hardware: this.model,
            mokuOS: this.options.mokuOS ?? '4.0.1',
            proxy_version: major >= 4 ? 2 : 1,
            bitstreams: '4.0.1.15',
            ...(this.options.firmware !== undefined ? { firmware: this.options.firmware } : {}),
            ...(nan ? { temperature: NaN, fan_speed: Infinity, note: 'info: nan readings are financial-grade' } : {}),
          },
          null,
          null,
        );
      }
      default:
        return this.httpStatus(res, 404);
    }
  }

  private instrumentOp(res: http.ServerResponse, instrument: StreamingInstrument, operation: string, body: Record<string, unknown>): void {
    const model = MODELS[this.model];
    const badParam = (message: string) => this.envelope(res, false, null, 'INVALID_PARAM', [message]);
    const channel = Number(body.channel);
    switch (operation) {
      case 'enable_input':
        if (instrument !== 'datalogger') return this.httpStatus(res, 404);
        if (!Number.isInteger(channel) || channel < 1 || channel > model.inputs)
          return badParam(`channel ${String(body.channel)} is not an input of ${this.model} (1-${model.inputs})`);
        this.enabled[channel - 1] = body.enable !== false;
        return this.envelope(res, true, { enable: this.enabled[channel - 1] }, null, null);
      case 'set_frontend':
        if (!Number.isInteger(channel) || channel < 1 || channel > model.inputs)
          return badParam(`channel ${String(body.channel)} is not an input of ${this.model} (1-${model.inputs})`);
        return this.envelope(
          res,
          true,
          { impedance: body.impedance ?? '1MOhm', coupling: body.coupling ?? 'DC', range: body.range ?? '10Vpp' },
          null,
          null,
        );
      case 'set_acquisition_mode':
        if (instrument !== 'datalogger') return this.httpStatus(res, 404);
        this.acquisitionMode = String(body.mode ?? 'Normal');
        return this.envelope(res, true, { mode: this.acquisitionMode }, null, null);
      case 'start_streaming':
        return this.startStreaming(res, instrument, body);
      case 'stop_streaming':
        if (this.stream) {
          this.stream.stopped = true;
          // What has been measured so far is still handed out; then EOS.
          this.stream.total = Math.min(this.stream.total, this.available(this.stream));
        }
        return this.envelope(res, true, null, null, null);
      case 'get_samplerate':
        if (instrument !== 'datalogger') return this.httpStatus(res, 404);
        return this.envelope(res, true, { sample_rate: this.stream?.rate ?? 1000 }, null, null);
      case 'get_stream_status': {
        const s = this.stream;
        return this.envelope(
          res,
          true,
          {
            status: !s ? 'idle' : s.sent >= s.total ? 'complete' : 'running',
            memory_used: s ? s.sent % 1000 : 0,
            error: this.options.nanBodies ? NaN : null,
          },
          null,
          null,
        );
      }
      default:
        return this.httpStatus(res, 404);
    }
  }

  private startStreaming(res: http.ServerResponse, instrument: StreamingInstrument, body: Record<string, unknown>): void {
    const s = this.stream;
    if (s && !s.stopped && s.sent < s.total)
      return this.envelope(res, false, null, 'INVALID_REQUEST', ['A stream is already running: stop it first']);
    const duration = Number(body.duration ?? 10);
    if (!(duration > 0)) return this.envelope(res, false, null, 'INVALID_PARAM', [`duration ${String(body.duration)} is not > 0`]);
    const messages: string[] = [];
    let rate: number;
    let names: string[];
    let inputs: number[];
    if (instrument === 'phasemeter') {
      const speed = String(body.acquisition_speed ?? '30Hz');
      const m = /^(\d+(?:\.\d+)?)(k|M)?Hz$/i.exec(speed);
      if (!m)
        return this.envelope(res, false, null, 'INVALID_PARAM', [
          `acquisition_speed ${speed} is not one of 30Hz, 119Hz, 477Hz, 1.9kHz, 15.2kHz, 122kHz`,
        ]);
      rate = Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
      names = ['ch1_frequency', 'ch1_phase', 'ch1_i', 'ch1_q', 'ch2_frequency', 'ch2_phase', 'ch2_i', 'ch2_q'];
      inputs = [0, 1, 0, 1, 1, 0, 1, 0];
    } else {
      const asked = Number(instrument === 'datalogger' ? (body.sample_rate ?? 1000) : (body.rate ?? 1000));
      const enabled = instrument === 'datalogger' ? this.enabled.flatMap((on, i) => (on ? [i] : [])) : [0, 1];
      if (enabled.length === 0) return this.envelope(res, false, null, 'INVALID_PARAM', ['No input is enabled: enable one to stream']);
      const max = MODELS[this.model].maxRate / (enabled.length > 2 ? 8 : enabled.length);
      if (!(asked > 0)) return this.envelope(res, false, null, 'INVALID_PARAM', [`sample rate ${String(asked)} is not > 0`]);
      // The device streams at its clock divided by a whole number: what is asked is coerced.
      const base = MODELS[this.model].maxRate;
      rate = base / Math.max(1, Math.round(base / Math.min(Math.max(asked, 10), max)));
      if (rate !== asked) messages.push(`Sample rate coerced to ${rate} Sa/s (asked for ${asked} Sa/s)`);
      names = enabled.map((i) => `ch${i + 1}`);
      inputs = enabled;
    }
    this.stream = this.newStream(instrument, rate, duration, names, inputs);
    return this.envelope(res, true, { stream_id: 'logsink0' }, null, messages.length ? messages : null);
  }

  private newStream(instrument: StreamingInstrument, rate: number, duration: number, names: string[], inputs: number[]): Stream {
    return { instrument, rate, names, inputs, startedMs: performance.now(), total: Math.round(duration * rate), sent: 0, stopped: false };
  }

  private available(s: Stream): number {
    return Math.min(s.total, Math.floor(((performance.now() - s.startedMs) / 1000) * s.rate));
  }

  /** mokucli's feed: the frames measured since the last chunk, as codes and gains (no key needed). */
  private getChunk(res: http.ServerResponse, body: Record<string, unknown>): void {
    const s = this.stream;
    if (!s || body.stream_id !== 'logsink0')
      return this.envelope(res, false, null, 'INVALID_PARAM', [`no stream ${String(body.stream_id)}`]);
    const until = Math.min(this.available(s), s.sent + 200_000);
    const frames: number[] = [];
    const lose = this.options.loseFrames;
    for (let f = s.sent; f < until; f++) if (!lose || f < lose.at || f >= lose.at + lose.frames) frames.push(f);
    const nanEvery = this.options.nanEvery ?? 0;
    const codes = s.inputs.map((input, c) =>
      frames.map((f) => (nanEvery > 0 && c === 0 && f % nanEvery === nanEvery - 1 ? null : mokuCode(input, f))),
    );
    const start = s.sent;
    s.sent = until;
    const contiguous = frames.length === until - start;
    this.envelope(
      res,
      true,
      {
        start,
        count: frames.length,
        rate: s.rate,
        names: s.names,
        gains: s.inputs.map((i) => mokuGain(i)),
        codes,
        eos: s.sent >= s.total,
        ...(contiguous ? {} : { frames }),
      },
      null,
      null,
    );
  }

  /** `moku://…` for this simulator, with the stand-in as mokucli when there is one. */
  uri(port: number, query: Record<string, string | number> = {}): string {
    const q = { instrument: 'datalogger', ...(this.mokucli ? { mokucli: this.mokucli } : {}), ...query };
    return `moku://127.0.0.1:${port}?${Object.entries(q)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&')}`;
  }
}
