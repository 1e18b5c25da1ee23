import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RDA_GUID,
  RDA_HEADER_SIZE,
  RdaMessageType,
  decodeCp1252,
  encodeCp1252,
  encodeData,
  encodeKeepAlive,
  encodeRaw,
  encodeStart,
  encodeStop,
  type RdaMarker,
} from '../../src/devices/rda/protocol';
import { RdaMessageSplitter, TsRdaDecoder, parseStart, rdaMessageSize } from '../../src/devices/rda/tsDecoder';

const names = ['Fp1', 'µV-chan', 'Ä,ö', 'C€'];
const resolutions = [0.1, 0.5, 1, 0.048828125];
const start = encodeStart({ names, intervalUs: 1000, resolutions });

function startedDecoder(): TsRdaDecoder {
  const decoder = new TsRdaDecoder();
  decoder.decode(start);
  return decoder;
}

test('header: GUID, nSize and type on every message', () => {
  for (const [msg, type] of [
    [start, RdaMessageType.Start],
    [encodeStop(), RdaMessageType.Stop],
    [encodeKeepAlive(), RdaMessageType.KeepAlive],
    [encodeRaw(7, Buffer.from('xyz')), 7],
  ] as const) {
    assert.deepEqual([...msg.subarray(0, 16)], [...RDA_GUID]);
    assert.equal(msg.readUInt32LE(16), msg.length);
    assert.equal(msg.readUInt32LE(20), type);
    assert.equal(rdaMessageSize(msg), msg.length);
  }
  assert.equal(encodeStop().length, RDA_HEADER_SIZE);
});

test('start message round trip with cp1252 names', () => {
  const parsed = parseStart(start);
  assert.equal(parsed.channels, 4);
  assert.equal(parsed.intervalUs, 1000);
  assert.deepEqual(parsed.resolutions, resolutions);
  assert.deepEqual(parsed.names, names);
  // µ is 0xB5 and € is 0x80 in cp1252: one byte each, not UTF-8.
  assert.deepEqual([...encodeCp1252('µÄ€')], [0xb5, 0xc4, 0x80]);
});

test('cp1252: unrepresentable characters and NUL become ?', () => {
  assert.equal(decodeCp1252(encodeCp1252('a\u03a9b\u{1F600}c\0')), 'a?b?c?');
});

const markers: RdaMarker[] = [
  { position: 0, points: 1, channel: -1, type: 'New Segment', description: '' },
  { position: 2, points: 3, channel: 1, type: 'Stimulus', description: 'S  1 µ' },
];

for (const format of ['int16', 'float32'] as const) {
  test(`${format} data round trip scales by resolution and keeps markers`, () => {
    const points = 3;
    const raw = Array.from({ length: points * names.length }, (_, i) => (i % 2 ? -1 : 1) * (i * 1000 + 7));
    const samples = format === 'int16' ? Int16Array.from(raw) : Float32Array.from(raw, (v) => v + 0.25);
    const msg = encodeData({ format, block: 42, channels: names.length, samples, markers });
    const out = new Float32Array(samples.length + 2);
    const decoded = startedDecoder().decode(msg, out, 2);
    assert.equal(decoded.type, format === 'int16' ? RdaMessageType.Int16Data : RdaMessageType.Float32Data);
    assert.ok('block' in decoded);
    assert.equal(decoded.block, 42);
    assert.equal(decoded.points, points);
    assert.deepEqual(decoded.markers, markers);
    const expected = Float32Array.from(samples, (v, i) => v * resolutions[i % names.length]);
    assert.deepEqual(out.subarray(2), expected);
  });
}

test('encodeData rejects a sample type that does not match the format', () => {
  assert.throws(() => encodeData({ format: 'int16', block: 0, channels: 1, samples: new Float32Array(2) }), /Int16Array/);
  assert.throws(() => encodeData({ format: 'float32', block: 0, channels: 3, samples: new Float32Array(4) }), /whole number/);
});

test('decoder skips stop, keep-alive and unknown types; splitter reassembles by nSize', () => {
  const decoder = new TsRdaDecoder();
  const data = encodeData({ format: 'float32', block: 0, channels: 4, samples: new Float32Array(8), markers });
  const stream = Buffer.concat([start, encodeKeepAlive(), encodeRaw(6, Buffer.alloc(13, 1)), data, encodeStop()]);
  const splitter = new RdaMessageSplitter();
  const messages: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 5) messages.push(...splitter.push(stream.subarray(i, i + 5)));
  assert.equal(splitter.buffered, 0);
  const types = messages.map((m) => decoder.decode(m));
  assert.deepEqual(
    types.map((d) => d.type),
    [1, 10000, 6, 4, 3],
  );
  assert.ok('skipped' in types[1] && 'skipped' in types[2]);
});

test('decoder errors: data before start, bad GUID, truncated message', () => {
  const data = encodeData({ format: 'int16', block: 0, channels: 4, samples: new Int16Array(4) });
  assert.throws(() => new TsRdaDecoder().decode(data), /before any start/);
  const bad = Buffer.from(data);
  bad[0] ^= 0xff;
  assert.throws(() => rdaMessageSize(bad), /GUID/);
  assert.throws(() => startedDecoder().decode(data.subarray(0, data.length - 1)), /nSize/);
});
