// Fuzzing two parsers of untrusted bytes that had no fuzz property yet (issue 16, item 4):
//  - RDA messages: the TypeScript decoder (tsDecoder.ts) against the native one, message by
//    message on mutated streams: both accept or both refuse, and what they accept they read alike
//    (block, points, markers, every sample). The native decoder has its own libFuzzer target
//    (native/test/fuzz_rda.cc); this holds the two implementations of one protocol to each other.
//  - NPY headers (parseNpyHeader: `labscope info` and `recover` read files from anywhere): an
//    Error naming the fault or a header that describes what the bytes say, never anything else.
// `npm run fuzz -- --long` runs each for 100 000 cases (FUZZ_RUNS); CI for its FUZZ_SECONDS share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, type NativeRing } from '../../src/core/native';
import { formatNpyHeader, parseNpyHeader } from '../../src/core/writers/npy';
import { encodeData, encodeStart, encodeStop } from '../../src/devices/rda/protocol';
import { RdaProtocolError, TsRdaDecoder, rdaMessageSize } from '../../src/devices/rda/tsDecoder';
import { fuzz, fuzzInputs } from '../support/property';

/** Frames a ring of the fuzzed stream holds: enough for any message of these sizes, at most 16 MiB. */
const RING_BYTES = 16 << 20;

function rdaSeeds(): Uint8Array[] {
  const start = encodeStart({ names: ['Fp1', 'Fp2', 'Cz'], intervalUs: 1000, resolutions: [0.1, 0.5, 1] });
  const float = encodeData({
    format: 'float32',
    block: 1,
    channels: 3,
    samples: Float32Array.from({ length: 3 * 8 }, (_, i) => i - 7.5),
    markers: [{ position: 2, points: 1, channel: -1, type: 'Stimulus', description: 'S  1' }],
  });
  const int16 = encodeData({
    format: 'int16',
    block: 2,
    channels: 3,
    samples: Int16Array.from({ length: 3 * 5 }, (_, i) => (i - 7) * 1000),
  });
  const join = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
  return [join(start, float), join(start, int16, float, encodeStop()), join(start, float, start, int16)];
}

type Outcome = { ok: false } | { ok: true; type: number; block?: number; points?: number; markers?: unknown; samples?: number[] };

test('fuzz: the TypeScript and the native RDA decoders accept the same messages and read them alike', (t) => {
  const addon = native();
  let accepted = 0;
  let refused = 0;
  fuzz(t, 'rda messages', fuzzInputs(rdaSeeds(), { maxRandomLength: 256 }), (stream) => {
    const ts = new TsRdaDecoder();
    const nat = new addon.RdaDecoder();
    let ring: NativeRing | undefined;
    // The native decoder keeps resolutions as float32: one beyond float32's normal range scales
    // differently by design (to 0, a subnormal or infinity), so samples are compared only when
    // every resolution is an ordinary number.
    let ordinary = true;
    for (let offset = 0; offset < stream.length;) {
      // Both splitters agree on where a message ends, or both refuse the header.
      const head = stream.subarray(offset);
      let size: number;
      let nativeSize: number;
      try {
        size = rdaMessageSize(head);
      } catch (error) {
        assert.ok(error instanceof RdaProtocolError, `TS splitter threw ${String(error)}`);
        assert.throws(() => addon.rdaMessageSize(head), { code: 'ERDA' });
        return;
      }
      try {
        nativeSize = addon.rdaMessageSize(head);
      } catch (error) {
        assert.fail(`native splitter refused what the TS one sized as ${size}: ${(error as Error).message}`);
      }
      assert.equal(nativeSize, size, 'message sizes differ');
      if (size === -1 || size > head.length) return;
      const message = Uint8Array.from(head.subarray(0, size));
      offset += size;

      const out = new Float32Array(message.length);
      let mine: Outcome;
      try {
        const d = ts.decode(message, out);
        if ('resolutions' in d) ordinary = d.resolutions.every((r) => Math.abs(r) >= 2 ** -100 && Math.abs(r) <= 2 ** 100);
        mine =
          'block' in d
            ? {
                ok: true,
                type: d.type,
                block: d.block,
                points: d.points,
                markers: d.markers,
                samples: Array.from(out.subarray(0, d.points * ts.channels)),
              }
            : { ok: true, type: d.type };
      } catch (error) {
        assert.ok(error instanceof RdaProtocolError, `TS decoder threw ${String(error)}`);
        mine = { ok: false };
      }
      let theirs: Outcome;
      try {
        const before = ring?.written() ?? 0;
        const isData = message.length >= 24 && [2, 4].includes(Buffer.from(message).readUInt32LE(20));
        const d = nat.decode(message, isData ? ring : undefined);
        if (d.type === 1 && 'names' in d) ring = new addon.Ring(d.channels, Math.max(1, Math.floor(RING_BYTES / 4 / d.channels)));
        if ('block' in d) {
          // Data before any ring (no start yet) is refused by both; here the ring holds the points.
          const samples = ring && d.points > 0 ? Array.from(ring.read(before, before + d.points)) : [];
          theirs = { ok: true, type: d.type, block: d.block, points: d.points, markers: d.markers, samples };
        } else theirs = { ok: true, type: d.type };
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'ERDA', `native decoder threw ${String(error)}`);
        theirs = { ok: false };
      }
      // The native decoder scales in float32 (resolution as a float), the TS one in double
      // rounded once: a sample may differ in its last bit, never more.
      const { samples: a, ...mineRest } = mine as Outcome & { samples?: number[] };
      const { samples: b, ...theirsRest } = theirs as Outcome & { samples?: number[] };
      assert.deepEqual(mineRest, theirsRest, 'the decoders disagree');
      assert.equal(a?.length, b?.length, 'sample counts differ');
      if (ordinary) {
        a?.forEach((x, i) => {
          const y = b![i];
          // Two roundings (the resolution to float32, then the product) against one: 2 ulp at most.
          const close = Math.abs(x - y) <= Math.max(Math.abs(x), Math.abs(y)) * 2 ** -22 || Math.max(Math.abs(x), Math.abs(y)) < 2 ** -120;
          assert.ok(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)) || close, `sample ${i}: TS ${x}, native ${y}`);
        });
      }
      if (mine.ok) accepted++;
      else refused++;
    }
  });
  t.diagnostic(`messages accepted by both ${accepted}, refused by both ${refused}`);
});

test('fuzz: an NPY header parses to what its bytes say, or is refused with an Error naming the fault', (t) => {
  const seeds = [
    formatNpyHeader('<f4', [10, 3], 128),
    formatNpyHeader('<f8', [0, 64], 128),
    formatNpyHeader('<f4', [7], 128),
    Buffer.concat([formatNpyHeader('<f4', [2, 2], 128), Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)]),
  ].map((b) => Uint8Array.from(b));
  let parsed = 0;
  fuzz(t, 'npy headers', fuzzInputs(seeds, { maxRandomLength: 160 }), (bytes) => {
    let header: ReturnType<typeof parseNpyHeader>;
    try {
      header = parseNpyHeader(Buffer.from(bytes));
    } catch (error) {
      assert.ok(error instanceof Error && error.constructor === Error, `threw ${String(error)}`);
      assert.ok(error.message.length > 0);
      return;
    }
    parsed++;
    assert.ok(header.dataOffset <= bytes.length, 'data offset past the bytes given');
    assert.ok(header.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
    assert.equal(typeof header.fortranOrder, 'boolean');
    assert.ok([1, 2, 3].includes(header.version[0]));
  });
  t.diagnostic(`headers parsed ${parsed}`);
});
