// A Bela board's watcher (BelaPlatform/watcher, as pybela speaks it) as a Source: two websockets,
// ws://HOST:PORT/gui_control (JSON) and /gui_data (binary), and the chosen variables made into one
// frame-indexed float64 stream (row r is board frame startFrame + r; see stream-assembler.ts).
//
// The handshake: every `connection` event is answered with `connection-reply` (it recurs whenever
// any client connects); after our own (re)connect we send `list`, and on its reply `watch` the
// chosen variables from a frame a little ahead of the board's clock, so the start frame is known
// before any buffer (and a buffer from before it, left over from an earlier client, is stale).
// Replies to other clients' commands and buffers of variables we did not ask for are ignored.
// The control socket closing by the board (its program stopped) ends the stream; a failure of
// either socket reconnects with the shared backoff.
import * as path from 'node:path';
import type { NativeRing } from '../../core/native';
import type { Source, SourceSink, StreamOutcome } from '../../core/source';
import { lostWhy } from '../../transports/reconnect';
import { WebSocketClient, webSocketUrl, type WebSocketClose } from '../../transports/websocket';
import {
  BelaProtocolError,
  connectionReply,
  listCommand,
  parseControlMessage,
  TYPE_NAMES,
  unwatchCommand,
  watchCommand,
  type WatcherInfo,
  type WatcherList,
} from './protocol';
import { BelaDataPath } from './data-path';
import { StreamAssembler } from './stream-assembler';
import { PybelaFileWriter } from './pybela-files';

export interface BelaSourceOptions {
  host: string;
  port: number;
  /** Variables to stream, in channel order; undefined: every watcher the first `list` has. */
  vars?: readonly string[];
  /** Frames per second, overriding the board's declared sampleRate. */
  rate?: number;
  /** The ring the session wants, in seconds (kept in the format's source for the sidecar). */
  bufferS?: number;
  /** Seconds between reconnect attempts; the last entry repeats. */
  backoffS?: readonly number[];
  /** Seconds ahead of the board's clock the watch starts at (default 0.1). */
  leadS?: number;
  /** Seconds a row may wait for a slow channel before it is written without it (default 2). */
  holdS?: number;
  /** How often `list` is asked again while a requested variable is missing (default 2000 ms). */
  relistMs?: number;
  /** pybela=DIR: also save every buffer in pybela's format, one file per variable in DIR (pybela-files.ts). */
  pybelaDir?: string;
  /** A scheduled window: this many seconds of frames (the seed's time_ms), or … */
  durationS?: number;
  /** … this many frames (N values of every dense variable). Neither: until stopped. */
  frames?: number;
  /** The window's first board frame; default: a little ahead of the board's clock (leadS). */
  fromFrame?: number;
}

const HINT = 'is the Bela board running a project with a Gui (and the watcher)?';

export class BelaSource implements Source {
  private sink?: SourceSink;
  private control?: WebSocketClient;
  private data?: WebSocketClient;
  private assembler?: StreamAssembler;
  /** gui_data's messages into rows (data-path.ts), once the first list has made the stream. */
  private dataPath?: BelaDataPath;
  private ring?: NativeRing<'float64'>;
  /** The board's list, in its order (a header's ID indexes it). */
  private list?: WatcherList;
  private names?: string[];
  private rate = 0;
  private projectName?: string;
  /** After our own connect: the next list reply (re)starts the watch. */
  private needWatch = false;
  private listSent = false;
  private relist?: NodeJS.Timeout;
  private stopped = false;
  private done = false;
  /** Watchers some list has shown (a requested one shown for the first time is watched then). */
  private readonly seen = new Set<string>();
  private readonly counts = { foreignMessages: 0 };
  /** pybela=DIR: the saver of every accepted buffer (see the pybela section at the end). */
  private pybela?: PybelaFileWriter;
  /** A scheduled window's length in frames (duration= or frames=), once the rate is known. */
  private windowFrames?: number;
  /** Ends a window whose last frames never come (a board that stopped sending). */
  private windowTimer?: NodeJS.Timeout;
  private announced = false;
  /** Why gui_control was lost, while we reconnect to it (cleared once a list comes again). */
  private controlLost?: string;

  constructor(private readonly options: BelaSourceOptions) {}

  private get address(): string {
    return `bela://${this.options.host}:${this.options.port}`;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    const { host, port, backoffS } = this.options;
    const log = (level: 'info' | 'warn' | 'error', text: string) => sink.log(level, text);
    this.control = new WebSocketClient({
      url: webSocketUrl(host, port, '/gui_control'),
      label: `${this.address} (gui_control)`,
      hint: HINT,
      backoffS,
      log,
      onConnecting: (attempt) => sink.connecting(attempt),
      onOpen: () => {
        sink.log('info', `connected to ${this.address}`);
        this.needWatch = true;
        this.listSent = false;
      },
      onText: (text) => this.guard(() => this.onControl(text)),
      onFailed: (error) => this.fail(error),
      onClose: (close) => this.onControlClose(close),
    });
    this.data = new WebSocketClient({
      url: webSocketUrl(host, port, '/gui_data'),
      label: `${this.address} (gui_data)`,
      hint: HINT,
      backoffS,
      log,
      onOpen: () => this.dataPath?.reset(),
      onBinary: (data) => this.guard(() => this.onData(new Uint8Array(data))),
      onFailed: (error) => this.fail(error),
      onClose: (close) => {
        if (this.stopped || this.done) return;
        this.data!.reconnect(close.byPeer ? 'the board closed gui_data' : lostWhy(close.error));
      },
    });
    void this.control.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.relist);
    clearTimeout(this.windowTimer);
    // Watch state is global on the board and outlives us: leave nothing streaming to nobody.
    const watched = this.watchedNames();
    if (watched.length && this.control?.open) this.control.sendText(unwatchCommand(watched));
    void this.control?.close();
    void this.data?.close();
    this.closePybela();
  }

  summary(): Record<string, unknown> | undefined {
    if (!this.assembler) return undefined;
    return {
      startFrame: this.assembler.startFrame,
      nextFrame: this.assembler.nextFrame,
      ...this.assembler.stats,
      ...this.dataPath?.counts,
      ...this.counts,
      ...(this.pybela ? { pybelaFiles: this.pybela.written() } : {}),
    };
  }

  private watchedNames(): string[] {
    if (!this.list || !this.names) return [];
    const listed = new Set(this.list.watchers.map((w) => w.name));
    return this.names.filter((n) => listed.has(n));
  }

  /** Bad input is rejected and skipped; only a bug in here (not a protocol error) fails the source. */
  private guard(run: () => void): void {
    if (this.stopped || this.done) return;
    try {
      run();
    } catch (error) {
      if (error instanceof BelaProtocolError) this.sink!.rejected(`${this.address}: ${error.message}`);
      else this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    if (this.stopped || this.done) return;
    this.done = true;
    clearInterval(this.relist);
    clearTimeout(this.windowTimer);
    void this.control?.close();
    void this.data?.close();
    this.closePybela();
    this.sink!.failed(error);
  }

  /**
   * The seed's Streamer.stop: what has arrived is written, the variables are unwatched (the
   * board's program runs on), and the stream ends as 'stopped'.
   */
  stopStream(): void {
    if (this.stopped || this.done) return;
    this.endStream('Streaming stopped (the board program runs on)', 'stopped', true);
  }

  /** Ends the stream with everything that reached us written; `unwatch`: tell the board to stop sending. */
  private endStream(reason: string, outcome: StreamOutcome, unwatch: boolean): void {
    if (this.done) return;
    this.done = true;
    this.flush(true);
    clearInterval(this.relist);
    clearTimeout(this.windowTimer);
    const watched = unwatch ? this.watchedNames() : [];
    if (watched.length && this.control?.open) this.control.sendText(unwatchCommand(watched));
    void this.control?.close();
    void this.data?.close();
    this.closePybela();
    this.sink!.ended(reason, outcome);
  }

  /** The watch's first frame: from=, unless it has passed, else a little ahead of the board's clock. */
  private startFrame(boardFrame: number): number {
    const soonest = boardFrame + this.leadFrames();
    const from = this.options.fromFrame;
    if (from === undefined) return soonest;
    if (from > boardFrame) return from;
    this.sink!.log(
      'warn',
      `${this.address}: from=${from} has passed (the board is at frame ${boardFrame}): the window starts at ${soonest}`,
    );
    return soonest;
  }

  private leadFrames(): number {
    return Math.ceil((this.options.leadS ?? 0.1) * this.rate);
  }

  /**
   * A window ends when its last row is written; should the board stop sending before (its
   * program held, another client unwatching), it ends at the time the window would have ended
   * on the board's clock, plus the hold, with what came.
   */
  private armWindowTimer(boardFrame: number): void {
    const assembler = this.assembler!;
    if (assembler.endFrame === Infinity) return;
    const ms = ((assembler.endFrame - boardFrame) / this.rate + (this.options.holdS ?? 2) + 1) * 1000;
    this.windowTimer = setTimeout(() => {
      if (this.stopped || this.done) return;
      const got = assembler.nextFrame - assembler.startFrame;
      this.endStream(`Streaming finished short: the board sent ${got} of the window's ${this.windowFrames} frames`, 'finished', true);
    }, ms);
  }

  /** The seed's "Streaming started…" with its variables and types, once the first buffer of ours is in. */
  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    const names = this.names ?? [];
    const byName = new Map((this.list?.watchers ?? []).map((w) => [w.name, w]));
    const vars = names.map((n) => {
      const w = byName.get(n);
      return w ? `${n} (${TYPE_NAMES[w.type] ?? w.type}, ${w.timestampMode})` : `${n} (not listed yet)`;
    });
    const assembler = this.assembler!;
    const span =
      this.windowFrames === undefined
        ? 'until stopped'
        : `for ${this.windowFrames} frames (${+(this.windowFrames / this.rate).toFixed(3)} s) from board frame ${assembler.startFrame}`;
    this.sink!.log('info', `Streaming started: ${vars.join(', ')}; ${span}`);
  }

  /**
   * gui_control went away. Whether the board's program stopped or the network failed looks the
   * same from here (a close, often without a close frame), so we reconnect and let the board
   * say: a refused attempt means nothing listens any more (the program stopped: the stream is
   * interrupted, whatever reached us kept); an attempt that times out or finds no route goes on
   * with the backoff (the board may come back); one that succeeds watches again, unless the
   * board's frame clock went back (the program was restarted, see onList).
   */
  private onControlClose(close: WebSocketClose): void {
    if (this.stopped || this.done) return;
    if (this.controlLost !== undefined && !close.connected && (close.error as { code?: string } | undefined)?.code === 'ECONNREFUSED') {
      this.endStream(
        `Streaming interrupted: ${this.controlLost}, and ${this.address} now refuses connections (the board program stopped)`,
        'interrupted',
        false,
      );
      return;
    }
    if (close.connected)
      this.controlLost = close.byPeer ? close.reason || `gui_control closed by the board (code ${close.code})` : lostWhy(close.error);
    this.control!.reconnect(close.connected ? this.controlLost! : lostWhy(close.error));
  }

  // ---- control socket ----

  private onControl(text: string): void {
    const event = parseControlMessage(text);
    switch (event.kind) {
      case 'connection':
        this.projectName = event.projectName ?? this.projectName;
        this.control!.sendText(connectionReply());
        if (!this.data!.open) void this.data!.connect();
        if (this.needWatch && !this.listSent) {
          this.listSent = true;
          this.control!.sendText(listCommand());
        }
        return;
      case 'list':
        this.onList(event.list);
        return;
      case 'log':
        // Another client's log reply: not ours (we never log).
        this.counts.foreignMessages++;
        return;
      case 'other':
        this.counts.foreignMessages++;
        return;
    }
  }

  private onList(list: WatcherList): void {
    const sink = this.sink!;
    const first = !this.list;
    const lost = this.controlLost;
    this.controlLost = undefined;
    if (!first && lost !== undefined && this.assembler && list.timestamp < this.assembler.nextFrame) {
      // Back after a lost gui_control with its clock behind ours: a new run of the program, whose frames are not this stream's.
      this.endStream(
        `Streaming interrupted: ${lost}; the board program restarted (its frame clock is at ${list.timestamp}, the stream had reached ${this.assembler.nextFrame}): a new session streams the new run`,
        'interrupted',
        false,
      );
      return;
    }
    const rate = this.options.rate ?? list.sampleRate;
    if (first) {
      this.names = this.options.vars ? [...this.options.vars] : list.watchers.map((w) => w.name);
      if (this.names.length === 0) {
        this.fail(new Error(`${this.address}: the board's project lists no watchers: nothing to stream`));
        return;
      }
      this.rate = rate;
      sink.log(
        'info',
        `${this.address}: ${list.watchers.length} watchers; the project declares ${list.sampleRate} Hz` +
          (this.options.rate !== undefined ? `, using rate=${this.options.rate}` : ' (set rate= if its frame clock ticks otherwise)'),
      );
    }
    this.list = list;
    const byName = new Map(list.watchers.map((w, i) => [w.name, i]));
    const names = this.names!;
    const channelOf = list.watchers.map((w) => names.indexOf(w.name));
    const missing = names.filter((n) => !byName.has(n));
    // After a reconnect the watch starts again a little ahead of the board's clock (frames in between are a gap).
    const at = first ? this.startFrame(list.timestamp) : list.timestamp + this.leadFrames();

    if (first) {
      if (missing.length)
        sink.log(
          'warn',
          `${this.address}: not among the board's watchers: ${missing.join(', ')} (known: ${list.watchers.map((w) => w.name).join(', ') || 'none'}); they are streamed if a later list has them`,
        );
      const info = names.map((n) => (byName.has(n) ? list.watchers[byName.get(n)!] : undefined));
      // duration= and frames= together: the window ends with whichever ends first.
      const lengths = [
        this.options.frames,
        this.options.durationS !== undefined ? Math.round(this.options.durationS * this.rate) : undefined,
      ];
      const given = lengths.filter((n): n is number => n !== undefined);
      this.windowFrames = given.length ? Math.max(1, Math.min(...given)) : undefined;
      this.assembler = new StreamAssembler(
        at,
        names.map((name, i) => ({ name, mode: info[i]?.timestampMode })),
        Math.ceil((this.options.holdS ?? 2) * this.rate),
        this.windowFrames !== undefined ? at + this.windowFrames : Infinity,
      );
      this.ring = sink.format({
        channels: names.map((name) => ({ name, unit: '' })),
        rate: this.rate,
        sampleType: 'float64',
        ringSeconds: this.options.bufferS,
        source: {
          protocol: 'bela',
          startFrame: at,
          sampleRate: list.sampleRate,
          ...(this.projectName !== undefined ? { projectName: this.projectName } : {}),
          ...(this.options.bufferS !== undefined ? { bufferS: this.options.bufferS } : {}),
          ...(this.windowFrames !== undefined ? { windowFrames: this.windowFrames } : {}),
          watchers: names.map((name, i) => ({ name, type: info[i]?.type ?? null, mode: info[i]?.timestampMode ?? null })),
        },
      });
      for (let c = 0; c < names.length; c++) if (info[c]) this.assembler.watched(c, info[c]!.timestampMode, at);
      this.dataPath = new BelaDataPath(
        this.assembler,
        {
          frames: (rows, block) => this.sink!.frames(rows, block),
          gap: (gap) => this.sink!.gap(gap),
          log: (level, text) => this.sink!.log(level, text),
          accepted: (channel, buffer) => {
            this.announce();
            this.pybela?.write(channel, buffer);
            this.pybela?.flush();
          },
        },
        this.address,
      );
      this.openPybela(names, info);
      this.armWindowTimer(list.timestamp);
    }
    const assembler = this.assembler!;
    this.dataPath!.setList(list.watchers, channelOf);

    // What to (re)watch: everything after our own (re)connect, else requested watchers this list shows for the first time.
    const toWatch: WatcherInfo[] = [];
    for (const w of list.watchers) {
      const c = names.indexOf(w.name);
      if (c < 0) continue;
      // A requested watcher listed for the first time (the project made it after we started) is picked up.
      if (this.needWatch || !this.seen.has(w.name)) toWatch.push(w);
      else if (!first && assembler.isActive(c) && !w.watched) {
        sink.log('warn', `${this.address}: ${w.name} is no longer watched (another client unwatched it, or its stream ended)`);
        assembler.unwatched(c);
        this.flush(false);
      }
    }
    for (const w of list.watchers) this.seen.add(w.name);
    this.needWatch = false;
    if (toWatch.length) {
      if (!first) {
        // Watched again after a reconnect: the frames between what the channels had sent and the
        // new watch never come (the assembler does not wait for frames before a watch).
        let from = Infinity;
        for (const w of toWatch) {
          const c = names.indexOf(w.name);
          if (assembler.isActive(c)) from = Math.min(from, assembler.frontierOf(c));
        }
        from = Math.max(from, assembler.nextFrame);
        if (from < at) sink.gap({ fromFrame: from - assembler.startFrame, frames: at - from, cause: 'reconnect' });
        for (const w of toWatch) assembler.watched(names.indexOf(w.name), w.timestampMode, at);
      }
      // A window goes to the board as `durations` (its end frame inclusive, so one frame less; 0
      // would mean no end); the assembler cuts at the end too, for a board that ignores them.
      const end = assembler.endFrame;
      const schedule =
        end === Infinity
          ? { timestamps: toWatch.map(() => at) }
          : { timestamps: toWatch.map(() => at), durations: toWatch.map(() => Math.max(1, end - at - 1)) };
      if (end === Infinity || at < end)
        this.control!.sendText(
          watchCommand(
            toWatch.map((w) => w.name),
            schedule,
          ),
        );
    }
    clearInterval(this.relist);
    this.relist = undefined;
    if (missing.length) {
      this.relist = setInterval(() => this.control?.sendText(listCommand()), this.options.relistMs ?? 2000);
      this.relist.unref?.();
    }
  }

  // ---- data socket: data-path.ts ----

  private onData(message: Uint8Array): void {
    const path = this.dataPath;
    if (!path) return; // nothing of ours yet: other clients' streams
    path.push(message);
    if (path.assembler.complete) this.flush(false);
  }

  /** Writes complete rows (all of them when the stream is over); a window whose rows are all written is finished. */
  private flush(all: boolean): void {
    this.pybela?.flush();
    const path = this.dataPath;
    if (!path) return;
    path.flush(all);
    if (!all && path.assembler.complete) {
      this.endStream(`Streaming finished: ${this.windowFrames} frames from board frame ${path.assembler.startFrame}`, 'finished', true);
    }
  }

  // ---- pybela=DIR: pybela's saving format (pybela-files.ts), every buffer the stream accepted ----

  private openPybela(names: readonly string[], info: readonly (WatcherInfo | undefined)[]): void {
    const dir = this.options.pybelaDir;
    if (dir === undefined) return;
    this.pybela = new PybelaFileWriter({
      dir,
      watchers: names.map((name, i) => ({ name, type: info[i]?.type, mode: info[i]?.timestampMode })),
    });
    this.sink!.log('info', `${this.address}: saving pybela files ${path.join(this.pybela.dir, `{var}_${this.pybela.filename}`)}`);
  }

  private closePybela(): void {
    const writer = this.pybela;
    if (!writer || !this.sink) return;
    try {
      writer.close();
    } catch (error) {
      this.sink.log('error', `${this.address}: pybela files: ${(error as Error).message}`);
    }
  }
}
