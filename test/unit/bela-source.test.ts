// The Bela source against a small fake board (ws's WebSocketServer and protocol.ts's encoder, not
// the simulator): the handshake, list → format, values placed by frame into one float64 stream,
// and what a board does wrong now and then (a lost body, a stale buffer, padding, foreign traffic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BelaSource } from '../../src/devices/bela/source';
import { encodeBuffer, encodeHeader, type TimestampMode, type WatcherType } from '../../src/devices/bela/protocol';
import type { SourceSink, StreamFormat } from '../../src/core/source';
import type { NativeSamples } from '../../src/core/native';

interface W {
  name: string;
  type: WatcherType;
  mode: TimestampMode;
}

class FakeBoard {
  readonly server = http.createServer();
  readonly wss = new WebSocketServer({ noServer: true });
  control?: WebSocket;
  data?: WebSocket;
  received: unknown[] = [];
  timestamp = 1000;
  private waiters: (() => void)[] = [];

  constructor(public watchers: W[]) {
    this.server.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (req.url === '/gui_control') {
          this.control = ws;
          ws.on('message', (m) => {
            this.received.push(JSON.parse(m.toString()));
            this.answer(this.received[this.received.length - 1] as Record<string, unknown>);
            this.wake();
          });
          ws.send(JSON.stringify({ event: 'connection', projectName: 'fake' }));
        } else {
          this.data = ws;
        }
        this.wake();
      });
    });
  }

  private answer(m: Record<string, unknown>): void {
    const cmds = m.watcher as { cmd: string }[] | undefined;
    if (cmds?.some((c) => c.cmd === 'list')) this.sendList();
  }

  sendList(): void {
    this.control!.send(
      JSON.stringify({
        watcher: {
          sampleRate: 44100,
          timestamp: this.timestamp,
          watchers: this.watchers.map((w) => ({
            name: w.name,
            type: w.type,
            timestampMode: w.mode === 'dense' ? 0 : 1,
            watched: false,
            logged: false,
            controlled: false,
            monitor: 0,
            logFileName: '',
            value: 0,
            valueInput: 0,
          })),
        },
      }),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(ok: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 3000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 10);
      });
    }
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The watch command the source sent, once it has. */
  watch(): { watchers: string[]; timestamps: number[]; durations?: number[] } | undefined {
    return this.command('watch') as { watchers: string[]; timestamps: number[]; durations?: number[] } | undefined;
  }

  /** The first command `cmd` the source sent. */
  command(cmd: string): Record<string, unknown> | undefined {
    for (const m of this.received) {
      const found = ((m as Record<string, unknown>).watcher as Record<string, unknown>[] | undefined)?.find((c) => c.cmd === cmd);
      if (found) return found;
    }
    return undefined;
  }

  buffer(name: string, ref: number, values: number[], frames?: number[]): void {
    const id = this.watchers.findIndex((w) => w.name === name);
    const w = this.watchers[id];
    this.data!.send(encodeHeader(id, w.type));
    this.data!.send(encodeBuffer({ type: w.type, mode: w.mode, ref, values, frames }));
  }

  stop(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.close();
  }
}

class FakeSink implements SourceSink {
  format_?: StreamFormat;
  rows: Float64Array[] = [];
  gaps: { fromFrame?: number; frames: number; cause: string }[] = [];
  rejects: string[] = [];
  logs: string[] = [];
  endedWith?: string;
  outcome?: string;
  failure?: Error;
  format(f: StreamFormat): never {
    this.format_ = f;
    return {} as never;
  }
  written(): void {}
  frames(frames: NativeSamples): void {
    assert.ok(frames instanceof Float64Array, 'frames are float64');
    // A view the source reuses once this returns (the contract): keep a copy.
    this.rows.push(frames.slice());
  }
  gap(g: { fromFrame?: number; frames: number; cause: string }): void {
    this.gaps.push(g);
  }
  log(_level: string, text: string): void {
    this.logs.push(text);
  }
  rejected(what: string): void {
    this.rejects.push(what);
  }
  samples(): void {}
  connecting(): void {}
  ended(reason: string, outcome?: string): void {
    this.endedWith = reason;
    this.outcome = outcome;
  }
  failed(error: Error): void {
    this.failure = error;
  }
  /** Every row written so far, one array per channel. */
  columns(): number[][] {
    const w = this.format_!.channels.length;
    const cols: number[][] = Array.from({ length: w }, () => []);
    for (const block of this.rows) for (let i = 0; i < block.length; i++) cols[i % w].push(block[i]);
    return cols;
  }
}

async function setup(watchers: W[], options: { vars?: string[]; frames?: number; durationS?: number; fromFrame?: number } = {}) {
  const board = new FakeBoard(watchers);
  const port = await board.start();
  const sink = new FakeSink();
  const source = new BelaSource({ host: '127.0.0.1', port, backoffS: [0.05], holdS: 1, ...options });
  source.start(sink);
  await board.until(() => board.watch() !== undefined && board.data !== undefined, 'watch');
  const start = board.watch()!.timestamps[0];
  return {
    board,
    sink,
    source,
    start,
    close: () => {
      source.stop();
      board.stop();
    },
  };
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

test('handshake: connection-reply, list, then watch from a frame ahead; format is one float64 stream of the variables', async () => {
  const t = await setup([
    { name: 'a', type: 'f', mode: 'dense' },
    { name: 'b', type: 'j', mode: 'sparse' },
  ]);
  try {
    const [reply, list] = t.board.received as Record<string, unknown>[];
    assert.deepEqual(reply, { event: 'connection-reply' });
    assert.deepEqual(list, { watcher: [{ cmd: 'list' }] });
    assert.deepEqual(t.board.watch()!.watchers, ['a', 'b']);
    assert.ok(t.start >= 1000, 'the watch starts at or after the listed frame');
    const f = t.sink.format_!;
    assert.equal(f.sampleType, 'float64');
    assert.equal(f.rate, 44100);
    assert.deepEqual(
      f.channels.map((c) => c.name),
      ['a', 'b'],
    );
    assert.deepEqual(f.source, {
      protocol: 'bela',
      startFrame: t.start,
      sampleRate: 44100,
      projectName: 'fake',
      watchers: [
        { name: 'a', type: 'f', mode: 'dense' },
        { name: 'b', type: 'j', mode: 'sparse' },
      ],
    });
  } finally {
    t.close();
  }
});

test('dense f, i and j values are exact, placed by frame; sparse values land on their frames with NaN between', async () => {
  const t = await setup([
    { name: 'f', type: 'f', mode: 'dense' },
    { name: 'i', type: 'i', mode: 'dense' },
    { name: 'j', type: 'j', mode: 'dense' },
    { name: 'd', type: 'd', mode: 'dense' },
    { name: 's', type: 'i', mode: 'sparse' },
  ]);
  try {
    const s = t.start;
    const fv = Array.from({ length: 1024 }, (_, k) => Math.fround(k / 3 + 0.1));
    const iv = Array.from({ length: 1024 }, (_, k) => (k % 2 ? -2147483648 : 2147483647) - (k % 2 ? 0 : k));
    const jv = Array.from({ length: 1024 }, (_, k) => 0x80000000 + k * 4000);
    const dv = Array.from({ length: 1024 }, (_, k) => 1 / 3 + k * 1e10);
    t.board.buffer('f', s, fv);
    t.board.buffer('i', s, iv);
    t.board.buffer('j', s, jv);
    t.board.buffer('d', s, dv.slice(0, 512));
    t.board.buffer('d', s + 512, dv.slice(512));
    const sparseFrames = Array.from({ length: 512 }, (_, k) => s + 3 + k * 5);
    t.board.buffer(
      's',
      s + 3,
      Array.from({ length: 512 }, (_, k) => k - 256),
      sparseFrames,
    );
    await t.board.until(() => t.sink.columns()[0]?.length >= 1024, 'rows');
    const [f, i, j, d, sp] = t.sink.columns();
    assert.deepEqual(f.slice(0, 1024), fv);
    assert.deepEqual(i.slice(0, 1024), iv);
    assert.deepEqual(j.slice(0, 1024), jv);
    assert.deepEqual(d.slice(0, 1024), dv);
    for (let r = 0; r < 1024; r++) {
      const k = (r - 3) / 5;
      if (r >= 3 && Number.isInteger(k)) assert.equal(sp[r], k - 256, `sparse row ${r}`);
      else assert.ok(Number.isNaN(sp[r]), `sparse row ${r} is NaN`);
    }
    assert.deepEqual(t.sink.gaps, []);
    assert.deepEqual(t.sink.rejects, []);
  } finally {
    t.close();
  }
});

test('a header without its body is a device gap; a stale first buffer is dropped; foreign JSON is ignored', async () => {
  const t = await setup(
    [
      { name: 'a', type: 'f', mode: 'dense' },
      { name: 'other', type: 'f', mode: 'dense' },
    ],
    { vars: ['a'] },
  );
  try {
    const s = t.start;
    const ones = new Array(1024).fill(1);
    t.board.control!.send(JSON.stringify({ watcher: { logFileName: 'x.bin', timestamp: 5, timestampEnd: 9, watcher: 'other' } }));
    t.board.control!.send(JSON.stringify({ event: 'inactive' }));
    t.board.control!.send(JSON.stringify({ myProject: [1, 2] }));
    t.board.buffer('a', s - 700, ones); // stale: from before our watch
    t.board.buffer('other', s, ones); // a variable someone else watches
    t.board.buffer('a', s, ones);
    t.board.data!.send(encodeHeader(0, 'f')); // its body never comes
    t.board.buffer('a', s + 2048, ones);
    t.board.buffer('a', s + 3072, ones);
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) >= 3072, 'rows');
    const [a] = t.sink.columns();
    assert.equal(t.sink.format_!.channels.length, 1);
    assert.ok(a.slice(0, 1024).every((v) => v === 1));
    assert.ok(
      a.slice(1024, 2048).every((v) => Number.isNaN(v)),
      'the lost buffer is NaN',
    );
    assert.ok(a.slice(2048, 3072).every((v) => v === 1));
    assert.deepEqual(t.sink.gaps, [{ fromFrame: 1024, frames: 1024, cause: 'device' }]);
    assert.deepEqual(t.sink.rejects, [], 'foreign traffic is not an error');
    assert.equal(t.source.summary()!.staleBuffers, 1);
    assert.equal(t.source.summary()!.lostBodies, 1);
  } finally {
    t.close();
  }
});

test('the padded last buffer of a stream is not written as zeros; the board program stopping (gui_control closed, the port refusing) ends the stream', async () => {
  const t = await setup([{ name: 'a', type: 'i', mode: 'dense' }]);
  try {
    const s = t.start;
    const full = Array.from({ length: 1024 }, (_, k) => k + 1);
    // Real zeros inside a full buffer followed by a contiguous one are values.
    const zerosAtEnd = Array.from({ length: 1024 }, (_, k) => (k < 1000 ? 7 : 0));
    t.board.buffer('a', s, zerosAtEnd);
    t.board.buffer('a', s + 1024, full);
    // The last buffer: 100 values, then the board's zero padding.
    t.board.buffer('a', s + 2048, full.slice(0, 100));
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) >= 2048, 'rows');
    await settle();
    // The program stops: nothing listens any more, then its sockets close.
    t.board.server.close();
    t.board.control!.close(1000, 'project stopped');
    await t.board.until(() => t.sink.endedWith !== undefined, 'ended');
    assert.match(
      t.sink.endedWith!,
      /^Streaming interrupted: project stopped, and bela:\/\/127\.0\.0\.1:\d+ now refuses connections \(the board program stopped\)$/,
    );
    assert.equal(t.sink.outcome, 'interrupted');
    const [a] = t.sink.columns();
    assert.deepEqual(a.slice(0, 1024), zerosAtEnd, 'zeros followed by a contiguous buffer are values');
    assert.deepEqual(a.slice(1024, 2148), [...full, ...full.slice(0, 100)]);
    assert.equal(a.length, 2148, 'the padding is not written');
    assert.equal(t.sink.failure, undefined);
  } finally {
    t.close();
  }
});

test('a bad header or an impossible body length is rejected, never a crash', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }]);
  try {
    const s = t.start;
    t.board.data!.send(Buffer.from('0/q')); // not a type
    t.board.data!.send(new Uint8Array(4104));
    t.board.data!.send(encodeHeader(0, 'f'));
    t.board.data!.send(new Uint8Array(100)); // neither a buffer nor a monitor message
    t.board.data!.send(Buffer.from('9/f')); // beyond the list: a project's own Gui buffer, skipped
    t.board.data!.send(new Uint8Array(4104));
    t.board.buffer('a', s, new Array(1024).fill(2));
    t.board.buffer('a', s + 1024, new Array(1024).fill(3));
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) >= 1024, 'rows');
    assert.equal(t.sink.rejects.length, 2, t.sink.rejects.join('\n'));
    assert.match(t.sink.rejects[0], /type "q"/);
    assert.match(t.sink.rejects[1], /100 bytes/);
    assert.ok(
      t.sink
        .columns()[0]
        .slice(0, 1024)
        .every((v) => v === 2),
    );
    assert.equal(t.sink.failure, undefined);
  } finally {
    t.close();
  }
});

test('a requested watcher missing from the first list is a NaN channel until a later list has it, then it is watched', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }], { vars: ['a', 'late'] });
  try {
    assert.deepEqual(
      t.sink.format_!.channels.map((c) => c.name),
      ['a', 'late'],
    );
    assert.ok(t.sink.logs.some((l) => /not among the board's watchers: late/.test(l)));
    const s = t.start;
    t.board.buffer('a', s, new Array(1024).fill(1));
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) >= 1024, 'rows');
    assert.ok(t.sink.columns()[1].every((v) => Number.isNaN(v)));
    t.board.watchers.push({ name: 'late', type: 'd', mode: 'dense' });
    t.board.timestamp = s + 1024;
    t.board.received.length = 0;
    t.board.sendList();
    await t.board.until(() => t.board.watch() !== undefined, 'the second watch');
    assert.deepEqual(t.board.watch()!.watchers, ['late'], 'only the new one is watched');
    const at = t.board.watch()!.timestamps[0];
    t.board.buffer('late', at, new Array(512).fill(0.5));
    t.board.buffer('a', s + 1024, new Array(1024).fill(1));
    t.board.buffer('a', s + 2048, new Array(1024).fill(1));
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) >= at - s + 512, 'rows with late');
    const late = t.sink.columns()[1];
    assert.ok(late.slice(0, at - s).every((v) => Number.isNaN(v)));
    assert.ok(late.slice(at - s, at - s + 512).every((v) => v === 0.5));
  } finally {
    t.close();
  }
});

test('through an Acquisition: the float64 ring holds uint32 and int32 extremes exactly, row r = frame startFrame + r', async () => {
  const { Acquisition } = await import('../../src/core/acquisition');
  const board = new FakeBoard([
    { name: 'j', type: 'j', mode: 'dense' },
    { name: 'i', type: 'i', mode: 'dense' },
  ]);
  const port = await board.start();
  const source = new BelaSource({ host: '127.0.0.1', port, backoffS: [0.05] });
  const posted: { kind: string }[] = [];
  const acquisition = new Acquisition(source, 100_000, (m) => posted.push(m));
  acquisition.start();
  try {
    await board.until(() => board.watch() !== undefined && board.data !== undefined, 'watch');
    const s = board.watch()!.timestamps[0];
    const jv = Array.from({ length: 1024 }, (_, k) => 0xffffffff - k);
    const iv = Array.from({ length: 1024 }, (_, k) => (k % 2 ? -2147483648 : 2147483647));
    board.buffer('j', s, jv);
    board.buffer('i', s, iv);
    const ring = () => (acquisition as unknown as { ring?: { written(): number; read(a: number, b: number): Float64Array } }).ring;
    await board.until(() => (ring()?.written() ?? 0) >= 1024, 'ring rows');
    const data = ring()!.read(0, 1024);
    assert.ok(data instanceof Float64Array);
    for (let r = 0; r < 1024; r++) {
      assert.equal(data[r * 2], jv[r]);
      assert.equal(data[r * 2 + 1], iv[r]);
    }
    const format = posted.find((m) => m.kind === 'format') as { sampleType?: string; source?: { startFrame?: number } };
    assert.equal(format.sampleType, 'float64');
    assert.equal(format.source?.startFrame, s);
  } finally {
    acquisition.close();
    board.stop();
  }
});

test('a scheduled window (frames=, from=) goes to the board as timestamps and durations; exactly its frames are written, its zeros kept', async () => {
  const from = 5000;
  const t = await setup(
    [
      { name: 'a', type: 'i', mode: 'dense' },
      { name: 'b', type: 'f', mode: 'sparse' },
    ],
    { frames: 1500, fromFrame: from },
  );
  try {
    // The board's end frame is inclusive: durations one less than the window.
    assert.deepEqual(t.board.watch(), { cmd: 'watch', watchers: ['a', 'b'], timestamps: [from, from], durations: [1499, 1499] });
    assert.equal(t.start, from);
    const first = Array.from({ length: 1024 }, (_, k) => k + 1);
    // The last buffer: the window's last 476 frames (its final 10 real zeros), the board's inclusive
    // extra frame (99), then the padding.
    const last = Array.from({ length: 1024 }, (_, k) => (k < 466 ? -(k + 1) : k < 476 ? 0 : k === 476 ? 99 : 0));
    t.board.buffer('a', from, first);
    t.board.buffer('b', from, [0.5, 2.5, 7.25], [from, from + 10, from + 1499]);
    t.board.buffer('a', from + 1024, last);
    await t.board.until(() => t.sink.endedWith !== undefined, 'the window to finish');
    assert.equal(t.sink.outcome, 'finished');
    assert.match(t.sink.endedWith!, /^Streaming finished: 1500 frames from board frame 5000$/);
    const [a, b] = t.sink.columns();
    assert.equal(a.length, 1500, 'exactly the window');
    assert.deepEqual(a, [...first, ...last.slice(0, 476)], "the window's own zeros are values");
    assert.deepEqual([b[0], b[10], b[1499]], [0.5, 2.5, 7.25]);
    assert.equal(b.filter((v) => !Number.isNaN(v)).length, 3);
    assert.deepEqual(t.sink.gaps, []);
    assert.ok(t.board.command('unwatch'), 'unwatched at the end, for a board that ignores durations');
    assert.ok(
      t.sink.logs.some(
        (l) => l === 'Streaming started: a (int32, dense), b (float, sparse); for 1500 frames (0.034 s) from board frame 5000',
      ),
      t.sink.logs.join('\n'),
    );
  } finally {
    t.close();
  }
});

test('duration= is seconds of frames at the rate; a from= already passed starts ahead of the board instead, and says so', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }], { durationS: 0.5, fromFrame: 10 });
  try {
    const watch = t.board.watch()!;
    assert.ok(watch.timestamps[0] > 1000, 'starts after the board frame the list gave');
    assert.deepEqual(watch.durations, [22049]);
    assert.ok(
      t.sink.logs.some((l) => /from=10 has passed \(the board is at frame 1000\)/.test(l)),
      t.sink.logs.join('\n'),
    );
  } finally {
    t.close();
  }
});

test('stopStream: what arrived is written, the variables unwatched, and the stream ends as stopped', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }]);
  try {
    const values = Array.from({ length: 1024 }, (_, k) => k / 4);
    t.board.buffer('a', t.start, values);
    await t.board.until(() => (t.sink.columns()[0]?.length ?? 0) > 0 || t.sink.rows.length > 0, 'rows');
    t.source.stopStream();
    assert.equal(t.sink.outcome, 'stopped');
    assert.match(t.sink.endedWith!, /^Streaming stopped/);
    assert.deepEqual(t.sink.columns()[0], values);
    await t.board.until(() => t.board.command('unwatch') !== undefined, 'unwatch');
    assert.deepEqual(t.board.command('unwatch'), { cmd: 'unwatch', watchers: ['a'] });
  } finally {
    t.close();
  }
});

test('a window whose last frames never come ends when it would have on the board, plus the hold: finished short, with what came', async () => {
  // 0.05 s window at 44.1 kHz starting ~0.1 s ahead: the timer fires about 1.15 s + 1 s later.
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }], { durationS: 0.05 });
  try {
    t.board.buffer(
      'a',
      t.start,
      Array.from({ length: 1024 }, (_, k) => k),
    );
    await t.board.until(() => t.sink.rows.length > 0, 'rows');
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 6000;
      const poll = setInterval(() => {
        if (t.sink.endedWith !== undefined || Date.now() > deadline) {
          clearInterval(poll);
          if (t.sink.endedWith === undefined) reject(new Error('the window never ended'));
          else resolve();
        }
      }, 20);
    });
    assert.equal(t.sink.outcome, 'finished');
    assert.equal(t.sink.endedWith, "Streaming finished short: the board sent 1024 of the window's 2205 frames");
    assert.equal(t.sink.columns()[0].length, 1024);
  } finally {
    t.close();
  }
});

test('a socket reset (a network fault, not the program stopping) reconnects with the backoff, watches again, and the frames in between are a reconnect gap', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }]);
  try {
    const first = Array.from({ length: 1024 }, (_, k) => k + 0.25);
    t.board.buffer('a', t.start, first);
    await t.board.until(() => t.sink.rows.length > 0, 'rows');
    const watches = () => t.board.received.filter((m) => JSON.stringify(m).includes('"cmd":"watch"')).length;
    assert.equal(watches(), 1);
    // A TCP reset on both sockets: an error, so a reconnect, not the end of the stream.
    t.board.timestamp = t.start + 5000;
    for (const ws of [t.board.control!, t.board.data!])
      (ws as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy();
    await t.board.until(
      () => watches() === 2 && t.board.data!.readyState === 1,
      `the second watch (logs: ${t.sink.logs.join(' | ')}; ended ${t.sink.endedWith}; failed ${t.sink.failure?.message})`,
    );
    const again = (
      t.board.received.filter((m) => JSON.stringify(m).includes('"cmd":"watch"'))[1] as { watcher: { timestamps: number[] }[] }
    ).watcher[0].timestamps[0];
    assert.ok(again > t.start + 5000, `watched again ahead of the board's clock (${again})`);
    const second = Array.from({ length: 1024 }, (_, k) => -k - 0.5);
    t.board.buffer('a', again, second);
    await t.board.until(() => t.sink.columns()[0].length >= again - t.start + 1024, 'rows after the reconnect');
    assert.equal(t.sink.endedWith, undefined, 'the stream goes on');
    assert.equal(t.sink.failure, undefined);
    const [a] = t.sink.columns();
    assert.deepEqual(a.slice(0, 1024), first);
    assert.deepEqual(a.slice(again - t.start), second);
    assert.ok(
      a.slice(1024, again - t.start).every((v) => Number.isNaN(v)),
      'the frames nobody sent are NaN',
    );
    assert.deepEqual(t.sink.gaps, [{ fromFrame: 1024, frames: again - t.start - 1024, cause: 'reconnect' }]);
    assert.ok(
      t.sink.logs.some((l) => /reconnecting in/.test(l)),
      t.sink.logs.join('\n'),
    );
  } finally {
    t.close();
  }
});

test('gui_control back after a close with the board clock behind the stream: the program restarted, and the stream is interrupted, not mixed with the new run', async () => {
  const t = await setup([{ name: 'a', type: 'f', mode: 'dense' }]);
  try {
    t.board.buffer(
      'a',
      t.start,
      Array.from({ length: 1024 }, (_, k) => k + 1),
    );
    await t.board.until(() => t.sink.rows.length > 0, 'rows');
    // A restarted program counts frames from 0 again.
    t.board.timestamp = 16;
    t.board.control!.close(1001, 'going away');
    await t.board.until(() => t.sink.endedWith !== undefined, 'ended');
    assert.equal(t.sink.outcome, 'interrupted');
    assert.match(
      t.sink.endedWith!,
      /^Streaming interrupted: going away; the board program restarted \(its frame clock is at 16, the stream had reached \d+\)/,
    );
    assert.equal(t.sink.columns()[0].length, 1024);
  } finally {
    t.close();
  }
});
