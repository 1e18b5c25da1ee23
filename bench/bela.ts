// (h) Bela watcher stream: 32 dense float ('f') watchers at 44.1 kHz (1.4 M values/s, 43 buffers/s
// each), pre-encoded with protocol.ts's encoder, fed through the very code BelaSource runs on
// gui_data in the acquisition worker (its BelaDataPath: headers, DataStreamParser, the
// StreamAssembler, rows written to a float64 native ring), without sockets. Against the loop one writes first
// over the same messages: the header's text split at '/', a DataView read per value into a plain JS
// array per watcher, then interleaved frame by frame into a Float64Array for the same ring. Both
// must leave identical rows in a ring, checked first. Timed in CPU time (the VM's two cores are
// shared: wall-clock rates swing twofold), one whole pass over the stream per round.
import { native, type NativeRing } from '../src/core/native';
import { BelaDataPath } from '../src/devices/bela/data-path';
import { BUFFER_BYTES, bufferLayout, DataStreamParser, encodeBuffer, encodeHeader, type WatcherShape } from '../src/devices/bela/protocol';
import { StreamAssembler } from '../src/devices/bela/stream-assembler';
import { cpuSeconds, type Row } from './report';

const WATCHERS = 32;
const RATE = 44_100;
/** Seconds of stream each round feeds through. */
const SECONDS = 20;
/** The board's frame when the watch starts (any frame: only differences matter). */
const START = 123_456;
/** Values per dense float buffer: 4096 / 4. */
const PER_BUFFER = bufferLayout('f', 'dense').capacity;
const ROUNDS = 5;

const shapes: WatcherShape[] = Array.from({ length: WATCHERS }, (_, w) => ({ name: `v${w}`, type: 'f', timestampMode: 'dense' }));

/** Header, body, header, body…: one buffer of every watcher in turn, as the board sends them when all fill together. */
function encodeStream(seconds: number): Uint8Array[] {
  const buffers = Math.ceil((seconds * RATE) / PER_BUFFER);
  const headers = shapes.map((_, w) => encodeHeader(w, 'f'));
  const values = new Float32Array(PER_BUFFER);
  const messages: Uint8Array[] = [];
  for (let b = 0; b < buffers; b++) {
    const ref = START + b * PER_BUFFER;
    for (let w = 0; w < WATCHERS; w++) {
      // Never zero: trailing zeros would be held back as possible padding (the assembler's rule).
      for (let k = 0; k < PER_BUFFER; k++) values[k] = 1 + w + Math.sin((ref + k) * 0.001 * (w + 1));
      messages.push(headers[w], encodeBuffer({ type: 'f', mode: 'dense', ref, values }));
    }
  }
  return messages;
}

/** What BelaSource does with gui_data (its BelaDataPath: pairing, decode, placement, rows), into the ring as AcquisitionSink.frames writes it. */
function feedOurs(messages: readonly Uint8Array[], ring: NativeRing<'float64'>): number {
  const assembler = new StreamAssembler(
    START,
    shapes.map((s) => ({ name: s.name!, mode: s.timestampMode })),
    Math.ceil(2 * RATE),
  );
  for (let c = 0; c < WATCHERS; c++) assembler.watched(c, 'dense', START);
  let placed = 0;
  let bytes = 0;
  const path = new BelaDataPath(
    assembler,
    {
      frames: (rows, block) => {
        ring.write(rows);
        placed += rows.length;
        bytes += block.bytes;
      },
      gap: (gap) => {
        throw new Error(`a gap of ${gap.frames} frames`);
      },
      log: (_level, text) => {
        throw new Error(`unexpected: ${text}`);
      },
    },
    'bench',
  );
  path.setList(
    shapes,
    shapes.map((_, w) => w),
  );
  for (const message of messages) path.push(message);
  path.flush(true);
  if (bytes === 0) throw new Error('no bytes');
  return placed;
}

const text = new TextDecoder();

/** The naive loop: header text split at '/', a DataView read per value into a JS array, interleaved per frame. */
function feedNaive(messages: readonly Uint8Array[], ring: NativeRing<'float64'>): number {
  let columns: number[][] = Array.from({ length: WATCHERS }, () => []);
  let id = -1;
  let placed = 0;
  for (const message of messages) {
    if (message.length !== BUFFER_BYTES) {
      const [digits, type] = text.decode(message).split('/');
      if (type !== 'f') throw new Error(`header of type ${type}`);
      id = parseInt(digits, 10);
      continue;
    }
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const column = columns[id];
    for (let k = 0; k < PER_BUFFER; k++) column.push(view.getFloat32(8 + 4 * k, true));
    let rows = Infinity;
    for (const c of columns) rows = Math.min(rows, c.length);
    if (rows === 0) continue;
    const out = new Float64Array(rows * WATCHERS);
    for (let r = 0; r < rows; r++) for (let c = 0; c < WATCHERS; c++) out[r * WATCHERS + c] = columns[c][r];
    ring.write(out);
    placed += out.length;
    columns = columns.map((c) => c.slice(rows));
  }
  return placed;
}

/** DataStreamParser alone: every message pushed, the decoded buffers dropped. */
function decodeOurs(messages: readonly Uint8Array[]): number {
  const parser = new DataStreamParser(shapes);
  let values = 0;
  for (const message of messages) {
    const decoded = parser.push(message);
    if (decoded?.kind === 'buffer') values += decoded.raw.length;
  }
  return values;
}

/** The naive decode alone: header text, a DataView read per value into a fresh JS array per buffer. */
function decodeNaive(messages: readonly Uint8Array[]): number {
  let values = 0;
  let id = -1;
  for (const message of messages) {
    if (message.length !== BUFFER_BYTES) {
      id = parseInt(text.decode(message).split('/')[0], 10);
      continue;
    }
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const column: number[] = [];
    for (let k = 0; k < PER_BUFFER; k++) column.push(view.getFloat32(8 + 4 * k, true));
    if (id >= 0) values += column.length;
  }
  return values;
}

function checkSame(messages: readonly Uint8Array[]): void {
  const frames = (messages.length / 2 / WATCHERS) * PER_BUFFER;
  const a = new (native().Ring)(WATCHERS, frames, 'float64');
  const b = new (native().Ring)(WATCHERS, frames, 'float64');
  try {
    feedOurs(messages, a);
    feedNaive(messages, b);
    if (a.written() !== frames || b.written() !== frames)
      throw new Error(`rows: ours ${a.written()}, naive ${b.written()}, expected ${frames}`);
    const x = a.read(0, frames);
    const y = b.read(0, frames);
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) throw new Error(`bela: the two paths disagree at value ${i} (${x[i]} vs ${y[i]})`);
    }
  } finally {
    a.release();
    b.release();
  }
}

/** Lowest–highest of the rounds' figures (a rate's lowest comes from the slowest round). */
const range = (xs: number[], f: (x: number) => number, digits: number, unit = '') => {
  const ys = xs.map(f);
  return `${Math.min(...ys).toFixed(digits)}–${Math.max(...ys).toFixed(digits)}${unit}`;
};

export function benchBela(): Row[] {
  const messages = encodeStream(SECONDS);
  const streamSeconds = ((messages.length / 2 / WATCHERS) * PER_BUFFER) / RATE;
  const values = (messages.length / 2) * PER_BUFFER;
  const megabytes = messages.reduce((n, m) => n + m.length, 0) / 1e6;
  checkSame(messages.slice(0, 2 * WATCHERS * 50));

  const ring = new (native().Ring)(WATCHERS, 5 * RATE, 'float64');
  // Warm-up: one pass of each over the first second, so the rounds time compiled code.
  const second = messages.slice(0, 2 * WATCHERS * Math.ceil(RATE / PER_BUFFER));
  for (let i = 0; i < 3; i++) {
    feedOurs(second, ring);
    feedNaive(second, ring);
    decodeOurs(second);
    decodeNaive(second);
  }
  // Interleaved rounds: on a shared machine a burst of load then hits both alike.
  const ours: number[] = [];
  const naive: number[] = [];
  const decode: number[] = [];
  const decodeBase: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(cpuSeconds(() => feedOurs(messages, ring)));
    naive.push(cpuSeconds(() => feedNaive(messages, ring)));
    decode.push(cpuSeconds(() => decodeOurs(messages)));
    decodeBase.push(cpuSeconds(() => decodeNaive(messages)));
  }
  ring.release();

  const best = (xs: number[]) => Math.min(...xs);
  const msPerS = (s: number) => (s * 1000) / streamSeconds;
  const oursMs = msPerS(best(ours));
  const naiveMs = msPerS(best(naive));
  const core = oursMs / 10; // ms of CPU per s of stream → % of one core
  const pct = (s: number) => msPerS(s) / 10;
  const mvps = (s: number) => values / s / 1e6;
  return [
    {
      name: `${WATCHERS} dense 'f' watchers @ 44.1 kHz (${(values / streamSeconds / 1e6).toFixed(2)} M values/s, ${streamSeconds.toFixed(1)} s of stream): parser + assembler → float64 ring, CPU per s of stream`,
      ours: oursMs,
      baseline: naiveMs,
      baselineName: 'naive DataView loop + per-frame interleave',
      unit: 'ms',
      note: `lower is better; ${core.toFixed(2)} % of one core, rounds ${range(ours, pct, 2, ' %')} (target < 2 %: ${core < 2 ? 'met' : 'MISSED'}); naive rounds ${range(naive, pct, 2, ' %')}`,
    },
    {
      name: 'same: values placed per CPU second',
      ours: values / best(ours) / 1e6,
      baseline: values / best(naive) / 1e6,
      baselineName: 'naive',
      unit: 'M values/s',
      target: 3,
      note: `rounds ${range(ours, mvps, 1)} vs ${range(naive, mvps, 1)}`,
    },
    {
      name: 'DataStreamParser alone (decode to typed views of the wire, no placement): values per CPU second',
      ours: values / best(decode) / 1e6,
      baseline: values / best(decodeBase) / 1e6,
      baselineName: 'naive header split + DataView loop into a JS array',
      unit: 'M values/s',
      note: `${(megabytes / best(decode)).toFixed(0)} MB/s of messages (naive ${(megabytes / best(decodeBase)).toFixed(0)} MB/s); rounds ${range(decode, mvps, 1)} vs ${range(decodeBase, mvps, 1)}`,
    },
  ];
}
