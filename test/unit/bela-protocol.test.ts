import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  BUFFER_BYTES,
  BelaProtocolError,
  DataStreamParser,
  WATCHER_TYPES,
  bufferLayout,
  connectionReply,
  decodeBuffer,
  decodeMonitor,
  encodeBuffer,
  encodeCommands,
  encodeHeader,
  encodeMonitor,
  listCommand,
  monitorBytes,
  parseControlMessage,
  parseHeader,
  unwatchCommand,
  watchCommand,
  type DataMessage,
  type TimestampMode,
  type WatcherInfo,
  type WatcherType,
} from '../../src/devices/bela/protocol';
import { checkProperty, fuzzInputs, mutants, propertyParameters } from '../support/property';
import { boardBuilt, captureAllTypes, type AllTypesCapture } from '../fixtures/bela/capture';

const MODES: readonly TimestampMode[] = ['dense', 'sparse'];

/** Same numbers, NaN and -0 included (Object.is), with the first difference named. */
function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    if (!Object.is(actual[k], expected[k])) assert.fail(`${what}[${k}]: ${actual[k]} is not ${expected[k]}`);
  }
}

test('layouts are the board’s: capacities, sparse offsets, monitor sizes', () => {
  const cap = (t: WatcherType, m: TimestampMode) => bufferLayout(t, m);
  assert.deepEqual(
    WATCHER_TYPES.map((t) => cap(t, 'dense').capacity),
    [4096, 1024, 1024, 1024, 512],
  );
  assert.deepEqual(
    WATCHER_TYPES.map((t) => [cap(t, 'sparse').capacity, cap(t, 'sparse').offsetsAt]),
    [
      [816, 824],
      [512, 2056],
      [512, 2056],
      [512, 2056],
      [341, 2736],
    ],
  );
  assert.deepEqual(
    WATCHER_TYPES.map((t) => monitorBytes(t)),
    [9, 12, 12, 12, 16],
  );
  assert.equal(BUFFER_BYTES, 4104);
});

// ---------------------------------------------------------------------------------------------
// Round trips with extreme values

const f32 = (v: number) => Math.fround(v);
const EXTREMES: Record<WatcherType, number[]> = {
  c: Array.from({ length: 256 }, (_, k) => k),
  i: [-2147483648, 2147483647, 0, -1, 1, -2147483647, 123456789],
  j: [0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0, 1, 0x7fffffff, 0xdeadbeef],
  f: [
    Infinity,
    -Infinity,
    NaN,
    0,
    -0,
    2 ** -149,
    -(2 ** -149),
    2 ** -126,
    f32(1.1754942e-38),
    f32(3.4028234663852886e38),
    f32(-0.1),
    f32(Math.PI),
  ],
  d: [
    Infinity,
    -Infinity,
    NaN,
    0,
    -0,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2.2250738585072009e-308,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    2 ** 53 + 2,
    0.1,
  ],
};

/** `n` values cycling through the type's extremes. */
const fill = (t: WatcherType, n: number) => Array.from({ length: n }, (_, k) => EXTREMES[t][k % EXTREMES[t].length]);

for (const type of WATCHER_TYPES) {
  for (const mode of MODES) {
    test(`round trip ${type} ${mode}: full and padded buffers, extremes exact`, () => {
      const { capacity } = bufferLayout(type, mode);
      const ref = 2 ** 40 + 3;
      for (const n of [capacity, capacity - 1, 1, Math.min(300, capacity)]) {
        const values = fill(type, n);
        // Sparse frames: increasing, the first at ref (as the board makes them), the last as far as a u32 reaches.
        const frames = values.map((_, k) => (k === 0 ? ref : k === capacity - 1 ? ref + 0xffffffff : ref + 3 * k + 1));
        const body = encodeBuffer({ type, mode, ref, values, ...(mode === 'sparse' ? { frames } : {}) });
        assert.equal(body.length, BUFFER_BYTES);
        const out = decodeBuffer(body, type, mode);
        assert.equal(out.ref, ref);
        assert.equal(out.values.length, capacity);
        const padding = new Array<number>(capacity - n).fill(0);
        assertSameValues(out.values, [...values, ...padding], `${type} ${mode} ${n} values`);
        if (mode === 'sparse') {
          assertSameValues(out.frames.subarray(0, n), frames, 'frames');
          // The padded last buffer of a stream: its trailing offsets are 0, so count is the real count.
          assert.equal(out.count, n);
          assert.equal(out.padded, n < capacity);
        } else {
          assertSameValues(
            out.frames,
            Array.from({ length: capacity }, (_, k) => ref + k),
            'frames',
          );
          assert.equal(out.count, capacity);
          assert.equal(out.padded, undefined);
          // Padding shows as trailing all-zero values (more if the last real ones were +0 too).
          assert.ok(out.trailingZeros >= capacity - n);
        }
      }
      // A buffer that starts at an odd offset of a larger ArrayBuffer decodes the same (no alignment needed).
      const body = encodeBuffer({ type, mode, ref: 7, values: fill(type, 5), ...(mode === 'sparse' ? { frames: [7, 8, 9, 10, 11] } : {}) });
      const shifted = new Uint8Array(BUFFER_BYTES + 1);
      shifted.set(body, 1);
      assert.deepEqual(decodeBuffer(shifted.subarray(1), type, mode), decodeBuffer(body, type, mode));
    });
  }
  test(`monitor round trip ${type}`, () => {
    for (const v of EXTREMES[type]) {
      const m = decodeMonitor(encodeMonitor(type, 123456789012, v), type);
      assert.equal(m.frame, 123456789012);
      assert.ok(Object.is(m.value, v), `${v} came back as ${m.value}`);
    }
  });
}

test('chars: unsigned bytes by default, int8 with signedChar', () => {
  const values = fill('c', 256);
  const body = encodeBuffer({ type: 'c', mode: 'dense', ref: 0, values });
  assertSameValues(decodeBuffer(body, 'c', 'dense').values.subarray(0, 256), values, 'unsigned');
  assertSameValues(
    decodeBuffer(body, 'c', 'dense', { signedChar: true }).values.subarray(0, 256),
    values.map((v) => (v << 24) >> 24),
    'signed',
  );
});

test('headers: ID/T without NUL', () => {
  assert.deepEqual([...encodeHeader(12, 'j')], [...Buffer.from('12/j')]);
  assert.deepEqual(parseHeader(Buffer.from('123/d')), { id: 123, type: 'd' });
  assert.deepEqual(parseHeader(Buffer.from('4294967295/f')), { id: 4294967295, type: 'f' });
  for (const notHeader of ['0/f\0', '01/f', '/f', '1/', '1/ff', '4294967296/f', 'x/f'])
    assert.equal(parseHeader(Buffer.from(notHeader)), undefined, notHeader);
  assert.throws(() => parseHeader(Buffer.from('3/x')), /type "x" is not one of c i j f d/);
});

// ---------------------------------------------------------------------------------------------
// Control messages

const watcherJson = (o: Partial<Record<string, unknown>> = {}) => ({
  controlled: false,
  logFileName: '',
  logged: false,
  monitor: 0,
  name: 'pot1',
  timestampMode: 0,
  type: 'f',
  value: 0.5,
  valueInput: 0.5,
  watched: false,
  ...o,
});
const listJson = (watchers: unknown[], o: Record<string, unknown> = {}) =>
  JSON.stringify({ watcher: { sampleRate: 44100, timestamp: 1234, watchers, ...o } });

test('control: connection, list, log and other messages', () => {
  assert.deepEqual(parseControlMessage('{"event":"connection","projectName":"pot\\/s"}'), { kind: 'connection', projectName: 'pot/s' });
  assert.deepEqual(parseControlMessage('{"event":"connection"}'), { kind: 'connection' });
  const list = parseControlMessage(
    listJson([watcherJson(), watcherJson({ name: 'pot2', timestampMode: 1, type: 'j', watched: true, monitor: 12 })]),
  );
  assert.equal(list.kind, 'list');
  if (list.kind !== 'list') return;
  assert.equal(list.list.sampleRate, 44100);
  assert.equal(list.list.timestamp, 1234);
  assert.deepEqual(
    list.list.watchers.map((w) => [w.name, w.type, w.timestampMode, w.watched, w.monitor]),
    [
      ['pot1', 'f', 'dense', false, 0],
      ['pot2', 'j', 'sparse', true, 12],
    ],
  );
  assert.deepEqual(
    parseControlMessage('{"watcher":{"logFileName":"pot1.bin","timestamp":10,"timestampEnd":1.84467440737096e+19,"watcher":"pot1"}}'),
    { kind: 'log', watcher: 'pot1', logFileName: 'pot1.bin', timestamp: 10, timestampEnd: 1.84467440737096e19 },
  );
  assert.deepEqual(parseControlMessage('{"event":"active"}'), { kind: 'other', json: { event: 'active' } });
});

test('control: malformed messages are refused naming what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['{"watcher":', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"event":"connection","projectName":3}', /connection: "projectName" is 3, not a string/],
    [listJson([watcherJson({ type: 'q' })]), /list: watchers\[0\]: "type" is "q", not one of c i j f d/],
    [listJson([watcherJson({ timestampMode: 2 })]), /"timestampMode" is 2, not 0 \(dense\) or 1 \(sparse\)/],
    [listJson([watcherJson({ watched: 1 })]), /watchers\[0\]: "watched" is 1, not a boolean/],
    [listJson([watcherJson(), { ...watcherJson(), name: undefined }]), /watchers\[1\]: no "name"/],
    [listJson([watcherJson(), watcherJson()]), /watcher "pot1" appears twice/],
    [listJson([watcherJson()], { sampleRate: 0 }), /"sampleRate" is 0, not a number > 0/],
    [listJson([watcherJson()], { timestamp: -1 }), /"timestamp" is -1, not a frame/],
    [JSON.stringify({ watcher: { sampleRate: 44100, timestamp: 0, watchers: {} } }), /list: "watchers" is \{\}, not an array/],
    [listJson(['pot1']), /list: watchers\[0\] is not an object/],
  ];
  for (const [text, re] of cases)
    assert.throws(
      () => parseControlMessage(text),
      (e: unknown) => e instanceof BelaProtocolError && re.test(e.message),
      text,
    );
});

test('commands: as the board reads them and pybela sends them', () => {
  assert.equal(connectionReply(), '{"event":"connection-reply"}');
  assert.equal(listCommand(), '{"watcher":[{"cmd":"list"}]}');
  assert.equal(watchCommand(['a', 'b']), '{"watcher":[{"cmd":"watch","watchers":["a","b"]}]}');
  assert.equal(
    watchCommand(['a'], { timestamps: [41817], durations: [100] }),
    '{"watcher":[{"cmd":"watch","watchers":["a"],"timestamps":[41817],"durations":[100]}]}',
  );
  assert.equal(unwatchCommand(['a']), '{"watcher":[{"cmd":"unwatch","watchers":["a"]}]}');
  assert.equal(unwatchCommand(['a'], [5]), '{"watcher":[{"cmd":"unwatch","watchers":["a"],"timestamps":[5]}]}');
  assert.equal(
    encodeCommands([
      { cmd: 'unwatch', watchers: ['a'] },
      { cmd: 'watch', watchers: ['b'] },
      { cmd: 'monitor', watchers: ['c'], periods: [0] },
    ]),
    '{"watcher":[{"cmd":"unwatch","watchers":["a"]},{"cmd":"watch","watchers":["b"]},{"cmd":"monitor","watchers":["c"],"periods":[0]}]}',
  );
  const refused: [() => unknown, RegExp][] = [
    [() => watchCommand(['a'], { timestamps: [-1] }), /watch: timestamps\[0\] is -1, not a frame/],
    [() => watchCommand(['a'], { timestamps: [1.5] }), /timestamps\[0\] is 1.5/],
    [() => watchCommand(['a', 'b'], { durations: [10] }), /watch: 1 durations for 2 watchers/],
    [() => watchCommand(['']), /watch: watchers\[0\] is not a name/],
    [() => encodeCommands([{ cmd: 'set', watchers: ['a'], values: [] }]), /set: 0 values for 1 watchers/],
  ];
  for (const [f, re] of refused) assert.throws(f, (e: unknown) => e instanceof BelaProtocolError && re.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// The data stream's state machine

const SHAPES = [
  { name: 'x', type: 'f' as const, timestampMode: 'dense' as const },
  { name: 'y', type: 'd' as const, timestampMode: 'sparse' as const },
];
const isOwnError = (re: RegExp) => (e: unknown) => e instanceof BelaProtocolError && re.test(e.message);

test('data stream: headers, bodies, monitor messages, and resynchronising after each error', () => {
  const p = new DataStreamParser(SHAPES);
  const fBody = encodeBuffer({ type: 'f', mode: 'dense', ref: 100, values: [1.5] });
  const dBody = encodeBuffer({ type: 'd', mode: 'sparse', ref: 7, values: [0.25, -1], frames: [7, 9] });
  assert.equal(p.push(encodeHeader(0, 'f')), undefined);
  assert.ok(p.awaitingBody);
  const a = p.push(fBody) as DataMessage & { kind: 'buffer' };
  assert.deepEqual([a.kind, a.id, a.name, a.ref, a.values[0]], ['buffer', 0, 'x', 100, 1.5]);
  p.push(encodeHeader(1, 'd'));
  const b = p.push(dBody) as DataMessage & { kind: 'buffer' };
  assert.deepEqual([b.count, b.padded, [...b.frames.subarray(0, 2)]], [2, true, [7, 9]]);
  p.push(encodeHeader(1, 'd'));
  assert.deepEqual(p.push(encodeMonitor('d', 99, -2.5)), { kind: 'monitor', id: 1, name: 'y', type: 'd', frame: 99, value: -2.5 });

  // A header whose body was dropped: the error names it, and the new header gets the next body.
  p.push(encodeHeader(0, 'f'));
  assert.throws(() => p.push(encodeHeader(1, 'd')), isOwnError(/header 0\/f came without its body \(next: 1\/d\)/));
  assert.equal((p.push(dBody) as DataMessage).kind, 'buffer');
  assert.throws(() => p.push(fBody), isOwnError(/4104-byte body without a header/));
  p.push(encodeHeader(0, 'f'));
  assert.throws(
    () => p.push(new Uint8Array(100)),
    isOwnError(/body of 0\/f: 100 bytes, neither a buffer \(4104\) nor a monitor message \(12\)/),
  );
  assert.ok(!p.awaitingBody);
  assert.throws(() => p.push(Buffer.from('2/f')), isOwnError(/no watcher 2 in the list \(2 watchers\)/));
  assert.throws(() => p.push(Buffer.from('0/d')), isOwnError(/watcher 0 \(x\) is of type f/));
  assert.throws(() => p.push(Buffer.from('0/q')), isOwnError(/type "q" is not one of/));
  assert.throws(() => p.push(fBody), isOwnError(/without a header/));
  // A 16-byte monitor message of a float watcher is an impossible length; a 12-byte one is right.
  p.push(encodeHeader(0, 'f'));
  assert.throws(() => p.push(new Uint8Array(16)), isOwnError(/16 bytes/));
  p.push(encodeHeader(0, 'f'));
  assert.equal((p.push(encodeMonitor('f', 1, 2)) as DataMessage).kind, 'monitor');
  // Standalone decoders: wrong lengths, types and frames past 2^53.
  assert.throws(() => decodeBuffer(new Uint8Array(4103), 'f', 'dense'), isOwnError(/4103 bytes, not 4104/));
  assert.throws(() => decodeBuffer(fBody, 'q' as WatcherType, 'dense'), isOwnError(/type "q"/));
  const huge = encodeBuffer({ type: 'f', mode: 'dense', ref: 0, values: [] });
  huge.fill(0xff, 0, 8);
  assert.throws(() => decodeBuffer(huge, 'f', 'dense'), isOwnError(/frame 18446744073709551615 is beyond 2\^53/));
});

// ---------------------------------------------------------------------------------------------
// Against the real board code: bytes Bela's Gui/WSServer/watcher sent (bela-board, project all-types)

const FIXTURE: AllTypesCapture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/bela/all-types.json'), 'utf8'),
) as AllTypesCapture;
const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

/** bela-board all-types at frame F (its render.cpp). */
const GEN: Record<WatcherType, (F: number) => number> = {
  c: (F) => F % 128,
  i: (F) => (F % 200000) - 100000,
  j: (F) => Number((BigInt(F) * 2654435761n) % 2n ** 32n),
  f: (F) => f32((F % 65536) / 64),
  d: (F) => F * 0.5 + 0.25,
};
const sparseFrame = (F: number) => F % 7 === 0 || F % 11 === 0;

function checkCapture(cap: AllTypesCapture) {
  // Control: the handshake event, and list replies with all eleven watchers in declaration order.
  assert.deepEqual(parseControlMessage(cap.control[0]), { kind: 'connection', projectName: 'all-types' });
  const listed = parseControlMessage(cap.control[1]);
  assert.equal(listed.kind, 'list');
  if (listed.kind !== 'list') return;
  const watchers: WatcherInfo[] = listed.list.watchers;
  assert.equal(listed.list.sampleRate, 44100);
  assert.deepEqual(
    watchers.map((w) => `${w.name}:${w.type}:${w.timestampMode}`),
    [...WATCHER_TYPES.map((t) => `${t}_dense:${t}:dense`), ...WATCHER_TYPES.map((t) => `${t}_sparse:${t}:sparse`), 'a0:f:dense'],
  );
  // What the list says a variable holds is its generator's value at a frame near `timestamp`.
  for (const w of watchers.slice(0, 5)) assert.ok(Number.isFinite(w.value));
  // The commands this codec builds are byte for byte what the capture sent and the board obeyed.
  const typed = cap.sent[2] ? (JSON.parse(cap.sent[2]) as { watcher: [{ watchers: string[] }] }).watcher[0].watchers : [];
  assert.equal(watchCommand(typed), cap.sent[2]);
  assert.equal(unwatchCommand(typed), cap.sent[3]);
  const s = cap.scheduled;
  assert.equal(watchCommand(s.watchers, { timestamps: s.watchers.map(() => s.start), durations: s.durations }), cap.sent[5]);

  const parser = new DataStreamParser(watchers);
  const got: (DataMessage & { phase: string })[] = [];
  for (const r of cap.data) {
    const m = parser.push(bytesOf(r.base64));
    if (m) got.push(Object.assign(m, { phase: r.phase }));
  }
  assert.ok(!parser.awaitingBody);
  let checked = 0;
  let highJ = 0;
  for (const m of got) {
    if (m.kind !== 'buffer') continue;
    const gen = GEN[m.type];
    const real = m.mode === 'sparse' ? m.count : m.values.length - m.trailingZeros;
    for (let k = 0; k < real; k++) {
      const F: number = m.frames[k];
      if (m.mode === 'sparse') assert.ok(sparseFrame(F), `${m.name}: value ${k} at frame ${F}, not a sparse one`);
      if (!Object.is(m.values[k], gen(F)))
        assert.fail(`${m.name} (${m.phase}) ref ${m.ref} value ${k}: ${m.values[k]} at frame ${F}, expected ${gen(F)}`);
      if (m.type === 'j' && m.values[k] >= 2 ** 31) highJ++;
      checked++;
    }
    if (m.mode === 'sparse') {
      // Consecutive sparse frames: every frame the project set, none skipped.
      for (let k = 1; k < real; k++) for (let F = m.frames[k - 1] + 1; F < m.frames[k]; F++) assert.ok(!sparseFrame(F));
    }
  }
  assert.ok(highJ > 100, `uint32 values with bit 31 set: ${highJ}`);
  const buffers = (phase: string) =>
    got.filter((m): m is DataMessage & { kind: 'buffer'; phase: string } => m.kind === 'buffer' && m.phase === phase);
  // Watch: full buffers of every type and mode; consecutive dense refs step by the capacity.
  const watched = buffers('watch');
  assert.equal(new Set(watched.map((m) => m.name)).size, 10);
  for (const m of watched) if (m.mode === 'sparse') assert.equal(m.count, bufferLayout(m.type, m.mode).capacity, `${m.name} full`);
  for (const name of new Set(watched.map((m) => m.name))) {
    const refs = watched.filter((m) => m.name === name).map((m) => m.ref);
    const m = watched.find((w) => w.name === name)!;
    if (m.mode === 'dense' && refs.length > 1) assert.equal(refs[1] - refs[0], m.values.length, `${name} refs`);
  }
  // Unwatch: the last buffer of each stream is zero-padded; sparse ones say so.
  const ends = buffers('unwatch');
  for (const name of typed) {
    const last = ends.filter((m) => m.name === name).at(-1);
    assert.ok(last, `${name}: a last buffer after unwatch`);
    if (last.mode === 'sparse') assert.ok(last.padded, `${name}: padded`);
    else assert.ok(last.trailingZeros > 0, `${name}: trailing zeros`);
  }
  // Scheduled: one buffer each, starting at the start frame (sparse: the first frame set at or
  // after it), holding exactly the frames start … start + duration.
  for (const [k, name] of s.watchers.entries()) {
    const mine = buffers('scheduled').filter((m) => m.name === name);
    assert.equal(mine.length, 1, `${name}: one scheduled buffer`);
    const m = mine[0];
    const end = s.start + s.durations[k];
    if (m.mode === 'dense') {
      assert.equal(m.ref, s.start);
      assert.equal(m.values.length - m.trailingZeros, end - s.start + 1);
    } else {
      let first = s.start;
      while (!sparseFrame(first)) first++;
      assert.equal(m.ref, first);
      // The board ends a stream in notify(), i.e. when the program sets the variable: a sparse
      // stream's last value is the first one set at or after start + duration, which can be later.
      let last = end;
      while (!sparseFrame(last)) last++;
      let n = 0;
      for (let F = s.start; F <= last; F++) if (sparseFrame(F)) n++;
      assert.equal(m.count, n, `${name}: values in ${s.start} … ${last}`);
      assert.ok(m.padded);
      assert.equal(m.frames[m.count - 1], last);
    }
  }
  // Monitor: one message of 9, 12 or 16 bytes per watcher, its value the generator's at its frame.
  const monitors = got.filter((m): m is DataMessage & { kind: 'monitor'; phase: string } => m.kind === 'monitor');
  assert.deepEqual(monitors.map((m) => m.name).sort(), ['c_dense', 'd_dense', 'f_dense', 'i_dense', 'j_dense']);
  for (const m of monitors) assert.ok(Object.is(m.value, GEN[m.type](m.frame)), `${m.name}: ${m.value} at ${m.frame}`);
  return checked;
}

test('real board bytes (test/fixtures/bela/all-types.json, from bela-board): every value at its frame', (t) => {
  t.diagnostic(`${checkCapture(FIXTURE)} values checked`);
});

test('real board bytes, live from bela-board (npm test builds it into .test-tmp/bela-board)', async (t) => {
  // Never skipped: a suite that quietly stops talking to the real board tests nothing of it.
  assert.ok(
    boardBuilt(),
    'BELA_BOARD_BUILD names no bela-board build: run the suite through npm test (scripts/test.mjs builds it), or build.sh by hand',
  );
  t.diagnostic(`${checkCapture(await captureAllTypes())} values checked`);
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: mutated real messages and random bytes never throw anything but BelaProtocolError

const dataSeeds = [
  ...FIXTURE.data.filter((_, k) => k < 24 || k > FIXTURE.data.length - 30).map((r) => bytesOf(r.base64)),
  ...WATCHER_TYPES.map((t) => encodeMonitor(t, 5, 1)),
];
const ownErrorsOnly = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BelaProtocolError)) throw e;
  }
};

test('fuzz: data messages (the stream parser and each decoder)', (t) => {
  const listed = parseControlMessage(FIXTURE.control[1]);
  assert.ok(listed.kind === 'list');
  const watchers = listed.list.watchers;
  // Real header/body pairs, each message kept or mutated, between arbitrary (mutated or random) messages.
  const pairs: [Uint8Array, Uint8Array][] = [];
  for (let k = 0; k + 1 < dataSeeds.length; k++) if (parseHeader(dataSeeds[k])) pairs.push([dataSeeds[k], dataSeeds[++k]]);
  const keptOrMutated = (seed: Uint8Array) => fc.oneof(fc.constant(seed), mutants([seed, ...dataSeeds.slice(0, 4)]));
  const pair = fc
    .integer({ min: 0, max: pairs.length - 1 })
    .chain((k) => fc.tuple(keptOrMutated(pairs[k][0]), keptOrMutated(pairs[k][1])))
    .map((p) => [...p]);
  const any = fuzzInputs(dataSeeds, { maxRandomLength: 64 }).map((m) => [m]);
  let decoded = 0;
  checkProperty(
    t,
    fc.property(
      fc.array(fc.oneof(pair, any), { minLength: 1, maxLength: 4 }).map((groups) => groups.flat()),
      (messages) => {
        // A parser per run, so a counterexample replays alone.
        const parser = new DataStreamParser(watchers);
        for (const m of messages)
          ownErrorsOnly(() => {
            if (parser.push(m)) decoded++;
          });
        for (const m of messages.slice(0, 1))
          for (const type of WATCHER_TYPES) {
            ownErrorsOnly(() => decodeMonitor(m, type));
            ownErrorsOnly(() => parseHeader(m));
            for (const mode of MODES) ownErrorsOnly(() => decodeBuffer(m, type, mode));
          }
      },
    ),
    propertyParameters(400),
  );
  // The mutants reach the decoders, not only the header check.
  assert.ok(decoded > 20, `${decoded} messages decoded`);
  t.diagnostic(`${decoded} bodies decoded`);
});

test('fuzz: control messages', (t) => {
  const seeds = [
    ...FIXTURE.control,
    listJson([watcherJson()]),
    '{"watcher":{"logFileName":"a.bin","timestamp":1,"timestampEnd":2,"watcher":"a"}}',
  ].map((s) => new Uint8Array(Buffer.from(s)));
  checkProperty(
    t,
    fc.property(fuzzInputs(seeds), (bytes) => ownErrorsOnly(() => parseControlMessage(Buffer.from(bytes).toString('utf8')))),
    propertyParameters(2000),
  );
});
