// The Bela board simulator seen as a client sees a board: `ws` sockets on /gui_control and
// /gui_data, the handshake, `list`, scheduled and open-ended watches decoded with protocol.ts and
// checked value by value against the all-types generator, unwatch's padded buffer, monitor, each
// quirk on its own, 'max' speed without starving the event loop, and stop() leaving no handle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import {
  BelaProtocolError,
  DataStreamParser,
  bufferLayout,
  connectionReply,
  encodeCommands,
  listCommand,
  parseControlMessage,
  unwatchCommand,
  watchCommand,
  type ControlEvent,
  type DataMessage,
  type WatcherList,
  type WatcherShape,
} from '../../src/devices/bela/protocol';
import {
  BelaSimulator,
  allTypesSparseSets,
  allTypesValue,
  allTypesWatchers,
  analogInput,
  belaJson,
  type BelaSimulatorOptions,
} from '../../src/devices/bela/simulator';
import { WebSocketClient, webSocketUrl } from '../../src/transports/websocket';
import { PYTHON } from '../helpers/python';

const PYBELA = path.resolve(__dirname, '../../../shared/peers/pybela');
/** What pybela imports from Debian (its README): missing ones are a failure, never a skip. */
const PYBELA_PACKAGES = 'python3-websockets python3-numpy python3-nest-asyncio python3-aiofiles python3-paramiko python3-bitarray';

const shapes = (extra: WatcherShape[] = []): WatcherShape[] => [
  ...allTypesWatchers().map((w) => ({ name: w.name, type: w.type, timestampMode: w.mode })),
  ...extra,
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A client as pybela is one: a control socket, a data socket, everything received kept in order. */
class Client {
  readonly texts: string[] = [];
  readonly events: ControlEvent[] = [];
  readonly messages: DataMessage[] = [];
  readonly errors: string[] = [];
  /** Raw binary messages in order (headers and bodies). */
  readonly raw: Uint8Array[] = [];
  readonly parser: DataStreamParser;
  control!: WebSocket;
  data?: WebSocket;

  constructor(extra: WatcherShape[] = []) {
    this.parser = new DataStreamParser(shapes(extra));
  }

  static async open(
    port: number,
    options: {
      reply?: boolean;
      data?: boolean;
      /** Open gui_data before the connection-reply, so nothing sent on activation is missed. */
      dataFirst?: boolean;
      extra?: WatcherShape[];
    } = {},
  ): Promise<Client> {
    const c = new Client(options.extra);
    c.control = new WebSocket(webSocketUrl('127.0.0.1', port, '/gui_control'));
    c.control.on('message', (d) => {
      const text = d.toString();
      c.texts.push(text);
      const e = parseControlMessage(text);
      c.events.push(e);
      if (e.kind === 'list') c.parser.setWatchers(e.list.watchers);
    });
    await once(c.control, 'open');
    await until('connection event', () => c.events.some((e) => e.kind === 'connection'));
    if ((options.reply ?? true) && !options.dataFirst) c.control.send(connectionReply());
    if (options.data ?? true) {
      c.data = new WebSocket(webSocketUrl('127.0.0.1', port, '/gui_data'));
      c.data.on('message', (d: Buffer) => {
        const bytes = new Uint8Array(d);
        c.raw.push(bytes);
        try {
          const m = c.parser.push(bytes);
          if (m) c.messages.push(m);
        } catch (e) {
          if (!(e instanceof BelaProtocolError)) throw e;
          c.errors.push(e.message);
        }
      });
      await once(c.data, 'open');
    }
    if ((options.reply ?? true) && options.dataFirst) c.control.send(connectionReply());
    return c;
  }

  send(text: string): void {
    this.control.send(text);
  }

  async list(): Promise<{ list: WatcherList; text: string }> {
    const before = this.events.length;
    this.send(listCommand());
    await until('list reply', () => this.events.slice(before).some((e) => e.kind === 'list'));
    const k = this.events.findIndex((e, i) => i >= before && e.kind === 'list');
    return { list: (this.events[k] as { list: WatcherList }).list, text: this.texts[k] };
  }

  buffers(name: string): Extract<DataMessage, { kind: 'buffer' }>[] {
    return this.messages.filter((m): m is Extract<DataMessage, { kind: 'buffer' }> => m.kind === 'buffer' && m.name === name);
  }

  async close(): Promise<void> {
    for (const s of [this.control, this.data]) {
      if (!s || s.readyState === WebSocket.CLOSED) continue;
      const closed = once(s, 'close');
      s.close();
      await closed;
    }
  }
}

async function withSim<T>(options: BelaSimulatorOptions, body: (sim: BelaSimulator, port: number) => Promise<T>): Promise<T> {
  const sim = new BelaSimulator(options);
  const port = await sim.start();
  try {
    return await body(sim, port);
  } finally {
    await sim.stop();
  }
}

const generator = new Map(allTypesWatchers().map((w) => [w.name, w]));

/** Every real value of these buffers equals the generator at its frame; returns the frames in order. */
function checkValues(name: string, buffers: Extract<DataMessage, { kind: 'buffer' }>[], counts?: number[]): number[] {
  const w = generator.get(name)!;
  const frames: number[] = [];
  buffers.forEach((b, i) => {
    const n = counts?.[i] ?? b.count;
    for (let k = 0; k < n; k++) {
      const f = b.frames[k];
      if (w.sets) assert.ok(w.sets(f), `${name}: frame ${f} is not one the program sets`);
      if (!Object.is(b.values[k], w.value(f)))
        assert.fail(`${name} buffer ${i} value ${k} (frame ${f}): ${b.values[k]} is not ${w.value(f)}`);
      frames.push(f);
    }
  });
  return frames;
}

test('generator: all-types values (render.cpp) and the analog input (BoardGen.h)', () => {
  assert.equal(allTypesValue('c', 4911), 47);
  assert.equal(allTypesValue('i', 4911), -95089);
  assert.equal(allTypesValue('j', 4911), 708278911);
  assert.equal(allTypesValue('f', 4911), 76.734375);
  assert.equal(allTypesValue('d', 4911), 2455.75);
  assert.equal(allTypesValue('j', 2 ** 33 + 1), 2654435761);
  assert.ok(allTypesSparseSets(77) && allTypesSparseSets(14) && !allTypesSparseSets(13));
  assert.equal(analogInput(0, 0, 0), 0.5);
  assert.equal(analogInput(0, 1, 0), Math.fround(101 / 65536));
  assert.equal(belaJson({ b: 1, a: 'x/y', c: [true, 0.1 + 0.2] }), '{"a":"x\\/y","b":1,"c":[true,0.3]}');
});

test('handshake: connection to every control client, nothing streams before a connection-reply', async () => {
  await withSim({ speed: 4 }, async (_sim, port) => {
    const a = await Client.open(port, { reply: false });
    assert.deepEqual(a.events[0], { kind: 'connection', projectName: 'all-types' });
    assert.equal(a.texts[0], '{"event":"connection","projectName":"all-types"}');
    a.send(watchCommand(['f_dense']));
    await sleep(150);
    assert.equal(a.raw.length, 0, 'no data before connection-reply');
    const b = await Client.open(port, { reply: false, data: false });
    await until('second connection event on the first client', () => a.events.filter((e) => e.kind === 'connection').length === 2);
    assert.equal(b.events.length, 1);
    a.send(connectionReply());
    await until('buffers after the reply', () => a.buffers('f_dense').length >= 2);
    assert.deepEqual(a.errors, []);
    checkValues('f_dense', a.buffers('f_dense'));
    await a.close();
    await b.close();
  });
});

test('list: every field, JSON as Bela writes it, values at the current frame; an unknown path is refused', async () => {
  await withSim({ projectName: 'my/project', sampleRate: 44100, frameRate: 22050 }, async (_sim, port) => {
    const c = await Client.open(port);
    assert.equal(c.texts[0], '{"event":"connection","projectName":"my\\/project"}');
    await sleep(50);
    const { list, text } = await c.list();
    assert.equal(list.sampleRate, 44100);
    assert.ok(list.timestamp > 0);
    assert.deepEqual(
      list.watchers.map((w) => `${w.name}:${w.type}:${w.timestampMode}`),
      allTypesWatchers().map((w) => `${w.name}:${w.type}:${w.mode}`),
    );
    for (const w of list.watchers) {
      const g = generator.get(w.name)!;
      let f = list.timestamp;
      while (g.sets && !g.sets(f)) f--;
      assert.equal(w.value, Number(g.value(f).toPrecision(15)), w.name); // Bela writes 15 digits
      assert.equal(w.valueInput, w.value);
      assert.deepEqual([w.watched, w.logged, w.controlled, w.monitor, w.logFileName], [false, false, false, 0, '']);
    }
    assert.equal(text, belaJson(JSON.parse(text)), 'compact, keys sorted');
    assert.match(
      text,
      /^\{"watcher":\{"sampleRate":44100,"timestamp":\d+,"watchers":\[\{"controlled":false,"logFileName":"","logged":false,"monitor":0,"name":"c_dense","timestampMode":0,"type":"c","value":/,
    );
    // The frame clock is 22050/s although 44100 is declared.
    const t0 = list.timestamp;
    await sleep(400);
    const { list: later } = await c.list();
    const rate = (later.timestamp - t0) / 0.4;
    assert.ok(rate > 15000 && rate < 30000, `ticks ${rate}/s`);
    const bad = new WebSocket(webSocketUrl('127.0.0.1', port, '/nope'));
    const [err] = (await once(bad, 'error')) as [Error];
    assert.match(err.message, /404/);
    await c.close();
  });
});

test('scheduled watch: a dense f and a sparse j over a window, every value the generator at its frame', async () => {
  await withSim({ speed: 10 }, async (_sim, port) => {
    const c = await Client.open(port);
    const { list } = await c.list();
    const start = list.timestamp + 44100; // 0.1 s ahead at 10x
    const D = { f: 3000, j: 5000 };
    c.send(encodeCommands([{ cmd: 'watch', watchers: ['f_dense', 'j_sparse'], timestamps: [start, start], durations: [D.f, D.j] }]));
    const fCap = bufferLayout('f', 'dense').capacity;
    await until(
      'the window',
      () => c.buffers('f_dense').length === Math.ceil((D.f + 1) / fCap) && c.buffers('j_sparse').some((b) => b.padded),
    );
    await sleep(200);
    assert.deepEqual(c.errors, []);
    const fb = c.buffers('f_dense');
    assert.equal(fb.length, Math.ceil((D.f + 1) / fCap), 'no buffer after the end');
    assert.equal(fb[0].ref, start);
    const counts = fb.map((_, i) => Math.min(fCap, D.f + 1 - i * fCap));
    const frames = checkValues('f_dense', fb, counts);
    assert.deepEqual(
      frames,
      Array.from({ length: D.f + 1 }, (_, k) => start + k),
      'start … start + D inclusive',
    );
    const lastF = fb[fb.length - 1];
    assert.ok(lastF.trailingZeros >= fCap - counts[counts.length - 1], 'zero-padded last buffer');
    const jb = c.buffers('j_sparse');
    assert.ok(jb[jb.length - 1].padded && jb.slice(0, -1).every((b) => !b.padded));
    const jf = checkValues('j_sparse', jb);
    const expected: number[] = [];
    for (let f = start; ; f++) {
      if (!allTypesSparseSets(f)) continue;
      expected.push(f);
      if (f >= start + D.j) break; // ends with the first value set at or after start + duration
    }
    assert.deepEqual(jf, expected);
    const { list: after } = await c.list();
    assert.ok(after.watchers.every((w) => !w.watched));
    await c.close();
  });
});

test('unwatch sends the partial buffer zero-padded; watch state outlives its client; monitor', async () => {
  await withSim({ speed: 2 }, async (_sim, port) => {
    const a = await Client.open(port);
    a.send(watchCommand(['i_dense', 'd_sparse']));
    await until('two i buffers', () => a.buffers('i_dense').length >= 2);
    await a.close();
    const b = await Client.open(port);
    const { list } = await b.list();
    assert.ok(list.watchers.find((w) => w.name === 'i_dense')!.watched, 'still watched after its client left');
    await until('buffers for the new client', () => b.buffers('i_dense').length >= 1);
    b.send(unwatchCommand(['i_dense', 'd_sparse']));
    const cap = bufferLayout('i', 'dense').capacity;
    await until(
      'the padded buffers',
      () => b.buffers('d_sparse').some((x) => x.padded) && b.buffers('i_dense').some((x) => x.trailingZeros > 0),
    );
    await sleep(100);
    const ib = b.buffers('i_dense');
    const last = ib[ib.length - 1];
    assert.ok(last.trailingZeros > 0);
    const real = cap - last.trailingZeros; // i = F%200000-100000 is 0 only at F%200000 == 100000
    checkValues(
      'i_dense',
      ib,
      ib.map((x, k) => (k === ib.length - 1 ? real : x.count)),
    );
    for (let k = 1; k < ib.length; k++) assert.equal(ib[k].ref, ib[k - 1].ref + cap, 'dense refs step by the capacity');
    checkValues('d_sparse', b.buffers('d_sparse'));
    const n = b.messages.length;
    await sleep(100);
    assert.equal(b.messages.length, n, 'nothing after unwatch');
    // monitor: once (period 1) and every 1000 frames.
    b.send(encodeCommands([{ cmd: 'monitor', watchers: ['c_dense', 'f_sparse'], periods: [1, 1000] }]));
    await until('monitor messages', () => b.messages.filter((m) => m.kind === 'monitor' && m.name === 'f_sparse').length >= 3);
    b.send(encodeCommands([{ cmd: 'monitor', watchers: ['f_sparse'], periods: [0] }]));
    await sleep(100);
    const mons = b.messages.filter((m): m is Extract<DataMessage, { kind: 'monitor' }> => m.kind === 'monitor');
    const cm = mons.filter((m) => m.name === 'c_dense');
    assert.equal(cm.length, 1);
    assert.equal(cm[0].value, allTypesValue('c', cm[0].frame));
    const fm = mons.filter((m) => m.name === 'f_sparse');
    for (const m of fm) assert.equal(m.value, allTypesValue('f', m.frame));
    for (let k = 1; k < fm.length; k++) assert.ok(fm[k].frame - fm[k - 1].frame >= 1000 && fm[k].frame - fm[k - 1].frame < 1012);
    const count = fm.length;
    await sleep(150);
    assert.equal(mons.filter((m) => m.name === 'f_sparse').length, count, 'period 0 stops it');
    const { list: l2 } = await b.list();
    assert.equal(l2.watchers.find((w) => w.name === 'c_dense')!.monitor, 0);
    await b.close();
  });
});

test('quirk staleFirstBuffer: a variable left watched gives the next client a first buffer from before its watch', async () => {
  for (const on of [false, true]) {
    await withSim({ speed: 4, quirks: { staleFirstBuffer: on } }, async (_sim, port) => {
      const a = await Client.open(port);
      a.send(watchCommand(['f_dense']));
      await until('a buffer', () => a.buffers('f_dense').length >= 1);
      await a.close();
      await sleep(100);
      // On activation the stale partial buffer may be nearly full: have gui_data open before replying.
      const b = await Client.open(port, { dataFirst: true });
      const { list } = await b.list();
      b.send(watchCommand(['f_dense']));
      await until('a buffer for b', () => b.buffers('f_dense').length >= 2);
      const first = b.buffers('f_dense')[0];
      if (on) assert.ok(first.ref < list.timestamp - 4 * 44100 * 0.05, `stale ref ${first.ref} (list at ${list.timestamp})`);
      else {
        assert.ok(first.ref >= list.timestamp - 8192, `fresh ref ${first.ref} (list at ${list.timestamp})`);
        checkValues('f_dense', b.buffers('f_dense'));
      }
      await b.close();
    });
  }
});

test('quirk dropBody: now and then a header comes without its body; the parser resyncs', async () => {
  await withSim({ speed: 8, quirks: { dropBody: 4 } }, async (_sim, port) => {
    const c = await Client.open(port);
    c.send(watchCommand(['f_dense']));
    await until('buffers', () => c.buffers('f_dense').length >= 9);
    assert.ok(
      c.errors.some((e) => /without its body/.test(e)),
      c.errors.join('; '),
    );
    const fb = c.buffers('f_dense');
    checkValues('f_dense', fb);
    assert.ok(
      fb.some((b, k) => k > 0 && b.ref - fb[k - 1].ref === 2048),
      'a missing buffer is a gap',
    );
    await c.close();
  });
});

test('quirk dropPartialOnWatch: re-watching drops the partial buffer (gap); off, the stream goes on', async () => {
  for (const on of [false, true]) {
    await withSim({ speed: 1, quirks: { dropPartialOnWatch: on } }, async (_sim, port) => {
      const c = await Client.open(port);
      c.send(watchCommand(['f_dense']));
      await until('a buffer', () => c.buffers('f_dense').length >= 1);
      await sleep(10);
      c.send(watchCommand(['f_dense']));
      await until('more buffers', () => c.buffers('f_dense').length >= 3);
      const fb = c.buffers('f_dense');
      checkValues('f_dense', fb);
      const steps = fb.slice(1).map((b, k) => b.ref - fb[k].ref);
      if (on)
        assert.ok(
          steps.some((s) => s > 1024),
          `a gap: ${steps}`,
        );
      else
        assert.deepEqual(
          steps,
          steps.map(() => 1024),
        );
      await c.close();
    });
  }
});

test('quirk lateWatcher: late_f is missing from the first list, present (and streamable) later', async () => {
  await withSim({ speed: 4, quirks: { lateWatcher: true } }, async (_sim, port) => {
    const c = await Client.open(port, { extra: [{ name: 'late_f', type: 'f', timestampMode: 'dense' }] });
    const { list: first } = await c.list();
    assert.ok(!first.watchers.some((w) => w.name === 'late_f'));
    const { list: second } = await c.list();
    assert.equal(second.watchers[second.watchers.length - 1].name, 'late_f');
    c.send(watchCommand(['late_f']));
    await until('late_f buffers', () => c.buffers('late_f').length >= 1);
    const b = c.buffers('late_f')[0];
    for (let k = 0; k < b.count; k++) assert.equal(b.values[k], allTypesValue('f', b.frames[k]));
    await c.close();
  });
});

test('quirk foreignReplies: a log reply, a project message and a monitor message nobody here asked for', async () => {
  await withSim({ quirks: { foreignReplies: true } }, async (_sim, port) => {
    const c = await Client.open(port);
    await c.list();
    await until('foreign traffic', () => c.events.some((e) => e.kind === 'log') && c.messages.some((m) => m.kind === 'monitor'));
    assert.ok(c.events.some((e) => e.kind === 'other'));
    const m = c.messages.find((x) => x.kind === 'monitor')! as Extract<DataMessage, { kind: 'monitor' }>;
    assert.equal(m.name, 'c_dense');
    assert.equal(m.value, allTypesValue('c', m.frame));
    await c.close();
  });
});

test('quirk repeatConnection: the connection event comes again mid-session', async () => {
  for (const on of [false, true]) {
    await withSim({ quirks: { repeatConnection: on } }, async (_sim, port) => {
      const c = await Client.open(port);
      c.send(watchCommand(['f_dense']));
      await c.list();
      await sleep(50);
      assert.equal(c.events.filter((e) => e.kind === 'connection').length, on ? 2 : 1);
      await c.close();
    });
  }
});

test("speed 'max': streams far faster than real time, bounded by the reader, the event loop keeps turning", async () => {
  await withSim({ speed: 'max' }, async (_sim, port) => {
    const c = await Client.open(port);
    let maxGap = 0;
    let turns = 0;
    let last = performance.now();
    const iv = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      turns++;
      last = now;
    }, 5);
    c.send(watchCommand(['f_dense', 'd_dense', 'j_sparse']));
    await sleep(1000);
    clearInterval(iv);
    const fb = c.buffers('f_dense');
    assert.ok(fb.length > 43 * 5, `${fb.length} f buffers in 1 s (real time would be 43)`);
    // A starved loop would run the 5 ms interval a handful of times; a loaded 2-core host can pause it for a few hundred ms.
    assert.ok(turns >= 50 && maxGap < 1000, `event loop: ${turns} turns in 1 s, longest gap ${maxGap.toFixed(0)} ms`);
    checkValues('f_dense', fb);
    checkValues('j_sparse', c.buffers('j_sparse'));
    for (let k = 1; k < fb.length; k++) assert.equal(fb[k].ref, fb[k - 1].ref + 1024);
    assert.deepEqual(c.errors, []);
    await c.close();
  });
});

test('stop(): clients see the control socket closed, no handle is left; the websocket transport connects', async () => {
  await sleep(50); // the previous test's handles finish closing
  const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  const sim = new BelaSimulator({ speed: 4 });
  const port = await sim.start();
  assert.equal(sim.uri(port), `bela://127.0.0.1:${port}`);
  const texts: string[] = [];
  let closed: { byPeer: boolean } | undefined;
  const transport = new WebSocketClient({
    url: webSocketUrl('127.0.0.1', port, '/gui_control'),
    onText: (t) => texts.push(t),
    onClose: (c) => (closed = c),
  });
  await transport.connect();
  await until('connection event via the transport', () => texts.length > 0);
  assert.equal(parseControlMessage(texts[0]).kind, 'connection');
  const c = await Client.open(port);
  c.send(watchCommand(['f_dense']));
  await until('a buffer', () => c.buffers('f_dense').length >= 1);
  assert.ok(sim.sentAt(c.buffers('f_dense')[0].ref)! > 0);
  const controlClosed = once(c.control, 'close');
  await sim.stop();
  await controlClosed;
  await until('the transport sees the close', () => closed !== undefined);
  assert.equal(closed!.byPeer, true);
  await transport.close();
  await sleep(50);
  const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  assert.deepEqual(after, before);
});

/**
 * pybela's public API against the simulator, every value checked against bela-board's boardgen.py.
 * Like shared/peers/pybela/pybela_probe.py, but its scheduled window is 0.5 s: pybela's
 * schedule_streaming polls `list` every 0.1 s for `watched` and never returns if a window passes
 * between two polls (the probe's 4000 frames sometimes do, against a board too).
 */
const PYBELA_SCRIPT = `
import sys
import boardgen
from pybela import Streamer
port = int(sys.argv[1])
s = Streamer(ip="127.0.0.1", port=port)
s.connect()
assert s.is_connected()
for ws in (s.ws_ctrl, s.ws_data):  # websockets 10.4 (Debian) names it keepalive_ping_task
    if not hasattr(ws, "keepalive_task") and hasattr(ws, "keepalive_ping_task"):
        ws.keepalive_task = ws.keepalive_ping_task
s.list()
kinds = {v["name"]: v for v in s.watcher_vars}
print("project", s.project_name, "sampleRate", s.sample_rate, "watchers", len(kinds))
def check(name, bufs, window=None, label=None):
    n = bad = 0
    for b in bufs:
        ref, data = b["ref_timestamp"], b["data"]
        dense = kinds[name]["timestamp_mode"] == "dense"
        frames = [ref + k for k in range(len(data))] if dense else [ref + r for r in b["rel_timestamps"]]
        for k, (x, F) in enumerate(zip(data, frames)):
            if (not dense and k > 0 and F == ref) or (window and not window[0] <= F <= window[1]):
                continue  # the zero padding of a last buffer
            n += 1
            if x != boardgen.expected("all-types", name, F):
                bad += 1
    print(f"{label or name}: {len(bufs)} buffers, {n} values, {bad} wrong")
names = ["f_dense", "d_sparse", "i_dense"]
s.start_streaming(variables=names)
s.wait(1)
s.stop_streaming(variables=names)
s.wait(0.3)
for name in names:
    check(name, s.streaming_buffers_queue[name])
start = s.get_latest_timestamp() + int(0.3 * s.sample_rate)
s.schedule_streaming(variables=["f_dense"], timestamps=[start], durations=[22050])
q = s.streaming_buffers_queue["f_dense"]
print(f"scheduled: first ref {q[0]['ref_timestamp'] if q else None} start {start} buffers {len(q)}")
check("f_dense", q, (start, start + 22050), "scheduled f_dense")  # a stale padded buffer may come first
nq = s.stream_n_values(variables=["i_dense"], n_values=3000)
check("i_dense", list(nq["i_dense"]), None, "n_values i_dense")
s.disconnect()
s.cleanup()
print("done")
`;

test("pybela's real client connects, lists and streams from the simulator (start/stop, a scheduled window, N values), every value checked", async () => {
  await withSim({}, async (_sim, port) => {
    const verify = path.resolve(PYBELA, '../bela-board/verify');
    const env = { ...process.env, PYTHONPATH: [verify, PYBELA, path.join(PYBELA, 'stubs')].join(':') };
    const py = spawn(PYTHON, ['-c', PYBELA_SCRIPT, String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    py.stdout.on('data', (d: Buffer) => (out += d.toString()));
    py.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => py.kill(), 60_000);
    const [code] = (await once(py, 'close')) as [number | null];
    clearTimeout(timer);
    if (/ModuleNotFoundError/.test(out)) assert.fail(`pybela needs Debian's ${PYBELA_PACKAGES}:\n${out}`);
    assert.equal(code, 0, out);
    assert.match(out, /^project all-types sampleRate 44100 watchers 11$/m, out);
    for (const name of ['f_dense', 'd_sparse', 'i_dense']) {
      const m = new RegExp(`^${name}: (\\d+) buffers, (\\d+) values, 0 wrong$`, 'm').exec(out);
      assert.ok(m && Number(m[2]) > 5000, `${name}: ${out}`);
    }
    const sched = /^scheduled: first ref (\d+) start (\d+) buffers (\d+)$/m.exec(out);
    assert.ok(sched, out);
    // 22051 values from start, in whole buffers (a leftover padded buffer of the first stream may come first: pybela's race).
    assert.ok(Number(sched[1]) <= Number(sched[2]) && Number(sched[3]) >= Math.ceil(22051 / 1024), out);
    assert.match(out, /^scheduled f_dense: \d+ buffers, 22051 values, 0 wrong$/m, out);
    // stream_n_values: whole buffers until n_values, all of them right.
    const nValues = /^n_values i_dense: (\d+) buffers, (\d+) values, 0 wrong$/m.exec(out);
    assert.ok(nValues && Number(nValues[2]) >= 3000 && Number(nValues[1]) === Math.ceil(3000 / 1024), out);
    assert.match(out, /^done$/m, out);
  });
});
