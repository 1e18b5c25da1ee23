// The native addon through its TypeScript contract (src/core/native.ts). Needs `npm run build:native`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { native, type AnyNativeRing, type NativeRing, type NativeSamples } from '../../src/core/native';

const addon = native();
const { Ring, RdaDecoder } = addon;
const addonPath = path.resolve(__dirname, '..', '..', 'build', 'native', 'Release', 'labscope.node');

/** Frames [first, first+n) of `ch` channels; frame f channel c holds f*10+c. */
function frames(first: number, n: number, ch: number): Float32Array {
  const out = new Float32Array(n * ch);
  for (let f = 0; f < n; f++) for (let c = 0; c < ch; c++) out[f * ch + c] = (first + f) * 10 + c;
  return out;
}

function throwsCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('ring: write, read, counters and coded errors', () => {
  const r = new Ring(3, 8);
  try {
    assert.equal(r.channels, 3);
    assert.equal(r.capacity, 8);
    assert.equal(r.written(), 0);
    assert.equal(r.write(frames(0, 5, 3)), 5);
    assert.deepEqual(r.read(1, 4), frames(1, 3, 3));
    assert.equal(r.write(frames(5, 7, 3)), 12);
    assert.equal(r.oldest(), 4);
    assert.deepEqual(r.read(4, 12), frames(4, 8, 3)); // wraps
    assert.equal(r.read(12, 12).length, 0);
    const out = new Float32Array(9);
    r.readInto(9, 12, out);
    assert.deepEqual(out, frames(9, 3, 3));
    throwsCode(() => r.read(3, 5), 'EOVERWRITTEN', /frames \[3, 5\) overwritten/);
    throwsCode(() => r.read(10, 13), 'ENOTYET', /frames \[10, 13\) not written yet \(written 12\)/);
    throwsCode(() => r.read(6, 5), 'ERANGE', /start 6 is after end 5/);
    throwsCode(() => r.read(-1, 5), 'ERANGE', /start -1 is out of range/);
    throwsCode(() => r.readInto(2, 5, out), 'EOVERWRITTEN', /overwritten/);
    assert.throws(() => r.readInto(8, 12, out), { name: 'RangeError', message: /out holds 9 floats, 12 needed/ });
  } finally {
    r.release();
  }
});

test('ring: validates its inputs', () => {
  assert.throws(() => new Ring(0, 8), { name: 'RangeError', message: /channels must be 1\.\.65535 \(got 0\)/ });
  assert.throws(() => new Ring(65536, 8), { name: 'RangeError', message: /channels must be 1\.\.65535/ });
  assert.throws(() => new Ring(2, 0), { name: 'RangeError', message: /capacity must be at least 1/ });
  assert.throws(() => new Ring(1.5, 8), { name: 'TypeError', message: /channels must be an integer/ });
  assert.throws(() => new Ring(1024, 2 ** 31), { name: 'RangeError', message: /exceeds the 8 GiB limit/ });
  const r = new Ring(2, 8);
  assert.throws(() => r.write(new Float32Array(3)), { name: 'TypeError', message: /frames length 3 is not a multiple of channels \(2\)/ });
  assert.throws(() => r.write(new Float64Array(2) as unknown as Float32Array), { name: 'TypeError', message: /must be a Float32Array/ });
  assert.throws(() => r.read(0.5, 1), { name: 'TypeError', message: /start must be an integer/ });
  r.release();
  assert.throws(() => r.written(), /released/);
  assert.throws(() => Ring.open(r.id), /no ring with id/);
});

test('ring: a contiguous read is a live view, a wrapped read is a copy', () => {
  const r = new Ring(1, 4);
  r.write(Float32Array.of(1, 2, 3));
  const view = r.read(0, 2); // slots 0..1
  assert.deepEqual([...view], [1, 2]);
  r.write(Float32Array.of(4, 5, 6)); // frames 4, 5 land in slots 0, 1
  assert.deepEqual([...view], [5, 6], 'the view aliases ring memory');
  const copy = r.read(2, 5); // slots 2, 3, 0: wraps
  assert.deepEqual([...copy], [3, 4, 5]);
  r.write(Float32Array.of(7, 8, 9));
  assert.deepEqual([...copy], [3, 4, 5], 'the copy is detached');
  r.release();
  assert.deepEqual([...view], [9, 6], 'the view keeps the memory alive after release');
});

test('ring: opened by id from a worker that writes while the main thread reads', async () => {
  const channels = 2;
  const total = 200_000;
  const r = new Ring(channels, 4096);
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { Ring } = require(workerData.addonPath);
     const ring = Ring.open(workerData.id);
     if (ring.channels !== workerData.channels) throw new Error('wrong ring');
     for (let f = 0; f < workerData.total; ) {
       const n = Math.min(1 + ((f * 7919) % 500), workerData.total - f);
       const chunk = new Float32Array(n * workerData.channels);
       for (let i = 0; i < n; i++) for (let c = 0; c < workerData.channels; c++) chunk[i * workerData.channels + c] = (f + i) * 2 + c;
       ring.write(chunk);
       f += n;
     }
     ring.release();`,
    { eval: true, workerData: { addonPath, id: r.id, channels, total } },
  );
  const exited = new Promise<number>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
  // readInto, not read: a view near the tail is live and may change under us while we check it;
  // a copy is validated against the writer's progress before it is returned.
  let ok = 0;
  let overwritten = 0;
  const got = new Float32Array(512 * channels);
  while (r.written() < total) {
    const end = r.written();
    const start = Math.max(0, end - 4096 - 16 + ((ok + overwritten) % 600));
    try {
      r.readInto(start, Math.min(end, start + 512), got);
      for (let i = 0; i < (Math.min(end, start + 512) - start) * channels; i++) {
        assert.equal(got[i], (start + Math.floor(i / channels)) * 2 + (i % channels));
      }
      ok++;
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'EOVERWRITTEN');
      overwritten++;
    }
  }
  assert.equal(await exited, 0);
  assert.equal(r.written(), total);
  assert.ok(ok > 0, `reads ok ${ok}, overwritten ${overwritten}`);
  assert.deepEqual([...r.read(total - 2, total)], [(total - 2) * 2, (total - 2) * 2 + 1, (total - 1) * 2, (total - 1) * 2 + 1]);
  r.release();
});

// ---- float64 rings ----------------------------------------------------------------------------

/** What a float64 ring exists for: values float32 cannot hold, bit for bit. */
const EXACT = [
  -(2 ** 31), // int32 min
  2 ** 31 - 1,
  0x80000000, // uint32 with bit 31 set
  0xffffffff,
  2 ** 24 + 1, // the first integer float32 rounds
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  0.1,
  1 / 3,
  -0,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Infinity,
];

function sameBits(a: Float64Array, b: ArrayLike<number>): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `sample ${i}: ${a[i]} is not ${b[i]}`);
}

function throwsType(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: NodeJS.ErrnoException) => {
    assert.equal(e.name, 'TypeError', e.message);
    assert.equal(e.code, 'ETYPE', e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('ring float64: int32, uint32 and doubles come back exact, across the wrap, as Float64Arrays', () => {
  const r = new Ring(2, 5, 'float64');
  try {
    assert.equal(r.sampleType, 'float64');
    assert.equal(new Ring(1, 1).sampleType, 'float32', 'float32 stays the default');
    const all = Float64Array.from(EXACT);
    assert.equal(r.write(all.subarray(0, 6)), 3);
    assert.equal(r.write(all.subarray(6)), 7); // frames 3..6 land in slots 3, 4, 0, 1
    assert.equal(r.oldest(), 2);
    const copy = r.read(2, 7); // slots 2, 3, 4, 0, 1: wraps, a validated copy
    assert.ok(copy instanceof Float64Array);
    sameBits(copy, EXACT.slice(4));
    const view = r.read(5, 7); // slots 0, 1: contiguous, a view on ring memory
    assert.ok(view instanceof Float64Array);
    sameBits(view, EXACT.slice(10));
    const out = new Float64Array(10);
    r.readInto(2, 7, out);
    sameBits(out, EXACT.slice(4));
    assert.equal(out[0] - 1, 2 ** 24, '2^24 + 1 was not rounded to float32');
    assert.equal(r.read(2, 3)[1], 2 ** 53);
    throwsCode(() => r.read(1, 3), 'EOVERWRITTEN', /frames \[1, 3\) overwritten/);
    assert.throws(() => r.readInto(2, 7, new Float64Array(9)), { name: 'RangeError', message: /out holds 9 doubles, 10 needed/ });
    // The type system knows it too: a float64 ring's read() is a Float64Array.
    const typed: Float64Array = r.read(6, 7);
    assert.equal(typed[0], EXACT[12]);
  } finally {
    r.release();
  }
});

test('ring float64: the other kind of array, or an unknown type, is refused naming both', () => {
  const r64 = new Ring(2, 4, 'float64');
  const r32 = new Ring(2, 4);
  throwsType(
    () => r64.write(new Float32Array(2) as unknown as Float64Array),
    /Ring\.write: frames must be a Float64Array for this float64 ring \(got a Float32Array\)/,
  );
  throwsType(
    () => r32.write(new Float64Array(2) as unknown as Float32Array),
    /must be a Float32Array for this float32 ring \(got a Float64Array\)/,
  );
  throwsType(() => r64.write([1, 2] as unknown as Float64Array), /must be a Float64Array for this float64 ring \(got no typed array\)/);
  assert.equal(r64.written(), 0, 'nothing was written');
  r64.write(Float64Array.of(1, 2));
  throwsType(
    () => r64.readInto(0, 1, new Float32Array(2) as unknown as Float64Array),
    /Ring\.readInto: out must be a Float64Array for this float64 ring \(got a Float32Array\)/,
  );
  throwsType(() => new Ring(2, 4, 'int32' as 'float64'), /Ring: sampleType must be 'float32' or 'float64' \(got 'int32'\)/);
  throwsType(() => new Ring(2, 4, 64 as unknown as 'float64'), /sampleType must be 'float32' or 'float64'/);
  // The 8 GiB limit is in bytes: half the frames of a float32 ring.
  assert.throws(() => new Ring(1024, 2 ** 20 + 1, 'float64'), {
    name: 'RangeError',
    message: /channels of float64 exceeds the 8 GiB limit/,
  });
  // @ts-expect-error a float64 ring takes Float64Arrays only, at compile time as well
  assert.throws(() => r64.write(new Float32Array(2)), /Float64Array/);
  r64.release();
  r32.release();
});

test('ring float64: Ring.open gives a second handle, and a worker, the ring with its own type', async () => {
  const r = new Ring(1, 64, 'float64');
  const same = Ring.open(r.id, 'float64');
  assert.equal(same.sampleType, 'float64');
  assert.equal((Ring.open(r.id) as unknown as AnyNativeRing).sampleType, 'float64', 'without a type, still the ring’s own');
  throwsCode(() => Ring.open(r.id, 'float32'), 'ETYPE', new RegExp(`Ring\\.open: ring ${r.id} holds float64 samples, not float32`));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { Ring } = require(workerData.addonPath);
     const ring = Ring.open(workerData.id);
     if (ring.sampleType !== 'float64') throw new Error('opened as ' + ring.sampleType);
     ring.write(Float64Array.from(workerData.values));
     ring.release();`,
    { eval: true, workerData: { addonPath, id: r.id, values: EXACT } },
  );
  const exited = new Promise<number>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
  assert.equal(await exited, 0);
  sameBits(same.read(0, EXACT.length), EXACT);
  sameBits(r.read(0, EXACT.length), EXACT);
  same.release();
  r.release();
});

test('ring float64: the RDA decoder refuses it (it writes float32 rings only)', () => {
  const d = new RdaDecoder();
  d.decode(message(1, startBody([1, 1], ['A', 'B'])));
  const r = new Ring(2, 8, 'float64');
  throwsCode(
    () => d.decode(message(2, dataBody(0, int16s([1, 2]), 1)), r as unknown as NativeRing),
    'ERDA',
    /RDA data message: ring holds float64 samples; RDA data is written to float32 rings only/,
  );
  assert.equal(r.written(), 0);
  r.release();
});

// ---- RDA --------------------------------------------------------------------------------------

const GUID = Buffer.from([0x8e, 0x45, 0x58, 0x43, 0x96, 0xc9, 0x86, 0x4c, 0xaf, 0x4a, 0x98, 0xbb, 0xf6, 0xc9, 0x14, 0x50]);

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}
function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}
function f64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}
/** Header + body; `size` forges nSize. */
function message(type: number, body: Buffer, size = 24 + body.length): Buffer {
  return Buffer.concat([GUID, u32(size), u32(type), body]);
}
/** Names are latin1/cp1252 byte strings. */
function startBody(resolutions: number[], names: string[], intervalUs = 1000): Buffer {
  return Buffer.concat([
    u32(resolutions.length),
    f64(intervalUs),
    ...resolutions.map(f64),
    ...names.map((n) => Buffer.from(n + '\0', 'latin1')),
  ]);
}
function marker(position: number, points: number, channel: number, type: string, description: string): Buffer {
  const strings = Buffer.from(`${type}\0${description}\0`, 'latin1');
  return Buffer.concat([u32(16 + strings.length), u32(position), u32(points), i32(channel), strings]);
}
function dataBody(block: number, samples: Buffer, points: number, markers: Buffer[] = []): Buffer {
  return Buffer.concat([u32(block), u32(points), u32(markers.length), samples, ...markers]);
}
function int16s(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}
function float32s(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

test('rda: start, int16 and float32 data with markers, stop, unknown types', () => {
  const d = new RdaDecoder();
  assert.equal(d.started, false);
  const names = ['Fp1', 'C\xe4', '\x80\xb5'];
  const start = d.decode(message(1, startBody([0.5, 2, 0.25], names, 0.002)));
  assert.deepEqual(start, {
    type: 1,
    size: 24 + 12 + 24 + 4 + 3 + 3,
    channels: 3,
    intervalUs: 0.002,
    resolutions: [0.5, 2, 0.25],
    names: ['Fp1', 'Cä', '€µ'], // cp1252, not latin1: 0x80 is the euro sign
  });
  assert.equal(d.started, true);
  assert.equal(d.channels, 3);

  const ring = new Ring(3, 16);
  const ints = [1, -2, 4, 100, -32768, 32767];
  const d16 = d.decode(message(2, dataBody(5, int16s(ints), 2)), ring);
  assert.deepEqual(d16, { type: 2, size: 24 + 12 + 12, block: 5, points: 2, markers: [] });
  assert.deepEqual([...ring.read(0, 2)], [0.5, -4, 1, 50, -65536, 8191.75]);

  const floats = [1.5, -2, 8];
  const body = dataBody(6, float32s(floats), 1, [marker(0, 1, -1, 'Stimulus', 'S  1'), marker(3, 2, 2, 'Comment', 'caf\xe9')]);
  const d32 = d.decode(message(4, body), ring);
  assert.equal(d32.type, 4);
  assert.ok('markers' in d32);
  assert.deepEqual(d32.markers, [
    { position: 0, points: 1, channel: -1, type: 'Stimulus', description: 'S  1' },
    { position: 3, points: 2, channel: 2, type: 'Comment', description: 'café' },
  ]);
  assert.deepEqual([...ring.read(2, 3)], [0.75, -4, 2]);

  assert.deepEqual(d.decode(message(3, Buffer.alloc(0))), { type: 3, size: 24 });
  for (const t of [5, 9, 10000]) assert.deepEqual(d.decode(message(t, Buffer.alloc(3))), { type: t, size: 27, skipped: true });
  ring.release();
});

test('rda: rdaMessageSize', () => {
  const m = message(3, Buffer.alloc(10));
  assert.equal(addon.RDA_MAX_MESSAGE, 64 * 1024 * 1024);
  assert.equal(addon.rdaMessageSize(m.subarray(0, 23)), -1);
  assert.equal(addon.rdaMessageSize(m.subarray(0, 24)), 34);
  assert.equal(addon.rdaMessageSize(message(3, Buffer.alloc(0), addon.RDA_MAX_MESSAGE)), addon.RDA_MAX_MESSAGE);
  throwsCode(() => addon.rdaMessageSize(Buffer.concat([Buffer.alloc(16), m.subarray(16)])), 'ERDA', /unknown GUID/);
  throwsCode(() => addon.rdaMessageSize(message(3, Buffer.alloc(0), 12)), 'ERDA', /nSize 12 is smaller than the 24-byte header/);
  throwsCode(
    () => addon.rdaMessageSize(message(3, Buffer.alloc(0), addon.RDA_MAX_MESSAGE + 1)),
    'ERDA',
    /nSize 67108865 exceeds the 67108864-byte limit/,
  );
});

test('rda: bad input names the fault', () => {
  const d = new RdaDecoder();
  const bad = (m: Buffer, re: RegExp, ring?: NativeRing) => throwsCode(() => d.decode(m, ring), 'ERDA', re);
  const zero32 = Buffer.alloc(32 * 2);

  bad(message(2, dataBody(0, zero32, 1)), /data message before a start message/);
  bad(Buffer.concat([Buffer.alloc(16, 1), message(3, Buffer.alloc(0)).subarray(16)]), /RDA message: unknown GUID/);
  bad(message(3, Buffer.alloc(0), 12), /nSize 12 is smaller than the 24-byte header/);
  bad(message(3, Buffer.alloc(0), addon.RDA_MAX_MESSAGE + 1), /exceeds the 67108864-byte limit/);
  bad(message(1, startBody([1, 1], ['A', 'B'])).subarray(0, 50), /nSize 56 does not match the 50 bytes given/); // truncated
  bad(message(1, startBody([], [])), /RDA start message: nChannels is 0/);
  bad(message(1, Buffer.concat([u32(70000), f64(1000)])), /nChannels 70000 exceeds 65535/);
  bad(
    message(1, Buffer.concat([u32(32), f64(1000), Buffer.alloc(100)])),
    /32 resolutions × 8 bytes overrun the message \(100 bytes left\)/,
  );
  bad(
    message(1, Buffer.concat([u32(3), f64(1000), f64(1), f64(1), f64(1), Buffer.from('A\0B\0C')])),
    /channel name 3 has no NUL terminator/,
  );
  bad(message(1, Buffer.concat([u32(3), f64(1000), f64(1), f64(1), f64(1), Buffer.from('A\0')])), /ends after 1 of 3 channel names/);
  bad(message(1, startBody([1], ['A', 'B'])), /2 bytes after the 1 channel names/);

  const names = Array.from({ length: 32 }, (_, i) => `E${i}`);
  d.decode(message(1, startBody(Array(32).fill(1), names)));
  const ring = new Ring(32, 64);
  bad(message(2, dataBody(0, zero32, 1)), /ring has 4 channels, the stream has 32/, new Ring(4, 8));
  bad(
    message(2, Buffer.concat([u32(0), u32(512), u32(0), Buffer.alloc(1000)])),
    /512 points × 32 channels × 2 bytes overrun the message \(1000 bytes left\)/,
    ring,
  );
  bad(message(2, Buffer.alloc(8)), /8 bytes left, nBlock, nPoints and nMarkers need 12/);
  const good = marker(0, 1, -1, 'Stimulus', 'S  1');
  const forged = (size: number, cut = 0) => {
    const m = Buffer.from(good);
    m.writeUInt32LE(size, 0);
    return message(2, Buffer.concat([u32(0), u32(1), u32(1), zero32, m.subarray(0, m.length - cut)]));
  };
  assert.equal(d.decode(forged(good.length), ring).type, 2);
  bad(forged(10), /marker 1 of 1: nSize 10 is smaller than 18/, ring);
  bad(forged(good.length + 20), /marker 1 of 1: nSize 50 overruns the message \(30 bytes left\)/, ring);
  bad(forged(good.length - 5), /marker 1 of 1: description has no NUL terminator/, ring);
  bad(forged(good.length - 12), /marker 1 of 1: type has no NUL terminator/, ring);
  bad(forged(good.length, 20), /marker 1 of 1 overruns the message \(10 bytes left, 18 needed\)/, ring);
  assert.equal(ring.written(), 1, 'rejected messages never reach the ring');
  assert.throws(() => d.decode('x' as unknown as Uint8Array), { name: 'TypeError', message: /Uint8Array/ });
  ring.release();
});

// ---- decimation -------------------------------------------------------------------------------

function naiveMinMax(data: NativeSamples, first: number, ch: number, start: number, end: number, buckets: number, lo: number, hi: number) {
  const out = new Float32Array(ch * buckets * 2).fill(NaN);
  for (let b = 0; b < buckets; b++) {
    const b0 = Math.max(start + Math.floor((b * (end - start)) / buckets), lo);
    const b1 = Math.min(start + Math.floor(((b + 1) * (end - start)) / buckets), hi);
    for (let c = 0; c < ch; c++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let f = b0; f < b1; f++) {
        const v = data[(f - first) * ch + c];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mn <= mx) {
        out[(c * buckets + b) * 2] = mn;
        out[(c * buckets + b) * 2 + 1] = mx;
      }
    }
  }
  return out;
}

test('decimateMinMax matches a naive min/max and clamps to what the ring holds', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const ch of [1, 3, 8, 33]) {
    const r = new Ring(ch, 1000);
    const all = new Float32Array(2600 * ch).map(() => Math.fround(rand() * 2000 - 1000));
    r.write(all); // holds 1600..2599
    for (let trial = 0; trial < 25; trial++) {
      let a = Math.floor(rand() * 2800);
      let b = Math.floor(rand() * 2800);
      if (a > b) [a, b] = [b, a];
      const buckets = 1 + Math.floor(rand() * 300);
      const out = new Float32Array(ch * buckets * 2);
      const [lo, hi] = addon.decimateMinMax(r, a, b, buckets, out);
      const wantLo = Math.min(Math.max(a, 1600), b);
      assert.deepEqual([lo, hi], [wantLo, Math.max(Math.min(b, 2600), wantLo)]);
      assert.deepEqual(out, naiveMinMax(all, 0, ch, a, b, buckets, lo, hi), `ch ${ch} [${a}, ${b}) ${buckets} buckets`);
    }
    r.release();
  }
  const r = new Ring(2, 8);
  assert.throws(() => addon.decimateMinMax(r, 0, 4, 3, new Float32Array(11)), { name: 'RangeError', message: /12 needed/ });
  assert.throws(() => addon.decimateMinMax({} as NativeRing, 0, 4, 3, new Float32Array(12)), {
    name: 'TypeError',
    message: /ring must be a Ring/,
  });
  throwsCode(() => addon.decimateMinMax(r, 5, 4, 3, new Float32Array(12)), 'ERANGE', /start 5 is after end 4/);
  r.release();
});

test('decimateMinMax of a float64 ring equals a JS min/max in double, rounded to float32', () => {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const ch of [1, 4, 19]) {
    const r = new Ring(ch, 700, 'float64');
    // uint32 values near 2^32, where float32 steps are 256 apart: only a double compare orders them.
    const all = new Float64Array(1900 * ch).map(() => 0xffffffff - Math.floor(rand() * 5000));
    all[3 * ch] = NaN;
    r.write(all); // holds 1200..1899
    for (let trial = 0; trial < 20; trial++) {
      let a = Math.floor(rand() * 2000);
      let b = Math.floor(rand() * 2000);
      if (a > b) [a, b] = [b, a];
      const buckets = 1 + Math.floor(rand() * 200);
      const out = new Float32Array(ch * buckets * 2);
      const [lo, hi] = addon.decimateMinMax(r, a, b, buckets, out);
      const wantLo = Math.min(Math.max(a, 1200), b);
      assert.deepEqual([lo, hi], [wantLo, Math.max(Math.min(b, 1900), wantLo)]);
      assert.deepEqual(out, naiveMinMax(all, 0, ch, a, b, buckets, lo, hi), `ch ${ch} [${a}, ${b}) ${buckets} buckets`);
    }
    r.release();
  }
});

test('a ring made with firstFrame goes on at that frame: written, oldest and reads use the stream frame numbers, before it nothing is held', () => {
  const ring = new (native().Ring)(2, 4, 'float64', 1000);
  try {
    assert.equal(ring.written(), 1000);
    assert.equal(ring.oldest(), 1000);
    ring.write(new Float64Array([1, 2, 3, 4]));
    assert.deepEqual(Array.from(ring.read(1000, 1002)), [1, 2, 3, 4]);
    assert.throws(
      () => ring.read(999, 1001),
      (e: Error & { code?: string }) => e.code === 'EOVERWRITTEN',
    );
    ring.write(new Float64Array([5, 6, 7, 8, 9, 10]));
    assert.equal(ring.written(), 1005);
    assert.equal(ring.oldest(), 1001, 'a capacity of 4 frames, lapped once');
    assert.deepEqual(Array.from(ring.read(1001, 1005)), [3, 4, 5, 6, 7, 8, 9, 10]);
    assert.throws(
      () => ring.read(1000, 1001),
      (e: Error & { code?: string }) => e.code === 'EOVERWRITTEN',
    );
    assert.throws(() => new (native().Ring)(1, 4, 'float32', -1), /firstFrame/);
  } finally {
    ring.release();
  }
});
