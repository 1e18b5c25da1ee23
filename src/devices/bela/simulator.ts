// A Bela board stand-in: one websocket server on 127.0.0.1 serving `/gui_control` (JSON text) and
// `/gui_data` (binary), speaking Bela's watcher protocol exactly as a board does
// (../../../../shared/PROTOCOLS.md "Bela"; the per-frame state machine is Watcher.h notify()).
// A simulated "program" ticks a frame clock and sets its watchers from a deterministic generator
// (sim-generator.ts, the same as bela-board's all-types project), so every streamed value can be
// recomputed by frame. Watch state is global and outlives the client that set it; closing the last
// control socket does not stop the program, stop() does. Off-by-default quirks reproduce what
// boards do now and then (a stale first buffer, a dropped body, foreign replies, ...).
import * as http from 'node:http';
import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import { bufferLayout, encodeBuffer, encodeHeader, encodeMonitor, type BufferLayout } from './protocol';
import { allTypesValue, allTypesWatchers, belaJson, type SimWatcher } from './sim-generator';
import { SentTable } from '../../core/sent-table';

export { allTypesSparseSets, allTypesValue, allTypesWatchers, analogInput, belaJson, type SimWatcher } from './sim-generator';

export interface BelaSimulatorQuirks {
  /**
   * A variable left watched when the last client went inactive keeps its partial buffer (as on a
   * board); the next client's first buffer of it has a ref from before its watch (and, dense, a
   * gap inside). Off: a newly active client starts with fresh buffers.
   */
  staleFirstBuffer?: boolean;
  /** Send queue full: every Nth buffer (true: every 8th) goes out as a header without its body. */
  dropBody?: boolean | number;
  /**
   * `watch` on a variable already streaming drops its partial buffer at the new start, as the board
   * does (a gap: the next ref jumps). Off: a plain re-watch (no timestamps, no durations) of a
   * variable streaming without a scheduled end is a no-op, so the stream continues without a gap.
   */
  dropPartialOnWatch?: boolean;
  /** A watcher `late_f` (f, dense, like f_dense) that is missing from the first `list` answered and appears in later ones. */
  lateWatcher?: boolean;
  /**
   * Every `list` answer is followed by traffic meant for another client: a `log` reply for a
   * watcher nobody here logged, a project's own control message, and a monitor message on
   * gui_data for watcher 0 (which nobody here monitored).
   */
  foreignReplies?: boolean;
  /** `{"event":"connection",…}` is sent again to every control client after the first `watch` command. */
  repeatConnection?: boolean;
}

export interface BelaSimulatorOptions {
  /** A SentTable's buffer to note send times in (shared with another thread); else its own. */
  sentBuffer?: ArrayBufferLike;
  /** The project's watchers in its order (their buffer IDs). Default all-types's (allTypesWatchers()). */
  watchers?: readonly SimWatcher[];
  /** What `list` says (the project's declared rate); default 44100. */
  sampleRate?: number;
  /** Frames per second the program actually ticks; default sampleRate. */
  frameRate?: number;
  /** 1 = real time (default), N = N times faster, 'max' (or Infinity, 0) = as fast as the clients read. */
  speed?: number | 'max';
  /** In `{"event":"connection","projectName":…}`; default 'all-types'. Null leaves it out (a project without a name). */
  projectName?: string | null;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default): any free port; start() resolves to it. */
  port?: number;
  /** Frame the program starts at (default 0). */
  startFrame?: number;
  quirks?: BelaSimulatorQuirks;
}

type StreamState = 'no' | 'starting' | 'yes' | 'stopping' | 'last';
/** Watcher.h's "-1" as a u64: never. */
const NEVER = Infinity;

interface Var {
  w: SimWatcher;
  id: number;
  layout: BufferLayout;
  state: StreamState;
  schedStart: number;
  schedEnd: number;
  values: Float64Array;
  frames: Float64Array;
  count: number;
  /** 0 off, else the period; `monitorChanged` is Watcher.h's kMonitorChange flag. */
  monitoring: number;
  monitorChanged: boolean;
  monitorNext: number;
  hidden: boolean;
}

interface ControlClient {
  ws: WebSocket;
  active: boolean;
}

/** Frames × watchers one event-loop turn may process, so the server never starves other work. */
const WORK_PER_TURN = 1 << 14;
/** Real-time pacing: how often the clock is looked at. */
const TICK_MS = 4;
/** 'max': pause while any data socket has this much unsent. */
const MAX_BUFFERED = 1 << 20;

export const belaSimulatorUri = (port: number, host = '127.0.0.1'): string => `bela://${host}:${port}`;

export class BelaSimulator {
  private readonly vars: Var[];
  private readonly byName = new Map<string, Var>();
  private readonly sampleRate: number;
  private readonly frameRate: number;
  private readonly speed: number;
  private readonly projectName: string | null;
  private readonly quirks: BelaSimulatorQuirks;
  private readonly host: string;
  private server?: http.Server;
  private wss?: WebSocketServer;
  private readonly sockets = new Set<net.Socket>();
  private readonly control = new Set<ControlClient>();
  private readonly data = new Set<WebSocket>();
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private running = false;
  /** The next frame the program ticks; the board's `timestamp` is the last one ticked. */
  private next: number;
  private clockFrame = 0;
  private clockT0 = 0;
  private wasActive = false;
  private listsAnswered = 0;
  private watchesSeen = 0;
  private buffersSent = 0;
  private readonly sent: SentTable;
  /** Set by start(). */
  port = 0;

  constructor(options: BelaSimulatorOptions = {}) {
    this.sent = new SentTable(options.sentBuffer);
    const watchers = [...(options.watchers ?? allTypesWatchers())];
    this.quirks = { ...options.quirks };
    if (this.quirks.lateWatcher) watchers.push({ name: 'late_f', type: 'f', mode: 'dense', value: (f) => allTypesValue('f', f) });
    this.vars = watchers.map((w, id) => ({
      w,
      id,
      layout: bufferLayout(w.type, w.mode),
      state: 'no',
      schedStart: NEVER,
      schedEnd: NEVER,
      values: new Float64Array(bufferLayout(w.type, w.mode).capacity),
      frames: new Float64Array(bufferLayout(w.type, w.mode).capacity),
      count: 0,
      monitoring: 0,
      monitorChanged: false,
      monitorNext: NEVER,
      hidden: !!this.quirks.lateWatcher && id === watchers.length - 1,
    }));
    for (const v of this.vars) {
      if (this.byName.has(v.w.name)) throw new Error(`BelaSimulator: watcher "${v.w.name}" appears twice`);
      this.byName.set(v.w.name, v);
    }
    this.sampleRate = options.sampleRate ?? 44100;
    this.frameRate = options.frameRate ?? this.sampleRate;
    const speed = options.speed ?? 1;
    this.speed = speed === 'max' || speed === 0 ? Infinity : speed;
    if (!(this.speed > 0)) throw new Error(`BelaSimulator: speed ${String(speed)} is not > 0 or 'max'`);
    if (!(this.frameRate > 0) || !(this.sampleRate > 0)) throw new Error('BelaSimulator: sampleRate and frameRate must be > 0');
    this.projectName = options.projectName === undefined ? 'all-types' : options.projectName;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.next = options.startFrame ?? 0;
  }

  /** The board's current frame: the last one the program ticked (what `list` says). */
  get timestamp(): number {
    return Math.max(0, this.next - 1);
  }

  uri(port = this.port): string {
    return belaSimulatorUri(port, this.host);
  }

  async start(): Promise<number> {
    if (this.server) throw new Error('BelaSimulator: already started');
    const wss = new WebSocketServer({ noServer: true });
    const server = http.createServer((_req, res) => {
      res.writeHead(404).end();
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://bela').pathname;
      if (path !== '/gui_control' && path !== '/gui_data') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => (path === '/gui_control' ? this.onControl(ws) : this.onData(ws)));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.running = true;
    this.clockT0 = performance.now();
    this.clockFrame = this.next;
    this.schedule(0);
    return this.port;
  }

  /** Ends the program: every socket (control clients see it closed) and timer. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const c of this.control) c.ws.terminate();
    for (const d of this.data) d.terminate();
    this.control.clear();
    this.data.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.wss?.close();
    this.wss = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Epoch ms when the buffer holding `frame` of some watcher was sent, while remembered. */
  sentAt(frame: number): number | undefined {
    return this.sent.sentAt(frame);
  }

  // -------------------------------------------------------------------------------------------
  // Sockets

  private get clientActive(): boolean {
    for (const c of this.control) if (c.active) return true;
    return false;
  }

  private onControl(ws: WebSocket): void {
    const client: ControlClient = { ws, active: false };
    this.control.add(client);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onCommand(client, data.toString());
    });
    ws.on('close', () => {
      this.control.delete(client);
      this.activeChanged();
    });
    ws.on('error', () => ws.terminate());
    // Gui.cpp: whenever a client connects, every control client hears of it.
    this.sendControl(this.projectName === null ? { event: 'connection' } : { event: 'connection', projectName: this.projectName });
  }

  private onData(ws: WebSocket): void {
    this.data.add(ws);
    ws.on('close', () => this.data.delete(ws));
    ws.on('error', () => ws.terminate());
    // The board ignores what comes in on gui_data (the Gui's buffers from the browser are not watchers).
  }

  private sendControl(json: unknown): void {
    const text = belaJson(json);
    for (const c of this.control) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(text);
  }

  private sendData(header: Uint8Array, body: Uint8Array | undefined): void {
    for (const d of this.data) {
      if (d.readyState !== WebSocket.OPEN) continue;
      d.send(header);
      if (body) d.send(body);
    }
  }

  private activeChanged(): void {
    const active = this.clientActive;
    if (active === this.wasActive) return;
    this.wasActive = active;
    for (const v of this.vars) {
      if (!this.streaming(v)) continue;
      if (!active && this.quirks.staleFirstBuffer && v.count === 0) {
        // Make sure a partial buffer is left behind to go stale (on a board it almost always is).
        const f = this.lastSet(v);
        v.values[0] = v.w.value(f);
        v.frames[0] = f;
        v.count = 1;
      }
      if (active && !this.quirks.staleFirstBuffer) v.count = 0;
    }
  }

  private onCommand(client: ControlClient, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof json !== 'object' || json === null) return;
    const o = json as Record<string, unknown>;
    if (o.event === 'connection-reply' || o.event === 'active') {
      client.active = true;
      this.activeChanged();
    } else if (o.event === 'inactive') {
      client.active = false;
      this.activeChanged();
    }
    if (!Array.isArray(o.watcher)) return;
    for (const el of o.watcher) {
      if (typeof el !== 'object' || el === null) continue;
      this.runCommand(el as Record<string, unknown>);
    }
  }

  private runCommand(el: Record<string, unknown>): void {
    const cmd = el.cmd;
    if (cmd === 'list') return this.answerList();
    const arr = (key: string): unknown[] => (Array.isArray(el[key]) ? (el[key] as unknown[]) : []);
    const watchers = arr('watchers');
    const timestamps = arr('timestamps');
    const durations = arr('durations');
    const periods = arr('periods');
    const num = (list: unknown[], k: number): number => {
      const v = Number(list[k]);
      return k < list.length && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
    };
    const now = this.timestamp;
    for (let k = 0; k < watchers.length; k++) {
      const v = typeof watchers[k] === 'string' ? this.byName.get(watchers[k] as string) : undefined;
      if (!v || v.hidden) continue;
      if (cmd === 'watch') {
        const ts = num(timestamps, k);
        const duration = num(durations, k);
        const plain = ts <= now && duration === 0;
        if (!this.quirks.dropPartialOnWatch && plain && v.state === 'yes' && v.schedStart === NEVER) continue;
        // Watcher.h startStreamAtFor.
        v.state = 'starting';
        v.schedStart = Math.max(ts, now);
        v.schedEnd = duration === 0 ? NEVER : v.schedStart + duration;
      } else if (cmd === 'unwatch') {
        // Watcher.h stopStreamAt.
        if (v.state === 'no') continue;
        v.state = 'stopping';
        v.schedStart = num(timestamps, k);
      } else if (cmd === 'monitor') {
        if (k >= periods.length) break;
        v.monitoring = num(periods, k);
        v.monitorChanged = true;
      }
      // log/unlog, control/uncontrol, set/setMask: not simulated (no reply, no effect).
    }
    if (cmd === 'watch' && this.quirks.repeatConnection && this.watchesSeen++ === 0) {
      this.sendControl(this.projectName === null ? { event: 'connection' } : { event: 'connection', projectName: this.projectName });
    }
  }

  /** The last frame at or before `timestamp` on which the program set v (0 if none is found near). */
  private lastSet(v: Var): number {
    const now = this.timestamp;
    if (!v.w.sets) return now;
    for (let f = now; f >= 0 && f > now - 100000; f--) if (v.w.sets(f)) return f;
    return now;
  }

  private answerList(): void {
    const started = this.next > 0;
    const watchers = this.vars
      .filter((v) => !v.hidden)
      .map((v) => {
        const value = started ? v.w.value(this.lastSet(v)) : 0;
        return {
          name: v.w.name,
          type: v.w.type,
          timestampMode: v.w.mode === 'dense' ? 0 : 1,
          watched: this.streaming(v),
          logged: false,
          controlled: false,
          monitor: v.monitoring,
          logFileName: '',
          value,
          valueInput: value,
        };
      });
    this.sendControl({ watcher: { sampleRate: this.sampleRate, timestamp: this.timestamp, watchers } });
    this.listsAnswered++;
    if (this.quirks.lateWatcher) for (const v of this.vars) v.hidden = false;
    if (this.quirks.foreignReplies) {
      const other = this.vars[0];
      this.sendControl({
        watcher: {
          logFileName: 'someone-else.bin',
          timestamp: this.timestamp,
          timestampEnd: 2 ** 64, // Watcher.h: -1 as a u64, as a double
          watcher: 'someone-else',
        },
      });
      this.sendControl({ from: 'another GUI', message: 'a project control message' });
      if (other && this.clientActive)
        this.sendData(
          encodeHeader(other.id, other.w.type),
          encodeMonitor(other.w.type, this.timestamp, other.w.value(this.lastSet(other))),
        );
    }
  }

  // -------------------------------------------------------------------------------------------
  // The program: a frame clock and Watcher.h's notify() per set value

  private streaming(v: Var): boolean {
    return v.state === 'yes' || v.state === 'stopping' || v.state === 'last';
  }

  private busy(v: Var): boolean {
    return v.state !== 'no' || v.schedStart !== NEVER || v.monitoring !== 0 || v.monitorChanged;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (ms === 0) this.immediate = setImmediate(() => this.pump());
    else this.timer = setTimeout(() => this.pump(), ms);
  }

  private backpressured(): boolean {
    for (const d of this.data) if (d.bufferedAmount > MAX_BUFFERED) return true;
    return false;
  }

  private pump(): void {
    this.immediate = this.timer = undefined;
    if (!this.running) return;
    const busy = this.vars.filter((v) => this.busy(v)).length;
    const budget = Math.max(16, Math.floor(WORK_PER_TURN / Math.max(1, busy)));
    if (this.speed === Infinity) {
      if (this.backpressured()) return this.schedule(1);
      this.advance(budget);
      // With nothing to stream, the clock still runs, a turn per millisecond.
      return this.schedule(busy > 0 && this.clientActive && this.data.size > 0 ? 0 : 1);
    }
    const target = this.clockFrame + Math.floor(((performance.now() - this.clockT0) / 1000) * this.frameRate * this.speed);
    const n = Math.min(target - this.next, budget);
    if (n > 0) this.advance(n);
    this.schedule(target > this.next ? 0 : TICK_MS);
  }

  private advance(n: number): void {
    const from = this.next;
    const to = from + n;
    for (const v of this.vars) {
      if (!this.busy(v)) continue;
      const sets = v.w.sets;
      for (let f = from; f < to; f++) {
        if (sets && !sets(f)) continue;
        this.notify(v, f, v.w.value(f));
        if (!this.busy(v)) break;
      }
    }
    this.next = to;
  }

  /** Watcher.h notify(): the program set v to `value` at frame `f`. */
  private notify(v: Var, f: number, value: number): void {
    let last = false;
    if (f >= v.schedStart) {
      v.schedStart = NEVER;
      if (v.state === 'starting') {
        v.state = 'yes';
        v.count = 0;
        if (v.schedEnd !== NEVER) {
          v.schedStart = v.schedEnd;
          v.state = 'stopping';
        }
      } else if (v.state === 'stopping') {
        v.state = 'last';
        last = true;
      }
    }
    const active = this.clientActive;
    if (v.monitoring !== 0 || v.monitorChanged) {
      if (v.monitorChanged) {
        v.monitorChanged = false;
        v.monitorNext = v.monitoring ? f : NEVER;
      }
      if (f >= v.monitorNext) {
        if (active) this.sendData(encodeHeader(v.id, v.w.type), encodeMonitor(v.w.type, f, value));
        if (v.monitoring === 1) {
          v.monitoring = 0;
          v.monitorChanged = true;
        } else v.monitorNext = f + v.monitoring;
      }
    }
    if (this.streaming(v) && active) {
      v.values[v.count] = value;
      v.frames[v.count] = f;
      v.count++;
      if (v.count >= v.layout.capacity || last) {
        this.sendBuffer(v);
        if (v.state === 'last') v.state = 'no';
        v.count = 0;
      }
    }
  }

  private sendBuffer(v: Var): void {
    const n = v.count;
    const body = encodeBuffer({
      type: v.w.type,
      mode: v.w.mode,
      ref: v.frames[0],
      values: v.values.subarray(0, n),
      ...(v.w.mode === 'sparse' ? { frames: v.frames.subarray(0, n) } : {}),
    });
    this.buffersSent++;
    this.sent.add(v.frames[0], v.frames[n - 1] + 1);
    const every = this.quirks.dropBody === true ? 8 : typeof this.quirks.dropBody === 'number' ? this.quirks.dropBody : 0;
    const drop = every > 0 && this.buffersSent % every === 0;
    this.sendData(encodeHeader(v.id, v.w.type), drop ? undefined : body);
  }
}
