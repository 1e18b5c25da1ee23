// The continuous-ASCII frame parser against the real SERVOPRO 4100 capture, the simulator's frames
// against the same capture byte for byte, and the parser under damaged input and fuzzing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  checksumOf,
  formatContinuousFrame,
  LineSplitter,
  parseAnalyserClock,
  parseContinuousFrame,
  type ContinuousFrame,
} from '../../src/devices/servomex/continuous-frame';
import { fuzz, fuzzInputs, REPLAYING } from '../support/property';

const CAPTURE = fs.readFileSync(path.resolve(__dirname, '../../../shared/data/servomex/continuous_4100_idle_5ch.bin'));

function captureLines(): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < CAPTURE.length; i++) {
    if (CAPTURE[i] === 0x0a) {
      lines.push(CAPTURE.subarray(from, i));
      from = i + 1;
    }
  }
  return lines;
}

function parsed(line: Uint8Array): ContinuousFrame {
  const result = parseContinuousFrame(line);
  if ('error' in result) assert.fail(result.error);
  return result;
}

test('every frame of the real 4100 capture parses: names, values, units, checksums', () => {
  const lines = captureLines();
  assert.equal(lines.length, 6, 'the capture holds six whole frames');
  const { lines: split } = new LineSplitter().push(CAPTURE);
  assert.deepEqual(
    split.map((l) => Buffer.from(l).toString('latin1')),
    lines.map((l) => l.toString('latin1')),
  );
  for (const line of lines) {
    const frame = parsed(line);
    // The checksum field is the 16-bit sum of the bytes after the leading space up to its ';'.
    const text = line.toString('latin1');
    const covered = line.subarray(1, text.lastIndexOf(';', text.length - 2) + 1);
    assert.equal(frame.checksum, checksumOf(covered));
    assert.equal(frame.checksum, parseInt(text.slice(-5, -1), 16));
    assert.deepEqual(
      frame.entries.map((e) => [e.id, e.name, e.value, e.unit]),
      [
        ['I1', 'Oxygen', 20.376, '%'],
        ['I2', 'CO', 0.084, '%'],
        ['I3', 'CO2', 0.25, '%'],
        ['E1', '', 0, 'mA'],
        ['E2', '', 0, 'mA'],
      ],
    );
    assert.equal(frame.autocal, 'S1S1S1S1');
    assert.match(frame.clockText, /^06-10-20 02:54:\d\d$/);
    assert.deepEqual({ ...frame.clock, second: 0 }, { year: 2020, month: 10, day: 6, hour: 2, minute: 54, second: 0 });
  }
  assert.deepEqual(
    lines.map((l) => parsed(l).clock!.second),
    [12, 14, 16, 18, 21, 23],
  );
});

test('the simulator formats frames byte for byte as the analyser printed them', () => {
  for (const line of captureLines()) {
    const text = line.toString('latin1');
    const fields = text.slice(1).split(';');
    const entries = [];
    for (let k = 0; k < 5; k++) {
      const f = fields.slice(5 + 8 * k, 13 + 8 * k);
      entries.push({ id: f[0], name: f[1], value: f[2].trim(), unit: f[3].trim(), alarms: f[4], fm: f[5], cal: f[6], warmup: f[7] });
    }
    const made = formatContinuousFrame({ date: fields[0], time: fields[1], fm: fields[2], autocal: fields[3], entries });
    assert.equal(Buffer.from(made).toString('latin1'), `${text}\n`);
  }
});

test('names use the display character set: 0x82 is a subscript two', () => {
  const frame = formatContinuousFrame({
    date: '01-02-24',
    time: '10:11:12',
    entries: [{ id: 'I3', name: 'CO₂', value: '0.4', unit: '%' }],
  });
  assert.ok(Buffer.from(frame).includes(Buffer.from([0x43, 0x4f, 0x82])), 'CO₂ is written as C O 0x82');
  assert.equal(parsed(frame.subarray(0, frame.length - 1)).entries[0].name, 'CO₂');
});

test('a frame head is " dddddddd;tttttttt;" with no ";" inside: a damaged line is refused, not read from a field boundary', () => {
  // Found by fuzzing: the real frame's leading space lost, and "; 0.250; % ;    ; 2 ;" later in the
  // line has ';' at the head's fixed places, but a ';' inside its "date" too.
  const line = Buffer.from(captureLines()[0]);
  line[0] = 0x21;
  const result = parseContinuousFrame(line);
  assert.ok('error' in result, JSON.stringify(result).slice(0, 200));
  assert.match(result.error, /no frame start/);
});

test('a reading spelt as a number that overflows (9e9999, like the 20.e376 fuzzing found) is no reading, not Infinity', () => {
  const frame = formatContinuousFrame({
    date: '01-02-24',
    time: '10:11:12',
    entries: [{ id: 'I1', name: 'Oxygen', value: '9e9999', unit: '%' }],
  });
  const entry = parsed(frame.subarray(0, frame.length - 1)).entries[0];
  assert.equal(entry.value, null);
  assert.equal(entry.valueText, '9e9999');
});

test('a wrong checksum, a wrong field count and a non-hex checksum are errors that say so', () => {
  const line = Buffer.from(captureLines()[0]);
  const flipped = Buffer.from(line);
  flipped[30] ^= 0x01;
  assert.match((parseContinuousFrame(flipped) as { error: string }).error, /checksum mismatch: frame says 2A1D, bytes sum to 2A1[CE]/);
  // Announce 4 channels where 5 follow (and fix the checksum so only the count is wrong).
  const text = line.toString('latin1').replace(';05;', ';04;');
  const body = Buffer.from(text.slice(1, -5), 'latin1');
  const recount = Buffer.from(` ${text.slice(1, -5)}${checksumOf(body).toString(16).toUpperCase().padStart(4, '0')};`, 'latin1');
  assert.match((parseContinuousFrame(recount) as { error: string }).error, /N=4 announces 38 fields but the frame has 46/);
  const badHex = Buffer.from(line.toString('latin1').replace(/2A1D;$/, '2A1G;'), 'latin1');
  assert.match((parseContinuousFrame(badHex) as { error: string }).error, /checksum field "2A1G" is not 4 hex digits/);
});

test('the analyser clock is parsed without ever throwing', () => {
  assert.deepEqual(parseAnalyserClock('29-02-24', '23:59:59'), { year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59 });
  for (const [d, t] of [
    ['29-02-23', '00:00:00'],
    ['31-04-20', '12:00:00'],
    ['06-10-20', '24:00:00'],
    ['--------', '--:--:--'],
    ['', ''],
    ['6-10-20', '2:54:12'],
  ]) {
    assert.equal(parseAnalyserClock(d, t), undefined, `${d} ${t}`);
  }
  // A frame with a junk clock still delivers its readings.
  const frame = formatContinuousFrame({
    date: '99-99-99',
    time: '99:99:99',
    entries: [{ id: 'I1', name: 'Oxygen', value: '20.9', unit: '%' }],
  });
  const result = parsed(frame.subarray(0, frame.length - 1));
  assert.equal(result.clock, undefined);
  assert.equal(result.entries[0].value, 20.9);
});

test('LF or CR LF, chunks split anywhere, garbage and partial frames: every whole frame is found', () => {
  const lines = captureLines();
  const crlf = Buffer.concat(lines.map((l) => Buffer.concat([l, Buffer.from('\r\n')])));
  // Noise without a line end before a frame, and a frame cut short by a restart.
  const noisy = Buffer.concat([
    Buffer.from('\x00\xff#garbage'),
    lines[0],
    Buffer.from('\n'),
    lines[1].subarray(0, 77),
    lines[2],
    Buffer.from('\r\n'),
    lines[3],
    Buffer.from('\n'),
  ]);
  for (const [stream, want] of [
    [crlf, [12, 14, 16, 18, 21, 23]],
    [noisy, [12, 16, 18]],
  ] as const) {
    for (const chunk of [1, 7, 64, stream.length]) {
      const splitter = new LineSplitter();
      const seconds: number[] = [];
      for (let i = 0; i < stream.length; i += chunk) {
        for (const line of splitter.push(stream.subarray(i, i + chunk)).lines) {
          const result = parseContinuousFrame(line);
          if (!('error' in result)) seconds.push(result.clock!.second);
        }
      }
      assert.deepEqual(seconds, want, `chunks of ${chunk}`);
    }
  }
});

test('a line without a line end cannot grow without bound', () => {
  const splitter = new LineSplitter(4096);
  let overlong = 0;
  for (let i = 0; i < 100; i++) overlong += splitter.push(Buffer.alloc(1000, 0x41)).overlong;
  assert.ok(overlong > 0);
  const { lines } = splitter.push(Buffer.concat([Buffer.from('\n'), captureLines()[0], Buffer.from('\n')]));
  assert.equal(lines.length, 2, 'the cut-off line and then the next frame');
  assert.ok(!('error' in parseContinuousFrame(lines[1])));
});

/** `bytes` with the checksum of every line that looks like a frame made right (the fuzzer's repair). */
function withChecksumsFixed(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let from = 0; from < out.length;) {
    let end = out.indexOf(0x0a, from);
    if (end < 0) end = out.length;
    const next = end + 1;
    if (end > from && out[end - 1] === 0x0d) end--;
    // The frame starts at the last " dd-mm-yy;hh:mm:ss;", or failing that the last " ????????;????????;".
    const head = (p: number, dashes: boolean) =>
      out[p] === 0x20 && out[p + 9] === 0x3b && out[p + 18] === 0x3b && (!dashes || (out[p + 3] === 0x2d && out[p + 6] === 0x2d));
    let start = -1;
    for (const dashes of [true, false]) {
      for (let p = end - 24; p >= from && start < 0; p--) if (head(p, dashes)) start = p;
      if (start >= 0) break;
    }
    if (start >= 0 && out[end - 1] === 0x3b) {
      out.set(
        Buffer.from(
          checksumOf(out.subarray(start + 1, end - 5))
            .toString(16)
            .toUpperCase()
            .padStart(4, '0'),
          'latin1',
        ),
        end - 5,
      );
    }
    from = next;
  }
  return out;
}

test('fuzz: the splitter and the parser never throw, and what they accept is consistent', (t) => {
  const corpus = captureLines().map((l) => Uint8Array.from(Buffer.concat([l, Buffer.from('\n')])));
  // One stream of several frames too, so mutations can join, split and cut lines.
  const seeds = [...corpus, Uint8Array.from(Buffer.concat(corpus))];
  const input = fc.record({ bytes: fuzzInputs(seeds, { repair: withChecksumsFixed }), cut: fc.integer({ min: 0, max: 0xffff }) });
  let accepted = 0;
  let refused = 0;
  const tried = fuzz(t, 'servomex continuous frames', input, ({ bytes, cut }) => {
    const { lines } = new LineSplitter().push(bytes);
    // The same bytes in two chunks split anywhere give the same lines (within the line limit,
    // 4096: the inputs are shorter than that).
    const at = Math.floor((cut * (bytes.length + 1)) / 0x10000);
    const splitter = new LineSplitter();
    const twice = [...splitter.push(bytes.subarray(0, at)).lines, ...splitter.push(bytes.subarray(at)).lines];
    if (bytes.length <= 4096) assert.deepEqual(twice, lines, `split at ${at}`);
    for (const line of lines) {
      const result = parseContinuousFrame(line);
      if ('error' in result) {
        assert.equal(typeof result.error, 'string');
        assert.ok(result.error.length > 0);
        refused++;
        continue;
      }
      accepted++;
      // Accepted frames are self-consistent: the frame is " date;time;…;CCCC;" at the end of the
      // line, CCCC is the sum of the bytes between, it has the fields N announces, garbage before it
      // does not change it, and every entry is complete.
      const text = Buffer.from(line).toString('latin1');
      assert.match(text, /;[0-9A-Fa-f]{4};$/);
      assert.equal(parseInt(text.slice(-5, -1), 16), result.checksum);
      const head = ` ${result.clockText.slice(0, 8)};${result.clockText.slice(9)};`;
      const starts: number[] = [];
      for (let p = text.indexOf(head); p >= 0; p = text.indexOf(head, p + 1)) starts.push(p);
      const start = starts.find(
        (p) =>
          checksumOf(line.subarray(p + 1, line.length - 5)) === result.checksum &&
          text.slice(p + 1).split(';').length - 1 === 5 + 8 * result.entries.length + 1,
      );
      assert.ok(start !== undefined, `no "${head}" in the line starts a frame with this checksum and ${result.entries.length} entries`);
      if (start > 0) assert.deepEqual(parseContinuousFrame(line.subarray(start)), result, 'the frame without what came before it');
      for (const e of result.entries) {
        assert.equal(typeof e.id, 'string');
        assert.ok(e.value === null || Number.isFinite(e.value));
      }
    }
  });
  t.diagnostic(`frames accepted ${accepted}, refused ${refused}`);
  // A fuzzer that never got past the checksum, or never made the parser refuse, would test nothing.
  if (!REPLAYING) assert.ok(accepted > tried / 20 && refused > tried / 20, `accepted ${accepted}, refused ${refused} of ${tried} inputs`);
});
