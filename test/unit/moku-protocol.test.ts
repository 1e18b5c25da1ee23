// The Moku codec: mokucli's lines into the interleaved buffer (keys in any order, nan/inf words,
// bad lines refused with what is wrong), fuzzed against JSON.parse; REST bodies with bare nan
// outside strings only; mokucli --version in both styles and the version each MokuOS needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareVersions,
  hostForUrl,
  MokuLineParser,
  MokuProtocolError,
  parseEnvelope,
  parseMokucliVersion,
  parseMokuJson,
  requiredMokucli,
} from '../../src/devices/moku/protocol';
import { checkProperty, propertyParameters } from '../support/property';

const frame = (p: MokuLineParser, frames: number) => Array.from(p.values.subarray(0, frames * p.channels!.length));

test('a line: channels from its keys in the device order, values interleaved, time first and last', () => {
  const p = new MokuLineParser();
  const r = p.parse('{"time": [0.0, 0.001, 0.002], "ch1": [1.5, -2e-3, 0], "ch2": [10, 20, 3.25]}');
  assert.deepEqual(p.channels, ['ch1', 'ch2']);
  assert.deepEqual(r, { frames: 3, firstTime: 0, lastTime: 0.002 });
  assert.deepEqual(frame(p, 3), [1.5, 10, -0.002, 20, 0, 3.25]);
  // Later lines: any key order, any length.
  const r2 = p.parse('{"ch2":[7],"time":[0.003],"ch1":[8]}');
  assert.deepEqual(r2, { frames: 1, firstTime: 0.003, lastTime: 0.003 });
  assert.deepEqual(frame(p, 1), [8, 7]);
});

test("a Phasemeter's keys and a line without time", () => {
  const p = new MokuLineParser();
  p.parse('{"ch1_frequency":[1e6],"ch1_phase":[0.25],"time":[0]}');
  assert.deepEqual(p.channels, ['ch1_frequency', 'ch1_phase']);
  const q = new MokuLineParser();
  const r = q.parse('{"ch1":[1,2]}');
  assert.equal(r.frames, 2);
  assert.ok(Number.isNaN(r.firstTime));
});

test("mokucli's words for values JSON cannot spell: nan, NaN, inf, -inf, Infinity, null", () => {
  const p = new MokuLineParser();
  p.parse('{"time":[0,1,2,3,4,5,6],"ch1":[nan, NaN, inf, -inf, Infinity, -Infinity, null]}');
  const v = frame(p, 7);
  assert.ok(Number.isNaN(v[0]) && Number.isNaN(v[1]) && Number.isNaN(v[6]));
  assert.deepEqual(v.slice(2, 6), [Infinity, -Infinity, Infinity, -Infinity]);
});

test('numbers parse exactly as Number() does, short ones on the fast path and long ones not', () => {
  const p = new MokuLineParser();
  const texts = [
    '0.1',
    '0.30000000000000004',
    '1.2345678901e-03',
    '-0',
    '123456789012345',
    '1234567890123456789',
    '5e-324',
    '1e308',
    '1e400',
    '9007199254740993',
    '0.000001',
    '2.5E+2',
  ];
  p.parse(`{"ch1":[${texts.join(',')}]}`);
  const v = frame(p, texts.length);
  texts.forEach((t, i) => assert.ok(Object.is(v[i], Number(t)), `${t}: ${v[i]} vs ${Number(t)}`));
});

test('EOS is the end line, with or without spaces; nothing else is', () => {
  assert.ok(MokuLineParser.isEos('EOS'));
  assert.ok(MokuLineParser.isEos(' EOS\r'));
  assert.ok(!MokuLineParser.isEos('EOSX'));
  assert.ok(!MokuLineParser.isEos('{"EOS":[]}'));
});

test('bad lines are refused saying what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /not a JSON object/],
    ['[1,2]', /not a JSON object/],
    ['{}', /empty object/],
    ['{"time":[0,1]}', /no channel/],
    ['{"time":[0,1],"ch1":[1]}', /"ch1" has 1 values, other arrays 2/],
    ['{"ch1":[1,2],"time":[0]}', /"time" has 1 values, other arrays 2/],
    ['{"ch1":[1,2],"ch1":[1,2]}', /"ch1" appears twice/],
    ['{"ch1":[1,"2"]}', /not a number/],
    ['{"ch1":[01]}', /leading zero/],
    ['{"ch1":[1.]}', /without digits after/],
    ['{"ch1":[1e]}', /empty exponent/],
    ['{"ch1":[1,2]', /expected ',' or '}'/],
    ['{"ch1":[1,2]} x', /text after the object/],
    ['{"ch1":[info]}', /not a number/],
    ['{"ch1":1}', /is not an array/],
    ['{"c\\u0068":[1]}', /not a plain name/],
  ];
  for (const [line, message] of cases) {
    assert.throws(
      () => new MokuLineParser().parse(line),
      (e: Error) => e instanceof MokuProtocolError && message.test(e.message),
      line,
    );
  }
  const p = new MokuLineParser();
  p.parse('{"time":[0],"ch1":[1],"ch2":[2]}');
  assert.throws(() => p.parse('{"time":[1],"ch1":[1]}'), /lacks "ch2"/);
  assert.throws(() => p.parse('{"time":[1],"ch1":[1],"ch2":[2],"ch3":[3]}'), /"ch3" was not in the stream's first line/);
  // A refused line leaves the parser as it was: the next good one reads.
  assert.equal(p.parse('{"time":[1],"ch1":[5],"ch2":[6]}').frames, 1);
  assert.deepEqual(frame(p, 1), [5, 6]);
});

// ---- fuzz ----

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ noNaN: true }) },
  { weight: 3, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1000) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);
const spelling = (v: number, style: number): string => {
  if (Number.isNaN(v)) return ['nan', 'NaN', 'null'][style % 3];
  if (v === Infinity) return ['inf', 'Infinity'][style % 2];
  if (v === -Infinity) return ['-inf', '-Infinity'][style % 2];
  if (Object.is(v, -0)) return '-0';
  return style % 4 === 3 ? v.toExponential() : String(v);
};
const space = fc.constantFrom('', '', ' ', '  ', '\t', ' \r');

const streamArb = fc
  .record({
    channels: fc.integer({ min: 1, max: 4 }),
    withTime: fc.boolean(),
    lines: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
    seed: fc.array(value, { minLength: 60, maxLength: 60 }),
    styles: fc.array(fc.nat(11), { minLength: 8, maxLength: 8 }),
    spaces: fc.array(space, { minLength: 8, maxLength: 8 }),
    order: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
  })
  .map((s) => {
    const names = Array.from({ length: s.channels }, (_, c) => `ch${c + 1}`);
    const keys = s.withTime ? ['time', ...names] : names;
    let k = 0;
    const next = () => s.seed[k++ % s.seed.length];
    const lines = s.lines.map((frames, li) => {
      // Any key order but the first line's is the channels' order.
      const order =
        li === 0
          ? keys
          : [...keys].sort(
              (a, b) =>
                ((s.order[a.length % 5] + a.charCodeAt(a.length - 1)) % 7) - ((s.order[b.length % 5] + b.charCodeAt(b.length - 1)) % 7),
            );
      const data = new Map(keys.map((key) => [key, Array.from({ length: frames }, next)]));
      const sp = (i: number) => s.spaces[(i + li) % s.spaces.length];
      const text =
        `${sp(0)}{${sp(1)}` +
        order
          .map(
            (key, i) =>
              `"${key}"${sp(i + 2)}:${sp(i + 3)}[${sp(i)}${data
                .get(key)!
                .map((v, j) => spelling(v, s.styles[(i + j) % 8]))
                .join(`${sp(j0(i))},${sp(i + 1)}`)}${sp(i + 4)}]`,
          )
          .join(`${sp(5)},${sp(6)}`) +
        `${sp(7)}}${sp(2)}`;
      return { text, data, frames };
    });
    return { names, lines };
  });
const j0 = (i: number) => i * 3;

test('fuzz: generated streams parse to exactly the values written (any spelling, spacing, key order)', (t) => {
  checkProperty(
    t,
    fc.property(streamArb, ({ names, lines }) => {
      const p = new MokuLineParser();
      for (const line of lines) {
        const r = p.parse(line.text);
        assert.deepEqual(p.channels, names);
        assert.equal(r.frames, line.frames);
        const time = line.data.get('time');
        if (time && time.length) {
          assert.ok(Object.is(r.firstTime, time[0]) && Object.is(r.lastTime, time[time.length - 1]));
        }
        for (let f = 0; f < line.frames; f++)
          names.forEach((name, c) => {
            const want = line.data.get(name)![f];
            const got = p.values[f * names.length + c];
            assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${name}[${f}]: ${got} vs ${want}`);
          });
      }
    }),
    propertyParameters(400),
  );
});

/** What a line means by JSON.parse (nan words made NaN by parseMokuJson), or why it is no frame. */
function reference(line: string): Map<string, number[]> | string {
  let parsed: unknown;
  try {
    parsed = parseMokuJson(line);
  } catch {
    return 'not JSON';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not an object';
  const out = new Map<string, number[]>();
  for (const [key, v] of Object.entries(parsed)) {
    if (!Array.isArray(v)) return 'not an array';
    if (!v.every((x) => typeof x === 'number' || x === null)) return 'not numbers';
    out.set(
      key,
      v.map((x: number | null) => (x === null ? NaN : x)),
    );
  }
  if (out.size === 0 || [...out.keys()].every((k) => k === 'time')) return 'no channel';
  const lengths = new Set([...out.values()].map((a) => a.length));
  if (lengths.size > 1) return 'lengths differ';
  return out;
}

const mutation = fc.record({
  kind: fc.constantFrom('cut', 'delete', 'insert', 'replace'),
  at: fc.nat(),
  char: fc.constantFrom(...'[]{},:" 0123456789.eE+-naifNIty\t'.split('')),
});

test('fuzz: damaged lines are refused with a MokuProtocolError, or read exactly as JSON.parse reads them', (t) => {
  checkProperty(
    t,
    fc.property(streamArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ lines }, mutations) => {
      let text = lines[0].text;
      for (const m of mutations) {
        const at = text.length ? m.at % (text.length + 1) : 0;
        if (m.kind === 'cut') text = text.slice(0, at);
        else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + 1);
        else if (m.kind === 'insert') text = text.slice(0, at) + m.char + text.slice(at);
        else text = text.slice(0, at) + m.char + text.slice(at + 1);
      }
      const want = reference(text);
      const p = new MokuLineParser();
      let got;
      try {
        got = p.parse(text);
      } catch (error) {
        assert.ok(error instanceof MokuProtocolError, `not a MokuProtocolError: ${(error as Error).stack}`);
        if (typeof want === 'string') return;
        // JSON.parse keeps the last of two equal keys; a stream never repeats one, so we refuse it.
        const twice = /"(.+)" appears twice/.exec((error as Error).message);
        assert.ok(
          twice && text.split(`"${twice[1]}"`).length > 2,
          `refused ${JSON.stringify(text)} that JSON reads: ${(error as Error).message}`,
        );
        return;
      }
      assert.equal(typeof want, 'object', `read ${JSON.stringify(text)} that JSON refuses (${String(want)})`);
      const ref = want as Map<string, number[]>;
      const names = [...ref.keys()].filter((k) => k !== 'time');
      assert.deepEqual(p.channels, names);
      const frames = ref.get(names[0])!.length;
      assert.equal(got.frames, frames);
      for (let f = 0; f < frames; f++)
        names.forEach((name, c) => {
          const a = p.values[f * names.length + c];
          const b = ref.get(name)![f];
          assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${name}[${f}] ${a} vs ${b} in ${JSON.stringify(text)}`);
        });
    }),
    propertyParameters(3000),
  );
});

// ---- REST bodies ----

test('REST bodies: bare nan/inf outside strings become numbers; strings keep their words', () => {
  const body =
    '{"success": true, "data": {"temperature": nan, "gain": -inf, "max": inf, "note": "info: nan is financial", "v": [NaN, 1]}, "code": null, "messages": null}';
  const e = parseEnvelope(body);
  assert.equal(e.success, true);
  const d = e.data as Record<string, unknown>;
  assert.ok(Number.isNaN(d.temperature as number));
  assert.equal(d.gain, -Infinity);
  assert.equal(d.max, Infinity);
  assert.equal(d.note, 'info: nan is financial');
  assert.ok(Number.isNaN((d.v as number[])[0]));
  assert.deepEqual(e.messages, []);
  // A string with an escaped quote before a nan-looking word stays a string.
  assert.deepEqual(parseMokuJson('{"a": "say \\"nan\\" inf", "b": [inf]}'), { a: 'say "nan" inf', b: [Infinity] });
});

test('REST bodies: data sent as JSON text is parsed; error envelopes keep their code and messages', () => {
  const e = parseEnvelope('{"success":true,"data":"{\\"sample_rate\\": 1000.0}","code":null,"messages":["rate coerced"]}');
  assert.deepEqual(e.data, { sample_rate: 1000 });
  assert.deepEqual(e.messages, ['rate coerced']);
  const bad = parseEnvelope('{"success":false,"data":null,"code":"INVALID_REQUEST","messages":["No client key"]}');
  assert.deepEqual(bad, { success: false, data: null, code: 'INVALID_REQUEST', messages: ['No client key'] });
  assert.throws(() => parseEnvelope('<html>Not Found</html>'), /not JSON/);
  assert.throws(() => parseEnvelope('[1]'), /not a Moku envelope/);
});

// ---- mokucli --version ----

test('mokucli --version in both styles; what each MokuOS needs', () => {
  assert.deepEqual(parseMokucliVersion('4.0.3\n'), [4, 0, 3]);
  assert.deepEqual(parseMokucliVersion('mokucli 2.2.2'), [2, 2, 2]);
  assert.deepEqual(parseMokucliVersion('mokucli, version 3.1'), [3, 1, 0]);
  assert.equal(parseMokucliVersion('usage: mokucli [OPTIONS]'), undefined);
  assert.ok(
    compareVersions([4, 0, 1], [4, 0, 3]) < 0 && compareVersions([4, 1, 0], [4, 0, 9]) > 0 && compareVersions([2, 2, 2], [2, 2, 2]) === 0,
  );
  assert.deepEqual(requiredMokucli('4.0.1', undefined).version, [4, 0, 1]);
  assert.deepEqual(requiredMokucli('3.3.1', 590).version, [2, 2, 2]);
  assert.deepEqual(requiredMokucli('3.2.0', 585).version, [2, 2, 1]);
  assert.deepEqual(requiredMokucli('3.1.0', 580).version, [2, 1, 0]);
  assert.deepEqual(requiredMokucli(undefined, undefined).version, [4, 0, 1]);
});

test('hosts for URLs: IPv6 bracketed with its zone, a port kept', () => {
  assert.equal(hostForUrl('192.168.73.1', undefined), '192.168.73.1');
  assert.equal(hostForUrl('10.0.0.2', 8090), '10.0.0.2:8090');
  assert.equal(hostForUrl('fe80::1%eth0', undefined), '[fe80::1%eth0]');
  assert.equal(hostForUrl('fe80::1%eth0', 80), '[fe80::1%eth0]:80');
});

test('a time array the fast path does not take (a word in it, odd spacing) is read in full: the same count and ends', () => {
  const p = new MokuLineParser();
  assert.deepEqual(p.parse('{"time":[0.5, nan ,2.5],"ch1":[1,2,3]}'), { frames: 3, firstTime: 0.5, lastTime: 2.5 });
  const last = p.parse('{"ch1":[4,5],"time":[3, -inf]}');
  assert.deepEqual([last.frames, last.firstTime, last.lastTime], [2, 3, -Infinity]);
  assert.throws(() => p.parse('{"time":[3 4],"ch1":[1,2]}'), /expected ',' or '\]'/);
});
